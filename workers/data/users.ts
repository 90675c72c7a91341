import { and, eq, inArray, isNotNull, isNull, lt, or } from "drizzle-orm";
import { users } from "../../schema/d1";
import { isUniqueViolation, type D1Db } from "./d1";

export type UserRow = typeof users.$inferSelect;

/** A user by email (stored lower-cased by the API schema). */
export async function findUserByEmail(db: D1Db, email: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.email, email)).get();
}

/** A user by id. */
export async function findUser(db: D1Db, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(eq(users.id, id)).get();
}

/** Inserts a user; returns false when the email is already registered (unique index). */
export async function insertUser(db: D1Db, row: typeof users.$inferInsert): Promise<UserRow | null> {
  const [inserted] = await db.insert(users).values(row).onConflictDoNothing({ target: users.email }).returning();
  return inserted ?? null;
}

/** Replaces a user's password hash (a rehash on sign-in). */
export async function updatePasswordHash(db: D1Db, id: string, passwordHash: string): Promise<void> {
  await db.update(users).set({ passwordHash, updatedAt: new Date().toISOString() }).where(eq(users.id, id));
}

export async function usersByIds(db: D1Db, ids: string[]): Promise<Map<string, UserRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select().from(users).where(inArray(users.id, ids)).all();
  return new Map(rows.map((r) => [r.id, r]));
}

export type UserChanges = Partial<
  Pick<
    UserRow,
    "name" | "phone" | "locale" | "timezone" | "emailVerifiedAt" | "totpSecret" | "mfaEnabledAt" | "totpLastStep"
  >
>;

/** Writes profile, verification or two-factor fields; answers the row as it is now. */
export async function updateUser(db: D1Db, id: string, changes: UserChanges): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...changes, updatedAt: new Date().toISOString() })
    .where(eq(users.id, id))
    .returning();
  return row;
}

/**
 * Accepts a TOTP step only if it is later than the last one accepted, in one conditional write, so
 * two requests with the same code cannot both pass. False when another got there first.
 */
export async function advanceTotpStep(db: D1Db, id: string, step: number): Promise<boolean> {
  const done = await db
    .update(users)
    .set({ totpLastStep: step })
    .where(and(eq(users.id, id), or(isNull(users.totpLastStep), lt(users.totpLastStep, step))))
    .returning({ id: users.id });
  return done.length === 1;
}

/** Moves the account to a new address (verified by the link that was sent there); false when it is taken. */
export async function changeEmail(db: D1Db, id: string, email: string, at: string): Promise<boolean> {
  try {
    const done = await db
      .update(users)
      .set({ email, emailVerifiedAt: at, updatedAt: at })
      .where(eq(users.id, id))
      .returning({ id: users.id });
    return done.length === 1;
  } catch (err) {
    if (isUniqueViolation(err)) return false;
    throw err;
  }
}

/** Which of these users are suspended (at most 100 ids: D1's bound parameters). */
export async function suspendedAmong(db: D1Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(inArray(users.id, ids.slice(0, 100)), isNotNull(users.suspendedAt)))
    .all();
  return new Set(rows.map((r) => r.id));
}

/** Sets (or lifts, with null) a user's suspension. Un-awaited, to batch with their properties'. */
export function suspensionUpdate(db: D1Db, id: string, suspension: { at: string; reason: string } | null) {
  return db
    .update(users)
    .set({
      suspendedAt: suspension?.at ?? null,
      suspendedReason: suspension?.reason ?? null,
      updatedAt: new Date().toISOString(),
    })
    .where(eq(users.id, id));
}

/** Whether a token's user may still act: read on every authenticated request (one indexed point read). */
export async function accessState(
  db: D1Db,
  id: string,
): Promise<{ role: string; suspendedAt: string | null; deletedAt: string | null } | undefined> {
  return db
    .select({ role: users.role, suspendedAt: users.suspendedAt, deletedAt: users.deletedAt })
    .from(users)
    .where(eq(users.id, id))
    .get();
}
