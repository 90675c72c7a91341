import Stripe from "stripe";
import { stripeClient } from "./stripe";

/**
 * What Stripe said to a charge: a PaymentIntent (in whatever status), a refusal that charged
 * nothing (a declined card, a request Stripe would not take), or no answer that can be trusted
 * either way: a timeout, a dropped connection or a Stripe 5xx may come after the money moved.
 */
export type ChargeOutcome =
  | { kind: "answered"; intent: Stripe.PaymentIntent }
  | { kind: "declined"; reason: string }
  | { kind: "refused"; reason: string }
  | { kind: "unknown"; reason: string };

/** A charge's attempt id is its Stripe idempotency key: every retry of it reaches the same PaymentIntent. */
export interface SavedCardCharge {
  attemptId: string;
  invoiceId: string;
  leaseId: string;
  amount: number;
  currency: string;
  customerId: string;
  paymentMethodId: string;
}
export interface TenantCharge {
  attemptId: string;
  invoiceId: string;
  leaseId: string;
  tenantId: string;
  amount: number;
  currency: string;
  paymentMethod: string;
}

/** Charges a tenant's saved card off-session for an invoice (the billing run's scheduled attempt). */
export async function chargeSavedCard(env: Env, charge: SavedCardCharge): Promise<ChargeOutcome> {
  return outcomeOf(
    stripeClient(env).paymentIntents.create(
      {
        amount: charge.amount,
        currency: charge.currency.toLowerCase(),
        customer: charge.customerId,
        payment_method: charge.paymentMethodId,
        off_session: true,
        confirm: true,
        metadata: { kind: "rent", invoiceId: charge.invoiceId, leaseId: charge.leaseId, attempt: charge.attemptId },
      },
      { idempotencyKey: charge.attemptId },
    ),
  );
}

/**
 * Charges the card a tenant paying an invoice gave, at once. The same attempt sends the same
 * parameters under the same key, so Stripe answers a retry with the PaymentIntent it made the
 * first time (for 24 hours, Stripe's idempotency window) instead of charging again.
 */
export async function chargeTenantCard(env: Env, charge: TenantCharge): Promise<ChargeOutcome> {
  return outcomeOf(
    stripeClient(env).paymentIntents.create(
      {
        amount: charge.amount,
        currency: charge.currency.toLowerCase(),
        payment_method: charge.paymentMethod,
        confirm: true,
        automatic_payment_methods: { enabled: true, allow_redirects: "never" },
        metadata: {
          kind: "rent",
          invoiceId: charge.invoiceId,
          leaseId: charge.leaseId,
          tenantId: charge.tenantId,
          attempt: charge.attemptId,
        },
      },
      { idempotencyKey: charge.attemptId },
    ),
  );
}

/** A PaymentIntent as Stripe has it now. */
export async function currentIntent(env: Env, id: string): Promise<Stripe.PaymentIntent> {
  return stripeClient(env).paymentIntents.retrieve(id);
}

/** How far around an attempt's creation its PaymentIntent is looked for: our clock and Stripe's, plus the slowest call. */
const SEARCH_BEFORE_S = 60;
const SEARCH_AFTER_S = 15 * 60;
/** PaymentIntents read looking for one, at most: a window of minutes holds far fewer on any account this size. */
const SEARCH_LIMIT = 2000;

/**
 * The PaymentIntent an attempt made, if Stripe made one, for an attempt whose answer was lost:
 * the PaymentIntents created around its time, matched by `metadata.attempt`. Stripe's list is
 * the only lookup that works without the id and does not charge (a retry of the create would
 * charge now if the first never arrived).
 */
export async function findAttemptIntent(
  env: Env,
  attempt: { id: string; createdAt: Date },
): Promise<Stripe.PaymentIntent | null> {
  const at = Math.floor(attempt.createdAt.getTime() / 1000);
  let read = 0;
  for await (const pi of stripeClient(env).paymentIntents.list({
    created: { gte: at - SEARCH_BEFORE_S, lte: at + SEARCH_AFTER_S },
    limit: 100,
  })) {
    if (pi.metadata?.attempt === attempt.id) return pi;
    if (++read >= SEARCH_LIMIT) break;
  }
  return null;
}

/**
 * Sorts what a create call ended in. Only a refusal Stripe states (a decline, an invalid or
 * unauthorised request, a rate limit: none of which runs the charge) means nothing was charged;
 * anything else, our own failures included, may have charged and is answered "not known yet".
 */
async function outcomeOf(call: Promise<Stripe.PaymentIntent>): Promise<ChargeOutcome> {
  try {
    return { kind: "answered", intent: await call };
  } catch (err) {
    if (err instanceof Stripe.errors.StripeCardError) return { kind: "declined", reason: err.message };
    const refused =
      err instanceof Stripe.errors.StripeAuthenticationError ||
      err instanceof Stripe.errors.StripePermissionError ||
      err instanceof Stripe.errors.StripeRateLimitError ||
      (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode !== 409);
    const reason = err instanceof Error ? err.message : String(err);
    return refused ? { kind: "refused", reason } : { kind: "unknown", reason };
  }
}
