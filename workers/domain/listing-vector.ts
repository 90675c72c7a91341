/**
 * A listing's feature vector: what it is, as numbers, for cosine similarity (recommendations,
 * "similar listings"). Computed in the worker, deterministic, no model: a documented set of blocks,
 * each scaled to unit length and weighted, so that the cosine of two vectors is the weighted
 * agreement of their blocks.
 *
 * | block       | dims | what                                                               | weight |
 * |-------------|------|--------------------------------------------------------------------|--------|
 * | location    | 3    | the point on the unit sphere (near places point the same way)      | 3      |
 * | price       | 2    | log price per night in EUR, as an angle over 5..500 EUR            | 2      |
 * | rental mode | 2    | one-hot monthly / nightly                                          | 1      |
 * | type        | 5    | one-hot apartment, house, studio, shared_house, residence          | 1      |
 * | capacity    | 2    | capacity 1..10 as an angle                                         | 0.5    |
 * | amenities   | 16   | hashed one-hot of each amenity (FNV-1a), unit length               | 1.5    |
 * | words       | 34   | hashed bag of the title's and description's words, unit length     | 1      |
 *
 * 64 dimensions. The location weight dominates on purpose: a tenant's next room is near the last
 * one they liked. Price is compared per night and in euros (rough fixed rates below), so a
 * monthly rent in GBP and a nightly price in EUR are on one scale.
 */
import { words } from "./search-text";

export const VECTOR_DIMENSIONS = 64;

/** Rough euro value of one major unit of each currency the demo and most users price in (2026). */
const EUR_PER_UNIT: Record<string, number> = {
  EUR: 1,
  USD: 0.92,
  GBP: 1.17,
  JPY: 0.0062,
  NZD: 0.55,
  AUD: 0.6,
  CHF: 1.04,
  CAD: 0.67,
};
/** Minor units per major unit, where not 100. */
const ZERO_DECIMAL = new Set(["JPY", "KRW", "VND", "CLP", "ISK", "HUF"]);
const TYPES = ["apartment", "house", "studio", "shared_house", "residence"];
const AMENITY_DIMS = 16;
const WORD_DIMS = 34;

export interface VectorSource {
  lat: number;
  lng: number;
  priceAmount: number;
  currency: string;
  rentalMode: string;
  type: string;
  capacity: number;
  amenities: string[];
  title: string;
  description: string;
}

/** The listing's vector, VECTOR_DIMENSIONS long. */
export function listingVector(l: VectorSource): number[] {
  return [
    ...scale(location(l.lat, l.lng), 3),
    ...scale(priceAngle(l), 2),
    ...(l.rentalMode === "nightly" ? [0, 1] : [1, 0]),
    ...TYPES.map((t) => (t === l.type ? 1 : 0)),
    ...scale(angle(Math.min(Math.max(l.capacity, 1), 10), 1, 10), 0.5),
    ...scale(hashed(l.amenities, AMENITY_DIMS), 1.5),
    ...hashed(words(`${l.title} ${l.description}`), WORD_DIMS),
  ];
}

/** The weighted mean of vectors, or null when there are none (the preference of a history). */
export function blend(items: { vector: number[]; weight: number }[]): number[] | null {
  const total = items.reduce((s, i) => s + i.weight, 0);
  if (items.length === 0 || total <= 0) return null;
  const out = new Array<number>(VECTOR_DIMENSIONS).fill(0);
  for (const { vector, weight } of items) for (let d = 0; d < out.length; d++) out[d]! += (vector[d] ?? 0) * weight;
  return out.map((v) => v / total);
}

export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * (b[i] ?? 0);
    na += a[i]! ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** The price of one night in euros (a month is 30 nights), or null for a currency without a rate. */
export function eurPerNight(priceAmount: number, currency: string, rentalMode: string): number | null {
  const rate = EUR_PER_UNIT[currency];
  if (rate === undefined) return null;
  const major = ZERO_DECIMAL.has(currency) ? priceAmount : priceAmount / 100;
  return (major * rate) / (rentalMode === "nightly" ? 1 : 30);
}

function location(lat: number, lng: number): number[] {
  const φ = (lat * Math.PI) / 180;
  const λ = (lng * Math.PI) / 180;
  return [Math.cos(φ) * Math.cos(λ), Math.cos(φ) * Math.sin(λ), Math.sin(φ)];
}

function priceAngle(l: VectorSource): number[] {
  const eur = eurPerNight(l.priceAmount, l.currency, l.rentalMode);
  return eur === null ? [0, 0] : angle(Math.log(Math.min(Math.max(eur, 5), 500)), Math.log(5), Math.log(500));
}

/** `value` within `min..max` as a point on a quarter circle: neighbours have a cosine near 1. */
function angle(value: number, min: number, max: number): number[] {
  const θ = ((value - min) / (max - min)) * (Math.PI / 2);
  return [Math.cos(θ), Math.sin(θ)];
}

/** Feature hashing of `items` into `dims` buckets (FNV-1a, deterministic), scaled to unit length. */
function hashed(items: string[], dims: number): number[] {
  const out = new Array<number>(dims).fill(0);
  for (const item of items) out[fnv1a(item) % dims]! += 1;
  const norm = Math.sqrt(out.reduce((s, v) => s + v * v, 0));
  return norm === 0 ? out : out.map((v) => v / norm);
}

function scale(v: number[], w: number): number[] {
  return v.map((x) => x * w);
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
