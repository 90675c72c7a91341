import { eq, sql } from "drizzle-orm";
import { loginFailures } from "../../schema/d1";
import type { D1Db } from "./d1";

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
