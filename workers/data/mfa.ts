import { and, eq, gt, isNull } from "drizzle-orm";
import { mfaChallenges, recoveryCodes } from "../../schema/d1";
import type { D1Db } from "./d1";

/** Two-factor state besides the user row: hashed recovery codes and the password step's challenges. */
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
