import { eq, inArray } from "drizzle-orm";
import { users } from "../../schema/d1";
import type { D1Db } from "./d1";

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
