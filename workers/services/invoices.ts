import type Stripe from "stripe";
import type { Deps } from "../deps";
import { findInvoice, listInvoices, openInvoices, type InvoiceRow, type OpenInvoice } from "../data/invoices";
import { lockLease, type LeaseRow } from "../data/leases";
import {
  findAttempt,
  insertAttempt,
  pendingAttempts,
  settleAttempt,
  type AttemptStatus,
  type PaymentAttempt,
} from "../data/payment-attempts";
import { recordInvoicePayment } from "../data/payments";
import { withPg, type PgDb, type PgTx } from "../data/pg";
import { enforceRateLimit } from "../data/rate-limits";
import { toPage } from "../domain/cursor";
import { addDays, todayIn } from "../domain/dates";
import { paymentRefusal, type PaymentPolicy, type PaymentRefusal } from "../domain/invoice-payments";
import type { AuthUser } from "../domain/tokens";
import { AppError } from "../errors";
import { requireVerifiedEmail } from "./account";
import { log } from "../log";
import { chargeTenantCard, currentIntent, findAttemptIntent, type ChargeOutcome } from "../payments/rent-charges";
import { visibleLease } from "./leases";

/** An attempt still pending this long after it was made lost its answer (the slowest Stripe call takes 3 × 30 s): the reconciliation looks for it. */
export const SETTLE_AFTER_MS = 5 * 60_000;
/** Stripe keeps an idempotency key for 24 hours; past (nearly) that a retried create could charge again, so an older attempt is only looked up. */
const STRIPE_KEY_WINDOW_MS = 23 * 3_600_000;

type PayInput = { amount: number; currency: string; paymentMethod: string };

/**
 * The tenant pays all or part of an invoice, within the lease's partial-payment policy. The
 * amount is decided in one transaction with the lease row locked, from what is owed now (payments
 * still in flight count as paid), and that transaction writes the attempt before Stripe is asked,
 * so two payments at once decide one after the other. `requestId` comes from the Idempotency-Key
 * and the body (the same on every retry), and so does the Stripe idempotency key: a retry after a timeout or a
 * 5xx reaches the PaymentIntent the first try made. An answer Stripe did not give (timeout,
 * dropped connection, Stripe 5xx) is `pending`, never a failure: the webhook, a retry or the
 * reconciliation settles it.
 */
