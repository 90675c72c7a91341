import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runBilling } from "../../workers/cron/billing";
import { accountId } from "../../workers/domain/ledger";
import { newEvent } from "../../workers/outbox";
import worker from "../../workers/index";
import {
  book,
  bookHeld,
  call,
  eventually,
  inDays,
  json,
  landlordWithRoom,
  mintTenant,
  signUp,
  tokenFor,
} from "./helpers";
import { balance, insertLease, invoicesOf, pgQuery } from "./pg";
import { customerPays, stripeGet, stripePost } from "./stripe";
import { leased } from "./tenancy";

afterEach(() => vi.restoreAllMocks());

const receivable = (leaseId: string) => accountId("tenant_receivable", { leaseId, currency: "EUR" });

/** Delivers an event to the worker's queue consumer as the Queues runtime would; returns what it acked and retried. */
async function consume(events: unknown[]) {
  const batch = createMessageBatch(
    "roomline-events",
    events.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue!(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

const pay = (token: string, invoiceId: string, amount: number, paymentMethod = "pm_card_visa") =>
  call("POST", `/v1/invoices/${invoiceId}/payments`, {
    token,
    body: { amount: { amount, currency: "EUR" }, paymentMethod },
    headers: { "idempotency-key": crypto.randomUUID() },
  });

describe("a confirmed monthly booking becomes a lease", () => {
  it("with the first month invoiced and paid and the deposit held, visible to both parties only", async () => {
    const { landlord, tenant, booking, lease } = await leased();
    expect(lease).toMatchObject({
      bookingId: booking.id,
      tenantId: tenant.id,
      landlordId: landlord.id,
      rent: { amount: 65000, currency: "EUR" },
      deposit: { amount: 65000 },
      status: "active",
      timezone: "Europe/Lisbon",
    });
    const invoices = await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token: tenant.accessToken }));
    expect(invoices.items).toHaveLength(1);
    expect(invoices.items[0]).toMatchObject({
      periodStart: booking.startDate,
      status: "paid",
      outstanding: { amount: 0 },
    });
    const statement = await json(
      await call("GET", `/v1/leases/${lease.id}/statement`, { token: landlord.accessToken }),
    );
    expect(
      statement.lines.map((l: { kind: string; amount: number; balance: number }) => [l.kind, l.amount, l.balance]),
    ).toEqual([
      ["invoice", 65000, 65000],
      ["payment", -65000, 0],
    ]);
    expect(await balance(accountId("deposits_held", { leaseId: lease.id, currency: "EUR" }))).toBe(-65000);
    const stranger = await signUp("landlord");
    expect((await call("GET", `/v1/leases/${lease.id}`, { token: stranger.accessToken })).status).toBe(404);
    expect(
      (await call("GET", `/v1/invoices/${invoices.items[0].id}`, { token: (await mintTenant()).accessToken })).status,
    ).toBe(404);
    const again = await pgQuery("select count(*)::int as n from leases where booking_id = $1", [booking.id]);
    expect(again).toEqual([{ n: 1 }]);
  });

  it("once per booking, however often and however concurrently booking.confirmed arrives", async () => {
    const { room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, {
      roomId: room.id,
      startDate: inDays(20),
      endDate: inDays(200),
      units: 1,
    });
    await customerPays(booking.payment.paymentIntentId);
    const first = newEvent("booking.confirmed", { bookingId: booking.id });
    const second = newEvent("booking.confirmed", { bookingId: booking.id });
    // A redelivery of the same event and a second event for the same booking, all at once, then once more.
    const results = await Promise.all([consume([first]), consume([first]), consume([second])]);
    // a delivery that finds the same event claimed by the other comes back later: redeliver it
    expect(results.flatMap((r) => r.retryMessages).length).toBeLessThanOrEqual(1);
    results.push(await consume([first]));
    results.push(await consume([newEvent("booking.confirmed", { bookingId: booking.id })]));
    expect(results.slice(3).flatMap((r) => r.retryMessages)).toEqual([]);
    const leases = await pgQuery<{ id: string }>("select id from leases where booking_id = $1", [booking.id]);
    expect(leases).toHaveLength(1);
    const leaseId = leases[0]!.id;
    const postings = await pgQuery<{ kind: string }>(
      "select kind from ledger_transactions where lease_id = $1 order by id",
      [leaseId],
    );
    expect(postings.map((p) => p.kind)).toEqual(["invoice", "payment", "deposit_held"]);
    expect(await pgQuery("select count(*)::int as n from invoices where lease_id = $1", [leaseId])).toEqual([{ n: 1 }]);
    expect(await balance(receivable(leaseId))).toBe(0);
    expect(await balance(accountId("deposits_held", { leaseId, currency: "EUR" }))).toBe(-65000);
  });

  it("a cancellation refund posts reversing entries and ends the lease", async () => {
    const { tenant, booking, lease } = await leased({ freeCancellationDays: 7 });
    const cancelled = await json(
      await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken }),
    );
    expect(cancelled.refunded.amount).toBe(130000);
    await eventually(
      async () =>
        (await pgQuery<{ status: string }>("select status from leases where id = $1", [lease.id]))[0]?.status ===
          "ended" || undefined,
    );
    await eventually(
      async () =>
        (await pgQuery("select 1 from ledger_transactions where lease_id = $1 and kind = 'reversal'", [lease.id]))
          .length === 1 || undefined,
    );
    const kinds = await pgQuery<{ kind: string; reverses_id: string | null }>(
      "select kind, reverses_id from ledger_transactions where lease_id = $1 order by id",
      [lease.id],
    );
    expect(kinds.map((k) => k.kind)).toEqual([
      "invoice",
      "payment",
      "deposit_held",
      "reversal",
      "refund",
      "deposit_returned",
    ]);
    expect(kinds[3]!.reverses_id).not.toBeNull();
    expect(await balance(accountId("tenant_receivable", { leaseId: lease.id, currency: "EUR" }))).toBe(0);
    expect(await balance(accountId("deposits_held", { leaseId: lease.id, currency: "EUR" }))).toBe(0);
  });
});

