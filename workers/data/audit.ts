import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { auditLog } from "../../schema/pg";
import type { PgTx } from "./pg";

export type AuditRow = typeof auditLog.$inferSelect;

/** One admin action, appended (the table refuses UPDATE and DELETE: migrations/pg/0003). */
export async function appendAudit(
  db: PgTx,
  row: { actorId: string; action: string; subject: string; detail: Record<string, unknown> },
): Promise<AuditRow> {
  const [written] = await db.insert(auditLog).values(row).returning();
  return written!;
}

/** Newest first, `limit + 1` rows before the sequence number `before`, optionally of one action or subject. */
export async function auditPage(
  db: PgTx,
  q: { before?: number; action?: string; subject?: string; limit: number },
): Promise<AuditRow[]> {
  const where: SQL[] = [];
  if (q.before !== undefined) where.push(lt(auditLog.id, q.before));
  if (q.action) where.push(eq(auditLog.action, q.action));
  if (q.subject) where.push(eq(auditLog.subject, q.subject));
  return db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.id))
    .limit(q.limit + 1);
}
