import { and, eq, isNull } from "drizzle-orm";
import { refreshTokens } from "../../schema/d1";
import type { D1Db } from "./db";

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

export async function insertRefreshToken(db: D1Db, row: typeof refreshTokens.$inferInsert): Promise<void> {
  await db.insert(refreshTokens).values(row);
}

export async function findRefreshToken(db: D1Db, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  return db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).get();
}

/**
 * Marks a token used if, and only if, it is still unused and unrevoked. The single conditional
 * UPDATE is what makes two concurrent refreshes with one token produce one winner.
 */
export async function claimRefreshToken(db: D1Db, id: string, at: string): Promise<boolean> {
  const claimed = await db.update(refreshTokens).set({ usedAt: at })
    .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return claimed.length === 1;
}

export async function revokeFamily(db: D1Db, familyId: string, at: string): Promise<void> {
  await db.update(refreshTokens).set({ revokedAt: at })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}
