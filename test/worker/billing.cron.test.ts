import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DomainEvent } from "../../schema/events";
import { runBilling } from "../../workers/cron/billing";
import { lateFeeSteps } from "../../workers/domain/late-fees";
import { newId } from "../../workers/domain/ids";
import { accountId, type AccountKind } from "../../workers/domain/ledger";
import worker from "../../workers/index";
import { reconcilePaymentAttempts } from "../../workers/services/invoices";
import { call, tokenFor } from "./helpers";
import { balance, insertLease, invoicesOf, pgQuery } from "./pg";
import { intentsFor, loseStripeAnswers, stripePost } from "./stripe";

afterEach(() => vi.restoreAllMocks());

/** Runs the hourly cron as Cloudflare would, at a chosen scheduled time. */
async function cron(at: string) {
  await worker.scheduled(
    createScheduledController({ cron: "0 * * * *", scheduledTime: new Date(at).getTime() }),
    env,
    createExecutionContext(),
  );
}

const receivable = (leaseId: string, currency = "EUR") => accountId("tenant_receivable", { leaseId, currency });

describe("rent billing run", () => {
  it("issues one invoice per lease per period, whatever runs twice or at once", async () => {
    const lease = await insertLease({
      startDate: "2027-01-31",
      billingDay: 31,
      timezone: "Europe/Lisbon",
      lateFeeRule: { graceDays: 60, kind: "fixed", amount: 1 },
    });
    await cron("2027-01-24T12:00:00Z");
    await cron("2027-01-24T12:00:00Z");
    expect((await invoicesOf(lease.id)).map((i) => i.period_start)).toEqual(["2027-01-31"]);
    await Promise.all([cron("2027-02-21T12:00:00Z"), cron("2027-02-21T12:00:00Z"), cron("2027-02-21T13:00:00Z")]);
    const invoices = await invoicesOf(lease.id);
    expect(invoices.map((i) => [i.period_start, i.due_date])).toEqual([
      ["2027-01-31", "2027-01-31"],
      ["2027-02-28", "2027-02-28"],
    ]);
    expect(await balance(receivable(lease.id))).toBe(200_000);
  });

  it("catches up the months a skipped run missed", async () => {
    const lease = await insertLease({ startDate: "2027-01-10", billingDay: 10, timezone: "Europe/Lisbon" });
    await cron("2027-01-05T12:00:00Z");
    await cron("2027-05-05T12:00:00Z");
    expect((await invoicesOf(lease.id)).map((i) => i.period_start)).toEqual([
      "2027-01-10",
      "2027-02-10",
      "2027-03-10",
      "2027-04-10",
      "2027-05-10",
    ]);
  });

  it("bills in the lease's timezone: Auckland is ahead, Los Angeles behind", async () => {
    const auckland = await insertLease({
      startDate: "2027-03-08",
      billingDay: 8,
      timezone: "Pacific/Auckland",
      currency: "NZD",
    });
    const losAngeles = await insertLease({
      startDate: "2027-03-08",
      billingDay: 8,
      timezone: "America/Los_Angeles",
      currency: "USD",
    });
    // 2027-02-28T12:30Z is 1 March in Auckland (lead 7 days reaches 8 March) but still 28 February in Los Angeles
    await cron("2027-02-28T12:30:00Z");
    expect((await invoicesOf(auckland.id)).map((i) => i.period_start)).toEqual(["2027-03-08"]);
    expect(await invoicesOf(losAngeles.id)).toEqual([]);
    await cron("2027-03-01T08:00:00Z"); // 1 March 00:00 in Los Angeles
    expect((await invoicesOf(losAngeles.id)).map((i) => i.period_start)).toEqual(["2027-03-08"]);
  });

  it("sends the reminder once, and applies each late-fee step once however often it runs", async () => {
    const lease = await insertLease({
      startDate: "2027-06-10",
      billingDay: 10,
      timezone: "Europe/Lisbon",
      lateFeeRule: { graceDays: 2, kind: "daily", amount: 1000, cap: 2500 },
    });
    await cron("2027-06-08T12:00:00Z");
    await cron("2027-06-08T13:00:00Z");
    const [invoice] = await invoicesOf(lease.id);
    const actions = () =>
      pgQuery<{ kind: string; step: number; amount: string | null }>(
        "select kind, step, amount from invoice_actions where invoice_id = $1 order by kind, step",
        [invoice!.id],
      );
    expect(await actions()).toEqual([{ kind: "reminder", step: 0, amount: null }]);
    await cron("2027-06-14T12:00:00Z"); // 4 days late, 2 of grace: steps 1 and 2
    await cron("2027-06-14T12:00:00Z");
    await cron("2027-06-20T12:00:00Z"); // capped at 2,500 in total
    await cron("2027-06-21T12:00:00Z");
    expect((await actions()).filter((a) => a.kind === "late_fee").map((a) => Number(a.amount))).toEqual([
      1000, 1000, 500,
    ]);
    expect(await balance(receivable(lease.id))).toBe(100_000 + 2500);
  });

  it("charges a saved card off-session once per scheduled attempt and records the payment", async () => {
    const customer = await (await stripePost("/v1/customers")).json<{ id: string }>();
    const lease = await insertLease({
      startDate: "2027-08-01",
      billingDay: 1,
      stripeCustomerId: customer.id,
      stripePaymentMethodId: "pm_card_visa",
    });
    await cron("2027-08-01T12:00:00Z");
    await cron("2027-08-01T13:00:00Z");
    const payments = await pgQuery<{ amount: string; source: string }>(
      "select amount, source from payments where lease_id = $1",
      [lease.id],
    );
    expect(payments).toEqual([{ amount: "100000", source: "off_session" }]);
    expect(await balance(receivable(lease.id))).toBe(0);
  });

  it("reports each declined off-session charge, retries only on the schedule, and says when the schedule is used up", async () => {
    const customer = await (await stripePost("/v1/customers")).json<{ id: string }>();
    const lease = await insertLease({
      startDate: "2027-09-01",
      billingDay: 1,
      stripeCustomerId: customer.id,
      stripePaymentMethodId: "pm_card_chargeDeclined",
    });
    const sendBatch = vi.spyOn(env.EVENTS, "sendBatch");
    await cron("2027-09-01T12:00:00Z");
    await cron("2027-09-02T12:00:00Z");
    await cron("2027-09-03T12:00:00Z"); // second attempt: two days late
    const [invoice] = await invoicesOf(lease.id);
    const charges = () =>
      pgQuery<{ step: number; outcome: string }>(
        "select step, outcome from invoice_actions where invoice_id = $1 and kind = 'charge' order by step",
        [invoice!.id],
      );
    expect((await charges()).map((c) => c.step)).toEqual([0, 1]);
    await cron("2027-09-06T12:00:00Z"); // third and last: five days late
    await cron("2027-09-10T12:00:00Z");
    expect((await charges()).map((c) => c.step)).toEqual([0, 1, 2]);
    expect((await charges()).every((c) => c.outcome.startsWith("failed"))).toBe(true);
    const failures = sendBatch.mock.calls
      .flatMap(([batch]) => [...batch].map((m) => m.body as DomainEvent))
      .filter((e) => e.type === "invoice.charge_failed" && e.data.invoiceId === invoice!.id);
    expect(failures.map((e) => e.type === "invoice.charge_failed" && [e.data.attempt, e.data.finalAttempt])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });

  it("bills a last period cut short by the lease's end for its days only", async () => {
    const lease = await insertLease({ startDate: "2027-01-10", billingDay: 10, endDate: "2027-03-25" });
    await runBilling(env, new Date("2027-03-05T12:00:00Z"), { leaseId: lease.id }); // catches up January to March
    const issued = (await invoicesOf(lease.id)).map((i) => [i.period_start, i.period_end, Number(i.rent_amount)]);
    // 10–25 March is 15 of the 31 days to 10 April: 100,000 × 15 / 31, rounded down
    expect(issued).toEqual([
      ["2027-01-10", "2027-02-10", 100_000],
      ["2027-02-10", "2027-03-10", 100_000],
      ["2027-03-10", "2027-03-25", 48_387],
    ]);
  });

  it("ends a lease on its end date and returns the landlord's contract", async () => {
    const lease = await insertLease({ startDate: "2027-01-05", billingDay: 5, endDate: "2027-03-05" });
    await env.LANDLORD_DESK.getByName(lease.landlordId).activate(lease.bookingId);
    const scheduledFor = new Date(Date.UTC(2027, 2, 5, 12, 0, 0, Math.floor(Math.random() * 60_000)));
    const summary = await runBilling(env, scheduledFor);
    expect(summary.leasesEnded).toBeGreaterThanOrEqual(1);
    const [run] = await pgQuery<{ leases_ended: number }>(
      "select leases_ended from billing_runs where scheduled_for = $1 order by id desc limit 1",
      [scheduledFor.toISOString()],
    );
    expect(run?.leases_ended).toBe(summary.leasesEnded);
    const [row] = await pgQuery<{ status: string }>("select status from leases where id = $1", [lease.id]);
    expect(row?.status).toBe("ended");
    expect(await env.LANDLORD_DESK.getByName(lease.landlordId).hasContract(lease.bookingId)).toBeNull();
    expect((await invoicesOf(lease.id)).map((i) => i.period_start)).toEqual(["2027-01-05", "2027-02-05"]);
  });

  it("keeps a lease active when its contract cannot be released, and ends it on the next run", async () => {
    const lease = await insertLease({ startDate: "2027-01-05", billingDay: 5, endDate: "2027-03-05" });
    const desk = env.LANDLORD_DESK.getByName(lease.landlordId);
    await desk.activate(lease.bookingId);
    const getByName = env.LANDLORD_DESK.getByName.bind(env.LANDLORD_DESK);
    const unreachable = {
      release: async () => {
        throw new Error("desk unreachable");
      },
    };
    vi.spyOn(env.LANDLORD_DESK, "getByName").mockImplementation(((name: string) =>
      name === lease.landlordId ? unreachable : getByName(name)) as never);
    await runBilling(env, new Date("2027-03-05T12:00:00Z"));
    expect((await pgQuery<{ status: string }>("select status from leases where id = $1", [lease.id]))[0]?.status).toBe(
      "active",
    );
    expect(await desk.hasContract(lease.bookingId)).not.toBeNull();
    vi.restoreAllMocks();
    await runBilling(env, new Date("2027-03-05T12:00:00Z"));
    expect((await pgQuery<{ status: string }>("select status from leases where id = $1", [lease.id]))[0]?.status).toBe(
      "ended",
    );
    expect(await desk.hasContract(lease.bookingId)).toBeNull();
  });

  it("sends each notice once as an event (issued, reminder, late fee), however often the run repeats for the same time", async () => {
    const lease = await insertLease({
      startDate: "2027-06-10",
      billingDay: 10,
      timezone: "Europe/Lisbon",
      lateFeeRule: { graceDays: 2, kind: "fixed", amount: 3000 },
    });
    const sendBatch = vi.spyOn(env.EVENTS, "sendBatch");
    const send = vi.spyOn(env.EVENTS, "send");
    await Promise.all([cron("2027-06-08T12:00:00Z"), cron("2027-06-08T12:00:00Z")]); // reminder: 2 days before due
    await cron("2027-06-08T12:00:00Z");
    await Promise.all([cron("2027-06-14T12:00:00Z"), cron("2027-06-14T12:00:00Z")]); // 4 days late, 2 of grace: the fee
    await cron("2027-06-14T12:00:00Z");
    const sent = [
      ...sendBatch.mock.calls.flatMap(([batch]) => [...batch].map((m) => m.body)),
      ...send.mock.calls.map(([body]) => body),
    ] as DomainEvent[];
    const notices = sent.filter((e) => "leaseId" in e.data && e.data.leaseId === lease.id);
    expect(notices.map((e) => [e.type, "amount" in e.data ? e.data.amount : null]).sort()).toEqual(
      [
        ["invoice.issued", 100_000],
        ["invoice.late_fee", 3000],
        ["invoice.reminder", 100_000],
      ].sort(),
    );
  });

  it("bills local dates across DST: Los Angeles springs forward on 2027-03-14, Auckland falls back on 2027-04-04", async () => {
    const la = await insertLease({
      startDate: "2027-02-14",
      billingDay: 14,
      timezone: "America/Los_Angeles",
      currency: "USD",
    });
    const akl = await insertLease({
      startDate: "2027-03-04",
      billingDay: 4,
      timezone: "Pacific/Auckland",
      currency: "NZD",
    });
    const periods = async (id: string) => (await invoicesOf(id)).map((i) => [i.period_start, i.period_end, i.due_date]);
    await runBilling(env, new Date("2027-03-07T07:30:00Z"), { leaseId: la.id }); // 6 March 23:30 PST: 14 March is 8 days off
    expect(await periods(la.id)).toEqual([["2027-02-14", "2027-03-14", "2027-02-14"]]);
    await runBilling(env, new Date("2027-03-07T08:30:00Z"), { leaseId: la.id }); // 7 March 00:30 PST
    await runBilling(env, new Date("2027-04-07T06:30:00Z"), { leaseId: la.id }); // 6 April 23:30 PDT (it would be 7 April in PST)
    expect((await periods(la.id)).at(-1)).toEqual(["2027-03-14", "2027-04-14", "2027-03-14"]);
    await runBilling(env, new Date("2027-04-07T07:30:00Z"), { leaseId: la.id }); // 7 April 00:30 PDT
    expect((await periods(la.id)).at(-1)).toEqual(["2027-04-14", "2027-05-14", "2027-04-14"]);

    await runBilling(env, new Date("2027-03-27T10:30:00Z"), { leaseId: akl.id }); // 27 March 23:30 NZDT
    expect(await periods(akl.id)).toEqual([["2027-03-04", "2027-04-04", "2027-03-04"]]);
    await runBilling(env, new Date("2027-03-27T11:30:00Z"), { leaseId: akl.id }); // 28 March 00:30 NZDT
    await runBilling(env, new Date("2027-04-26T11:30:00Z"), { leaseId: akl.id }); // 26 April 23:30 NZST (it would be 27 April in NZDT)
    expect((await periods(akl.id)).at(-1)).toEqual(["2027-04-04", "2027-05-04", "2027-04-04"]);
    await runBilling(env, new Date("2027-04-26T12:30:00Z"), { leaseId: akl.id }); // 27 April 00:30 NZST
    expect((await periods(akl.id)).at(-1)).toEqual(["2027-05-04", "2027-06-04", "2027-05-04"]);
  });

  it("bills 29 February 2028 for a lease on the 29th and for one on the 31st (month end)", async () => {
    const on29 = await insertLease({ startDate: "2027-12-29", billingDay: 29 });
    const on31 = await insertLease({ startDate: "2028-01-31", billingDay: 31 });
    const periods = async (id: string) => (await invoicesOf(id)).map((i) => [i.period_start, i.period_end, i.due_date]);
    await cron("2028-02-21T12:00:00Z"); // 29 February is 8 days off: not yet
    expect((await periods(on31.id)).map(([start]) => start)).toEqual(["2028-01-31"]);
    await cron("2028-02-22T12:00:00Z");
    expect(await periods(on29.id)).toEqual([
      ["2027-12-29", "2028-01-29", "2027-12-29"],
      ["2028-01-29", "2028-02-29", "2028-01-29"],
      ["2028-02-29", "2028-03-29", "2028-02-29"],
    ]);
    expect(await periods(on31.id)).toEqual([
      ["2028-01-31", "2028-02-29", "2028-01-31"],
      ["2028-02-29", "2028-03-31", "2028-02-29"],
    ]);
  });

  it("catches up from the last period invoiced, not from the lease's start", async () => {
    // A lease whose earlier invoices predate this ledger: only its latest period is on file.
    const lease = await insertLease({ startDate: "2025-03-10", billingDay: 10 });
    await pgQuery(
      "insert into invoices (id, lease_id, period_start, period_end, due_date, rent_amount, currency) values ($1, $2, '2027-01-10', '2027-02-10', '2027-01-10', 100000, 'EUR')",
      [newId("inv"), lease.id],
    );
    await runBilling(env, new Date("2027-02-05T12:00:00Z"), { leaseId: lease.id });
    expect((await invoicesOf(lease.id)).map((i) => i.period_start)).toEqual(["2027-01-10", "2027-02-10"]);
  });

  it(
    "invoices thousands of leases over several pages once each, when two runs overlap too, each with one balanced posting",
    { timeout: 120_000 },
    async () => {
      // More leases than one page of the run, so several pages and both connections issue. They
      // bill in January 2020, before any other test's lease starts, and end by February.
      const n = 6_000;
      const ids = Array.from({ length: n }, () => newId("lse"));
      const rents = ids.map((_, i) => 50_000 + (i % 97) * 100);
      // Every tenth lease ends on 25 January: 15 of the period's 31 days, billed for those days only.
      const ends = ids.map((_, i) => (i % 10 === 0 ? "2020-01-25" : "2020-02-10"));
      const landlordId = `usr_l${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
      await pgQuery(
        `
      INSERT INTO leases (id, booking_id, tenant_id, landlord_id, room_id, property_id, start_date, end_date, rent_amount, deposit_amount,
        currency, billing_day, timezone, late_fee_rule, partial_policy)
      SELECT l.id, 'bkg_' || substr(l.id, 5), 'usr_t' || substr(l.id, 5), $4, 'room_' || substr(l.id, 5), 'prop_' || substr(l.id, 5),
        '2020-01-10', l.end_date, l.rent, 0, 'EUR', 10, 'Europe/Lisbon', '{"graceDays":5,"kind":"fixed","amount":1000}', 'allow_any'
      FROM unnest($1::text[], $2::bigint[], $3::date[]) AS l(id, rent, end_date)`,
        [ids, rents, ends, landlordId],
      );
      const accounts: { id: string; kind: AccountKind; leaseId: string | null }[] = ids.flatMap((leaseId) =>
        (["tenant_receivable", "landlord_payable", "deposits_held"] as const).map((kind) => ({
          id: accountId(kind, { leaseId, currency: "EUR" }),
          kind,
          leaseId,
        })),
      );
      for (const kind of ["platform_fees", "cash_at_stripe"] as const)
        accounts.push({ id: accountId(kind, { currency: "EUR" }), kind, leaseId: null });
      await pgQuery(
        "INSERT INTO ledger_accounts (id, kind, lease_id, currency) SELECT *, 'EUR' FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING",
        [accounts.map((a) => a.id), accounts.map((a) => a.kind), accounts.map((a) => a.leaseId)],
      );
      // Their 6,000 notices stay in the outbox: the queue's consumer would still be logging them when the suite ends.
      vi.spyOn(env.EVENTS, "sendBatch").mockResolvedValue(undefined as never);
      try {
        await Promise.all([
          runBilling(env, new Date("2020-01-05T12:00:00Z")),
          runBilling(env, new Date("2020-01-05T12:00:00Z")),
        ]);
        expect((await runBilling(env, new Date("2020-01-05T13:00:00Z"))).invoicesCreated).toBe(0);

        const invoices = await pgQuery<{
          lease_id: string;
          period_end: string;
          rent_amount: string;
          postings: string;
          entries: string;
        }>(
          `
        SELECT i.lease_id, i.period_end::text, i.rent_amount,
          (SELECT count(*) FROM ledger_transactions t WHERE t.reference = 'invoice:' || i.id) AS postings,
          (SELECT count(*) FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id WHERE t.reference = 'invoice:' || i.id) AS entries
        FROM invoices i WHERE i.lease_id = ANY($1)`,
          [ids],
        );
        expect(invoices.length).toBe(n);
        expect(new Set(invoices.map((i) => i.lease_id)).size).toBe(n);
        expect(invoices.every((i) => i.postings === "1" && i.entries === "3")).toBe(true);
        const expected = new Map(
          ids.map((id, i) => [
            id,
            { end: ends[i]!, rent: ends[i] === "2020-01-25" ? Math.floor((rents[i]! * 15) / 31) : rents[i]! },
          ]),
        );
        expect(
          invoices.filter(
            (i) =>
              i.period_end !== expected.get(i.lease_id)!.end ||
              Number(i.rent_amount) !== expected.get(i.lease_id)!.rent,
          ),
        ).toEqual([]);

        // Each tenant owes exactly their invoice, and every transaction of these leases balances.
        const receivables = await pgQuery<{ account_id: string; total: string }>(
          "SELECT account_id, sum(amount) AS total FROM ledger_entries WHERE account_id = ANY($1) GROUP BY account_id",
          [ids.map((id) => receivable(id))],
        );
        const owed = new Map(receivables.map((r) => [r.account_id, Number(r.total)]));
        expect(ids.filter((id) => owed.get(receivable(id)) !== expected.get(id)!.rent)).toEqual([]);
        const unbalanced = await pgQuery(
          `
        SELECT t.id FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
        WHERE t.lease_id = ANY($1) GROUP BY t.id, e.currency HAVING sum(e.amount) <> 0`,
          [ids],
        );
        expect(unbalanced).toEqual([]);
      } finally {
        // Nothing later bills, reminds or ends them.
        await pgQuery("UPDATE leases SET status = 'ended' WHERE id = ANY($1)", [ids]);
      }
    },
  );

  it("applies a changed late-fee rule only to rent that falls due after the change, never to rent already late", async () => {
    const landlordId = `usr_l${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    // In the past: the rule changes now (the request's clock), after July's rent fell due.
    const lease = await insertLease({
      startDate: "2026-07-10",
      billingDay: 10,
      landlordId,
      lateFeeRule: { graceDays: 2, kind: "daily", amount: 1000, cap: 5000 },
    });
    await runBilling(env, new Date("2026-07-14T12:00:00Z"), { leaseId: lease.id }); // 4 days late, 2 of grace: steps 1 and 2
    const rule = { graceDays: 2, kind: "daily", amount: 3000, cap: 9000 };
    const set = await call("PUT", `/v1/leases/${lease.id}/late-fee-rule`, {
      token: await tokenFor(landlordId, "landlord"),
      body: rule,
    });
    expect(set.status).toBe(200);
    await runBilling(env, new Date("2026-07-16T12:00:00Z"), { leaseId: lease.id });
    const fees = async (invoiceId: string) =>
      (
        await pgQuery<{ step: number; amount: string }>(
          "select step, amount from invoice_actions where invoice_id = $1 and kind = 'late_fee' order by step",
          [invoiceId],
        )
      ).map((f) => [f.step, Number(f.amount)]);
    const [july] = await invoicesOf(lease.id);
    // July's rent fell due under the old rule: it keeps it (1,000 a day, capped at 5,000).
    expect(await fees(july!.id)).toEqual([
      [1, 1000],
      [2, 1000],
      [3, 1000],
      [4, 1000],
    ]);
    await runBilling(env, new Date("2026-08-14T12:00:00Z"), { leaseId: lease.id });
    const [, august] = await invoicesOf(lease.id);
    expect(await fees(july!.id)).toEqual([
      [1, 1000],
      [2, 1000],
      [3, 1000],
      [4, 1000],
      [5, 1000],
    ]);
    // August's was issued after the change: the new rule.
    expect(await fees(august!.id)).toEqual([
      [1, 3000],
      [2, 3000],
    ]);
    expect(await balance(receivable(lease.id))).toBe(200_000 + 5000 + 6000);
  });

  it("charges a saved card what is owed when it charges: a late fee this run posted is included", async () => {
    const customer = await (await stripePost("/v1/customers")).json<{ id: string }>();
    const lease = await insertLease({
      startDate: "2027-11-01",
      billingDay: 1,
      stripeCustomerId: customer.id,
      stripePaymentMethodId: "pm_card_chargeDeclined",
      lateFeeRule: { graceDays: 1, kind: "fixed", amount: 1500 },
    });
    await runBilling(env, new Date("2027-11-01T12:00:00Z"), { leaseId: lease.id }); // first attempt: declined
    await pgQuery("update leases set stripe_payment_method_id = 'pm_card_visa' where id = $1", [lease.id]);
    await runBilling(env, new Date("2027-11-03T12:00:00Z"), { leaseId: lease.id }); // two days late: the fee, then the second attempt
    const payments = await pgQuery<{ amount: string; source: string }>(
      "select amount, source from payments where lease_id = $1",
      [lease.id],
    );
    expect(payments).toEqual([{ amount: "101500", source: "off_session" }]);
    expect(await balance(receivable(lease.id))).toBe(0);
  });

  it("does not charge a saved card for what a tenant's payment still in flight covers", async () => {
    const customer = await (await stripePost("/v1/customers")).json<{ id: string }>();
    const lease = await insertLease({
      startDate: "2027-12-01",
      billingDay: 1,
      stripeCustomerId: customer.id,
      stripePaymentMethodId: "pm_card_visa",
    });
    await runBilling(env, new Date("2027-11-25T12:00:00Z"), { leaseId: lease.id }); // issued a week ahead
    const [invoice] = await invoicesOf(lease.id);
    const token = await tokenFor(lease.tenantId);
    const key = crypto.randomUUID();
    const tenantPays = () =>
      call("POST", `/v1/invoices/${invoice!.id}/payments`, {
        token,
        body: { amount: { amount: 40_000, currency: "EUR" }, paymentMethod: "pm_card_visa" },
        headers: { "idempotency-key": key },
      });
    const lost = loseStripeAnswers("timeout");
    expect((await tenantPays()).status).toBe(202); // Stripe charged 40,000; its answer was lost
    lost.restore();
    await runBilling(env, new Date("2027-12-01T12:00:00Z"), { leaseId: lease.id });
    expect((await tenantPays()).status).toBe(201);
    const charged = (await intentsFor(invoice!.id)).map((pi) => pi.amount).sort();
    expect(charged).toEqual([40_000, 60_000]);
    expect(await balance(receivable(lease.id))).toBe(0);
  });

  it("an off-session charge whose answer is lost is pending, not failed, and is not charged again", async () => {
    const customer = await (await stripePost("/v1/customers")).json<{ id: string }>();
    const lease = await insertLease({
      startDate: "2028-01-01",
      billingDay: 1,
      stripeCustomerId: customer.id,
      stripePaymentMethodId: "pm_card_visa",
    });
    const sendBatch = vi.spyOn(env.EVENTS, "sendBatch");
    const lost = loseStripeAnswers("timeout");
    await runBilling(env, new Date("2028-01-01T12:00:00Z"), { leaseId: lease.id });
    lost.restore();
    const [invoice] = await invoicesOf(lease.id);
    const charges = () =>
      pgQuery<{ step: number; outcome: string }>(
        "select step, outcome from invoice_actions where invoice_id = $1 and kind = 'charge' order by step",
        [invoice!.id],
      );
    expect((await charges()).map((c) => [c.step, c.outcome.split(":")[0]])).toEqual([[0, "pending"]]);
    const failures = sendBatch.mock.calls
      .flatMap(([batch]) => [...batch].map((m) => m.body as DomainEvent))
      .filter((e) => e.type === "invoice.charge_failed");
    expect(failures).toEqual([]);
    await runBilling(env, new Date("2028-01-03T12:00:00Z"), { leaseId: lease.id }); // the second attempt's day
    expect((await charges()).map((c) => c.step)).toEqual([0]);
    expect(await intentsFor(invoice!.id)).toHaveLength(1);
    expect(await reconcilePaymentAttempts(env, new Date(Date.now() + 10 * 60_000), { leaseId: lease.id })).toEqual({
      settled: 1,
      abandoned: 0,
      pending: 0,
    });
    expect(await balance(receivable(lease.id))).toBe(0);
  });
});

describe("late-fee steps", () => {
  it("counts fees already charged against the cap and never repeats a charged step", () => {
    const daily = { graceDays: 2, kind: "daily" as const, amount: 1000, cap: 2500 };
    expect(lateFeeSteps(daily, 100_000, 10)).toEqual([
      { step: 1, amount: 1000 },
      { step: 2, amount: 1000 },
      { step: 3, amount: 500 },
    ]);
    expect(lateFeeSteps(daily, 100_000, 10, [{ step: 1, amount: 1000 }])).toEqual([
      { step: 2, amount: 1000 },
      { step: 3, amount: 500 },
    ]);
    // A fixed fee of 2,000 charged before the rule became daily leaves 500 under the cap.
    expect(lateFeeSteps(daily, 100_000, 10, [{ step: 1, amount: 2000 }])).toEqual([{ step: 2, amount: 500 }]);
    expect(lateFeeSteps(daily, 100_000, 10, [{ step: 1, amount: 5000 }])).toEqual([]);
    expect(
      lateFeeSteps({ graceDays: 2, kind: "fixed", amount: 1500 }, 100_000, 10, [{ step: 1, amount: 1000 }]),
    ).toEqual([]);
    expect(lateFeeSteps({ graceDays: 2, kind: "percent", percentBps: 500 }, 100_000, 10, [])).toEqual([
      { step: 1, amount: 5000 },
    ]);
  });
});