describe("paying invoices", () => {
  it("takes partial payments, turns overpayment into credit for the next invoice, and matches the ledger", async () => {
    const lease = await insertLease({ startDate: "2027-01-10", billingDay: 10, tenantId: (await mintTenant()).id });
    const tenant = { id: lease.tenantId, accessToken: await tokenFor(lease.tenantId) };
    await runBilling(env, new Date("2027-01-05T12:00:00Z"));
    const [first] = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token: tenant.accessToken })))
      .items;
    const partial = await pay(tenant.accessToken, first.id, 40_000);
    expect(partial.status).toBe(201);
    expect((await json(partial)).invoice).toMatchObject({ status: "open", outstanding: { amount: 60_000 } });
    const over = await json(await pay(tenant.accessToken, first.id, 80_000));
    expect(over.invoice).toMatchObject({ status: "paid", outstanding: { amount: 0 } });
    await runBilling(env, new Date("2027-02-05T12:00:00Z"));
    const items = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token: tenant.accessToken })))
      .items;
    expect(items[1]).toMatchObject({ periodStart: "2027-02-10", outstanding: { amount: 80_000 } });
    const statement = await json(await call("GET", `/v1/leases/${lease.id}/statement`, { token: tenant.accessToken }));
    expect(statement.balance).toBe(80_000);
    expect(statement.balance).toBe(
      await balance(accountId("tenant_receivable", { leaseId: lease.id, currency: "EUR" })),
    );
  });

  it("enforces the partial-payment policy the landlord set", async () => {
    const tenantId = (await mintTenant()).id;
    const token = await tokenFor(tenantId);
    const landlordId = `usr_l${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const landlordToken = await tokenFor(landlordId, "landlord");
    for (const [policy, tooLittle, enough] of [
      ["require_rent", 99_999, 100_000],
      ["blocked", 50_000, 100_000],
      ["require_balance", 100_000, 200_000],
    ] as const) {
      const lease = await insertLease({
        startDate: "2027-01-10",
        billingDay: 10,
        tenantId,
        landlordId,
        lateFeeRule: { graceDays: 60, kind: "fixed", amount: 1 },
      });
      const set = await call("PUT", `/v1/leases/${lease.id}/payment-policy`, {
        token: landlordToken,
        body: { policy },
      });
      expect((await json(set)).partialPolicy, policy).toBe(policy);
      await runBilling(env, new Date("2027-02-05T12:00:00Z"), { leaseId: lease.id });
      const [invoice] = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token }))).items;
      const refused = await pay(token, invoice.id, tooLittle);
      expect(refused.status, policy).toBe(422);
      expect((await pay(token, invoice.id, enough)).status, policy).toBe(201);
    }
  });

  it("keeps an ended lease's unpaid invoice outstanding, and lets the tenant pay it", async () => {
    const tenantId = (await mintTenant()).id;
    const token = await tokenFor(tenantId);
    const lease = await insertLease({
      startDate: "2027-01-10",
      billingDay: 10,
      tenantId,
      lateFeeRule: { graceDays: 60, kind: "fixed", amount: 1 },
    });
    await runBilling(env, new Date("2027-01-05T12:00:00Z"), { leaseId: lease.id });
    await pgQuery("update leases set status = 'ended', end_date = '2027-02-10' where id = $1", [lease.id]);
    const [invoice] = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token }))).items;
    expect(invoice).toMatchObject({ status: "open", outstanding: { amount: 100_000 } });
    expect(await json(await call("GET", `/v1/invoices/${invoice.id}`, { token }))).toMatchObject({
      status: "open",
      outstanding: { amount: 100_000 },
    });
    const partial = await pay(token, invoice.id, 30_000);
    expect(partial.status).toBe(201);
    expect((await json(partial)).invoice).toMatchObject({ status: "open", outstanding: { amount: 70_000 } });
    const rest = await pay(token, invoice.id, 70_000);
    expect((await json(rest)).invoice).toMatchObject({ status: "paid", outstanding: { amount: 0 } });
    expect(await balance(receivable(lease.id))).toBe(0);
  });

  it("hands back the client secret when the card needs authentication, and records nothing yet", async () => {
    const tenantId = (await mintTenant()).id;
    const token = await tokenFor(tenantId);
    const lease = await insertLease({
      startDate: "2027-01-10",
      billingDay: 10,
      tenantId,
      lateFeeRule: { graceDays: 60, kind: "fixed", amount: 1 },
    });
    await runBilling(env, new Date("2027-01-05T12:00:00Z"), { leaseId: lease.id });
    const [invoice] = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token }))).items;
    const res = await pay(token, invoice.id, 25_000, "pm_card_authenticationRequired");
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toMatchObject({
      status: "requires_action",
      clientSecret: (await stripeGet(`/v1/payment_intents/${body.paymentId}`)).client_secret,
    });
    expect(body.invoice).toMatchObject({ status: "open", outstanding: { amount: 100_000 } });
    expect(await pgQuery("select 1 from payments where invoice_id = $1", [invoice.id])).toEqual([]);
  });

  it("needs an Idempotency-Key, replays a repeat, and records a declined card as nothing paid", async () => {
    const tenantId = (await mintTenant()).id;
    const token = await tokenFor(tenantId);
    const lease = await insertLease({ startDate: "2027-01-10", billingDay: 10, tenantId });
    await runBilling(env, new Date("2027-01-05T12:00:00Z"));
    const [invoice] = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token }))).items;
    const body = { amount: { amount: 10_000, currency: "EUR" }, paymentMethod: "pm_card_visa" };
    expect((await call("POST", `/v1/invoices/${invoice.id}/payments`, { token, body })).status).toBe(428);
    const key = crypto.randomUUID();
    const a = await call("POST", `/v1/invoices/${invoice.id}/payments`, {
      token,
      body,
      headers: { "idempotency-key": key },
    });
    const b = await call("POST", `/v1/invoices/${invoice.id}/payments`, {
      token,
      body,
      headers: { "idempotency-key": key },
    });
    expect((await json(b)).paymentId).toBe((await json(a)).paymentId);
    expect(await balance(accountId("tenant_receivable", { leaseId: lease.id, currency: "EUR" }))).toBe(90_000);
    const declined = await pay(token, invoice.id, 5_000, "pm_card_chargeDeclined");
    expect(declined.status).toBe(402);
    expect((await json(declined)).code).toBe("payment_declined");
    expect(await balance(accountId("tenant_receivable", { leaseId: lease.id, currency: "EUR" }))).toBe(90_000);
  });
});

describe("lease management", () => {
  it("lets only the landlord set the late-fee rule, validated", async () => {
    const { landlord, tenant, lease } = await leased();
    const rule = { graceDays: 3, kind: "daily", amount: 500, cap: 5000 };
    expect(
      (await call("PUT", `/v1/leases/${lease.id}/late-fee-rule`, { token: tenant.accessToken, body: rule })).status,
    ).toBe(403);
    expect(
      (
        await call("PUT", `/v1/leases/${lease.id}/late-fee-rule`, {
          token: (await signUp("landlord")).accessToken,
          body: rule,
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call("PUT", `/v1/leases/${lease.id}/late-fee-rule`, {
          token: landlord.accessToken,
          body: { graceDays: 3, kind: "daily", amount: 500 },
        })
      ).status,
    ).toBe(422);
    const updated = await json(
      await call("PUT", `/v1/leases/${lease.id}/late-fee-rule`, { token: landlord.accessToken, body: rule }),
    );
    expect(updated.lateFeeRule).toEqual(rule);
  });

  it("bounds the late fee by the lease's rent: 422 past one period's rent, past 20 %, or a day's fee over its cap", async () => {
    const landlordId = `usr_l${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const token = await tokenFor(landlordId, "landlord");
    const lease = await insertLease({ landlordId }); // 100,000 a month
    const put = (rule: Record<string, unknown>) =>
      call("PUT", `/v1/leases/${lease.id}/late-fee-rule`, { token, body: rule });
    const refused: [Record<string, unknown>, string][] = [
      [{ graceDays: 3, kind: "fixed", amount: 100_001 }, "amount"],
      [{ graceDays: 3, kind: "percent", percentBps: 2001 }, "percentBps"],
      [{ graceDays: 3, kind: "daily", amount: 500, cap: 100_001 }, "cap"],
      [{ graceDays: 3, kind: "daily", amount: 6000, cap: 5000 }, "amount"],
    ];
    for (const [rule, path] of refused) {
      const res = await put(rule);
      expect(res.status, JSON.stringify(rule)).toBe(422);
      const body = await json(res);
      expect(body.code).toBe("validation_failed");
      expect(
        body.errors.map((e: { path: string }) => e.path),
        JSON.stringify(rule),
      ).toContain(path);
    }
    expect((await json(await call("GET", `/v1/leases/${lease.id}`, { token }))).lateFeeRule).toEqual(lease.lateFeeRule);
    for (const rule of [
      { graceDays: 3, kind: "fixed", amount: 100_000 },
      { graceDays: 3, kind: "percent", percentBps: 2000 },
      { graceDays: 3, kind: "daily", amount: 5000, cap: 100_000 },
    ]) {
      const res = await put(rule);
      expect(res.status, JSON.stringify(rule)).toBe(200);
      expect((await json(res)).lateFeeRule).toEqual(rule);
    }
  });

  it("lets only the landlord set the partial-payment policy, validated", async () => {
    const { landlord, tenant, lease } = await leased();
    expect(lease.partialPolicy).toBe("allow_any");
    const path = `/v1/leases/${lease.id}/payment-policy`;
    expect((await call("PUT", path, { body: { policy: "blocked" } })).status).toBe(401);
    expect((await call("PUT", path, { token: tenant.accessToken, body: { policy: "blocked" } })).status).toBe(403);
    expect(
      (await call("PUT", path, { token: (await signUp("landlord")).accessToken, body: { policy: "blocked" } })).status,
    ).toBe(404);
    const invalid = await call("PUT", path, { token: landlord.accessToken, body: { policy: "whatever" } });
    expect(invalid.status).toBe(422);
    expect((await json(invalid)).code).toBe("validation_failed");
    const updated = await json(await call("PUT", path, { token: landlord.accessToken, body: { policy: "blocked" } }));
    expect(updated.partialPolicy).toBe("blocked");
    expect((await json(await call("GET", `/v1/leases/${lease.id}`, { token: tenant.accessToken }))).partialPolicy).toBe(
      "blocked",
    );
    const doc = await json(await call("GET", "/openapi.json"));
    expect(doc.paths["/v1/leases/{id}/payment-policy"].put.requestBody.content["application/json"].schema).toEqual({
      $ref: "#/components/schemas/PaymentPolicy",
    });
  });

  it("lets the tenant save a card that the rent run then charges off-session", async () => {
    const tenantId = (await mintTenant()).id;
    const token = await tokenFor(tenantId);
    const lease = await insertLease({ startDate: "2027-10-01", billingDay: 1, tenantId });
    expect(
      (
        await call("PUT", `/v1/leases/${lease.id}/payment-method`, {
          token: (await mintTenant()).accessToken,
          body: { paymentMethod: "pm_card_visa" },
        })
      ).status,
    ).toBe(404);
    const saved = await json(
      await call("PUT", `/v1/leases/${lease.id}/payment-method`, { token, body: { paymentMethod: "pm_card_visa" } }),
    );
    expect(saved.autopay).toBe(true);
    await runBilling(env, new Date("2027-10-01T12:00:00Z"), { leaseId: lease.id });
    const [invoice] = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token }))).items;
    expect(invoice).toMatchObject({ status: "paid", outstanding: { amount: 0 } });
  });

  it("notice frees the room's calendar from the end date on", async () => {
    const { tenant, room, lease } = await leased();
    const endDate = inDays(60);
    const res = await call("POST", `/v1/leases/${lease.id}/notice`, { token: tenant.accessToken, body: { endDate } });
    expect((await json(res)).endDate).toBe(endDate);
    const days = await json(await call("GET", `/v1/rooms/${room.id}/availability?from=${inDays(59)}&to=${inDays(61)}`));
    expect(days.days.map((d: { units: number }) => d.units)).toEqual([1, 2]);
  });

  it("notice voids the rent invoiced ahead for a period the lease no longer reaches", async () => {
    const start = inDays(-27);
    const lease = await insertLease({
      startDate: start,
      billingDay: Number(start.slice(8, 10)),
      timezone: "UTC",
      lateFeeRule: { graceDays: 60, kind: "fixed", amount: 1000 },
    });
    await runBilling(env, new Date(), { leaseId: lease.id }); // the current period, and the next one a week ahead
    const issued = await invoicesOf(lease.id);
    expect(issued).toHaveLength(2);
    const next = issued[1]!;
    const token = await tokenFor(lease.tenantId);
    expect(
      (await call("POST", `/v1/leases/${lease.id}/notice`, { token, body: { endDate: next.period_start } })).status,
    ).toBe(200);
    expect(await json(await call("GET", `/v1/invoices/${next.id}`, { token }))).toMatchObject({
      status: "void",
      outstanding: { amount: 0 },
    });
    expect(await json(await call("GET", `/v1/invoices/${issued[0]!.id}`, { token }))).toMatchObject({
      status: "open",
      outstanding: { amount: 100_000 },
    });
    expect(await balance(receivable(lease.id))).toBe(100_000);
    expect((await pay(token, next.id, 100_000)).status).toBe(409);
    await runBilling(env, new Date(), { leaseId: lease.id });
    expect(await invoicesOf(lease.id)).toHaveLength(2);
    // a repeated notice posts no second reversal
    expect(
      (await call("POST", `/v1/leases/${lease.id}/notice`, { token, body: { endDate: next.period_start } })).status,
    ).toBe(200);
    expect(await balance(receivable(lease.id))).toBe(100_000);
  });

  it("notice in the middle of a period bills that period again for its days only", async () => {
    const start = inDays(-20);
    const lease = await insertLease({
      startDate: start,
      billingDay: Number(start.slice(8, 10)),
      timezone: "UTC",
      lateFeeRule: { graceDays: 60, kind: "fixed", amount: 1000 },
    });
    await runBilling(env, new Date(), { leaseId: lease.id });
    const [current] = await invoicesOf(lease.id);
    const endDate = inDays(3);
    const token = await tokenFor(lease.tenantId);
    expect((await call("POST", `/v1/leases/${lease.id}/notice`, { token, body: { endDate } })).status).toBe(200);
    const after = await invoicesOf(lease.id);
    expect(after).toHaveLength(2);
    const replacement = after.find((i) => i.id !== current!.id)!;
    const days = (a: string, b: string) => Math.round((Date.parse(b) - Date.parse(a)) / 86_400_000);
    const prorated = Math.floor((100_000 * days(start, endDate)) / days(start, current!.period_end));
    expect(replacement).toMatchObject({ period_start: start, period_end: endDate });
    expect(Number(replacement.rent_amount)).toBe(prorated);
    expect(await json(await call("GET", `/v1/invoices/${current!.id}`, { token }))).toMatchObject({ status: "void" });
    expect(await json(await call("GET", `/v1/invoices/${replacement.id}`, { token }))).toMatchObject({
      status: "open",
      outstanding: { amount: prorated },
    });
    expect(await balance(receivable(lease.id))).toBe(prorated);
    expect((await call("POST", `/v1/leases/${lease.id}/notice`, { token, body: { endDate } })).status).toBe(200); // repeated: nothing changes
    expect(await invoicesOf(lease.id)).toHaveLength(2);
    expect(await balance(receivable(lease.id))).toBe(prorated);
  });

  it("a period cut short after its late fee keeps that fee once, and the open invoices still add up to the ledger", async () => {
    const start = inDays(-20);
    const lease = await insertLease({
      startDate: start,
      billingDay: Number(start.slice(8, 10)),
      timezone: "UTC",
      lateFeeRule: { graceDays: 2, kind: "fixed", amount: 3000 },
    });
    await runBilling(env, new Date(), { leaseId: lease.id }); // issued, and 18 days past grace: the fee
    const token = await tokenFor(lease.tenantId);
    expect((await call("POST", `/v1/leases/${lease.id}/notice`, { token, body: { endDate: inDays(3) } })).status).toBe(
      200,
    );
    await runBilling(env, new Date(), { leaseId: lease.id });
    const fees = await pgQuery("select 1 from ledger_transactions where lease_id = $1 and kind = 'late_fee'", [
      lease.id,
    ]);
    expect(fees).toHaveLength(1);
    const open = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token }))).items.filter(
      (i: { status: string }) => i.status !== "void",
    );
    expect(open).toHaveLength(1);
    expect(open[0].outstanding.amount).toBe(await balance(receivable(lease.id)));
    expect(open[0].total.amount).toBe(open[0].rent.amount + 3000);
  });

  it("applies two notices given at once one after the other: the earlier end wins and nothing is billed twice", async () => {
    const start = inDays(-20);
    const lease = await insertLease({
      startDate: start,
      billingDay: Number(start.slice(8, 10)),
      timezone: "UTC",
      lateFeeRule: { graceDays: 60, kind: "fixed", amount: 1000 },
    });
    await runBilling(env, new Date(), { leaseId: lease.id });
    const token = await tokenFor(lease.tenantId);
    const [early, late] = [inDays(3), inDays(40)];
    const answers = await Promise.all(
      [early, late].map((endDate) => call("POST", `/v1/leases/${lease.id}/notice`, { token, body: { endDate } })),
    );
    expect(answers.map((r) => r.status)).toContain(200);
    expect(answers.every((r) => r.status === 200 || r.status === 422)).toBe(true);
    expect((await json(await call("GET", `/v1/leases/${lease.id}`, { token }))).endDate).toBe(early);
    const live = await pgQuery<{ period_end: string }>(
      "select period_end::text from invoices where lease_id = $1 and voided_at is null",
      [lease.id],
    );
    expect(live).toEqual([{ period_end: early }]);
  });

  it("settles the deposit at the end with itemised deductions", async () => {
    const { landlord, lease } = await leased();
    expect(
      (
        await call("POST", `/v1/leases/${lease.id}/deposit/settle`, {
          token: landlord.accessToken,
          body: { withheld: [] },
        })
      ).status,
    ).toBe(409);
    await pgQuery("update leases set status = 'ended' where id = $1", [lease.id]);
    const settled = await json(
      await call("POST", `/v1/leases/${lease.id}/deposit/settle`, {
        token: landlord.accessToken,
        body: { withheld: [{ reason: "Broken window", amount: 15000 }] },
      }),
    );
    expect(settled).toMatchObject({ held: 65000, returned: 50000 });
    expect(await balance(accountId("deposits_held", { leaseId: lease.id, currency: "EUR" }))).toBe(0);
  });

  it("posts nothing when the deposit refund fails at Stripe, so the landlord can settle again", async () => {
    const { landlord, lease, booking } = await leased();
    await pgQuery("update leases set status = 'ended' where id = $1", [lease.id]);
    // someone refunded the whole charge in Stripe's dashboard: a further refund is refused
    const refunded = await stripePost("/v1/refunds", { payment_intent: booking.payment.paymentIntentId });
    expect(refunded.status).toBe(200);
    const res = await call("POST", `/v1/leases/${lease.id}/deposit/settle`, {
      token: landlord.accessToken,
      body: { withheld: [] },
    });
    expect(res.status).toBe(502);
    expect((await json(res)).code).toBe("payment_provider_error");
    expect(await balance(accountId("deposits_held", { leaseId: lease.id, currency: "EUR" }))).toBe(-65000);
    expect(
      await pgQuery(
        "select 1 from ledger_transactions where lease_id = $1 and kind in ('deposit_returned', 'deposit_withheld')",
        [lease.id],
      ),
    ).toEqual([]);
  });

  it("follows a deposit refund an earlier settlement made before losing its commit, and refuses another amount", async () => {
    const { landlord, lease, booking } = await leased();
    await pgQuery("update leases set status = 'ended' where id = $1", [lease.id]);
    const refund = await stripePost("/v1/refunds", {
      payment_intent: booking.payment.paymentIntentId,
      amount: "50000",
      "metadata[leaseId]": lease.id,
      "metadata[purpose]": "deposit",
    });
    expect(refund.status).toBe(200);
    const settle = (withheld: { reason: string; amount: number }[]) =>
      call("POST", `/v1/leases/${lease.id}/deposit/settle`, { token: landlord.accessToken, body: { withheld } });
    expect((await settle([])).status).toBe(409); // would refund 65,000 where 50,000 already went out
    expect(await json(await settle([{ reason: "Broken window", amount: 15000 }]))).toMatchObject({
      held: 65000,
      returned: 50000,
    });
    const pi = await stripeGet(`/v1/payment_intents/${booking.payment.paymentIntentId}`);
    expect((await stripeGet(`/v1/charges/${pi.latest_charge}`)).amount_refunded).toBe(50000);
    expect(await balance(accountId("deposits_held", { leaseId: lease.id, currency: "EUR" }))).toBe(0);
  });

  it("returns the tenant's remaining credit with the deposit, to the card that paid it", async () => {
    const { landlord, tenant, lease, booking } = await leased();
    // The second month, paid with 20,000 more than it asks: credit for a month that never comes.
    const nextMonth = new Date(`${lease.startDate}T12:00:00Z`);
    nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1);
    await runBilling(env, nextMonth, { leaseId: lease.id });
    const [, second] = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token: tenant.accessToken })))
      .items;
    const ahead = await json(await pay(tenant.accessToken, second.id, 85_000));
    expect(await balance(receivable(lease.id))).toBe(-20_000);
    await pgQuery("update leases set status = 'ended' where id = $1", [lease.id]);
    const settled = await json(
      await call("POST", `/v1/leases/${lease.id}/deposit/settle`, {
        token: landlord.accessToken,
        body: { withheld: [] },
      }),
    );
    expect(settled).toMatchObject({ held: 65000, returned: 65000, creditReturned: 20_000 });
    expect(await balance(receivable(lease.id))).toBe(0);
    expect(await balance(accountId("deposits_held", { leaseId: lease.id, currency: "EUR" }))).toBe(0);
    const refundedOn = async (pi: string) =>
      (await stripeGet(`/v1/charges/${(await stripeGet(`/v1/payment_intents/${pi}`)).latest_charge}`)).amount_refunded;
    expect(await refundedOn(ahead.paymentId)).toBe(20_000);
    expect(await refundedOn(booking.payment.paymentIntentId)).toBe(65000);
    expect(
      (
        await call("POST", `/v1/leases/${lease.id}/deposit/settle`, {
          token: landlord.accessToken,
          body: { withheld: [] },
        })
      ).status,
    ).toBe(409);
  });

  it("settles the deposit once when settlements race", async () => {
    const { landlord, lease } = await leased();
    await pgQuery("update leases set status = 'ended' where id = $1", [lease.id]);
    const settle = (withheld: { reason: string; amount: number }[]) =>
      call("POST", `/v1/leases/${lease.id}/deposit/settle`, { token: landlord.accessToken, body: { withheld } });
    // Half withhold, half return everything: without the lease lock, more than one reads the full deposit and posts.
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => settle(i % 2 ? [] : [{ reason: "Broken window", amount: 15000 }])),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    const winner = await json(responses.find((r) => r.status === 200)!);
    const postings = await pgQuery<{ kind: string; total: string }>(
      `
      select t.kind, sum(e.amount) as total from ledger_transactions t join ledger_entries e on e.transaction_id = t.id
      where t.lease_id = $1 and t.kind in ('deposit_withheld', 'deposit_returned') and e.account_id = $2 group by t.kind order by t.kind`,
      [lease.id, accountId("deposits_held", { leaseId: lease.id, currency: "EUR" })],
    );
    const expected = [{ kind: "deposit_returned", total: String(winner.returned) }];
    if (winner.withheld.length) expected.push({ kind: "deposit_withheld", total: "15000" });
    expect(postings).toEqual(expected);
    expect(await balance(accountId("deposits_held", { leaseId: lease.id, currency: "EUR" }))).toBe(0);
  });
});
