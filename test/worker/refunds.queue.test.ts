import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeDeps } from "../../workers/deps";
import { accountId } from "../../workers/domain/ledger";
import { reconcilePayments } from "../../workers/services/reconciliation";
import { bookHeld, call, eventually, inDays, json, landlordWithRoom, mintTenant } from "./helpers";
import { balance, pgQuery } from "./pg";
import { customerPays, deliver, stripeEvent, stripeGet } from "./stripe";
import { leased } from "./tenancy";

/** The card cannot take the refund back: Stripe marks it failed and reports it. */
async function failRefund(paymentIntentId: string, purpose: string) {
  const refund = await eventually(async () =>
    (await stripeGet(`/v1/refunds?payment_intent=${paymentIntentId}`)).data.find(
      (r: any) => r.metadata.purpose === purpose,
    ),
  );
  const res = await fetch(`${env.STRIPE_API_BASE}/_fake/refunds/${refund.id}/fail`, {
    method: "POST",
    body: "failure_reason=expired_or_canceled_card",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  expect(res.status).toBe(200);
  return refund as { id: string; amount: number };
}

const account = (kind: "tenant_receivable" | "deposits_held", leaseId: string) =>
  accountId(kind, { leaseId, currency: "EUR" });

function reversals(leaseId: string) {
  return pgQuery<{ reference: string }>(
    "select reference from ledger_transactions where lease_id = $1 and kind = 'reversal' and reference like 'reversal:%' and reference not like 'reversal:invoice:%' order by reference",
    [leaseId],
  );
}

function notices(refundId: string) {
  return env.DB.prepare("select payload from outbox where id = ?")
    .bind(`evt_refund_failed_${refundId}`)
    .all<{ payload: string }>();
}

describe("a refund that fails at Stripe after it was accepted", () => {
  it("takes a deposit refund back into the books once, however many times and ways Stripe reports it, and announces it", async () => {
    const { landlord, lease, paymentIntentId } = await leased();
    await pgQuery("update leases set status = 'ended' where id = $1", [lease.id]);
    const settled = await call("POST", `/v1/leases/${lease.id}/deposit/settle`, {
      token: landlord.accessToken,
      body: { withheld: [{ reason: "Broken window", amount: 15000 }] },
    });
    expect(await json(settled)).toMatchObject({ returned: 50000 });
    expect(await balance(account("deposits_held", lease.id))).toBe(0);

    const refund = await failRefund(paymentIntentId, "deposit");
    const failed = await stripeEvent("refund.failed", paymentIntentId);
    const updated = await stripeEvent("charge.refund.updated", paymentIntentId);
    expect(await json(await deliver(failed))).toEqual({ received: true, duplicate: false });
    expect((await deliver(updated)).status).toBe(200);
    expect((await deliver({ ...failed, id: `evt_again${crypto.randomUUID().replaceAll("-", "")}` })).status).toBe(200);

    // the 50,000 never reached the tenant: the books hold it for them again
    await eventually(async () => ((await balance(account("deposits_held", lease.id))) === -50000 ? true : undefined));
    await eventually(async () =>
      (
        await pgQuery("select 1 from stripe_events where id = any($1) and processed_at is null", [
          [failed.id, updated.id],
        ])
      ).length === 0
        ? true
        : undefined,
    );
    expect(await reversals(lease.id)).toEqual([{ reference: `reversal:deposit_return:${lease.id}` }]);
    const [sum] = await pgQuery<{ total: string }>(
      "select coalesce(sum(e.amount), 0) as total from ledger_entries e join ledger_transactions t on t.id = e.transaction_id where t.lease_id = $1",
      [lease.id],
    );
    expect(Number(sum!.total)).toBe(0);
    const { results } = await notices(refund.id);
    expect(results).toHaveLength(1);
    expect(JSON.parse(results[0]!.payload)).toMatchObject({
      type: "refund.failed",
      data: {
        refundId: refund.id,
        amount: 50000,
        currency: "EUR",
        purpose: "deposit",
        leaseId: lease.id,
        reversed: true,
        reason: "expired_or_canceled_card",
      },
    });
  });

  it("takes back a cancelled booking's refund (rent and deposit) when only charge.refund.updated reports it", async () => {
    const { tenant, booking, lease, paymentIntentId } = await leased();
    expect(
      await json(await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken })),
    ).toMatchObject({ refunded: { amount: 130000 } });
    await eventually(async () => ((await balance(account("deposits_held", lease.id))) === 0 ? true : undefined));
    expect(await balance(account("tenant_receivable", lease.id))).toBe(0);

    await failRefund(paymentIntentId, "cancel");
    expect((await deliver(await stripeEvent("charge.refund.updated", paymentIntentId))).status).toBe(200);

    // what the tenant was refunded is owed to them again: rent as credit, the deposit as held
    await eventually(async () =>
      (await balance(account("tenant_receivable", lease.id))) === -65000 ? true : undefined,
    );
    expect(await balance(account("deposits_held", lease.id))).toBe(-65000);
    expect((await reversals(lease.id)).map((r) => r.reference)).toEqual([
      `reversal:deposit_return:${lease.id}`,
      `reversal:refund:${booking.id}:rent`,
    ]);
  });

  it("announces a failed refund of a late payment (no ledger behind it), and reconciliation does not refund it again", async () => {
    const { room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, {
      roomId: room.id,
      startDate: inDays(20),
      endDate: inDays(50),
      units: 1,
    });
    const paymentIntentId = booking.payment.paymentIntentId as string;
    await customerPays(paymentIntentId);
    const calendar = env.ROOM_CALENDAR.getByName(room.id);
    await runInDurableObject(calendar, (_i, state) => {
      state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, booking.id);
    });
    await runDurableObjectAlarm(calendar);
    expect((await deliver(await stripeEvent("payment_intent.succeeded", paymentIntentId))).status).toBe(200);
    const refund = await failRefund(paymentIntentId, "late");
    expect((await deliver(await stripeEvent("refund.failed", paymentIntentId))).status).toBe(200);

    const { results } = await eventually(async () => {
      const n = await notices(refund.id);
      return n.results.length ? n : undefined;
    });
    expect(JSON.parse(results[0]!.payload).data).toMatchObject({
      purpose: "late",
      bookingId: booking.id,
      leaseId: null,
      reversed: false,
    });
    await reconcilePayments(makeDeps(env), new Date(Date.now() + 3 * 60_000));
    // even when the read model never learnt of the refund, the failed one is left to a person, not made again
    await env.DB.prepare("update bookings set refunded_amount = 0 where id = ?").bind(booking.id).run();
    const report = await reconcilePayments(makeDeps(env), new Date(Date.now() + 3 * 60_000));
    expect(report.outcomes.surfaced).toBeGreaterThanOrEqual(1);
    const refunds = (await stripeGet(`/v1/refunds?payment_intent=${paymentIntentId}`)).data;
    expect(refunds.map((r: { status: string }) => r.status)).toEqual(["failed"]);
  });
});
