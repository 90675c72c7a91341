import {
  listingsOfProperty,
  popularListings,
  tasteOf,
  usableListings,
  type ListingFilter,
  type ListingLite,
  type Taste,
} from "../data/recommendations";
import { AppError } from "../errors";
import { blend, cosine, listingVector } from "../domain/listing-vector";
import type { Deps } from "../deps";
import { vectorIndex, type MetadataFilter } from "../vectors";

/** How much each kind of interaction says about a tenant's taste. */
const WEIGHTS: Record<string, number> = { booking: 4, favourite: 3, view: 1 };
/** An interaction's weight halves every this many days. */
const HALF_LIFE_DAYS = 14;
/** Candidates asked of the index per item wanted (some are dropped: booked, saved, unavailable). */
const OVERFETCH = 4;
/** Vectorize's most with metadata. */
const MAX_TOP_K = 100;

export interface RecommendationQuery {
  limit: number;
  city?: string;
  country?: string;
  rentalMode?: "monthly" | "nightly";
  currency?: string;
  from?: string;
  to?: string;
  units?: number;
}

export interface Recommendation {
  roomId: string;
  propertyId: string;
  title: string;
  roomName: string;
  city: string;
  country: string;
  rentalMode: string;
  price: { amount: number; currency: string };
  capacity: number;
  score: number;
  reason: string;
}

/**
 * A tenant's recommendations: their recent interactions (bookings and favourites above views,
 * newer above older) blended into one preference vector, the nearest listings to it in the
 * vector index under the query's filters, less the rooms they booked, the properties they
 * already saved and rooms not free on the dates, one room per property. Without a history: what is popular near where
 * they last searched, or everywhere. Each item says why.
 */
export async function recommend(deps: Deps, tenantId: string, q: RecommendationQuery): Promise<Recommendation[]> {
  const taste = await tasteOf(deps.db, tenantId);
  const liked = likedListings(taste);
  const filter = { ...listingFilter(q), notSavedBy: tenantId };
  const preference = blend(liked.map((l) => ({ vector: l.vector, weight: l.weight })));
  if (!preference) return coldStart(deps, taste, q, filter);
  const exclude = new Set([...taste.bookedRooms]);
  // Units and dates are checked in D1 after the index answers: ask for as many candidates as it gives.
  const narrowed = filter.dates !== null || filter.units > 1;
  const matches = await vectorIndex(deps.env).query(preference, {
    topK: narrowed ? MAX_TOP_K : Math.min(MAX_TOP_K, q.limit * OVERFETCH),
    filter: metadataFilter(q),
  });
  const wanted = matches.map((m) => m.id).filter((id) => !exclude.has(id));
  const usable = new Map((await usableListings(deps.db, wanted, filter)).map((l) => [l.roomId, l]));
  const out: Recommendation[] = [];
  const shown = new Set<string>(); // one room per property: ten rooms of one flat are one recommendation
  for (const m of matches) {
    const listing = usable.get(m.id);
    if (!listing || shown.has(listing.propertyId)) continue;
    shown.add(listing.propertyId);
    out.push(item(listing, m.score, reasonFor(listing, liked)));
    if (out.length === q.limit) break;
  }
  return out;
}

/** Listings like the property's own rooms, other properties only. 404 for an unknown or archived property. */
export async function similarListings(deps: Deps, propertyId: string, limit: number): Promise<Recommendation[]> {
  const own = await listingsOfProperty(deps.db, propertyId);
  if (own.length === 0) throw new AppError("not_found", "No such property.");
  const vector = blend(own.map((l) => ({ vector: vectorOf(l), weight: 1 })))!;
  const matches = await vectorIndex(deps.env).query(vector, { topK: Math.min(MAX_TOP_K, limit * OVERFETCH) });
  const others = matches.filter((m) => !own.some((l) => l.roomId === m.id));
  const usable = new Map(
    (
      await usableListings(
        deps.db,
        others.map((m) => m.id),
        { city: null, units: 1, dates: null },
      )
    ).map((l) => [l.roomId, l]),
  );
  const title = own[0]!.title;
  const shown = new Set<string>();
  return others
    .filter((m) => {
      const l = usable.get(m.id);
      return l !== undefined && !shown.has(l.propertyId) && shown.add(l.propertyId) !== undefined;
    })
    .slice(0, limit)
    .map((m) => item(usable.get(m.id)!, m.score, `similar to ${title}`));
}

type Liked = ListingLite & { vector: number[]; weight: number; kind: string };

