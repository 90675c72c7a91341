import { and, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import { accountTokens } from "../../schema/d1";
import type { D1Db } from "./d1";

export type AccountTokenRow = typeof accountTokens.$inferSelect;
export type Purpose = AccountTokenRow["purpose"];

/** Stores a new token of `purpose`, spending the user's earlier unused ones of it (only the latest email works). */
export async function issueAccountToken(db: D1Db, row: typeof accountTokens.$inferInsert): Promise<void> {
  await db.batch([
    db
      .update(accountTokens)
      .set({ usedAt: row.createdAt! })
      .where(
        and(eq(accountTokens.userId, row.userId), eq(accountTokens.purpose, row.purpose), isNull(accountTokens.usedAt)),
      ),
    db.insert(accountTokens).values(row),
  ]);
}

/** Spends a live token of `purpose` in one conditional write (single use under any concurrency); null when none. */
export async function spendAccountToken(
  db: D1Db,
  tokenHash: string,
  purpose: Purpose,
  now: string,
): Promise<AccountTokenRow | null> {
  const [row] = await db
    .update(accountTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(accountTokens.tokenHash, tokenHash),
        eq(accountTokens.purpose, purpose),
        isNull(accountTokens.usedAt),
        gt(accountTokens.expiresAt, now),
      ),
    )
    .returning();
  return row ?? null;
}

/** Emailed tokens past their expiry, used or not (an expired token opens nothing), `limit` at a time. */
export async function purgeAccountTokens(db: D1Db, now: string, limit: number): Promise<number> {
  const expired = db
    .select({ id: accountTokens.id })
    .from(accountTokens)
    .where(lt(accountTokens.expiresAt, now))
    .limit(limit);
  const res = await db.delete(accountTokens).where(inArray(accountTokens.id, expired)).run();
  return res.meta.changes ?? 0;
}
