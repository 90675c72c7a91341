import type Stripe from "stripe";
import type { DomainEvent } from "../../schema/events";
import { finishBillingRun, startBillingRun } from "../data/billing-runs";
import { claimAction, claimActions, lateFeesCharged, recordActionOutcome } from "../data/invoice-actions";
import { insertDueInvoices, openInvoices, type OpenInvoice } from "../data/invoices";
import { post } from "../data/ledger";
import { activeLeasesPage, endActiveLease, leasesEndingBy, lockLeaseEnds } from "../data/leases";
import { recordInvoicePayment } from "../data/payments";
import { withPg, type PgDb } from "../data/pg";
import { addDays, todayIn } from "../domain/dates";
import { newId } from "../domain/ids";
import { invoicePosting, lateFeePosting } from "../domain/ledger";
import { lateFeeSteps } from "../domain/late-fees";
import { daysLate, periodRent, periodsDue } from "../domain/periods";
import { d1 } from "../data/d1";
import { announce, newEvent } from "../outbox";
import { log } from "../log";
import { chargeSavedCard } from "../payments/rent-charges";

/** Invoices are issued this many days before their period starts (and are due on that day). */
export const INVOICE_LEAD_DAYS = 7;
/** Off-session charge attempts, in days after the due date: at once, then retries. */
export const CHARGE_SCHEDULE = [0, 2, 5];
const PAGE = 2000;

export interface BillingSummary { invoicesCreated: number; remindersSent: number; feesApplied: number; chargesAttempted: number; leasesEnded: number }

/**
 * The rent run. Its clock is the trigger's scheduled time, never "now", so any run can be
 * replayed for any date, and a missed day is caught up by the next run. Everything it creates is
 * unique in the database (invoice per lease and period, action per invoice and step, ledger
 * posting per reference), so runs that repeat or overlap create each thing once. `scope`
 * re-runs one lease (an operator's replay); the cron always runs them all.
 */
export async function runBilling(env: Env, scheduledTime: Date, scope: { leaseId?: string } = {}): Promise<BillingSummary> {
  return withPg(env, async (db) => {
    const runId = await startBillingRun(db, scheduledTime);
    const today = localDates(scheduledTime);
    const events: DomainEvent[] = [];
    const P = `${runId}`; let t0 = Date.now(); const lap = (n: string) => { const t = Date.now(); log("error", `PROF run=${P} ${n}`, { ms: t - t0 }); t0 = t; };
    try {
      const invoicesCreated = await issueInvoices(db, today, events, scope.leaseId); lap("issue");
      const open = (await openInvoices(db, { ...scope, activeOnly: true })).filter((i) => i.outstanding > 0); lap("open");
      const remindersSent = await sendReminders(db, open, today, Number(env.REMINDER_DAYS), events); lap("remind");
      const feesApplied = await applyLateFees(db, open, today, events); lap("fees");
      const chargesAttempted = await chargeSavedCards(env, db, open, today, events); lap("charge");
      const leasesEnded = scope.leaseId ? 0 : await endLeases(env, db, scheduledTime, events); lap("end");
      const summary = { invoicesCreated, remindersSent, feesApplied, chargesAttempted, leasesEnded };
      await finishBillingRun(db, runId, summary);
      return summary;
    } finally {
      // What was done is announced even when a later step throws: each notice belongs to a change already committed.
      await announce(env, d1(env), events).then(() => lap("announce")).catch((err: unknown) => log("error", "billing notices not announced", { count: events.length, err: String(err) }));
    }
  });
}

/** Today's date in each timezone at the run's instant, computed once per timezone. */
function localDates(at: Date): (timeZone: string) => string {
  const cache = new Map<string, string>();
  return (tz) => cache.get(tz) ?? cache.set(tz, todayIn(tz, at)).get(tz)!;
}

async function issueInvoices(db: PgDb, today: (tz: string) => string, events: DomainEvent[], leaseId?: string): Promise<number> {
  let created = 0; const acc = { page: 0, filter: 0, tx: 0, ev: 0 }; let tt = Date.now(); const tick = (k: keyof typeof acc) => { const n = Date.now(); acc[k] += n - tt; tt = n; };
  for (let after = ""; ;) {
    tt = Date.now();
    const page = await activeLeasesPage(db, after, PAGE, leaseId); tick("page");
    if (page.length === 0) { log("error", `PROF issue parts ${Math.random()}`, acc); return created; }
    after = page.at(-1)!.id;
    const dueRows = (l: (typeof page)[number], endDate: string | null) => periodsDue({ startDate: l.startDate, billingDay: l.billingDay, endDate }, today(l.timezone), INVOICE_LEAD_DAYS, l.lastPeriod)
      .map((p) => ({ id: newId("inv"), leaseId: l.id, periodStart: p.start, periodEnd: p.end, dueDate: p.start, rentAmount: periodRent(l.rentAmount, p), currency: l.currency }));
    const due = page.filter((l) => dueRows(l, l.endDate).length > 0); tick("filter");
    if (due.length === 0) continue;
    const inserted = await db.transaction(async (tx) => {
      // A notice (which holds its lease FOR UPDATE) may have moved an end date since the page was read.
      const ends = await lockLeaseEnds(tx, due.map((l) => l.id));
      const rows = due.flatMap((l) => dueRows(l, ends.has(l.id) ? ends.get(l.id)! : l.endDate));
      if (rows.length === 0) return [];
      const fresh = await insertDueInvoices(tx, rows);
      await post(tx, fresh.map((i) => invoicePosting(i.leaseId, i.id, i.rentAmount, i.currency, `${i.periodStart}…${i.periodEnd}`)));
      return fresh;
    }); tick("tx");
    created += inserted.length;
    events.push(...inserted.map((i) => newEvent("invoice.issued", { invoiceId: i.id, leaseId: i.leaseId, amount: i.rentAmount, currency: i.currency }))); tick("ev");
  }
}

