import { and, count, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { emailDeliveries, emailSuppressions, notificationPreferences, notifications, users } from "../../schema/d1";
import type { D1Db } from "./d1";

export type NotificationRow = typeof notifications.$inferSelect;
export type DeliveryRow = typeof emailDeliveries.$inferSelect;
export type PreferenceRow = typeof notificationPreferences.$inferSelect;

/** Inserts a notification unless one exists for this event and user; answers the row that stands. */
export async function keepNotification(
  db: D1Db,
  row: NotificationRow,
): Promise<{ row: NotificationRow; created: boolean }> {
  const [created] = await db.insert(notifications).values(row).onConflictDoNothing().returning();
  if (created) return { row: created, created: true };
  const existing = await db
    .select()
    .from(notifications)
    .where(and(eq(notifications.eventId, row.eventId), eq(notifications.userId, row.userId)))
    .get();
  return { row: existing!, created: false };
}

/** A user's in-app notifications, newest first, after the cursor's id. */
export async function listNotifications(
  db: D1Db,
  userId: string,
  q: { unread: boolean; limit: number; beforeId: string | null },
): Promise<NotificationRow[]> {
  return db
    .select()
    .from(notifications)
    .where(
      and(
        eq(notifications.userId, userId),
        eq(notifications.inApp, true),
        q.unread ? isNull(notifications.readAt) : undefined,
        q.beforeId ? lt(notifications.id, q.beforeId) : undefined,
      ),
    )
    .orderBy(desc(notifications.id))
    .limit(q.limit + 1);
}

export async function countUnread(db: D1Db, userId: string): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, userId), eq(notifications.inApp, true), isNull(notifications.readAt)))
    .get();
  return row?.n ?? 0;
}

/** Marks the user's own notifications read (the given ids, or all); answers how many changed. */
export async function markRead(db: D1Db, userId: string, ids: string[] | "all", at: string): Promise<number> {
  const res = await db
    .update(notifications)
    .set({ readAt: at })
    .where(
      and(
        eq(notifications.userId, userId),
        isNull(notifications.readAt),
        ids === "all" ? undefined : inArray(notifications.id, ids),
      ),
    )
    .run();
  return res.meta.changes ?? 0;
}

export async function preferencesOf(db: D1Db, userId: string): Promise<PreferenceRow[]> {
  return db.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId));
}

export async function savePreferences(db: D1Db, rows: PreferenceRow[]): Promise<void> {
  if (rows.length === 0) return;
  const [first, ...rest] = rows.map((r) =>
    db
      .insert(notificationPreferences)
      .values(r)
      .onConflictDoUpdate({
        target: [notificationPreferences.userId, notificationPreferences.kind, notificationPreferences.channel],
        set: { enabled: r.enabled },
      }),
  );
  await db.batch([first!, ...rest]);
}

/** Who to tell, in which language, at which address. */
export async function recipients(
  db: D1Db,
  ids: string[],
): Promise<Map<string, { id: string; email: string; name: string; locale: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: users.id, email: users.email, name: users.name, locale: users.locale })
    .from(users)
    .where(inArray(users.id, ids));
  return new Map(rows.map((r) => [r.id, r]));
}

export function deliveryInsert(db: D1Db, row: Pick<DeliveryRow, "id" | "notificationId" | "toAddress" | "status">) {
  return db.insert(emailDeliveries).values(row).onConflictDoNothing();
}

export async function findDeliveryOf(db: D1Db, notificationId: string): Promise<DeliveryRow | undefined> {
  return db.select().from(emailDeliveries).where(eq(emailDeliveries.notificationId, notificationId)).get();
}

export async function findDelivery(
  db: D1Db,
  id: string,
): Promise<(DeliveryRow & { subject: string; body: string; suppressed: boolean }) | undefined> {
  const row = await db
    .select({
      delivery: emailDeliveries,
      subject: notifications.title,
      body: notifications.body,
      suppressed: sql<number>`EXISTS (SELECT 1 FROM ${emailSuppressions} WHERE ${emailSuppressions.address} = ${emailDeliveries.toAddress})`,
    })
    .from(emailDeliveries)
    .innerJoin(notifications, eq(notifications.id, emailDeliveries.notificationId))
    .where(eq(emailDeliveries.id, id))
    .get();
  return row ? { ...row.delivery, subject: row.subject, body: row.body, suppressed: row.suppressed === 1 } : undefined;
}

export async function updateDelivery(db: D1Db, id: string, changes: Partial<DeliveryRow>): Promise<void> {
  await db
    .update(emailDeliveries)
    .set({ ...changes, updatedAt: new Date().toISOString() })
    .where(eq(emailDeliveries.id, id));
}

export async function suppressAddress(db: D1Db, address: string, reason: string): Promise<void> {
  await db
    .insert(emailSuppressions)
    .values({ address, reason: reason.slice(0, 500) })
    .onConflictDoNothing();
}