export async function payInvoice(deps: Deps, tenant: AuthUser, invoiceId: string, input: PayInput, requestId: string) {
  // Every try counts, refused ones too: card testing is many small tries with many cards.
  await enforceRateLimit(deps.env.INVOICE_PAYMENT_LIMITER, [`tenant:${tenant.id}`]);
  await requireVerifiedEmail(deps, tenant, "pay");
  const attemptId = `invoice-payment-${requestId}`;
  return withPg(deps.env, async (db) => {
    const { attempt, invoice, fresh } = await db.transaction(async (tx) => {
      const invoice = await visibleInvoice(tx, tenant, invoiceId);
      if (invoice.lease.tenantId !== tenant.id) throw new AppError("not_found", "No such invoice.");
      // The id names the tenant, the key and the request's body: a retry of this very payment.
      // Even past Stripe's 24 hours it is answered, not charged again.
      const existing = await findAttempt(tx, attemptId);
      if (existing) return { attempt: existing, invoice, fresh: false };
      const lease = (await lockLease(tx, invoice.leaseId))!;
      if (invoice.voidedAt) throw new AppError("conflict", "This invoice is void: the lease ended before its period.");
      if (input.currency !== invoice.currency)
        throw new AppError("validation_failed", `Pay in ${invoice.currency}.`, {
          errors: [{ path: "amount.currency", message: `must be ${invoice.currency}` }],
        });
      const open = await openInvoices(tx, { leaseId: lease.id, lessPending: true });
      const owed = {
        outstanding: open.find((o) => o.id === invoice.id)?.outstanding ?? 0,
        rent: invoice.rentAmount,
        leaseBalance: open.reduce((sum, o) => sum + o.outstanding, 0),
        periodRent: lease.rentAmount,
      };
      const refusal = paymentRefusal(lease.partialPolicy, input.amount, owed);
      if (refusal) throw refusalError(refusal, lease.partialPolicy, invoice.currency);
      const created = await insertAttempt(tx, {
        id: attemptId,
        leaseId: lease.id,
        invoiceId: invoice.id,
        source: "tenant",
        amount: input.amount,
        currency: invoice.currency,
        paymentMethod: input.paymentMethod,
      });
      if (!created)
        throw new AppError(
          "idempotency_in_progress",
          "A payment with this Idempotency-Key is still being processed; retry shortly.",
          { headers: { "retry-after": "1" } },
        );
      return { attempt: created, invoice: { ...invoice, lease }, fresh: true };
    });
    const amount = { amount: attempt.amount, currency: attempt.currency };
    const view = async () => invoiceView(invoice, await openInvoices(db, { leaseId: invoice.leaseId }));
    if (attempt.status === "succeeded")
      return {
        pending: false as const,
        body: { paymentId: attempt.paymentIntentId!, status: "succeeded", amount, invoice: await view() },
      };
    if (attempt.status === "failed") throw failureError(attempt.outcome);
    const settled = await settleCharge(db, attempt, await askStripe(deps.env, attempt, tenant.id, fresh));
    if (settled.status === "failed") throw failureError(settled.outcome);
    if (settled.status === "pending") {
      const detail =
        "Stripe has not confirmed this payment yet: nothing more to do. It is recorded when Stripe confirms it; a retry with the same Idempotency-Key asks again.";
      const paymentId = settled.intent ? { paymentId: settled.intent.id } : {};
      return {
        pending: true as const,
        body: {
          status: "pending" as const,
          code: "payment_pending" as const,
          detail,
          ...paymentId,
          amount,
          invoice: await view(),
        },
      };
    }
    const pi = settled.intent!;
    // A card that needs authentication (3-D Secure) is finished by the client with Stripe.js,
    // which needs the client secret; the webhook then records the payment.
    const clientSecret = pi.status === "requires_action" && pi.client_secret ? { clientSecret: pi.client_secret } : {};
    return {
      pending: false as const,
      body: { paymentId: pi.id, status: pi.status, ...clientSecret, amount, invoice: await view() },
    };
  });
}

/**
 * Asks Stripe about an attempt: the first time, the charge; again (a retry of the same key), the
 * PaymentIntent as it is now, through the same create (Stripe answers a repeated key with what it
 * answered first, so a status short of final is read again) or by its id once known.
 */
async function askStripe(env: Env, attempt: PaymentAttempt, tenantId: string, fresh: boolean): Promise<ChargeOutcome> {
  if (attempt.paymentIntentId) return current(env, attempt.paymentIntentId);
  if (!fresh && Date.now() - attempt.createdAt.getTime() > STRIPE_KEY_WINDOW_MS)
    return { kind: "unknown", reason: "past Stripe's idempotency window: left to the reconciliation" };
  const outcome = await chargeTenantCard(env, {
    attemptId: attempt.id,
    invoiceId: attempt.invoiceId,
    leaseId: attempt.leaseId,
    tenantId,
    amount: attempt.amount,
    currency: attempt.currency,
    paymentMethod: attempt.paymentMethod,
  });
  return !fresh && outcome.kind === "answered" && outcome.intent.status !== "succeeded"
    ? current(env, outcome.intent.id)
    : outcome;
}

/** The PaymentIntent as Stripe has it now; a failure to read it is no answer, not a refusal. */
async function current(env: Env, paymentIntentId: string): Promise<ChargeOutcome> {
  return currentIntent(env, paymentIntentId).then(
    (intent) => ({ kind: "answered" as const, intent }),
    (err: unknown) => ({ kind: "unknown" as const, reason: err instanceof Error ? err.message : String(err) }),
  );
}

