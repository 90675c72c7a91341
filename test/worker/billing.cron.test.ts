import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runBilling } from "../../workers/cron/billing";
import { accountId } from "../../workers/domain/ledger";
import worker from "../../workers/index";
import { balance, insertLease, invoicesOf, pgQuery } from "./pg";

/** Runs the hourly cron as Cloudflare would, at a chosen scheduled time. */
async function cron(at: string) {
  await worker.scheduled(createScheduledController({ cron: "0 * * * *", scheduledTime: new Date(at).getTime() }), env, createExecutionContext());
}

const receivable = (leaseId: string, currency = "EUR") => accountId("tenant_receivable", { leaseId, currency });

describe("rent billing run", () => {
  it("issues one invoice per lease per period, whatever runs twice or at once", async () => {
    const lease = await insertLease({ startDate: "2027-01-31", billingDay: 31, timezone: "Europe/Lisbon", lateFeeRule: { graceDays: 60, kind: "fixed", amount: 1 } });
    await cron("2027-01-24T12:00:00Z");
    await cron("2027-01-24T12:00:00Z");
    expect((await invoicesOf(lease.id)).map((i) => i.period_start)).toEqual(["2027-01-31"]);
    await Promise.all([cron("2027-02-21T12:00:00Z"), cron("2027-02-21T12:00:00Z"), cron("2027-02-21T13:00:00Z")]);
    const invoices = await invoicesOf(lease.id);
    expect(invoices.map((i) => [i.period_start, i.due_date])).toEqual([["2027-01-31", "2027-01-31"], ["2027-02-28", "2027-02-28"]]);
    expect(await balance(receivable(lease.id))).toBe(200_000);
  });

  it("catches up the months a skipped run missed", async () => {
    const lease = await insertLease({ startDate: "2027-01-10", billingDay: 10, timezone: "Europe/Lisbon" });
    await cron("2027-01-05T12:00:00Z");
    await cron("2027-05-05T12:00:00Z");
    expect((await invoicesOf(lease.id)).map((i) => i.period_start)).toEqual(["2027-01-10", "2027-02-10", "2027-03-10", "2027-04-10", "2027-05-10"]);
  });

  it("bills in the lease's timezone: Auckland is ahead, Los Angeles behind", async () => {
    const auckland = await insertLease({ startDate: "2027-03-08", billingDay: 8, timezone: "Pacific/Auckland", currency: "NZD" });
    const losAngeles = await insertLease({ startDate: "2027-03-08", billingDay: 8, timezone: "America/Los_Angeles", currency: "USD" });
    // 2027-02-28T12:30Z is 1 March in Auckland (lead 7 days reaches 8 March) but still 28 February in Los Angeles
    await cron("2027-02-28T12:30:00Z");
    expect((await invoicesOf(auckland.id)).map((i) => i.period_start)).toEqual(["2027-03-08"]);
    expect(await invoicesOf(losAngeles.id)).toEqual([]);
    await cron("2027-03-01T08:00:00Z"); // 1 March 00:00 in Los Angeles
    expect((await invoicesOf(losAngeles.id)).map((i) => i.period_start)).toEqual(["2027-03-08"]);
  });

  it("sends the reminder once, and applies each late-fee step once however often it runs", async () => {
    const lease = await insertLease({ startDate: "2027-06-10", billingDay: 10, timezone: "Europe/Lisbon", lateFeeRule: { graceDays: 2, kind: "daily", amount: 1000, cap: 2500 } });
    await cron("2027-06-08T12:00:00Z");
    await cron("2027-06-08T13:00:00Z");
    const [invoice] = await invoicesOf(lease.id);
    const actions = () => pgQuery<{ kind: string; step: number; amount: string | null }>("select kind, step, amount from invoice_actions where invoice_id = $1 order by kind, step", [invoice!.id]);
    expect(await actions()).toEqual([{ kind: "reminder", step: 0, amount: null }]);
    await cron("2027-06-14T12:00:00Z"); // 4 days late, 2 of grace: steps 1 and 2
    await cron("2027-06-14T12:00:00Z");
    await cron("2027-06-20T12:00:00Z"); // capped at 2,500 in total
    await cron("2027-06-21T12:00:00Z");
    expect((await actions()).filter((a) => a.kind === "late_fee").map((a) => Number(a.amount))).toEqual([1000, 1000, 500]);
    expect(await balance(receivable(lease.id))).toBe(100_000 + 2500);
  });

  it("charges a saved card off-session once per scheduled attempt and records the payment", async () => {
    const customer = await (await fetch(`${env.STRIPE_API_BASE}/v1/customers`, { method: "POST", headers: { authorization: `Bearer ${env.STRIPE_SECRET_KEY}` } })).json<{ id: string }>();
    const lease = await insertLease({ startDate: "2027-08-01", billingDay: 1, stripeCustomerId: customer.id, stripePaymentMethodId: "pm_card_visa" });
    await cron("2027-08-01T12:00:00Z");
    await cron("2027-08-01T13:00:00Z");
    const payments = await pgQuery<{ amount: string; source: string }>("select amount, source from payments where lease_id = $1", [lease.id]);
    expect(payments).toEqual([{ amount: "100000", source: "off_session" }]);
    expect(await balance(receivable(lease.id))).toBe(0);
  });

  it("reports a declined off-session charge and retries only on the schedule", async () => {
    const customer = await (await fetch(`${env.STRIPE_API_BASE}/v1/customers`, { method: "POST", headers: { authorization: `Bearer ${env.STRIPE_SECRET_KEY}` } })).json<{ id: string }>();
    const lease = await insertLease({ startDate: "2027-09-01", billingDay: 1, stripeCustomerId: customer.id, stripePaymentMethodId: "pm_card_chargeDeclined" });
    await cron("2027-09-01T12:00:00Z");
    await cron("2027-09-02T12:00:00Z");
    await cron("2027-09-03T12:00:00Z"); // second attempt: two days late
    const [invoice] = await invoicesOf(lease.id);
    const charges = await pgQuery<{ step: number; outcome: string }>("select step, outcome from invoice_actions where invoice_id = $1 and kind = 'charge' order by step", [invoice!.id]);
    expect(charges.map((c) => c.step)).toEqual([0, 1]);
    expect(charges.every((c) => c.outcome.startsWith("failed"))).toBe(true);
  });

  it("ends a lease on its end date and returns the landlord's contract", async () => {
    const lease = await insertLease({ startDate: "2027-01-05", billingDay: 5, endDate: "2027-03-05" });
    await env.LANDLORD_DESK.getByName(lease.landlordId).activate(lease.bookingId);
    const summary = await runBilling(env, new Date("2027-03-05T12:00:00Z"));
    expect(summary.leasesEnded).toBeGreaterThanOrEqual(1);
    const [row] = await pgQuery<{ status: string }>("select status from leases where id = $1", [lease.id]);
    expect(row?.status).toBe("ended");
    expect(await env.LANDLORD_DESK.getByName(lease.landlordId).hasContract(lease.bookingId)).toBeNull();
    expect((await invoicesOf(lease.id)).map((i) => i.period_start)).toEqual(["2027-01-05", "2027-02-05"]);
  });
});
