import type { DomainEvent } from "../../schema/events";
import { finishBillingRun, startBillingRun } from "../data/billing-runs";
import { claimAction, claimActions, lateFeesCharged, recordActionOutcome } from "../data/invoice-actions";
import { insertDueInvoices, openInvoices, type IssuedInvoice, type OpenInvoice } from "../data/invoices";
import { post } from "../data/ledger";
import {
  activeLeasesPage,
  endActiveLease,
  leasesEndingBy,
  lockLease,
  lockLeaseEnds,
  type BillableLease,
} from "../data/leases";
import { insertAttempt, type PaymentAttempt } from "../data/payment-attempts";
import { withPg, type PgDb } from "../data/pg";
import { addDays, todayIn } from "../domain/dates";
import { newId } from "../domain/ids";
import { invoicePosting, lateFeePosting } from "../domain/ledger";
import { lateFeeSteps } from "../domain/late-fees";
import { daysLate, periodRent, periodsDue, type Period } from "../domain/periods";
import { d1 } from "../data/d1";
import { announce, newEvent } from "../outbox";
import { log } from "../log";
import { chargeSavedCard } from "../payments/rent-charges";
import { settleCharge } from "../services/invoices";

/** Invoices are issued this many days before their period starts (and are due on that day). */
export const INVOICE_LEAD_DAYS = 7;
/** Off-session charge attempts, in days after the due date: at once, then retries. */
export const CHARGE_SCHEDULE = [0, 2, 5];
/**
 * Leases per page, and at most this many invoices per transaction: one keyset page is one read,
 * one share lock, one insert and one ledger posting statement, each from arrays.
 */
const PAGE = 5000;
/** Connections issuing at once: Postgres does most of the work, and one backend uses one core. */
const ISSUE_LANES = 2;
/** Late-fee steps claimed and posted per transaction. */
const FEE_CHUNK = 2000;

export interface BillingSummary {
  invoicesCreated: number;
  remindersSent: number;
  feesApplied: number;
  chargesAttempted: number;
  leasesEnded: number;
}

/**
 * The rent run. Its clock is the trigger's scheduled time, never "now", so any run can be
 * replayed for any date, and a missed day is caught up by the next run. Everything it creates is
 * unique in the database (invoice per lease and period, action per invoice and step, ledger
 * posting per reference), so runs that repeat or overlap create each thing once. `scope`
 * re-runs one lease (an operator's replay); the cron always runs them all.
 */
export async function runBilling(
  env: Env,
  scheduledTime: Date,
  scope: { leaseId?: string } = {},
): Promise<BillingSummary> {
  return withPg(env, async (db) => {
    const runId = await startBillingRun(db, scheduledTime);
    const today = localDates(scheduledTime);
    const reminderDays = Math.max(0, Number(env.REMINDER_DAYS) || 0);
    const events: DomainEvent[] = [];
    try {
      const invoicesCreated = await issueInvoices(env, db, today, events, scope.leaseId);
      // Nothing is reminded, fined or charged before its reminder window opens.
      const dueBy = { at: scheduledTime, days: reminderDays };
      const open = (await openInvoices(db, { ...scope, activeOnly: true, dueBy })).filter((i) => i.outstanding > 0);
      const remindersSent = await sendReminders(db, open, today, reminderDays, events);
      const feesApplied = await applyLateFees(db, open, today, events);
      const chargesAttempted = await chargeSavedCards(env, db, open, today, events);
      const leasesEnded = scope.leaseId ? 0 : await endLeases(env, db, scheduledTime, events);
      const summary = { invoicesCreated, remindersSent, feesApplied, chargesAttempted, leasesEnded };
      await finishBillingRun(db, runId, summary);
      return summary;
    } finally {
      // What was done is announced even when a later step throws: each notice belongs to a change already committed.
      await announce(env, d1(env), events).catch((err: unknown) =>
        log("error", "billing notices not announced", { count: events.length, err: String(err) }),
      );
    }
  });
}