export interface SettledCharge {
  status: AttemptStatus;
  intent: Stripe.PaymentIntent | null;
  outcome: string | null;
}

/**
 * Records what Stripe said to an attempt (tenant or off-session): a succeeded PaymentIntent is
 * a payment (recorded once per PaymentIntent, with its ledger posting); one waiting for the
 * card's authentication stops counting as in flight; a decline or a refused request charged
 * nothing; no answer leaves the attempt pending, its amount still counted as paid.
 */
export async function settleCharge(db: PgDb, attempt: PaymentAttempt, outcome: ChargeOutcome): Promise<SettledCharge> {
  if (outcome.kind === "unknown") return { status: "pending", intent: null, outcome: null };
  if (outcome.kind !== "answered") {
    const why = `${outcome.kind}: ${outcome.reason}`.slice(0, 500);
    await settleAttempt(db, attempt.id, { status: "failed", outcome: why });
    return { status: "failed", intent: null, outcome: why };
  }
  const pi = outcome.intent;
  if (pi.status === "succeeded") {
    await recordInvoicePayment(
      db,
      { id: attempt.invoiceId, leaseId: attempt.leaseId, currency: attempt.currency },
      pi.id,
      pi.amount_received,
      attempt.source,
      attempt.id,
    );
    return { status: "succeeded", intent: pi, outcome: null };
  }
  if (pi.status === "requires_action") {
    await settleAttempt(db, attempt.id, { status: "requires_action", paymentIntentId: pi.id });
    return { status: "requires_action", intent: pi, outcome: null };
  }
  if (pi.status === "canceled" || pi.status === "requires_payment_method") {
    const why = `declined: ${pi.last_payment_error?.message ?? `the payment ended ${pi.status}`}`.slice(0, 500);
    await settleAttempt(db, attempt.id, { status: "failed", paymentIntentId: pi.id, outcome: why });
    return { status: "failed", intent: pi, outcome: why };
  }
  // processing (and anything Stripe adds later): money may still move; the webhook says when.
  await settleAttempt(db, attempt.id, { status: "pending", paymentIntentId: pi.id });
  return { status: "pending", intent: pi, outcome: null };
}

/**
 * Settles attempts whose answer was lost (pending for longer than any call takes): by the
 * PaymentIntent's id, or else found at Stripe by the attempt's metadata. One Stripe never made
 * charged nothing, and stops counting as paid. Never creates a charge. For the 5-minute cron
 * (`scope.leaseId`: one lease, an operator's replay).
 */
export async function reconcilePaymentAttempts(
  env: Env,
  now = new Date(),
  scope: { leaseId?: string; limit?: number } = {},
): Promise<{ settled: number; abandoned: number; pending: number }> {
  return withPg(env, async (db) => {
    const counts = { settled: 0, abandoned: 0, pending: 0 };
    for (const attempt of await pendingAttempts(
      db,
      new Date(now.getTime() - SETTLE_AFTER_MS),
      scope.limit ?? 100,
      scope.leaseId,
    )) {
      try {
        const intent = attempt.paymentIntentId
          ? await currentIntent(env, attempt.paymentIntentId)
          : await findAttemptIntent(env, attempt);
        if (!intent) {
          await settleAttempt(db, attempt.id, {
            status: "failed",
            outcome: "refused: Stripe made no PaymentIntent for this attempt; nothing was charged",
          });
          counts.abandoned++;
          continue;
        }
        const settled = await settleCharge(db, attempt, { kind: "answered", intent });
        counts[settled.status === "pending" ? "pending" : "settled"]++;
      } catch (err) {
        log("warn", "payment attempt not reconciled", {
          attemptId: attempt.id,
          err: err instanceof Error ? err.message : String(err),
        });
        counts.pending++;
      }
    }
    return counts;
  });
}

