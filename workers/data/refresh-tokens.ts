import { and, asc, desc, eq, exists, getTableColumns, gte, inArray, isNull, lt, ne, notExists } from "drizzle-orm";
import { refreshTokenFamilies, refreshTokens } from "../../schema/d1";
import type { D1Db } from "./d1";

export type RefreshTokenRow = typeof refreshTokens.$inferSelect & { familyRevokedAt: string | null };
type NewToken = typeof refreshTokens.$inferInsert;

/**
 * Starts a family with its first token, in one batch so neither exists without the other; `about`
 * says where the sign-in came from (User-Agent, coarse place).
 */
export async function insertFamilyWithToken(
  db: D1Db,
  userId: string,
  token: NewToken,
  about: { userAgent: string | null; place: string | null } = { userAgent: null, place: null },
): Promise<void> {
  const at = new Date().toISOString();
  await db.batch([
    db.insert(refreshTokenFamilies).values({ id: token.familyId, userId, ...about, lastUsedAt: at }),
    db.insert(refreshTokens).values(token),
  ]);
}

/** Adds a rotated token to an existing family. */
export async function insertRefreshToken(db: D1Db, row: NewToken): Promise<void> {
  await db.insert(refreshTokens).values(row);
}

/** The token with its family's revocation; a token without a family is not found (fail closed). */
export async function findRefreshToken(db: D1Db, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  return db
    .select({ ...getTableColumns(refreshTokens), familyRevokedAt: refreshTokenFamilies.revokedAt })
    .from(refreshTokens)
    .innerJoin(refreshTokenFamilies, eq(refreshTokenFamilies.id, refreshTokens.familyId))
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .get();
}

/**
 * Marks a token used if, and only if, it is unused, unrevoked and its family is live. The single
 * conditional UPDATE is what makes two concurrent refreshes with one token produce one winner, and
 * the family condition is what refuses a token rotated into a family revoked meanwhile.
 */
export async function claimRefreshToken(db: D1Db, id: string, at: string): Promise<boolean> {
  const liveFamily = db
    .select({ id: refreshTokenFamilies.id })
    .from(refreshTokenFamilies)
    .where(and(eq(refreshTokenFamilies.id, refreshTokens.familyId), isNull(refreshTokenFamilies.revokedAt)));
  const claimed = await db
    .update(refreshTokens)
    .set({ usedAt: at })
    .where(
      and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt), isNull(refreshTokens.revokedAt), exists(liveFamily)),
    )
    .returning({ id: refreshTokens.id });
  return claimed.length === 1;
}

/** Revokes every token of the family, including any rotated into it later. */
export async function revokeFamily(db: D1Db, familyId: string, at: string): Promise<void> {
  await db
    .update(refreshTokenFamilies)
    .set({ revokedAt: at })
    .where(and(eq(refreshTokenFamilies.id, familyId), isNull(refreshTokenFamilies.revokedAt)));
}

/**
 * Deletes up to `limit` refresh tokens past their expiry (spent, revoked or never used: an expired
 * token is refused whatever its state) and the families left with no live token; the number of
 * tokens deleted. One batch, so a family never loses its last token without going too.
 */
export async function purgeExpiredRefreshTokens(db: D1Db, now: string, limit: number): Promise<number> {
  const expired = (column: typeof refreshTokens.id | typeof refreshTokens.familyId) =>
    db
      .select({ id: column })
      .from(refreshTokens)
      .where(lt(refreshTokens.expiresAt, now))
      .orderBy(asc(refreshTokens.expiresAt))
      .limit(limit);
  const live = db
    .select({ id: refreshTokens.id })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.familyId, refreshTokenFamilies.id), gte(refreshTokens.expiresAt, now)));
  const [, tokens] = await db.batch([
    db
      .delete(refreshTokenFamilies)
      .where(and(inArray(refreshTokenFamilies.id, expired(refreshTokens.familyId)), notExists(live))),
    db.delete(refreshTokens).where(inArray(refreshTokens.id, expired(refreshTokens.id))),
  ]);
  return tokens.meta.changes ?? 0;
}

export type FamilyRow = typeof refreshTokenFamilies.$inferSelect;

export async function touchFamily(db: D1Db, familyId: string, at: string): Promise<void> {
  await db.update(refreshTokenFamilies).set({ lastUsedAt: at }).where(eq(refreshTokenFamilies.id, familyId));
}

/** The user's live sessions (families not revoked), newest first. */
export async function liveFamilies(db: D1Db, userId: string): Promise<FamilyRow[]> {
  return db
    .select()
    .from(refreshTokenFamilies)
    .where(and(eq(refreshTokenFamilies.userId, userId), isNull(refreshTokenFamilies.revokedAt)))
    .orderBy(desc(refreshTokenFamilies.createdAt))
    .all();
}

/** Revokes the user's live families, all but `except`; answers how many. */
export async function revokeFamiliesOf(db: D1Db, userId: string, at: string, except?: string): Promise<number> {
  const done = await db
    .update(refreshTokenFamilies)
    .set({ revokedAt: at })
    .where(
      and(
        eq(refreshTokenFamilies.userId, userId),
        isNull(refreshTokenFamilies.revokedAt),
        except ? ne(refreshTokenFamilies.id, except) : undefined,
      ),
    )
    .returning({ id: refreshTokenFamilies.id });
  return done.length;
}

/** Revokes one of the user's own families; false when it is not theirs or not live. */
export async function revokeOwnFamily(db: D1Db, userId: string, familyId: string, at: string): Promise<boolean> {
  const done = await db
    .update(refreshTokenFamilies)
    .set({ revokedAt: at })
    .where(
      and(
        eq(refreshTokenFamilies.id, familyId),
        eq(refreshTokenFamilies.userId, userId),
        isNull(refreshTokenFamilies.revokedAt),
      ),
    )
    .returning({ id: refreshTokenFamilies.id });
  return done.length === 1;
}
