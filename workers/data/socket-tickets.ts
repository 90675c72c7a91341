import { and, asc, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import { socketTickets } from "../../schema/d1";
import type { D1Db } from "./d1";

export type SocketTicketRow = typeof socketTickets.$inferSelect;

export async function insertTicket(db: D1Db, row: SocketTicketRow): Promise<void> {
  await db.insert(socketTickets).values(row);
}

/**
 * Spends a ticket: one statement marks it used only if it is unused and unexpired, so of two
 * simultaneous upgrades with one ticket exactly one gets its row back.
 */
export async function spendTicket(db: D1Db, tokenHash: string, now: string): Promise<SocketTicketRow | null> {
  const rows = await db
    .update(socketTickets)
    .set({ usedAt: now })
    .where(and(eq(socketTickets.tokenHash, tokenHash), isNull(socketTickets.usedAt), gt(socketTickets.expiresAt, now)))
    .returning();
  return rows[0] ?? null;
}

/** A ticket that would open a socket now, without spending it. */
export async function liveTicket(db: D1Db, tokenHash: string, now: string): Promise<SocketTicketRow | null> {
  const row = await db
    .select()
    .from(socketTickets)
    .where(and(eq(socketTickets.tokenHash, tokenHash), isNull(socketTickets.usedAt), gt(socketTickets.expiresAt, now)))
    .get();
  return row ?? null;
}

/** Retention: a ticket is worthless once expired, used or not. */
export async function purgeExpiredTickets(db: D1Db, now: string, limit: number): Promise<number> {
  const expired = db
    .select({ hash: socketTickets.tokenHash })
    .from(socketTickets)
    .where(lt(socketTickets.expiresAt, now))
    .orderBy(asc(socketTickets.expiresAt))
    .limit(limit);
  const res = await db.delete(socketTickets).where(inArray(socketTickets.tokenHash, expired)).run();
  return res.meta.changes ?? 0;
}