/** The problem a refused payment answers, with a stable code a client can act on. */
function refusalError(refusal: PaymentRefusal, policy: PaymentPolicy, currency: string): AppError {
  if (refusal.code === "nothing_owed")
    return new AppError(
      "nothing_owed",
      "Nothing is owed on this invoice (or a payment of what is owed is still being processed).",
    );
  if (refusal.code === "amount_too_large") {
    return new AppError(
      "amount_too_large",
      `At most ${refusal.maximum} ${currency} can be paid here: everything owed on the lease plus one period's rent of credit.`,
      {
        errors: [{ path: "amount.amount", message: `must be ≤ ${refusal.maximum}` }],
      },
    );
  }
  return new AppError("validation_failed", `This lease's policy (${policy}) needs at least ${refusal.minimum} here.`, {
    errors: [{ path: "amount.amount", message: `must be ≥ ${refusal.minimum}` }],
  });
}

/** A failed attempt answers the same every time: its card's decline (402), or Stripe's refusal (502); neither charged. */
function failureError(outcome: string | null): AppError {
  const [kind, ...rest] = (outcome ?? "refused: unknown").split(": ");
  const reason = rest.join(": ");
  if (kind === "declined") return new AppError("payment_declined", reason || "The card was declined.");
  return new AppError("payment_provider_error", "The payment provider refused the request; nothing was charged.", {
    cause: reason,
  });
}

/** A page of a lease's invoices, to its tenant or its landlord. */
export async function listLeaseInvoices(
  deps: Deps,
  user: AuthUser,
  leaseId: string,
  q: { limit: number; cursor: string | null },
) {
  return withPg(deps.env, async (db) => {
    const lease = await visibleLease(db, user, leaseId);
    const page = toPage(await listInvoices(db, leaseId, q.cursor, q.limit), q.limit);
    const open = await openInvoices(db, { leaseId });
    return { items: page.items.map((i) => invoiceView({ ...i, lease }, open)), nextCursor: page.nextCursor };
  });
}

/** An invoice, to its lease's tenant or landlord. */
export async function getInvoice(deps: Deps, user: AuthUser, id: string) {
  return withPg(deps.env, async (db) => {
    const invoice = await visibleInvoice(db, user, id);
    return invoiceView(invoice, await openInvoices(db, { leaseId: invoice.leaseId }));
  });
}

/** The invoice with its lease if `user` is the lease's tenant or landlord; to anyone else it does not exist. */
async function visibleInvoice(db: PgTx, user: AuthUser, id: string) {
  const invoice = await findInvoice(db, id);
  if (!invoice || (invoice.lease.tenantId !== user.id && invoice.lease.landlordId !== user.id))
    throw new AppError("not_found", "No such invoice.");
  return invoice;
}

/** An invoice with what is still owed on it, from its lease's open-invoice allocation. */
function invoiceView(invoice: InvoiceRow & { lease: LeaseRow }, leaseOpen: OpenInvoice[]) {
  const open = leaseOpen.find((o) => o.id === invoice.id);
  const charge = open?.charge ?? invoice.rentAmount;
  const outstanding = open?.outstanding ?? 0;
  return {
    id: invoice.id,
    leaseId: invoice.leaseId,
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    dueDate: invoice.dueDate,
    rent: { amount: invoice.rentAmount, currency: invoice.currency },
    total: { amount: charge, currency: invoice.currency },
    outstanding: { amount: outstanding, currency: invoice.currency },
    status: invoice.voidedAt ? ("void" as const) : outstanding === 0 ? ("paid" as const) : ("open" as const),
    overdue:
      outstanding > 0 &&
      addDays(invoice.dueDate, (invoice.lateFeeRule ?? invoice.lease.lateFeeRule).graceDays) <
        todayIn(invoice.lease.timezone),
  };
}
