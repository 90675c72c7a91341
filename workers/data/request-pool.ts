import { sql } from "drizzle-orm";
import { EARTH_RADIUS_KM } from "../domain/geo";

/** The widest radius a request may ask for; the pool's latitude band is this wide. */
export const MAX_RADIUS_KM = 100;
const KM_PER_DEGREE_LAT = 111.32;

/**
 * The landlord's request pool in one statement: every (open request, active room of the landlord)
 * pair that fits (see poolMatches). The plan is pinned: the landlord's rooms first (CROSS JOIN
 * keeps SQLite's join order; listings_owner), then, per room, the requests of its currency and mode
 * in its latitude band on rental_requests_pool; `+r.expires_at` keeps the planner off the expiry
 * index, which would read every open request. Kept free of the D1 client so the benchmark can show
 * its query plan and time it on the same SQLite file.
 */
export function poolQuery(landlordId: string, now: string, onlyRequest?: string) {
  const band = MAX_RADIUS_KM / KM_PER_DEGREE_LAT;
  return sql`
    WITH mine AS (
      SELECT l.room_id, l.lat, l.lng, l.price_amount, l.currency, l.rental_mode, l.capacity, ro.min_nights, ro.max_nights
      FROM listings l JOIN rooms ro ON ro.id = l.room_id
      WHERE l.owner_id = ${landlordId} AND l.active = 1
    ), pairs AS (
      SELECT r.id AS request_id, l.room_id, l.capacity, r.units, r.move_in, r.move_out, r.radius_km,
        l.price_amount * r.units AS price,
        (2 * ${EARTH_RADIUS_KM} * asin(min(1, sqrt(
          pow(sin(radians(r.lat - l.lat) / 2), 2) +
          cos(radians(l.lat)) * cos(radians(r.lat)) * pow(sin(radians(r.lng - l.lng) / 2), 2))))) AS distance_km
      FROM mine l CROSS JOIN rental_requests r
        ON r.status = 'open' AND r.currency = l.currency AND r.rental_mode = l.rental_mode
        AND r.lat BETWEEN l.lat - ${band} AND l.lat + ${band}
      WHERE +r.expires_at > ${now} AND r.units <= l.capacity AND l.price_amount * r.units <= r.budget_amount
        AND (l.min_nights IS NULL OR julianday(r.move_out) - julianday(r.move_in) >= l.min_nights)
        AND (l.max_nights IS NULL OR julianday(r.move_out) - julianday(r.move_in) <= l.max_nights)
        AND r.tenant_id != ${landlordId} ${onlyRequest ? sql`AND r.id = ${onlyRequest}` : sql``}
    )
    SELECT request_id, room_id, distance_km, price FROM pairs p
    WHERE distance_km <= radius_km
      AND NOT EXISTS (SELECT 1 FROM room_nights n
        WHERE n.room_id = p.room_id AND n.day >= p.move_in AND n.day < p.move_out AND n.units + p.units > p.capacity)`;
}