/** Today's date in each timezone at the run's instant, computed once per timezone. */
function localDates(at: Date): (timeZone: string) => string {
  const cache = new Map<string, string>();
  return (tz) => cache.get(tz) ?? cache.set(tz, todayIn(tz, at)).get(tz)!;
}

/**
 * Issues what is due, a keyset page of leases per transaction. Pages are handed out in key order
 * to `ISSUE_LANES` lanes, each on its own connection, so Postgres works on two pages at once.
 */
async function issueInvoices(
  env: Env,
  db: PgDb,
  today: (tz: string) => string,
  events: DomainEvent[],
  leaseId?: string,
): Promise<number> {
  let after = "";
  let stopped = false;
  let reading: Promise<unknown> = Promise.resolve();
  // One page read at a time, so each starts after the last key the previous one returned.
  const nextPage = (conn: PgDb): Promise<BillableLease[]> => {
    const page = reading.then(async () => {
      const rows = stopped ? [] : await activeLeasesPage(conn, after, PAGE, leaseId);
      if (rows.length > 0) after = rows.at(-1)!.id;
      return rows;
    });
    reading = page.catch(() => undefined);
    return page;
  };
  const lane = async (conn: PgDb): Promise<number> => {
    let created = 0;
    try {
      for (let page = await nextPage(conn); page.length > 0; page = await nextPage(conn)) {
        const issued = await issuePage(conn, page, today);
        created += issued.length;
        events.push(
          ...issued.map((i) =>
            newEvent("invoice.issued", {
              invoiceId: i.id,
              leaseId: i.leaseId,
              amount: i.rentAmount,
              currency: i.currency,
              dueDate: i.dueDate,
            }),
          ),
        );
      }
      return created;
    } catch (err) {
      stopped = true;
      throw err;
    }
  };
  const extra = leaseId ? 0 : ISSUE_LANES - 1;
  // Every lane ends before its connection closes; a failure stops the others and fails the run (the next run retries).
  const results = await Promise.allSettled([lane(db), ...Array.from({ length: extra }, () => withPg(env, lane))]);
  const failure = results.find((r) => r.status === "rejected");
  if (failure) throw failure.reason;
  return results.reduce((sum, r) => sum + (r.status === "fulfilled" ? r.value : 0), 0);
}

/** Invoices the periods due on one page of leases, with their ledger postings, in one transaction. */
async function issuePage(db: PgDb, page: BillableLease[], today: (tz: string) => string): Promise<IssuedInvoice[]> {
  const due = (l: BillableLease, endDate: string | null) =>
    periodsDue(
      { startDate: l.startDate, billingDay: l.billingDay, endDate },
      today(l.timezone),
      INVOICE_LEAD_DAYS,
      l.lastPeriod,
    );
  const billable = page
    .map((lease) => ({ lease, periods: due(lease, lease.endDate) }))
    .filter((b) => b.periods.length > 0);
  if (billable.length === 0) return [];
  return db.transaction(async (tx) => {
    // A notice (which holds its lease FOR UPDATE) may have moved an end date since the page was read.
    const ends = await lockLeaseEnds(
      tx,
      billable.map((b) => b.lease.id),
    );
    const rows = billable.flatMap(({ lease, periods }) => {
      const endDate = ends.has(lease.id) ? ends.get(lease.id)! : lease.endDate;
      return (endDate === lease.endDate ? periods : due(lease, endDate)).map((p) => invoiceRow(lease, p));
    });
    const fresh = await insertDueInvoices(tx, rows);
    await post(
      tx,
      fresh.map((i) => invoicePosting(i.leaseId, i.id, i.rentAmount, i.currency, `${i.periodStart}…${i.periodEnd}`)),
    );
    return fresh;
  });
}

