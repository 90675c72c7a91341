import type Stripe from "stripe";
import type { EventOf } from "../../schema/events";
import type { Deps } from "../deps";
import { findLeaseByBooking } from "../data/leases";
import { findTransaction, post } from "../data/ledger";
import { withPg, type PgDb } from "../data/pg";
import { reversalOf } from "../domain/ledger";
import { log } from "../log";
import { announce, newEvent } from "../outbox";
import { failedRefunds } from "../payments/refunds";

/**
 * Refunds Stripe accepted and later could not pay out, on one PaymentIntent. Stripe may settle a
 * refund days after accepting it, and a closed or lost card sends it back (`refund.failed`): the
 * money is on our Stripe balance again. The ledger takes back what it said went out (a reversal
 * of each posting the refund made, once per posting, so any number of reports post once) and the
 * failure is announced for a person to return the money another way: retrying the same card would
 * fail the same way. Acts on the refunds as Stripe has them now, so events in any order converge.
 * Returns how many failed refunds it found.
 */
export async function recordFailedRefunds(deps: Deps, paymentIntentId: string): Promise<number> {
  const failed = await failedRefunds(deps.env, paymentIntentId);
  for (const refund of failed) {
    const { leaseId, reversed } = await withPg(deps.env, (db) => db.transaction((tx) => reverseRefund(tx, refund)));
    log("error", "refund failed at Stripe", {
      refundId: refund.id,
      paymentIntentId,
      amount: refund.amount,
      reason: refund.failure_reason,
      leaseId,
      reversed,
    });
    await announce(deps.env, deps.db, [refundFailedEvent(refund, paymentIntentId, leaseId, reversed > 0)]);
  }
  return failed.length;
}

/**
 * Reverses what a refund posted, found by what the refund was for (our metadata on it): a lease's
 * deposit or credit returned at settlement, or a cancelled booking's unwind (rent, then deposit).
 * A refund with no ledger behind it (a late payment for a hold that had ended) reverses nothing.
 */
async function reverseRefund(tx: PgDb, refund: Stripe.Refund): Promise<{ leaseId: string | null; reversed: number }> {
  const meta = refund.metadata ?? {};
  let leaseId = meta.leaseId ?? null;
  const references: string[] = [];
  if (meta.purpose === "deposit" && leaseId) references.push(`deposit_return:${leaseId}`);
  else if (meta.purpose === "credit" && leaseId) references.push(`refund:credit:${paymentIntentOf(refund)}`);
  else if (meta.purpose === "cancel" && meta.bookingId) {
    leaseId = (await findLeaseByBooking(tx, meta.bookingId))?.id ?? null;
    if (leaseId) references.push(`refund:${meta.bookingId}:rent`, `deposit_return:${leaseId}`);
  }
  const originals = [];
  for (const reference of references) {
    const original = await findTransaction(tx, reference);
    if (original) originals.push(original);
  }
  const posted = await post(tx, originals.map(reversalOf));
  return { leaseId, reversed: posted.length };
}

function paymentIntentOf(refund: Stripe.Refund): string {
  return typeof refund.payment_intent === "string" ? refund.payment_intent : (refund.payment_intent?.id ?? "");
}

function refundFailedEvent(
  refund: Stripe.Refund,
  paymentIntentId: string,
  leaseId: string | null,
  reversed: boolean,
): EventOf<"refund.failed"> {
  const meta = refund.metadata ?? {};
  return newEvent(
    "refund.failed",
    {
      refundId: refund.id,
      paymentIntentId,
      amount: refund.amount,
      currency: refund.currency.toUpperCase(),
      purpose: meta.purpose ?? null,
      reason: refund.failure_reason ?? null,
      leaseId,
      bookingId: meta.bookingId ?? null,
      reversed,
    },
    `evt_refund_failed_${refund.id}`,
  );
}
