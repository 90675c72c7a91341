/**
 * How well a landlord and a rental request suit each other. The landlord score is the Smart Rental
 * seed's formula; the fit adds what one room offers one request (distance, price headroom).
 * Pure: the caller gathers the facts.
 */

export interface LandlordFacts {
  activeContracts: number;
  /** null: no cap set, which counts as fully free. */
  totalCapacity: number | null;
  /** Milliseconds since the landlord last did something (null: never). */
  sinceActiveMs: number | null;
  /** Offers accepted / offers sent; null with no offers yet. */
  acceptanceRate: number | null;
  /** Average time from a request to the landlord's first answer; null with none yet. */
  avgFirstResponseMs: number | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** base 50; + free share of capacity × 20; +15 active in the last day, else +10 in the last 7; +10 acceptance > 0.8; +5 first response < 1 h; clamped 0–100. */
export function landlordScore(f: LandlordFacts): number {
  // No cap: fully free. A cap of 0 closes the landlord: nothing free.
  const free = f.totalCapacity === null ? 1 : f.totalCapacity <= 0 ? 0 : 1 - f.activeContracts / f.totalCapacity;
  let score = 50 + free * 20;
  if (f.sinceActiveMs !== null && f.sinceActiveMs <= DAY) score += 15;
  else if (f.sinceActiveMs !== null && f.sinceActiveMs <= 7 * DAY) score += 10;
  if (f.acceptanceRate !== null && f.acceptanceRate > 0.8) score += 10;
  if (f.avgFirstResponseMs !== null && f.avgFirstResponseMs < HOUR) score += 5;
  return Math.round(Math.min(100, Math.max(0, score)));
}

export interface Fit {
  distanceKm: number;
  radiusKm: number;
  price: number;
  budget: number;
}

/** 0–1: 1 at the request's point and at half the budget or less, falling to 0 at the radius and at the budget. */
export function fitOf(f: Fit): number {
  const near = f.radiusKm > 0 ? Math.max(0, 1 - f.distanceKm / f.radiusKm) : 1;
  const headroom = f.budget > 0 ? Math.min(1, Math.max(0, (f.budget - f.price) / (f.budget / 2))) : 0;
  return (near + headroom) / 2;
}

/** A request's rank for a landlord, 0–100: three quarters the landlord's score, a quarter the best room's fit. */
export function matchScore(landlord: number, fit: number): number {
  return Math.round(0.75 * landlord + 25 * fit);
}

/** Why it matched, in a phrase. */
export function matchReason(f: Fit, rooms: number): string {
  const km = f.distanceKm < 1 ? "under 1 km" : `${f.distanceKm.toFixed(1)} km`;
  const under = Math.round((1 - f.price / f.budget) * 100);
  return `${rooms === 1 ? "1 room fits" : `${rooms} rooms fit`}: ${km} away, ${under > 0 ? `${under}% under budget` : "at budget"}`;
}