function invoiceRow(lease: BillableLease, p: Period) {
  return {
    id: newId("inv"),
    leaseId: lease.id,
    periodStart: p.start,
    periodEnd: p.end,
    dueDate: p.start,
    rentAmount: periodRent(lease.rentAmount, p),
    currency: lease.currency,
  };
}

/** One reminder per invoice, `reminderDays` before it is due (REMINDER_DAYS in wrangler.toml). */
async function sendReminders(
  db: PgDb,
  open: OpenInvoice[],
  today: (tz: string) => string,
  reminderDays: number,
  events: DomainEvent[],
): Promise<number> {
  const due = open.filter((inv) => {
    const t = today(inv.timezone);
    return t >= addDays(inv.dueDate, -reminderDays) && t <= inv.dueDate;
  });
  const claimed = await claimActions(
    db,
    due.map((inv) => ({ inv, invoiceId: inv.id, kind: "reminder" as const, step: 0 })),
  );
  events.push(
    ...claimed.map(({ inv }) =>
      newEvent("invoice.reminder", {
        invoiceId: inv.id,
        leaseId: inv.leaseId,
        amount: inv.outstanding,
        currency: inv.currency,
        dueDate: inv.dueDate,
      }),
    ),
  );
  return claimed.length;
}

/** Each late-fee step is claimed and posted in one transaction per chunk: a claim without its posting never commits. */
async function applyLateFees(
  db: PgDb,
  open: OpenInvoice[],
  today: (tz: string) => string,
  events: DomainEvent[],
): Promise<number> {
  // Only invoices past their grace period can owe a fee; their charged steps are read in one query.
  const overdue = open.filter((inv) => daysLate(inv.dueDate, today(inv.timezone)) > inv.lateFeeRule.graceDays);
  const charged = await lateFeesCharged(
    db,
    overdue.map((inv) => inv.id),
  );
  // In invoice order, so runs at once cut the same chunks and claim them in the same order.
  const steps = overdue
    .toSorted((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .flatMap((inv) =>
      lateFeeSteps(
        inv.lateFeeRule,
        inv.rentAmount,
        daysLate(inv.dueDate, today(inv.timezone)),
        charged.get(inv.id),
      ).map((s) => ({ inv, ...s })),
    );
  let applied = 0;
  for (let i = 0; i < steps.length; i += FEE_CHUNK) {
    const chunk = steps.slice(i, i + FEE_CHUNK);
    const fresh = await db.transaction(async (tx) => {
      const fees = await claimActions(
        tx,
        chunk.map((s) => ({ ...s, invoiceId: s.inv.id, kind: "late_fee" as const })),
      );
      await post(
        tx,
        fees.map(({ inv, step, amount }) => lateFeePosting(inv.leaseId, inv.id, step, amount, inv.currency)),
      );
      return fees;
    });
    applied += fresh.length;
    events.push(
      ...fresh.map(({ inv, amount }) =>
        newEvent("invoice.late_fee", { invoiceId: inv.id, leaseId: inv.leaseId, amount, currency: inv.currency }),
      ),
    );
  }
  return applied;
}

/**
 * Charges the saved card of tenants who have one, once per scheduled attempt. Each attempt is
 * claimed, and its amount decided, in one transaction with the lease locked (`claimCharge`); the
 * idempotency key is the invoice and the attempt, so a run that repeats never charges twice.
 */
async function chargeSavedCards(
  env: Env,
  db: PgDb,
  open: OpenInvoice[],
  today: (tz: string) => string,
  events: DomainEvent[],
): Promise<number> {
  let attempted = 0;
  for (const inv of open.filter((i) => i.stripeCustomerId && i.stripePaymentMethodId)) {
    const late = daysLate(inv.dueDate, today(inv.timezone));
    if (today(inv.timezone) < inv.dueDate) continue;
    const step = CHARGE_SCHEDULE.filter((d) => d <= late).length - 1;
    if (step < 0) continue;
    const claimed = await claimCharge(db, inv, step);
    if (!claimed) continue;
    attempted++;
    const { attempt, customerId } = claimed;
    const outcome = await chargeSavedCard(env, {
      attemptId: attempt.id,
      invoiceId: inv.id,
      leaseId: inv.leaseId,
      amount: attempt.amount,
      currency: inv.currency,
      customerId,
      paymentMethodId: attempt.paymentMethod,
    });
    // The money may have moved: if recording it fails here, its webhook (or the reconciliation) records it.
    const settled = await settleCharge(db, attempt, outcome).catch((err: unknown) => {
      log("error", "off-session charge not recorded; its webhook will", {
        invoiceId: inv.id,
        attemptId: attempt.id,
        err: String(err),
      });
      return null;
    });
    if (outcome.kind === "unknown") {
      // Not a failure: Stripe may have charged. The attempt stays pending (its amount counted as paid) until settled.
      await recordActionOutcome(db, inv.id, "charge", step, `pending: ${outcome.reason}`.slice(0, 200));
      log("warn", "off-session charge outcome unknown", {
        invoiceId: inv.id,
        step,
        attemptId: attempt.id,
        reason: outcome.reason,
      });
      continue;
    }
    if (outcome.kind === "answered" && settled?.status !== "failed") {
      await recordActionOutcome(db, inv.id, "charge", step, outcome.intent.status);
      continue;
    }
    const reason = (outcome.kind === "answered" ? (settled?.outcome ?? outcome.intent.status) : outcome.reason).slice(
      0,
      200,
    );
    await recordActionOutcome(db, inv.id, "charge", step, `failed: ${reason}`);
    const finalAttempt = step === CHARGE_SCHEDULE.length - 1;
    log("warn", "off-session charge failed", { invoiceId: inv.id, step, finalAttempt, reason });
    events.push(
      newEvent("invoice.charge_failed", {
        invoiceId: inv.id,
        leaseId: inv.leaseId,
        amount: attempt.amount,
        currency: inv.currency,
        attempt: step + 1,
        finalAttempt,
        reason,
      }),
    );
  }
  return attempted;
}

/**
 * Claims attempt `step` of an invoice's off-session charge and decides its amount, in one
 * transaction with the lease locked (as a tenant's payment decides): what is owed on the
 * invoice now, read inside it, so fees this run posted are charged and a payment made (or in
 * flight) since the run read its open invoices is not charged again. The attempt is written in
 * the same transaction. Null when the step was claimed before or nothing is owed any more.
 */
async function claimCharge(
  db: PgDb,
  inv: OpenInvoice,
  step: number,
): Promise<{ attempt: PaymentAttempt; customerId: string } | null> {
  return db.transaction(async (tx) => {
    const lease = await lockLease(tx, inv.leaseId);
    if (!lease?.stripeCustomerId || !lease.stripePaymentMethodId) return null;
    const [now] = await openInvoices(tx, { leaseId: inv.leaseId, invoiceId: inv.id, lessPending: true });
    if (!now || now.outstanding <= 0) return null;
    if (!(await claimAction(tx, inv.id, "charge", step))) return null;
    const attempt = await insertAttempt(tx, {
      id: `invoice-${inv.id}-charge-${step}`,
      leaseId: inv.leaseId,
      invoiceId: inv.id,
      source: "off_session",
      amount: now.outstanding,
      currency: inv.currency,
      paymentMethod: lease.stripePaymentMethodId,
    });
    return attempt ? { attempt, customerId: lease.stripeCustomerId } : null;
  });
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
      log("warn", "lease end deferred: contract release failed", {
        leaseId: l.id,
        reason: err instanceof Error ? err.message : String(err),
      });
      continue;
    }
    // A concurrent run may have ended it meanwhile: only the run that flips the status announces it.
    if (!(await endActiveLease(db, l.id))) continue;
    ended++;
    events.push(newEvent("lease.ended", { leaseId: l.id, bookingId: l.bookingId }));
  }
  return ended;
}
