import { and, count, eq, gt, isNull, or } from "drizzle-orm";
import { leases } from "../../schema/pg";
import type { PgTx } from "./pg";

/**
 * Leases of a room that have not ended: active, open-ended or ending after `today`. Filtered by
 * landlord first, which is indexed (`leases_landlord`); a room has no index of its own.
 */
export async function countLiveLeases(db: PgTx, landlordId: string, roomId: string, today: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(leases)
    .where(
      and(
        eq(leases.landlordId, landlordId),
        eq(leases.roomId, roomId),
        eq(leases.status, "active"),
        or(isNull(leases.endDate), gt(leases.endDate, today)),
      ),
    );
  return row?.n ?? 0;
}