/** One reminder per invoice, `reminderDays` before it is due (REMINDER_DAYS in wrangler.toml). */
async function sendReminders(db: PgDb, open: OpenInvoice[], today: (tz: string) => string, reminderDays: number, events: DomainEvent[]): Promise<number> {
  const due = open.filter((inv) => {
    const t = today(inv.timezone);
    return t >= addDays(inv.dueDate, -reminderDays) && t <= inv.dueDate;
  });
  const claimed = await claimActions(db, due.map((inv) => ({ invoiceId: inv.id, kind: "reminder" as const, step: 0 })));
  for (const inv of due.filter((i) => claimed.has(i.id))) {
    events.push(newEvent("invoice.reminder", { invoiceId: inv.id, leaseId: inv.leaseId, amount: inv.outstanding, currency: inv.currency }));
  }
  return claimed.size;
}

async function applyLateFees(db: PgDb, open: OpenInvoice[], today: (tz: string) => string, events: DomainEvent[]): Promise<number> {
  let applied = 0;
  // Only invoices past their grace period can owe a fee; their charged steps are read in one query.
  const overdue = open.filter((inv) => daysLate(inv.dueDate, today(inv.timezone)) > inv.lateFeeRule.graceDays);
  const charged = await lateFeesCharged(db, overdue.map((inv) => inv.id));
  for (const inv of overdue) {
    const steps = lateFeeSteps(inv.lateFeeRule, inv.rentAmount, daysLate(inv.dueDate, today(inv.timezone)), charged.get(inv.id));
    for (const { step, amount } of steps) {
      const fresh = await db.transaction(async (tx) => {
        if (!(await claimAction(tx, inv.id, "late_fee", step, amount))) return false;
        await post(tx, [lateFeePosting(inv.leaseId, inv.id, step, amount, inv.currency)]);
        return true;
      });
      if (fresh) {
        applied++;
        events.push(newEvent("invoice.late_fee", { invoiceId: inv.id, leaseId: inv.leaseId, amount, currency: inv.currency }));
      }
    }
  }
  return applied;
}

/**
 * Charges the saved card of tenants who have one, once per scheduled attempt. The idempotency
 * key is derived from the invoice and the attempt, so a run that repeats never charges twice.
 */
async function chargeSavedCards(env: Env, db: PgDb, open: OpenInvoice[], today: (tz: string) => string, events: DomainEvent[]): Promise<number> {
  let attempted = 0;
  for (const inv of open.filter((i) => i.stripeCustomerId && i.stripePaymentMethodId)) {
    const late = daysLate(inv.dueDate, today(inv.timezone));
    if (today(inv.timezone) < inv.dueDate) continue;
    const step = CHARGE_SCHEDULE.filter((d) => d <= late).length - 1;
    if (step < 0 || !(await claimAction(db, inv.id, "charge", step))) continue;
    attempted++;
    let pi: Stripe.PaymentIntent;
    try {
      pi = await chargeSavedCard(env, {
        invoiceId: inv.id, leaseId: inv.leaseId, amount: inv.outstanding, currency: inv.currency,
        customerId: inv.stripeCustomerId!, paymentMethodId: inv.stripePaymentMethodId!,
      }, step);
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).slice(0, 200);
      await recordActionOutcome(db, inv.id, "charge", step, `failed: ${reason}`);
      const finalAttempt = step === CHARGE_SCHEDULE.length - 1;
      log("warn", "off-session charge failed", { invoiceId: inv.id, step, finalAttempt, reason });
      events.push(newEvent("invoice.charge_failed", { invoiceId: inv.id, leaseId: inv.leaseId, amount: inv.outstanding, currency: inv.currency, attempt: step + 1, finalAttempt, reason }));
      continue;
    }
    await recordActionOutcome(db, inv.id, "charge", step, pi.status);
    // The money was taken: if recording it fails here, the webhook for the same PaymentIntent records it.
    if (pi.status === "succeeded") {
      await recordInvoicePayment(db, { id: inv.id, leaseId: inv.leaseId, currency: inv.currency }, pi.id, pi.amount_received, "off_session")
        .catch((err: unknown) => log("error", "off-session payment not recorded; its webhook will", { invoiceId: inv.id, paymentIntentId: pi.id, err: String(err) }));
    }
  }
  return attempted;
}

/**
 * Leases whose end date has come (in their own timezone) end, and return the landlord's contract.
 * The contract is released first (release is idempotent) and the lease marked ended only after:
 * a release that throws leaves the lease active, so the next run tries again instead of leaving
 * the contract held forever.
 */
async function endLeases(env: Env, db: PgDb, at: Date, events: DomainEvent[]): Promise<number> {
  const due = await leasesEndingBy(db, at);
  let ended = 0;
  for (const l of due) {
    try {
      await env.LANDLORD_DESK.getByName(l.landlordId).release(l.bookingId);
    } catch (err) {
      log("warn", "lease end deferred: contract release failed", { leaseId: l.id, reason: err instanceof Error ? err.message : String(err) });
      continue;
    }
    // A concurrent run may have ended it meanwhile: only the run that flips the status announces it.
    if (!(await endActiveLease(db, l.id))) continue;
    ended++;
    events.push(newEvent("lease.ended", { leaseId: l.id, bookingId: l.bookingId }));
  }
  return ended;
}
