import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import { accountTokens, loginFailures, mfaChallenges, recoveryCodes } from "../../schema/d1";
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

export async function purgeAccountTokens(db: D1Db, before: string): Promise<void> {
  await db.delete(accountTokens).where(lt(accountTokens.expiresAt, before));
}

// Two-factor

export async function replaceRecoveryCodes(db: D1Db, userId: string, hashes: string[]): Promise<void> {
  await db.batch([
    db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId)),
    ...hashes.map((codeHash) => db.insert(recoveryCodes).values({ userId, codeHash })),
  ]);
}

/** Spends one unused recovery code of the user; false when it is not one (or already used). */
export async function spendRecoveryCode(db: D1Db, userId: string, codeHash: string, now: string): Promise<boolean> {
  const spent = await db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, codeHash), isNull(recoveryCodes.usedAt)))
    .returning({ userId: recoveryCodes.userId });
  return spent.length === 1;
}

export async function deleteRecoveryCodes(db: D1Db, userId: string): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}

export async function insertMfaChallenge(db: D1Db, row: typeof mfaChallenges.$inferInsert): Promise<void> {
  await db.insert(mfaChallenges).values(row);
}

export type MfaChallengeRow = typeof mfaChallenges.$inferSelect;

export async function findMfaChallenge(db: D1Db, idHash: string, now: string): Promise<MfaChallengeRow | null> {
  const row = await db
    .select()
    .from(mfaChallenges)
    .where(and(eq(mfaChallenges.idHash, idHash), isNull(mfaChallenges.usedAt), gt(mfaChallenges.expiresAt, now)))
    .get();
  return row ?? null;
}

/** Spends a challenge once; false when another request spent it first. */
export async function spendMfaChallenge(db: D1Db, idHash: string, now: string): Promise<boolean> {
  const spent = await db
    .update(mfaChallenges)
    .set({ usedAt: now })
    .where(and(eq(mfaChallenges.idHash, idHash), isNull(mfaChallenges.usedAt)))
    .returning({ id: mfaChallenges.idHash });
  return spent.length === 1;
}

// Lockout

export type LoginFailureRow = typeof loginFailures.$inferSelect;

export async function findLoginFailures(db: D1Db, userId: string): Promise<LoginFailureRow | undefined> {
  return db.select().from(loginFailures).where(eq(loginFailures.userId, userId)).get();
}

/**
 * Counts one failed sign-in, in one statement: a window that began before `windowStart` starts again at 1.
 * Answers the row as it is now.
 */
export async function countLoginFailure(db: D1Db, userId: string, now: string, windowStart: string) {
  const [row] = await db
    .insert(loginFailures)
    .values({ userId, failures: 1, windowStart: now })
    .onConflictDoUpdate({
      target: loginFailures.userId,
      set: {
        failures: sql`CASE WHEN ${loginFailures.windowStart} < ${windowStart} THEN 1 ELSE ${loginFailures.failures} + 1 END`,
        windowStart: sql`CASE WHEN ${loginFailures.windowStart} < ${windowStart} THEN ${now} ELSE ${loginFailures.windowStart} END`,
      },
    })
    .returning();
  return row!;
}

export async function slowLogins(db: D1Db, userId: string, until: string, notifiedAt?: string): Promise<void> {
  await db
    .update(loginFailures)
    .set({ slowedUntil: until, ...(notifiedAt && { notifiedAt }) })
    .where(eq(loginFailures.userId, userId));
}

export async function clearLoginFailures(db: D1Db, userId: string): Promise<void> {
  await db.delete(loginFailures).where(eq(loginFailures.userId, userId));
}
