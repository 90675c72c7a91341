import type { EventOf } from "../../schema/events";
import { findProperty, roomsOfProperty } from "../data/catalog";
import { indexListings } from "../data/search-index";
import type { D1Db } from "../data/d1";
import { listingOf, type Listing } from "../domain/listing";
import { listingVector } from "../domain/listing-vector";
import { vectorIndex } from "../vectors";

/**
 * Projects a property's rooms into the `listings` read model, search's index and the vector index. It reads the current rows rather
 * than trusting the event's snapshot, so duplicate and out-of-order events converge on the truth.
 */
export async function projectListing(event: EventOf<"listing.changed">, env: Env, db: D1Db): Promise<void> {
  const property = await findProperty(db, event.data.propertyId);
  if (!property) return;
  const rooms = await roomsOfProperty(db, property.id);
  const rows = rooms.map((room) => listingOf(property, room));
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
