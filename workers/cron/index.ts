import { log } from "../log";
import { runBilling } from "./billing";
import { sweepOutbox } from "./outbox-sweep";

/** Cron expressions from wrangler.toml mapped to their jobs. */
export const CRON_JOBS: Record<string, (env: Env, scheduledTime: Date) => Promise<unknown>> = {
  "*/5 * * * *": (env) => sweepOutbox(env),
  "0 * * * *": (env, scheduledTime) => runBilling(env, scheduledTime),
};

/** Runs the job of `controller.cron`, using the trigger's scheduled time as the clock. */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const job = CRON_JOBS[controller.cron];
  if (!job) {
    log("warn", "no job for cron", { cron: controller.cron });
    return;
  }
  const result = await job(env, new Date(controller.scheduledTime));
  log("info", "cron done", { cron: controller.cron, scheduledTime: new Date(controller.scheduledTime).toISOString(), result });
}
