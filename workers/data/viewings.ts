import { and, desc, eq, lt, sql } from "drizzle-orm";
import type { ViewingSnapshot } from "../../schema/events";
import { viewings } from "../../schema/d1";
import type { D1Db } from "./d1";

export type ViewingRow = typeof viewings.$inferSelect;

/** Writes the calendar's view of a viewing unless the read model already has a newer version. */
export async function keepViewing(db: D1Db, v: ViewingSnapshot): Promise<void> {
  const row = {
    id: v.id,
    roomId: v.roomId,
    propertyId: v.propertyId,
    tenantId: v.tenantId,
    landlordId: v.landlordId,
    startAt: v.start,
    endAt: v.end,
    status: v.status,
    cancelledBy: v.cancelledBy,
    version: v.version,
  };
  await db
    .insert(viewings)
    .values(row)
    .onConflictDoUpdate({
      target: viewings.id,
      set: {
        status: row.status,
        cancelledBy: row.cancelledBy,
        version: row.version,
        updatedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`,
      },
      setWhere: sql`${viewings.version} < ${row.version}`,
    });
}

/** Newest booked first; `as` says whether the caller is the tenant or the landlord. */
export async function listViewings(
  db: D1Db,
  userId: string,
  as: "tenant" | "landlord",
  beforeId: string | null,
  limit: number,
): Promise<ViewingRow[]> {
  return db
    .select()
    .from(viewings)
    .where(
      and(
        eq(as === "tenant" ? viewings.tenantId : viewings.landlordId, userId),
        beforeId ? lt(viewings.id, beforeId) : undefined,
      ),
    )
    .orderBy(desc(viewings.id))
    .limit(limit + 1);
}