/** Each listing the tenant booked, saved or viewed, with its vector and the weight of their interest. */
function likedListings(taste: Taste): Liked[] {
  const now = Date.now();
  const interest = new Map<string, { weight: number; kind: string; best: number }>();
  const add = (propertyId: string, kind: string, at: string) => {
    const base = WEIGHTS[kind];
    if (base === undefined) return;
    const ageDays = Math.max(0, (now - Date.parse(at)) / 86_400_000);
    const weight = base * 0.5 ** (ageDays / HALF_LIFE_DAYS);
    const prev = interest.get(propertyId);
    interest.set(propertyId, {
      weight: (prev?.weight ?? 0) + weight,
      kind: prev && prev.best >= base ? prev.kind : kind,
      best: Math.max(prev?.best ?? 0, base),
    });
  };
  for (const i of taste.interactions) add(i.subject, i.kind, i.at);
  for (const f of taste.favourites) add(f.propertyId, "favourite", f.at);
  // Every room of a liked property carries the property's whole weight. Sharing it among the rooms was tried
  // and measured worse (hit-rate@10 0.138 against 0.146 at 100,000 listings, bench/README.md).
  return taste.listings.flatMap((l) => {
    const i = interest.get(l.propertyId);
    return i ? [{ ...l, vector: vectorOf(l), weight: i.weight, kind: i.kind }] : [];
  });
}

/**
 * Popular listings where the tenant last searched (or in the city asked for), else everywhere, under the
 * query's filters; the newest fill up when too few were popular, and say so ("new in Lisbon").
 */
async function coldStart(
  deps: Deps,
  taste: Taste,
  q: RecommendationQuery,
  filter: ListingFilter,
): Promise<Recommendation[]> {
  const place = filter.city ?? lastSearchedCity(taste);
  const booked = new Set(taste.bookedRooms);
  const seen = new Set<string>();
  const out: Recommendation[] = [];
  const take = (rows: ListingLite[], reason: (l: ListingLite) => string) => {
    for (const l of rows) {
      if (out.length === q.limit) return;
      if (booked.has(l.roomId) || seen.has(l.propertyId)) continue;
      seen.add(l.propertyId);
      out.push(item(l, 0, reason(l)));
    }
  };
  if (place) {
    const local = await popularListings(deps.db, { ...filter, city: place }, q.limit);
    take(local.popular, (l) => `popular in ${l.city}`);
    take(local.fresh, (l) => `new in ${l.city}`);
  }
  if (out.length === 0) {
    const anywhere = await popularListings(deps.db, filter, q.limit);
    take(anywhere.popular, () => "popular on Roomline");
    take(anywhere.fresh, () => "new on Roomline");
  }
  return out;
}

function lastSearchedCity(taste: Taste): string | null {
  for (const i of taste.interactions) {
    if (i.kind !== "search") continue;
    try {
      const city = (JSON.parse(i.subject) as { city?: unknown }).city;
      if (typeof city === "string" && city) return city;
    } catch {
      // an unreadable row says nothing
    }
  }
  return null;
}

/** Why this listing: the liked listing it is most like, and what the tenant did with it. */
function reasonFor(listing: ListingLite, liked: Liked[]): string {
  const vector = vectorOf(listing);
  let best: Liked | undefined;
  let bestScore = -Infinity;
  for (const l of liked) {
    const s = cosine(vector, l.vector) * l.weight;
    if (s > bestScore) [best, bestScore] = [l, s];
  }
  const verb = { favourite: "saved", booking: "booked", view: "viewed" }[best?.kind ?? "view"] ?? "viewed";
  return best ? `similar to ${best.title} you ${verb}` : "picked for you";
}

function listingFilter(q: RecommendationQuery): ListingFilter {
  return {
    city: q.city ?? null,
    country: q.country ?? null,
    rentalMode: q.rentalMode ?? null,
    currency: q.currency ?? null,
    units: q.units ?? 1,
    dates: q.from && q.to ? { from: q.from, to: q.to } : null,
  };
}

function metadataFilter(q: RecommendationQuery): MetadataFilter | undefined {
  const f: MetadataFilter = {};
  if (q.city) f.cityKey = q.city.toLowerCase();
  if (q.country) f.country = q.country;
  if (q.rentalMode) f.rentalMode = q.rentalMode;
  if (q.currency) f.currency = q.currency;
  return Object.keys(f).length ? f : undefined;
}

function vectorOf(l: ListingLite): number[] {
  return listingVector({ ...l, amenities: JSON.parse(l.amenities) as string[] });
}

function item(l: ListingLite, score: number, reason: string): Recommendation {
  return {
    roomId: l.roomId,
    propertyId: l.propertyId,
    title: l.title,
    roomName: l.roomName,
    city: l.city,
    country: l.country,
    rentalMode: l.rentalMode,
    price: { amount: l.priceAmount, currency: l.currency },
    capacity: l.capacity,
    score: Math.round(score * 10_000) / 10_000,
    reason,
  };
}
