import { sql } from "drizzle-orm";
import { batchSql, type D1Db } from "./d1";

type Rows = Record<string, unknown>[];

/** The most rows of one kind an export carries (a user has far fewer). */
export const EXPORT_ROWS = 10_000;

/**
 * Every D1 row that is about the user, one statement per kind in one batch: what `GET /v1/me/export`
 * hands over. Secrets (password hash, TOTP secret, token hashes) are not rows of it.
 */
export async function personalRows(db: D1Db, userId: string) {
  const n = EXPORT_ROWS;
  const [bookings, reviews, interactions, favourites, notifications, preferences, requests, offers, viewings] =
    await batchSql<[Rows, Rows, Rows, Rows, Rows, Rows, Rows, Rows, Rows]>(db, [
      sql`SELECT * FROM bookings WHERE tenant_id = ${userId} OR landlord_id = ${userId} ORDER BY id LIMIT ${n}`,
      sql`SELECT * FROM reviews WHERE author_id = ${userId} ORDER BY id LIMIT ${n}`,
      sql`SELECT id, kind, subject, at FROM interactions WHERE user_id = ${userId} ORDER BY at LIMIT ${n}`,
      sql`SELECT property_id, created_at FROM favourites WHERE user_id = ${userId} ORDER BY created_at LIMIT ${n}`,
      sql`SELECT id, kind, title, body, data, read_at, created_at FROM notifications WHERE user_id = ${userId} ORDER BY id LIMIT ${n}`,
      sql`SELECT kind, channel, enabled FROM notification_preferences WHERE user_id = ${userId}`,
      sql`SELECT * FROM rental_requests WHERE tenant_id = ${userId} ORDER BY id LIMIT ${n}`,
      sql`SELECT * FROM offers WHERE tenant_id = ${userId} OR landlord_id = ${userId} ORDER BY id LIMIT ${n}`,
      sql`SELECT * FROM viewings WHERE tenant_id = ${userId} OR landlord_id = ${userId} ORDER BY id LIMIT ${n}`,
    ]);
  return { bookings, reviews, interactions, favourites, notifications, preferences, requests, offers, viewings };
}

/** Rooms whose chat the user may have written in: booked, viewed, offered on, or their own. */
export async function chatRoomsOf(db: D1Db, userId: string, limit: number): Promise<string[]> {
  const rows = await db.all<{ room_id: string }>(sql`
    SELECT room_id FROM bookings WHERE tenant_id = ${userId} OR landlord_id = ${userId}
    UNION SELECT room_id FROM viewings WHERE tenant_id = ${userId} OR landlord_id = ${userId}
    UNION SELECT room_id FROM offers WHERE tenant_id = ${userId} OR landlord_id = ${userId}
    UNION SELECT room_id FROM listings WHERE owner_id = ${userId}
    LIMIT ${limit}`);
  return rows.map((r) => r.room_id);
}

/** What still ties the user in D1: live bookings (held, or confirmed and not yet over) and active properties. */
export async function liveObligations(db: D1Db, userId: string, today: string) {
  const [bookings, properties] = await batchSql<[{ n: number }[], { n: number }[]]>(db, [
    sql`SELECT count(*) AS n FROM bookings WHERE (tenant_id = ${userId} OR landlord_id = ${userId})
        AND (status = 'held' OR (status = 'confirmed' AND end_date > ${today}))`,
    sql`SELECT count(*) AS n FROM properties WHERE owner_id = ${userId} AND status = 'active'`,
  ]);
  return { liveBookings: bookings[0]!.n, activeProperties: properties[0]!.n };
}

/**
 * Closes an account in D1, in one batch: the user row is anonymised (no email, name, phone, password
 * or second factor left) and marked deleted; sessions are revoked; the user's own data (history,
 * saves, notices, preferences, tokens, codes) is deleted; open requests are withdrawn and pending
 * offers closed (answered, so their desk contracts can be released). Bookings, reviews and everything
 * the ledger references keep the id, now of nobody.
 */
export async function anonymise(db: D1Db, userId: string, at: string): Promise<{ id: string; landlordId: string }[]> {
  const results = await batchSql<Rows[]>(db, [
    sql`UPDATE users SET email = ${`deleted-${userId}@deleted.roomline.invalid`}, name = 'Deleted user', phone = NULL,
        locale = NULL, timezone = NULL, password_hash = '!', totp_secret = NULL, mfa_enabled_at = NULL,
        totp_last_step = NULL, deleted_at = ${at}, updated_at = ${at} WHERE id = ${userId}`,
    sql`UPDATE refresh_token_families SET revoked_at = ${at} WHERE user_id = ${userId} AND revoked_at IS NULL`,
    sql`DELETE FROM interactions WHERE user_id = ${userId}`,
    sql`DELETE FROM favourites WHERE user_id = ${userId}`,
    sql`DELETE FROM notifications WHERE user_id = ${userId}`,
    sql`DELETE FROM notification_preferences WHERE user_id = ${userId}`,
    sql`DELETE FROM account_tokens WHERE user_id = ${userId}`,
    sql`DELETE FROM recovery_codes WHERE user_id = ${userId}`,
    sql`DELETE FROM mfa_challenges WHERE user_id = ${userId}`,
    sql`DELETE FROM login_failures WHERE user_id = ${userId}`,
    sql`UPDATE rental_requests SET status = 'withdrawn', updated_at = ${at} WHERE tenant_id = ${userId} AND status = 'open'`,
    sql`UPDATE offers SET status = 'withdrawn', updated_at = ${at} WHERE (tenant_id = ${userId} OR landlord_id = ${userId}) AND status = 'pending'
        RETURNING id, landlord_id AS landlordId`,
  ]);
  return results.at(-1) as { id: string; landlordId: string }[];
}
