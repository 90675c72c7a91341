import { asc, eq, sql } from "drizzle-orm";
import { ledgerAccounts, ledgerEntries, ledgerTransactions } from "../../schema/pg";
import { accountId, type AccountKind, type Posting } from "../domain/ledger";
import type { PgTx as Tx } from "./pg";

/** Opens the accounts of a lease (and the platform's for its currency) if they do not exist. */
export async function openLeaseAccounts(db: Tx, leaseId: string, currency: string): Promise<void> {
  const kinds: AccountKind[] = [
    "tenant_receivable",
    "landlord_payable",
    "deposits_held",
    "platform_fees",
    "cash_at_stripe",
  ];
  await db
    .insert(ledgerAccounts)
    .values(
      kinds.map((kind) => ({
        id: accountId(kind, { leaseId, currency }),
        kind,
        currency,
        leaseId: kind === "platform_fees" || kind === "cash_at_stripe" ? null : leaseId,
      })),
    )
    .onConflictDoNothing();
}

/**
 * Posts balanced transactions, each at most once per reference: a posting whose reference is
 * already in the ledger is skipped. Returns the postings that were new. Run inside the caller's
 * database transaction so the business row and its ledger entries commit together. One statement
 * whatever the number of postings: the transactions go in from arrays (unnest), and only those
 * inserted now get their entries, joined on the reference the insert returned.
 */
export async function post(db: Tx, postings: Posting[]): Promise<Posting[]> {
  if (postings.length === 0) return [];
  for (const p of postings) {
    const sum = p.entries.reduce((s, e) => s + e.amount, 0);
    if (sum !== 0) throw new Error(`unbalanced posting ${p.reference}: ${sum}`);
  }
  const entries = postings.flatMap((p, i) =>
    p.entries.map((e) => ({ posting: i + 1, accountId: e.accountId, amount: e.amount })),
  );
  const byPosting = <T>(field: (p: Posting) => T) => sql.param(postings.map(field));
  const byEntry = <T>(field: (e: (typeof entries)[number]) => T) => sql.param(entries.map(field));
  const result = await db.execute<{ reference: string }>(sql`
    WITH p AS (
      SELECT * FROM unnest(${byPosting((p) => p.kind)}::text[], ${byPosting((p) => p.reference)}::text[], ${byPosting((p) => p.leaseId)}::text[],
        ${byPosting((p) => p.description)}::text[], ${byPosting((p) => p.reversesId ?? null)}::bigint[], ${byPosting((p) => p.currency)}::text[])
        WITH ORDINALITY AS p(kind, reference, lease_id, description, reverses_id, currency, n)
    ), t AS (
      INSERT INTO ledger_transactions (kind, reference, lease_id, description, reverses_id)
      SELECT kind, reference, lease_id, description, reverses_id FROM p ORDER BY n
      ON CONFLICT (reference) DO NOTHING RETURNING id, reference
    ), e AS (
      INSERT INTO ledger_entries (transaction_id, account_id, amount, currency)
      SELECT t.id, x.account_id, x.amount, p.currency
      FROM unnest(${byEntry((e) => e.posting)}::int[], ${byEntry((e) => e.accountId)}::text[], ${byEntry((e) => e.amount)}::bigint[])
        WITH ORDINALITY AS x(posting, account_id, amount, n)
      JOIN p ON p.n = x.posting JOIN t ON t.reference = p.reference ORDER BY x.n
    )
    SELECT reference FROM t`);
  const inserted = new Set(result.rows.map((r) => r.reference));
  return postings.filter((p) => inserted.has(p.reference));
}

/** A posted transaction with its entries, to reverse it. */
export async function findTransaction(db: Tx, reference: string) {
  const [t] = await db.select().from(ledgerTransactions).where(eq(ledgerTransactions.reference, reference));
  if (!t) return null;
  const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.transactionId, t.id));
  return {
    id: t.id,
    reference: t.reference,
    leaseId: t.leaseId ?? "",
    description: t.description,
    currency: entries[0]?.currency ?? "",
    entries: entries.map((e) => ({ accountId: e.accountId, amount: e.amount })),
  };
}

/** The balance of one account: the sum of its entries. */
export async function accountBalance(db: Tx, account: string): Promise<number> {
  const [row] = await db
    .select({ total: sql<string>`coalesce(sum(${ledgerEntries.amount}), 0)` })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.accountId, account));
  return Number(row?.total ?? 0);
}

/** The lines of one account in posting order, with the running balance after each. */
export async function accountLines(db: Tx, account: string) {
  const rows = await db
    .select({
      transactionId: ledgerTransactions.id,
      kind: ledgerTransactions.kind,
      reference: ledgerTransactions.reference,
      description: ledgerTransactions.description,
      postedAt: ledgerTransactions.postedAt,
      amount: ledgerEntries.amount,
    })
    .from(ledgerEntries)
    .innerJoin(ledgerTransactions, eq(ledgerEntries.transactionId, ledgerTransactions.id))
    .where(eq(ledgerEntries.accountId, account))
    .orderBy(asc(ledgerTransactions.id));
  let balance = 0;
  return rows.map((r) => ({ ...r, postedAt: r.postedAt.toISOString(), balance: (balance += r.amount) }));
}
