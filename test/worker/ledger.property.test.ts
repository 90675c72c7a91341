import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runBilling } from "../../workers/cron/billing";
import { accountLines, post } from "../../workers/data/ledger";
import { recordInvoicePayment } from "../../workers/data/payments";
import { withPg } from "../../workers/data/pg";
import { addDays } from "../../workers/domain/dates";
import { accountId, refundPosting } from "../../workers/domain/ledger";
import { insertLease, invoicesOf, pgQuery } from "./pg";

type Op =
  | { kind: "bill"; day: number; twice: boolean }
  | { kind: "pay"; amount: number; deliveries: number }
  | { kind: "refund"; amount: number; deliveries: number }
  | { kind: "replay"; pick: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("bill" as const), day: fc.integer({ min: -10, max: 150 }), twice: fc.boolean() }),
  fc.record({
    kind: fc.constant("pay" as const),
    amount: fc.integer({ min: 1, max: 250_000 }),
    deliveries: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constant("refund" as const),
    amount: fc.integer({ min: 1, max: 50_000 }),
    deliveries: fc.integer({ min: 1, max: 2 }),
  }),
  fc.record({ kind: fc.constant("replay" as const), pick: fc.nat() }),
);

interface Entry {
  id: string;
  transaction_id: string;
  account_id: string;
  amount: string;
}

async function entriesOf(leaseId: string): Promise<Entry[]> {
  return pgQuery<Entry>(
    "select e.id, e.transaction_id, e.account_id, e.amount from ledger_entries e join ledger_transactions t on t.id = e.transaction_id where t.lease_id = $1 order by e.id",
    [leaseId],
  );
}

/** What must hold after every step, whatever the order and repetition of what came before. */
async function checkInvariants(leaseId: string, before: Entry[]) {
  const unbalanced = await pgQuery(
    "select t.id from ledger_transactions t join ledger_entries e on e.transaction_id = t.id where t.lease_id = $1 group by t.id, e.currency having sum(e.amount) <> 0",
    [leaseId],
  );
  expect(unbalanced).toEqual([]);
  const after = await entriesOf(leaseId);
  expect(after.slice(0, before.length)).toEqual(before);
  const receivable = accountId("tenant_receivable", { leaseId, currency: "EUR" });
  const [sum] = await pgQuery<{ total: string }>(
    "select coalesce(sum(amount), 0) as total from ledger_entries where account_id = $1",
    [receivable],
  );
  const lines = await withPg(env, (db) => accountLines(db, receivable));
  expect(lines.at(-1)?.balance ?? 0).toBe(Number(sum!.total));
  const invoices = await invoicesOf(leaseId);
  expect(new Set(invoices.map((i) => i.period_start)).size).toBe(invoices.length);
  const payments = await pgQuery<{ n: number }>(
    "select count(*)::int as n from ledger_transactions where lease_id = $1 and kind = 'payment'",
    [leaseId],
  );
  const recorded = await pgQuery<{ n: number }>("select count(*)::int as n from payments where lease_id = $1", [
    leaseId,
  ]);
  expect(payments[0]!.n).toBe(recorded[0]!.n);
  return after;
}

describe("ledger under random billing, payments, refunds and redeliveries", () => {
  it("keeps every transaction balanced, entries immutable, balances equal to their entries, invoices unique", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 12 }), async (ops) => {
        const lease = await insertLease({
          startDate: "2027-03-31",
          billingDay: 31,
          lateFeeRule: { graceDays: 3, kind: "daily", amount: 700, cap: 3000 },
        });
        let seen: Entry[] = [];
        let n = 0;
        const delivered: (() => Promise<unknown>)[] = [];
        for (const step of ops) {
          n++;
          if (step.kind === "replay") {
            // a late redelivery of something already applied (reordered webhook, queue retry)
            if (delivered.length > 0) await delivered[step.pick % delivered.length]!();
          } else if (step.kind === "bill") {
            const at = new Date(`${addDays(lease.startDate, step.day)}T12:00:00Z`);
            await Promise.all(
              Array.from({ length: step.twice ? 2 : 1 }, () => runBilling(env, at, { leaseId: lease.id })),
            );
          } else {
            const invoice = (await invoicesOf(lease.id)).at(-1);
            if (!invoice) continue;
            const ref = `pi_prop_${lease.id}_${n}`;
            const deliver = () =>
              step.kind === "pay"
                ? withPg(env, (db) =>
                    recordInvoicePayment(
                      db,
                      { id: invoice.id, leaseId: lease.id, currency: "EUR" },
                      ref,
                      step.amount,
                      "tenant",
                    ),
                  )
                : withPg(env, (db) =>
                    db.transaction((tx) =>
                      post(tx, [refundPosting(lease.id, ref, step.amount, "EUR", "Refund of credit")]),
                    ),
                  );
            delivered.push(deliver);
            await Promise.all(Array.from({ length: step.deliveries }, deliver));
          }
          seen = await checkInvariants(lease.id, seen);
        }
      }),
      { numRuns: 12, seed: 42 },
    );
  });

  it("refuses to change or delete a posted entry", async () => {
    const lease = await insertLease({ startDate: "2027-03-01", billingDay: 1 });
    await runBilling(env, new Date("2027-03-01T12:00:00Z"), { leaseId: lease.id });
    await expect(
      pgQuery("update ledger_entries set amount = amount + 1 where account_id like $1", [`lease:${lease.id}:%`]),
    ).rejects.toThrow(/append-only/);
    await expect(pgQuery("delete from ledger_transactions where lease_id = $1", [lease.id])).rejects.toThrow(
      /append-only/,
    );
  });

  it("refuses an unbalanced transaction at commit", async () => {
    const lease = await insertLease({ startDate: "2027-03-01", billingDay: 1 });
    await expect(
      withPg(env, (_db, client) =>
        client.query(`
      with t as (insert into ledger_transactions (kind, reference, lease_id, description) values ('bad', 'bad:${lease.id}', '${lease.id}', 'x') returning id)
      insert into ledger_entries (transaction_id, account_id, amount, currency) select id, 'lease:${lease.id}:tenant_receivable', 5, 'EUR' from t`),
      ),
    ).rejects.toThrow(/does not balance/);
  });
});
