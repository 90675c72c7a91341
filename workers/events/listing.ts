import type { EventOf } from "../../schema/events";
import { propertiesWithRooms } from "../data/catalog";
import { coverPhotos } from "../data/photos";
import { indexListings } from "../data/search-index";
import type { D1Db } from "../data/d1";
import { listingOf, type Listing } from "../domain/listing";
import { listingVector } from "../domain/listing-vector";
import { vectorIndex } from "../vectors";

/**
 * Projects a property's rooms into the `listings` read model, search's index and the vector
 * index. It reads the current rows rather than trusting the event's snapshot, so duplicate and
 * out-of-order events converge on the truth.
 */
export async function projectListing(
  event: EventOf<"listing.changed"> | EventOf<"media.uploaded">,
  env: Env,
  db: D1Db,
): Promise<void> {
  await projectProperties(env, db, [event.data.propertyId]);
}

/**
 * The batch form (a queue batch of listing events, a backlog after an outage): each property
 * once, read in one D1 batch, indexed in one D1 batch and one vector upsert. Idempotent by
 * construction, so it needs no per-event claim; a failure (thrown) retries the whole batch.
 */
export async function projectListingBatch(
  events: (EventOf<"listing.changed"> | EventOf<"media.uploaded">)[],
  env: Env,
  db: D1Db,
): Promise<Set<string>> {
  const ids = [...new Set(events.map((e) => e.data.propertyId))];
  for (let i = 0; i < ids.length; i += 50) await projectProperties(env, db, ids.slice(i, i + 50));
  return new Set();
}

async function projectProperties(env: Env, db: D1Db, propertyIds: string[]): Promise<void> {
  const [found, covers] = await Promise.all([propertiesWithRooms(db, propertyIds), coverPhotos(db, propertyIds)]);
  const rows = found.flatMap(({ property, rooms }) =>
    rooms.map((room) => listingOf({ ...property, coverPhotoId: covers.get(property.id) ?? null }, room)),
  );
  if (rows.length === 0) return;
  await indexListings(db, rows);
  await indexVectors(env, rows);
}

/** Active rooms' vectors into the vector index (replacing), archived rooms' out; both idempotent. */
async function indexVectors(env: Env, rows: Listing[]): Promise<void> {
  const index = vectorIndex(env);
  const active = rows.filter((r) => r.active);
  const gone = rows.filter((r) => !r.active).map((r) => r.roomId);
  if (active.length)
    await index.upsert(
      active.map((r) => ({
        id: r.roomId,
        values: listingVector(r),
        metadata: {
          propertyId: r.propertyId,
          city: r.city,
          // Filters compare cities in any case, as search does; Vectorize's $eq is exact, so the key is folded.
          cityKey: r.city.toLowerCase(),
          country: r.country,
          rentalMode: r.rentalMode,
          currency: r.currency,
          type: r.type,
          price: r.priceAmount,
        },
      })),
    );
  if (gone.length) await index.deleteByIds(gone);
}
