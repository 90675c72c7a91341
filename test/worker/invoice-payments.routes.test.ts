// Issue 10, money: a tenant paying an invoice is never charged twice (a retry after a lost answer
// reaches the same PaymentIntent; an unknown outcome is pending, never failed), every payment
// decision reads what is owed now, and amounts and attempts are bounded.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runBilling } from "../../workers/cron/billing";
import { accountId } from "../../workers/domain/ledger";
import { reconcilePaymentAttempts } from "../../workers/services/invoices";
import { call, eventually, json, mintTenant, tokenFor } from "./helpers";
import { balance, insertLease, pgQuery } from "./pg";
import { deliver, intentsFor, loseStripeAnswers, stripeEvent } from "./stripe";

afterEach(() => vi.restoreAllMocks());

const receivable = (leaseId: string) => accountId("tenant_receivable", { leaseId, currency: "EUR" });

/** A lease of 100,000 a month with its first invoice issued (nothing paid), the tenant's and landlord's tokens. */
async function invoiced(over: Parameters<typeof insertLease>[0] = {}) {
  const tenantId = (await mintTenant()).id;
  const landlordId = `usr_l${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const lease = await insertLease({
    startDate: "2027-01-10",
    billingDay: 10,
    tenantId,
    landlordId,
    lateFeeRule: { graceDays: 60, kind: "fixed", amount: 1 },
    ...over,
  });
  await runBilling(env, new Date("2027-01-05T12:00:00Z"), { leaseId: lease.id });
  const token = await tokenFor(tenantId);
  const [invoice] = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token }))).items;
  return { lease, invoice, token, landlordToken: await tokenFor(landlordId, "landlord") };
}

const pay = (
  token: string,
  invoiceId: string,
  amount: number,
  key: string = crypto.randomUUID(),
  paymentMethod = "pm_card_visa",
) =>
  call("POST", `/v1/invoices/${invoiceId}/payments`, {
    token,
    body: { amount: { amount, currency: "EUR" }, paymentMethod },
    headers: { "idempotency-key": key },
  });

const paymentsOf = (invoiceId: string) =>
  pgQuery<{ payment_intent_id: string; amount: string }>(
    "select payment_intent_id, amount from payments where invoice_id = $1",
    [invoiceId],
  );
const attemptsOf = (invoiceId: string) =>
  pgQuery<{ id: string; status: string; payment_intent_id: string | null }>(
    "select id, status, payment_intent_id from payment_attempts where invoice_id = $1 order by created_at",
    [invoiceId],
  );

describe("charged twice: a lost answer is pending, and its retry reaches the same PaymentIntent", () => {
  for (const mode of ["timeout", "5xx"] as const) {
    it(`a ${mode} after Stripe charged answers 202 payment_pending; the retry with the same key gets the same PaymentIntent, charged once`, async () => {
      const { lease, invoice, token } = await invoiced();
      const key = crypto.randomUUID();
      const lost = loseStripeAnswers(mode);
      const first = await pay(token, invoice.id, 100_000, key);
      expect(lost.lost()).toBe(3); // the SDK's own two retries, same key, lost too
      lost.restore();
      expect(first.status).toBe(202);
      const pending = await json(first);
      expect(pending).toMatchObject({
        status: "pending",
        code: "payment_pending",
        amount: { amount: 100_000, currency: "EUR" },
      });
      // Stripe did charge, once (its own retries were answered from its idempotency store).
      const [charged, ...more] = await intentsFor(invoice.id);
      expect(more).toEqual([]);
      expect(charged.status).toBe("succeeded");

      const retry = await pay(token, invoice.id, 100_000, key);
      expect(retry.status).toBe(201);
      const paid = await json(retry);
      expect(paid).toMatchObject({
        paymentId: charged.id,
        status: "succeeded",
        invoice: { status: "paid", outstanding: { amount: 0 } },
      });
      expect(await intentsFor(invoice.id)).toHaveLength(1);
      expect(await paymentsOf(invoice.id)).toEqual([{ payment_intent_id: charged.id, amount: "100000" }]);
      expect(await balance(receivable(lease.id))).toBe(0);
      // And the answer is now final: the same key replays it.
      const replay = await pay(token, invoice.id, 100_000, key);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect((await json(replay)).paymentId).toBe(charged.id);
    });
  }

  it("while an outcome is pending its amount counts as paid: another key is not charged again", async () => {
    const { invoice, token, lease, landlordToken } = await invoiced();
    await call("PUT", `/v1/leases/${lease.id}/payment-policy`, { token: landlordToken, body: { policy: "blocked" } });
    const key = crypto.randomUUID();
    const lost = loseStripeAnswers("timeout");
    expect((await pay(token, invoice.id, 100_000, key)).status).toBe(202);
    lost.restore();
    const other = await pay(token, invoice.id, 100_000);
    expect(other.status).toBe(409);
    expect((await json(other)).code).toBe("nothing_owed");
    expect(await intentsFor(invoice.id)).toHaveLength(1);
    expect((await pay(token, invoice.id, 100_000, key)).status).toBe(201);
    expect(await balance(receivable(lease.id))).toBe(0);
  });

  it("the webhook records a pending payment and settles its attempt; the reconciliation then has nothing to do and never charges", async () => {
    const { invoice, token, lease } = await invoiced();
    const lost = loseStripeAnswers("timeout");
    expect((await pay(token, invoice.id, 60_000)).status).toBe(202);
    lost.restore();
    const [charged] = await intentsFor(invoice.id);
    expect((await deliver(await stripeEvent("payment_intent.succeeded", charged.id))).status).toBe(200);
    await eventually(async () => (await paymentsOf(invoice.id)).length === 1 || undefined);
    expect(await json(await call("GET", `/v1/invoices/${invoice.id}`, { token }))).toMatchObject({
      outstanding: { amount: 40_000 },
    });
    await eventually(async () => ((await attemptsOf(invoice.id))[0]?.status === "succeeded" ? true : undefined));
    const later = new Date(Date.now() + 10 * 60_000);
    expect(await reconcilePaymentAttempts(env, later, { leaseId: lease.id })).toEqual({
      settled: 0,
      abandoned: 0,
      pending: 0,
    });
    expect(await attemptsOf(invoice.id)).toEqual([
      expect.objectContaining({ status: "succeeded", payment_intent_id: charged.id }),
    ]);
    expect(await intentsFor(invoice.id)).toHaveLength(1);
    expect(await balance(receivable(lease.id))).toBe(40_000);
  });

  it("an attempt that never reached Stripe is found to have charged nothing, and the tenant may pay again", async () => {
    const { invoice, token, lease, landlordToken } = await invoiced();
    await call("PUT", `/v1/leases/${lease.id}/payment-policy`, { token: landlordToken, body: { policy: "blocked" } });
    const lost = loseStripeAnswers("unreachable");
    const first = await pay(token, invoice.id, 100_000);
    lost.restore();
    expect(first.status).toBe(202);
    expect(await intentsFor(invoice.id)).toEqual([]);
    expect((await pay(token, invoice.id, 100_000)).status).toBe(409); // reserved while unknown
    expect(await reconcilePaymentAttempts(env, new Date(Date.now() + 10 * 60_000), { leaseId: lease.id })).toEqual({
      settled: 0,
      abandoned: 1,
      pending: 0,
    });
    expect((await pay(token, invoice.id, 100_000)).status).toBe(201);
    expect(await intentsFor(invoice.id)).toHaveLength(1);
    expect(await balance(receivable(lease.id))).toBe(0);
  });

  it("another body under the key of a pending payment is another payment, decided with the pending one counted as paid", async () => {
    const { invoice, token } = await invoiced();
    const key = crypto.randomUUID();
    const lost = loseStripeAnswers("timeout");
    expect((await pay(token, invoice.id, 100_000, key)).status).toBe(202);
    lost.restore();
    const other = await pay(token, invoice.id, 50_000, key); // never sent under the first one's Stripe key
    expect(other.status).toBe(409);
    expect((await json(other)).code).toBe("nothing_owed");
    expect(await intentsFor(invoice.id)).toHaveLength(1);
    expect((await pay(token, invoice.id, 100_000, key)).status).toBe(201);
  });
});

describe("payment decisions read what is owed now, inside the transaction that writes", () => {
  it("payments at once decide one after the other: one pays the invoice, the others are told nothing is owed", async () => {
    const { invoice, token, lease, landlordToken } = await invoiced();
    await call("PUT", `/v1/leases/${lease.id}/payment-policy`, { token: landlordToken, body: { policy: "blocked" } });
    const answers = await Promise.all(Array.from({ length: 4 }, () => pay(token, invoice.id, 100_000)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409]);
    for (const refused of answers.filter((r) => r.status === 409))
      expect((await json(refused)).code).toBe("nothing_owed");
    expect(await intentsFor(invoice.id)).toHaveLength(1);
    expect(await balance(receivable(lease.id))).toBe(0);
  });

  it("follows the policy and the outstanding amount as they are at each payment", async () => {
    const { invoice, token, lease, landlordToken } = await invoiced();
    const policy = (p: string) =>
      call("PUT", `/v1/leases/${lease.id}/payment-policy`, { token: landlordToken, body: { policy: p } });
    expect((await pay(token, invoice.id, 10_000)).status).toBe(201);
    await policy("blocked");
    expect((await pay(token, invoice.id, 10_000)).status).toBe(422);
    expect((await pay(token, invoice.id, 90_000)).status).toBe(201); // what is left is all it takes
    await policy("allow_any");
    expect((await json(await pay(token, invoice.id, 10_000))).code).toBe("nothing_owed");
  });
});

describe("bounds and abuse", () => {
  it("takes nothing for an invoice with nothing owed: 409 nothing_owed", async () => {
    const { invoice, token, lease } = await invoiced();
    expect((await pay(token, invoice.id, 100_000)).status).toBe(201);
    const res = await pay(token, invoice.id, 1);
    expect(res.status).toBe(409);
    expect(await json(res)).toMatchObject({ code: "nothing_owed", status: 409 });
    expect(await balance(receivable(lease.id))).toBe(0);
  });

  it("takes at most everything owed plus one period's rent: 422 amount_too_large", async () => {
    const { invoice, token, lease } = await invoiced();
    const res = await pay(token, invoice.id, 200_001);
    expect(res.status).toBe(422);
    expect(await json(res)).toMatchObject({
      code: "amount_too_large",
      errors: [{ path: "amount.amount", message: "must be ≤ 200000" }],
    });
    expect(await intentsFor(invoice.id)).toEqual([]);
    expect((await pay(token, invoice.id, 200_000)).status).toBe(201);
    expect(await balance(receivable(lease.id))).toBe(-100_000);
  });

  it("rate limits a tenant's payment attempts, refused ones included (card testing): 429", async () => {
    const { invoice, token } = await invoiced();
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push(await pay(token, invoice.id, 500_000));
    expect(answers.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(422));
    expect(answers[10]!.status).toBe(429);
    expect(answers[10]!.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await json(answers[10]!)).code).toBe("rate_limited");
    // Another tenant is not limited by this one.
    const other = await invoiced();
    expect((await pay(other.token, other.invoice.id, 500_000)).status).toBe(422);
  });

  it("rate limits saving a card: 429", async () => {
    const { lease, token } = await invoiced();
    const save = () =>
      call("PUT", `/v1/leases/${lease.id}/payment-method`, { token, body: { paymentMethod: "pm_card_visa" } });
    const answers = [];
    for (let i = 0; i < 11; i++) answers.push((await save()).status);
    expect(answers).toEqual([...Array(10).fill(200), 429]);
  });
});
