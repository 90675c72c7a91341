import { foldedText } from "./search-text";

/** What a property and one of its rooms contribute to a listing: the fields only, so callers pass their own rows. */
export interface ListedProperty {
  id: string;
  ownerId: string;
  title: string;
  description: string;
  type: string;
  city: string;
  country: string;
  lat: number;
  lng: number;
  amenities: string[];
  status: string;
  createdAt: string;
  updatedAt: string;
  /** The first of its photos, if it has any. */
  coverPhotoId?: string | null;
  hiddenAt?: string | null;
  ownerSuspendedAt?: string | null;
}

/**
 * Whether a property is on show to the public (search, its page, booking): its owner keeps it
 * active, no admin hid it, and its owner is not suspended. The one definition every path uses.
 */
export function isListed(p: { status: string; hiddenAt?: string | null; ownerSuspendedAt?: string | null }): boolean {
  return p.status === "active" && !p.hiddenAt && !p.ownerSuspendedAt;
}
export type RentalMode = "monthly" | "nightly";

export interface ListedRoom {
  id: string;
  name: string;
  rentalMode: RentalMode;
  priceAmount: number;
  currency: string;
  capacity: number;
  status: string;
  updatedAt: string;
}

/** One row of the `listings` read model: what search reads, one per room. */
export interface Listing {
  roomId: string;
  propertyId: string;
  ownerId: string;
  title: string;
  roomName: string;
  city: string;
  country: string;
  lat: number;
  lng: number;
  rentalMode: RentalMode;
  priceAmount: number;
  currency: string;
  capacity: number;
  amenities: string[];
  active: boolean;
  sourceVersion: string;
  type: string;
  description: string;
  listedAt: string;
  photoUrl: string | null;
  searchTitle: string;
  searchBody: string;
}

/**
 * The listing of `room` in `property`: the one place a listing is derived, for the listing.changed
 * consumer (workers/events/listing.ts) and the demo seed alike, so what search indexes (and, later,
 * what the listing vector is embedded from) has a single definition, folded text for search included. Bookable only while both the
 * property and the room are active; `sourceVersion` is the later of the two `updatedAt`s, so a
 * projection can tell which change it reflects.
 */
export function listingOf(property: ListedProperty, room: ListedRoom): Listing {
  return {
    roomId: room.id,
    propertyId: property.id,
    ownerId: property.ownerId,
    title: property.title,
    roomName: room.name,
    city: property.city,
    country: property.country,
    lat: property.lat,
    lng: property.lng,
    rentalMode: room.rentalMode,
    priceAmount: room.priceAmount,
    currency: room.currency,
    capacity: room.capacity,
    amenities: property.amenities,
    active: isListed(property) && room.status === "active",
    sourceVersion: property.updatedAt > room.updatedAt ? property.updatedAt : room.updatedAt,
    type: property.type,
    description: property.description,
    listedAt: property.createdAt,
    photoUrl: property.coverPhotoId ? photoPath(property.coverPhotoId, 640) : null,
    searchTitle: foldedText(property.title, room.name),
    searchBody: foldedText(property.city, property.amenities.join(" "), property.description),
  };
}

/** Where a photo is served, at a width (the original where no resizer is configured). */
export function photoPath(photoId: string, width?: 320 | 640 | 1280): string {
  return `/v1/photos/${photoId}${width ? `?w=${width}` : ""}`;
}
