import { and, eq, sql } from "drizzle-orm";
import { invoiceActions } from "../../schema/pg";
import type { PgTx as Tx } from "./pg";

/** What the billing run does to an invoice, each at most once per step. */
export type InvoiceActionKind = "reminder" | "late_fee" | "charge";

/** Invoices per statement when many are claimed or read at once: well inside Postgres and Hyperdrive limits. */
const CHUNK = 5000;

/** Gives a replacement invoice the actions (fee steps, reminders, charge attempts) of the one it replaces. */
export async function copyInvoiceActions(db: Tx, fromId: string, toId: string): Promise<void> {
  await db.execute(sql`INSERT INTO invoice_actions (invoice_id, kind, step, amount, outcome, at)
    SELECT ${toId}, kind, step, amount, outcome, at FROM invoice_actions WHERE invoice_id = ${fromId} ON CONFLICT DO NOTHING`);
}

/** Late-fee steps already charged, per invoice, so a changed rule still respects its cap. */
export async function lateFeesCharged(
  db: Tx,
  invoiceIds: string[],
): Promise<Map<string, { step: number; amount: number }[]>> {
  const charged = new Map<string, { step: number; amount: number }[]>();
  for (let i = 0; i < invoiceIds.length; i += CHUNK) {
    const rows = await db
      .select({ invoiceId: invoiceActions.invoiceId, step: invoiceActions.step, amount: invoiceActions.amount })
      .from(invoiceActions)
      .where(
        and(
          eq(invoiceActions.kind, "late_fee"),
          sql`${invoiceActions.invoiceId} = ANY(${sql.param(invoiceIds.slice(i, i + CHUNK))}::text[])`,
        ),
      );
    for (const r of rows)
      charged.set(r.invoiceId, [...(charged.get(r.invoiceId) ?? []), { step: r.step, amount: r.amount ?? 0 }]);
  }
  return charged;
}

export interface ActionClaim {
  invoiceId: string;
  kind: InvoiceActionKind;
  step: number;
  amount?: number | null;
}

/**
 * Claims many actions at once, a few thousand per statement from arrays (unnest); returns the
 * claims given that were new. They go in sorted, so runs claiming the same actions at once wait
 * for each other instead of deadlocking.
 */
export async function claimActions<C extends ActionClaim>(db: Tx, claims: C[]): Promise<C[]> {
  const key = (c: { invoiceId: string; kind: string; step: number }) => `${c.invoiceId}|${c.kind}|${c.step}`;
  const sorted = claims
    .map((c) => ({ ...c, key: key(c) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const fresh = new Set<string>();
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const chunk = sorted.slice(i, i + CHUNK);
    const column = <T>(field: (c: ActionClaim) => T) => sql.param(chunk.map(field));
    const result = await db.execute<{ invoice_id: string; kind: string; step: number }>(sql`
      INSERT INTO invoice_actions (invoice_id, kind, step, amount)
      SELECT * FROM unnest(${column((c) => c.invoiceId)}::text[], ${column((c) => c.kind)}::text[], ${column((c) => c.step)}::int[], ${column((c) => c.amount ?? null)}::bigint[])
      ON CONFLICT DO NOTHING RETURNING invoice_id, kind, step`);
    for (const r of result.rows) fresh.add(key({ invoiceId: r.invoice_id, kind: r.kind, step: Number(r.step) }));
  }
  return claims.filter((c) => fresh.has(key(c)));
}

/** Claims an action (reminder, fee step, charge attempt) for an invoice; false when it was done before. */
export async function claimAction(
  db: Tx,
  invoiceId: string,
  kind: InvoiceActionKind,
  step: number,
  amount: number | null = null,
): Promise<boolean> {
  const rows = await db
    .insert(invoiceActions)
    .values({ invoiceId, kind, step, amount })
    .onConflictDoNothing()
    .returning({ step: invoiceActions.step });
  return rows.length === 1;
}

/** Records how a charge attempt ended (the PaymentIntent status, or why it failed). */
export async function recordActionOutcome(
  db: Tx,
  invoiceId: string,
  kind: "charge",
  step: number,
  outcome: string,
): Promise<void> {
  await db
    .update(invoiceActions)
    .set({ outcome })
    .where(and(eq(invoiceActions.invoiceId, invoiceId), eq(invoiceActions.kind, kind), eq(invoiceActions.step, step)));
}
