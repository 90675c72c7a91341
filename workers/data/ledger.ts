import { asc, eq, sql } from "drizzle-orm";
import { ledgerAccounts, ledgerEntries, ledgerTransactions } from "../../schema/pg";
import { accountId, type AccountKind, type Posting } from "../domain/ledger";
import type { PgTx as Tx } from "./pg";

/** Opens the accounts of a lease (and the platform's for its currency) if they do not exist. */
export async function openLeaseAccounts(db: Tx, leaseId: string, currency: string): Promise<void> {
  const kinds: AccountKind[] = ["tenant_receivable", "landlord_payable", "deposits_held", "platform_fees", "cash_at_stripe"];
  await db.insert(ledgerAccounts).values(kinds.map((kind) => ({
    id: accountId(kind, { leaseId, currency }), kind, currency,
    leaseId: kind === "platform_fees" || kind === "cash_at_stripe" ? null : leaseId,
  }))).onConflictDoNothing();
}

/**
 * Posts balanced transactions, each at most once per reference: a posting whose reference is
 * already in the ledger is skipped. Returns the postings that were new. Run inside the caller's
 * database transaction so the business row and its ledger entries commit together.
 */
export async function post(db: Tx, postings: Posting[]): Promise<Posting[]> {
  if (postings.length === 0) return [];
  for (const p of postings) {
    const sum = p.entries.reduce((s, e) => s + e.amount, 0);
    if (sum !== 0) throw new Error(`unbalanced posting ${p.reference}: ${sum}`);
  }
  const inserted = await db.insert(ledgerTransactions).values(postings.map((p) => ({
    kind: p.kind, reference: p.reference, leaseId: p.leaseId, description: p.description, reversesId: p.reversesId ?? null,
  }))).onConflictDoNothing({ target: ledgerTransactions.reference }).returning({ id: ledgerTransactions.id, reference: ledgerTransactions.reference });
  const ids = new Map(inserted.map((r) => [r.reference, r.id]));
  const fresh = postings.filter((p) => ids.has(p.reference));
  const entries = fresh.flatMap((p) => p.entries.map((e) => ({ transactionId: ids.get(p.reference)!, accountId: e.accountId, amount: e.amount, currency: p.currency })));
  for (let i = 0; i < entries.length; i += 4000) await db.insert(ledgerEntries).values(entries.slice(i, i + 4000));
  return fresh;
}

/** A posted transaction with its entries, to reverse it. */
export async function findTransaction(db: Tx, reference: string) {
  const [t] = await db.select().from(ledgerTransactions).where(eq(ledgerTransactions.reference, reference));
  if (!t) return null;
  const entries = await db.select().from(ledgerEntries).where(eq(ledgerEntries.transactionId, t.id));
  return { id: t.id, reference: t.reference, leaseId: t.leaseId ?? "", description: t.description, currency: entries[0]?.currency ?? "", entries: entries.map((e) => ({ accountId: e.accountId, amount: e.amount })) };
}


/** The balance of one account: the sum of its entries. */
export async function accountBalance(db: Tx, account: string): Promise<number> {
  const [row] = await db.select({ total: sql<string>`coalesce(sum(${ledgerEntries.amount}), 0)` }).from(ledgerEntries).where(eq(ledgerEntries.accountId, account));
  return Number(row?.total ?? 0);
}

/** The lines of one account in posting order, with the running balance after each. */
export async function accountLines(db: Tx, account: string) {
  const rows = await db.select({
    transactionId: ledgerTransactions.id, kind: ledgerTransactions.kind, reference: ledgerTransactions.reference,
    description: ledgerTransactions.description, postedAt: ledgerTransactions.postedAt, amount: ledgerEntries.amount,
  }).from(ledgerEntries).innerJoin(ledgerTransactions, eq(ledgerEntries.transactionId, ledgerTransactions.id))
    .where(eq(ledgerEntries.accountId, account)).orderBy(asc(ledgerTransactions.id));
  let balance = 0;
  return rows.map((r) => ({ ...r, postedAt: r.postedAt.toISOString(), balance: (balance += r.amount) }));
}

