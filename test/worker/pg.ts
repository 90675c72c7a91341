import { env } from "cloudflare:workers";
import { leases } from "../../schema/pg";
import { openLeaseAccounts } from "../../workers/data/ledger";
import { withPg } from "../../workers/data/pg";
import { newId } from "../../workers/domain/ids";
import { DEFAULT_LATE_FEE } from "../../workers/services/leases";

/** Runs a query against the real Postgres the worker uses. */
export async function pgQuery<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return withPg(env, async (_db, client) => (await client.query(text, params)).rows as T[]);
}

/** A lease written straight into Postgres (as the billing benchmark does), with its ledger accounts. */
export async function insertLease(over: Partial<typeof leases.$inferInsert> = {}) {
  const row: typeof leases.$inferInsert = {
    id: newId("lse"),
    bookingId: newId("bkg"),
    tenantId: `usr_t${crypto.randomUUID().slice(0, 8)}`,
    landlordId: `usr_l${crypto.randomUUID().slice(0, 8)}`,
    roomId: newId("room"),
    propertyId: newId("prop"),
    startDate: "2027-01-31",
    endDate: null,
    rentAmount: 100_000,
    depositAmount: 0,
    currency: "EUR",
    billingDay: 31,
    timezone: "Europe/Lisbon",
    lateFeeRule: DEFAULT_LATE_FEE,
    partialPolicy: "allow_any",
    ...over,
  };
  await withPg(env, async (db) => {
    await db.insert(leases).values(row);
    await openLeaseAccounts(db, row.id, row.currency);
  });
  return row as typeof leases.$inferSelect;
}

export async function invoicesOf(leaseId: string) {
  return pgQuery<{ id: string; period_start: string; period_end: string; due_date: string; rent_amount: string }>(
    "select id, period_start::text, period_end::text, due_date::text, rent_amount from invoices where lease_id = $1 order by period_start",
    [leaseId],
  );
}

/** Sum of every ledger entry on an account. */
export async function balance(account: string): Promise<number> {
  const [row] = await pgQuery<{ total: string }>(
    "select coalesce(sum(amount), 0) as total from ledger_entries where account_id = $1",
    [account],
  );
  return Number(row?.total ?? 0);
}
