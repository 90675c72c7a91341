import { log } from "../log";
import { reconcilePaymentAttempts } from "../services/invoices";
import { expireStaleOffers } from "../services/offers";
import { makeDeps } from "../deps";
import { runBilling } from "./billing";
import { d1 } from "../data/d1";
import { expireRequests } from "../data/rental-requests";
import { sweepOutbox } from "./outbox-sweep";
import { runReconciliation } from "./reconcile";
import { purgeExpired } from "./retention";

/** Cron expressions from wrangler.toml mapped to their jobs. */
export const CRON_JOBS: Record<string, (env: Env, scheduledTime: Date) => Promise<unknown>> = {
  "*/5 * * * *": (env, scheduledTime) => everyFiveMinutes(env, scheduledTime),
  "0 * * * *": async (env, scheduledTime) => ({
    // First: it is one bounded statement, and billing failing must not keep requests open.
    expiredRequests: await expireRequests(d1(env), scheduledTime.toISOString()),
    billing: await runBilling(env, scheduledTime),
  }),
};

/**
 * The five-minute jobs, side by side: the outbox sweep, payment reconciliation, retention and offer expiry each
 * bound their own time or rows, and one failing does not stop the others (it fails the run after).
 */
async function everyFiveMinutes(env: Env, scheduledTime: Date): Promise<Record<string, unknown>> {
  const jobs = {
    outboxSweep: sweepOutbox(env),
    reconciliation: runReconciliation(env, scheduledTime),
    paymentAttempts: reconcilePaymentAttempts(env, scheduledTime),
    retention: purgeExpired(env, scheduledTime),
    // The desk's alarm frees an offer's contract at its expiry; this writes the offer's status.
    expiredOffers: expireStaleOffers(makeDeps(env), scheduledTime),
  };
  const names = Object.keys(jobs);
  const settled = await Promise.allSettled(Object.values(jobs));
  const result = Object.fromEntries(
    settled.map((s, i) => [names[i], s.status === "fulfilled" ? s.value : { failed: String(s.reason).slice(0, 300) }]),
  );
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) {
    log("error", "five-minute job failed", { result });
    throw failed.reason;
  }
  return result;
}

/** Runs the job of `controller.cron`, using the trigger's scheduled time as the clock. */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const job = CRON_JOBS[controller.cron];
  if (!job) {
    log("warn", "no job for cron", { cron: controller.cron });
    return;
  }
  const result = await job(env, new Date(controller.scheduledTime));
  log("info", "cron done", {
    cron: controller.cron,
    scheduledTime: new Date(controller.scheduledTime).toISOString(),
    result,
  });
}
