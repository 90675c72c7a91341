import type { Deps } from "../deps";
import { findBooking } from "../data/bookings";
import { accountBalance, findTransaction, post } from "../data/ledger";
import { lockLease, type LeaseRow } from "../data/leases";
import { paymentsOf } from "../data/payments";
import { withPg, type PgDb } from "../data/pg";
import { type Posting, accountId, depositReturnPosting, depositWithheldPosting, refundPosting } from "../domain/ledger";
import type { AuthUser } from "../domain/tokens";
import { AppError } from "../errors";
import { announce, newEvent } from "../outbox";
import { amountReceived, createRefund, liveRefunds, refundedFor } from "../payments/refunds";

/**
 * At the end of a lease the deposit is returned, less itemised deductions that go to the
 * landlord, and any credit the tenant still has (paid ahead, or for a period notice voided) goes
 * back too. Each part is refunded to the card that paid it.
 */
export async function settleDeposit(
  deps: Deps,
  landlord: AuthUser,
  leaseId: string,
  withheld: { reason: string; amount: number }[],
) {
  const settled = await withPg(deps.env, async (db) =>
    db.transaction(async (tx) => {
      // The row lock makes a second settlement wait for the first and then see nothing held:
      // without it both would read the same balance and both post.
      const lease = await lockLease(tx, leaseId);
      if (!lease || lease.landlordId !== landlord.id) throw new AppError("not_found", "No such lease.");
      if (lease.status !== "ended") throw new AppError("conflict", "The deposit is settled after the lease ends.");
      const held = -(await accountBalance(tx, accountId("deposits_held", { leaseId, currency: lease.currency })));
      const credit = Math.max(
        0,
        -(await accountBalance(tx, accountId("tenant_receivable", { leaseId, currency: lease.currency }))),
      );
      if (held <= 0 && credit <= 0)
        throw new AppError("conflict", "Nothing is held for this lease: it was settled or returned already.");
      const deducted = withheld.reduce((s, w) => s + w.amount, 0);
      if (deducted > held)
        throw new AppError("validation_failed", `Deductions exceed the ${held} held.`, {
          errors: [{ path: "withheld", message: "more than the deposit" }],
        });
      const returned = held - deducted;
      // The refund goes out before the books say so, inside the lock: if Stripe fails nothing is
      // posted and the landlord can retry. If an earlier attempt refunded and then lost its commit,
      // that refund is found at Stripe and the books follow it; another amount is refused.
      const paymentIntentId = (await findBooking(deps.db, lease.bookingId))?.paymentIntentId;
      if (paymentIntentId && held > 0) await refundDeposit(deps.env, leaseId, paymentIntentId, held, returned);
      const postings = withheld.map((w, i) => depositWithheldPosting(leaseId, i, w.amount, lease.currency, w.reason));
      if (returned > 0) postings.push(depositReturnPosting(leaseId, returned, lease.currency));
      const creditBack = credit > 0 ? await returnCredit(deps.env, tx, lease, credit) : { returned: 0, postings: [] };
      await post(tx, [...postings, ...creditBack.postings]);
      const creditReturned = creditBack.returned;
      return {
        leaseId,
        held: Math.max(0, held),
        withheld,
        returned: Math.max(0, returned),
        creditReturned,
        currency: lease.currency,
      };
    }),
  );
  // Named after the lease: a lease's deposit is settled once, so it is announced once.
  await announce(deps.env, deps.db, [
    newEvent(
      "deposit.settled",
      {
        leaseId,
        returned: settled.returned + settled.creditReturned,
        withheld: settled.withheld.reduce((s, w) => s + w.amount, 0),
        currency: settled.currency,
      },
      `evt_deposit_${leaseId}`,
    ),
  ]);
  return settled;
}

/** A refund Stripe refused or could not be asked for: the settlement is abandoned, nothing posted. */
function refundFailed(what: string) {
  return (err: unknown): never => {
    throw new AppError("payment_provider_error", `${what} could not be refunded; nothing was settled.`, { cause: err });
  };
}

/** Refunds `returned` of a deposit once; a refund already at Stripe for this lease must be the same amount. */
async function refundDeposit(
  env: Env,
  leaseId: string,
  paymentIntentId: string,
  held: number,
  returned: number,
): Promise<void> {
  const failed = refundFailed("The deposit");
  const already = await refundedFor(env, paymentIntentId, { leaseId, purpose: "deposit" }).catch(failed);
  if (already !== null && already !== returned) {
    throw new AppError(
      "conflict",
      `${already} of the deposit was already refunded at Stripe; settle with deductions totalling ${held - already}.`,
    );
  }
  if (already !== null || returned === 0) return;
  await createRefund(
    env,
    paymentIntentId,
    returned,
    { leaseId, purpose: "deposit" },
    `lease-${leaseId}-deposit-return-${returned}`,
  ).catch(failed);
}

/**
 * Refunds a tenant's remaining credit to the cards that paid the lease, newest payment first, and
 * returns the postings. A refund an earlier attempt made before losing its commit (found at Stripe
 * by metadata) is posted instead of made again; one already posted is not counted twice.
 */
async function returnCredit(
  env: Env,
  tx: PgDb,
  lease: LeaseRow,
  credit: number,
): Promise<{ returned: number; postings: Posting[] }> {
  const failed = refundFailed("The tenant's credit");
  const postings: Posting[] = [];
  let left = credit;
  for (const { paymentIntentId } of await paymentsOf(tx, lease.id)) {
    if (left <= 0) break;
    const reference = `credit:${paymentIntentId}`;
    if (await findTransaction(tx, `refund:${reference}`)) continue;
    const refunds = await liveRefunds(env, paymentIntentId).catch(failed);
    const earlier = refunds.find((r) => r.metadata?.leaseId === lease.id && r.metadata?.purpose === "credit");
    let amount = earlier?.amount ?? 0;
    if (!earlier) {
      const received = await amountReceived(env, paymentIntentId).catch(failed);
      amount = Math.min(left, received - refunds.reduce((sum, r) => sum + r.amount, 0));
      if (amount <= 0) continue;
      await createRefund(
        env,
        paymentIntentId,
        amount,
        { leaseId: lease.id, purpose: "credit" },
        `lease-${lease.id}-credit-${paymentIntentId}-${amount}`,
      ).catch(failed);
    }
    postings.push(refundPosting(lease.id, reference, amount, lease.currency, "Credit returned at lease end"));
    left -= amount;
  }
  return { returned: credit - left, postings };
}
