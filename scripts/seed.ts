/**
 * Demo data for `npm start`: landlords, tenants, an admin and a few hundred properties with rooms in
 * six cities, plus their `listings` read-model rows (built by workers/domain/listing.ts, as the
 * consumer builds them). The cities, names and wording are in scripts/seed-data/. Generation is pure
 * and deterministic (a seeded PRNG, fixed ids and timestamps), so `INSERT OR IGNORE` makes re-seeding
 * a no-op.
 */
import { pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import { listings, outbox, properties, rentalRequests, rooms, searchVariants, users } from "../schema/d1";
import { addDays, addMonths } from "../workers/domain/dates";
import { listingOf } from "../workers/domain/listing";
import { variantRows } from "../workers/domain/search-text";
import cities from "./seed-data/cities.json" with { type: "json" };
import descriptions from "./seed-data/descriptions.json" with { type: "json" };
import people from "./seed-data/people.json" with { type: "json" };
import roomData from "./seed-data/rooms.json" with { type: "json" };

export { listingOf };

/** The user columns the seed writes (the rest keep their defaults). */
export type UserRow = Pick<
  typeof users.$inferSelect,
  "id" | "email" | "name" | "role" | "locale" | "passwordHash" | "createdAt" | "updatedAt"
> & { emailVerifiedAt?: string | null };
export type DemoUser = Omit<UserRow, "passwordHash">;
export type PropertyRow = typeof properties.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
/** A listing row as the seed writes it: `search_rowid` is given by the database (migration 0015), never by the seed. */
export type ListingRow = Omit<typeof listings.$inferSelect, "searchRowid">;

export interface DemoData {
  users: DemoUser[];
  properties: PropertyRow[];
  rooms: RoomRow[];
  listings: ListingRow[];
}

export const DEMO_PASSWORD = "roomline-demo";
export const DEMO_LOGINS = {
  landlord: "landlord1@demo.roomline.dev",
  tenant: "tenant1@demo.roomline.dev",
  admin: "admin@demo.roomline.dev",
} as const;
export const PROPERTIES_PER_CITY = 40;
export const MAX_ROOMS_PER_PROPERTY = 4;

/** Must match workers/domain/password.ts: it refuses to verify anything above its cap. */
const PBKDF2_ITERATIONS = 100_000;
const SEED_EPOCH = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ROWS_PER_INSERT = 20;

// ---------------------------------------------------------------------------------------------
// Data: the cities, names and wording live in scripts/seed-data/; the types below say what they hold.

type PropertyType = PropertyRow["type"];
type RentalMode = RoomRow["rentalMode"];
interface Neighbourhood {
  name: string;
  lat: number;
  lng: number;
  /** Postal code patterns: `#` is a digit, `@` a letter. */
  postal: string[];
  streets: string[];
  landmark: string;
  station: string;
}
/** Major-unit prices for one person, rounded to `step`. */
interface PriceRange {
  min: number;
  max: number;
  step: number;
}
interface City {
  name: string;
  country: string;
  timezone: string;
  currency: string;
  /** Minor units per major unit: 1 for JPY (zero-decimal), 100 otherwise. */
  minor: number;
  prices: Record<RentalMode, PriceRange>;
  nightlyDeposits: number[];
  flatWord: string;
  /** `{street}` is the street, `{1-180}` a whole number in that range, `{Esq.|Dto.}` one of the choices. */
  address: string;
  neighbourhoods: Neighbourhood[];
}
interface RoomKind {
  name: string;
  capacity: number;
  premium: number;
}

const CITIES: City[] = cities;
const LANDLORD_NAMES: string[] = people.landlords;
const TENANT_NAMES: string[] = people.tenants;
const ROOM_KINDS: RoomKind[] = roomData.kinds;
const AMENITIES_BY_TYPE: Record<PropertyType, string[]> = roomData.amenities.byType;
const COMMON_AMENITIES: string[] = roomData.amenities.common;
const ADJECTIVES: string[] = descriptions.adjectives;
const FLOORS: string[] = descriptions.floors;
const TITLES: Record<PropertyType, string[]> = descriptions.titles;
const OPENERS: Record<PropertyType, string[]> = descriptions.openers;
const LOCATION_LINES: string[] = descriptions.locationLines;
const { billsIncluded: BILLS_INCLUDED, shared: SHARED_CLOSER, others: CLOSERS } = descriptions.closers;

// ---------------------------------------------------------------------------------------------
// Mix

const ROOM_COUNT: Record<PropertyType, [number, number]> = {
  studio: [1, 1],
  apartment: [1, 3],
  house: [2, MAX_ROOMS_PER_PROPERTY],
  shared_house: [3, MAX_ROOMS_PER_PROPERTY],
  residence: [2, MAX_ROOMS_PER_PROPERTY],
};
/** Chance a property rents by the night; the rest rent by the month. */
const NIGHTLY_SHARE: Record<PropertyType, number> = {
  studio: 0.6,
  apartment: 0.5,
  house: 0.3,
  shared_house: 0.1,
  residence: 0.2,
};
const TYPE_WEIGHTS: [PropertyType, number][] = [
  ["apartment", 35],
  ["shared_house", 25],
  ["studio", 15],
  ["house", 12],
  ["residence", 13],
];

// ---------------------------------------------------------------------------------------------
// Generation

export interface Rng {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** A small deterministic PRNG (mulberry32) with helpers. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!,
    chance: (p) => next() < p,
  };
}

/** A deterministic id in the format of workers/domain/ids.ts: base-36 timestamp, then the index instead of randomness. */
export function seedId(prefix: string, atMs: number, index: number): string {
  return `${prefix}_${atMs.toString(36).padStart(9, "0")}${index.toString(36).padStart(8, "0")}`;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const fill = (template: string, values: Record<string, string | number>): string =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? `{${key}}`));

function demoUsers(): DemoUser[] {
  const people: Pick<DemoUser, "email" | "name" | "role">[] = [
    ...LANDLORD_NAMES.map((name, i) => ({
      email: `landlord${i + 1}@demo.roomline.dev`,
      name,
      role: "landlord" as const,
    })),
    ...TENANT_NAMES.map((name, i) => ({ email: `tenant${i + 1}@demo.roomline.dev`, name, role: "tenant" as const })),
    { email: DEMO_LOGINS.admin, name: "Roomline Admin", role: "admin" as const },
  ];
  return people.map((person, i) => {
    const at = SEED_EPOCH + i * MINUTE;
    // One demo tenant reads Spanish, to show notices in the reader's language.
    const locale = person.email === "tenant2@demo.roomline.dev" ? "es-ES" : null;
    // Demo addresses count as verified, so REQUIRE_EMAIL_VERIFICATION switched on keeps the demo working.
    return {
      id: seedId("usr", at, i),
      ...person,
      locale,
      emailVerifiedAt: iso(at),
      createdAt: iso(at),
      updatedAt: iso(at),
    };
  });
}

function weightedType(rng: Rng): PropertyType {
  let roll = rng.int(
    1,
    TYPE_WEIGHTS.reduce((sum, [, w]) => sum + w, 0),
  );
  for (const [type, weight] of TYPE_WEIGHTS) {
    roll -= weight;
    if (roll <= 0) return type;
  }
  return "apartment";
}

/** Fills in a city's address template (see `City.address`) for `street`, left to right. */
function address(rng: Rng, template: string, street: string): string {
  return template.replace(/\{([^}]+)\}/g, (_, token: string) => {
    if (token === "street") return street;
    const range = /^(\d+)-(\d+)$/.exec(token);
    return range ? String(rng.int(Number(range[1]), Number(range[2]))) : rng.pick(token.split("|"));
  });
}

function postalCode(rng: Rng, pattern: string): string {
  const letters = "ABDEFGHJLNPQRSTUWXYZ"; // the letters UK inward codes use
  return pattern.replace(/[#@]/g, (ch) => (ch === "#" ? String(rng.int(0, 9)) : rng.pick([...letters])));
}

function amenitiesFor(rng: Rng, type: PropertyType): string[] {
  const chosen = new Set(["wifi"]);
  for (const amenity of AMENITIES_BY_TYPE[type]) if (rng.chance(0.6)) chosen.add(amenity);
  for (const amenity of COMMON_AMENITIES) if (rng.chance(0.35)) chosen.add(amenity);
  return [...chosen];
}

function describe(
  rng: Rng,
  city: City,
  hood: Neighbourhood,
  type: PropertyType,
  roomCount: number,
  amenities: string[],
): { title: string; description: string } {
  const adj = rng.pick(ADJECTIVES);
  const values = {
    adj,
    aAdj: `${/^[AEIOU]/.test(adj) ? "An" : "A"} ${adj.toLowerCase()}`,
    flat: city.flatWord,
    hood: hood.name,
    landmark: hood.landmark,
    station: hood.station,
    rooms: roomCount,
    floor: rng.pick(FLOORS),
    walk: rng.int(3, 15),
  };
  const title = fill(rng.pick(TITLES[type]), values);
  const location = fill(rng.pick(LOCATION_LINES), values);
  const shared = type === "shared_house" || type === "residence";
  const closer = amenities.includes("bills_included")
    ? BILLS_INCLUDED
    : rng.pick(shared ? [SHARED_CLOSER, ...CLOSERS] : CLOSERS);
  const description = [
    fill(rng.pick(OPENERS[type]), values),
    location.charAt(0).toUpperCase() + location.slice(1),
    closer,
  ].join(" ");
  return { title, description };
}

function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

/** Room `index` of property number `propertyIndex`; its id depends only on those, so ids stay put when generation changes. */
function roomFor(
  rng: Rng,
  city: City,
  property: PropertyRow,
  propertyIndex: number,
  type: PropertyType,
  nightly: boolean,
  index: number,
): RoomRow {
  const kind =
    type === "studio" ? { name: "Entire studio", capacity: rng.int(1, 2), premium: 1.1 } : rng.pick(ROOM_KINDS);
  const mode = nightly ? "nightly" : "monthly";
  const { min, max, step } = city.prices[mode];
  const perPerson = min + rng.next() * (max - min);
  const major = roundTo(perPerson * kind.premium * (1 + 0.3 * (kind.capacity - 1)), step);
  const price = major * city.minor;
  const deposit = nightly ? rng.pick(city.nightlyDeposits) * city.minor : price * rng.pick([1, 1, 2]);
  const at = Date.parse(property.createdAt) + (index + 1) * MINUTE;
  return {
    id: seedId("room", at, propertyIndex * MAX_ROOMS_PER_PROPERTY + index),
    propertyId: property.id,
    name: type === "studio" ? kind.name : `Room ${index + 1} – ${kind.name}`,
    capacity: kind.capacity,
    rentalMode: mode,
    priceAmount: price,
    depositAmount: deposit,
    currency: city.currency,
    minNights: nightly ? rng.pick([1, 2, 2, 3]) : null,
    maxNights: nightly ? rng.pick([14, 30, 60, 90]) : null,
    freeCancellationDays: nightly ? rng.pick([2, 5, 7, 14]) : rng.pick([14, 30]),
    status: "active",
    createdAt: iso(at),
    updatedAt: iso(at),
  };
}

/** Builds every demo row; the same output on every call. Users carry no password hash yet. */
export function buildDemoData(seed = 20260105): DemoData {
  const rng = createRng(seed);
  const users = demoUsers();
  const landlords = users.filter((u) => u.role === "landlord");
  const data: DemoData = { users, properties: [], rooms: [], listings: [] };
  for (let p = 0; p < CITIES.length * PROPERTIES_PER_CITY; p++) {
    const city = CITIES[p % CITIES.length]!; // interleaved, so any page of properties mixes cities
    const hood = rng.pick(city.neighbourhoods);
    const type = weightedType(rng);
    const [minRooms, maxRooms] = ROOM_COUNT[type];
    const roomCount = rng.int(minRooms, maxRooms);
    const amenities = amenitiesFor(rng, type);
    const at = SEED_EPOCH + HOUR * 24 + p * 3 * HOUR;
    const property: PropertyRow = {
      id: seedId("prop", at, p),
      ownerId: rng.pick(landlords).id,
      ...describe(rng, city, hood, type, roomCount, amenities),
      type,
      line1: address(rng, city.address, rng.pick(hood.streets)),
      city: city.name,
      postalCode: postalCode(rng, rng.pick(hood.postal)),
      country: city.country,
      lat: jitter(rng, hood.lat),
      lng: jitter(rng, hood.lng),
      amenities,
      timezone: city.timezone,
      status: "active",
      hiddenAt: null,
      hiddenReason: null,
      ownerSuspendedAt: null,
      createdAt: iso(at),
      updatedAt: iso(at),
    };
    const nightly = rng.chance(NIGHTLY_SHARE[type]);
    data.properties.push(property);
    for (let r = 0; r < roomCount; r++) {
      // A few rooms rent the other way from the rest of their property, as real landlords mix.
      const room = roomFor(rng, city, property, p, type, rng.chance(0.1) ? !nightly : nightly, r);
      data.rooms.push(room);
      data.listings.push(listingOf(property, room));
    }
  }
  return data;
}

/** Within roughly 600 m of the neighbourhood centre, to 5 decimals (about a metre). */
function jitter(rng: Rng, degrees: number): number {
  return Math.round((degrees + (rng.next() - 0.5) * 0.011) * 1e5) / 1e5;
}

// ---------------------------------------------------------------------------------------------
// Passwords and SQL

/** Hashes like workers/domain/password.ts (`pbkdf2_sha256$100000$<salt>$<hash>`, padded base64), with node:crypto. */
export async function hashPasswordNode(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const hash = await promisify(pbkdf2)(password, salt, PBKDF2_ITERATIONS, 32, "sha256");
  return ["pbkdf2_sha256", PBKDF2_ITERATIONS, salt.toString("base64"), hash.toString("base64")].join("$");
}

/** Gives every demo user its own salted hash of DEMO_PASSWORD. */
export async function withPasswords(
  users: DemoUser[],
  hash: (password: string) => Promise<string> = hashPasswordNode,
): Promise<UserRow[]> {
  return Promise.all(users.map(async (user) => ({ ...user, passwordHash: await hash(DEMO_PASSWORD) })));
}

type SqlValue = string | number | boolean | null;

function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} to SQL`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "1" : "0";
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** `INSERT OR IGNORE` statements for `rows`, mapped through the drizzle columns (JSON and boolean modes included). */
export function insertStatements<T extends Table>(table: T, rows: T["$inferInsert"][]): string[] {
  const columns = Object.entries(getTableColumns(table));
  const names = columns.map(([, column]) => `\`${column.name}\``).join(", ");
  const statements: string[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const values = rows.slice(i, i + ROWS_PER_INSERT).map((row) => {
      const record = row as Record<string, SqlValue>;
      return `(${columns.map(([key, column]) => literal(record[key] == null ? null : column.mapToDriverValue(record[key]))).join(", ")})`;
    });
    statements.push(`INSERT OR IGNORE INTO \`${getTableName(table)}\` (${names}) VALUES\n${values.join(",\n")};`);
  }
  return statements;
}

type RentalRequestRow = typeof rentalRequests.$inferInsert;

/**
 * A few open rental requests for the demo's landlord pool: demo tenants 1–6 each ask for a stay near
 * one of the demo landlord's rooms (in its currency and mode, within 20% above its price), moving in
 * a month after `now`, so `landlord1` has requests to answer with offers the day `npm start` runs.
 * Fixed ids: seeding again changes nothing; they expire after 14 days like any request.
 */
export function demoRentalRequests(data: DemoData, now: number): RentalRequestRow[] {
  const landlord = data.users.find((u) => u.email === DEMO_LOGINS.landlord)!;
  const tenants = data.users.filter((u) => u.role === "tenant").slice(0, 6);
  const theirs = data.listings.filter((l) => l.ownerId === landlord.id);
  const byCity = [...new Map(theirs.map((l) => [l.city, l])).values()];
  const today = iso(now).slice(0, 10);
  return tenants.map((tenant, i) => {
    const l = byCity[i % byCity.length]!;
    const nightly = l.rentalMode === "nightly";
    const moveIn = addDays(today, 30 + i);
    return {
      id: seedId("rrq", SEED_EPOCH, i),
      tenantId: tenant.id,
      lat: l.lat,
      lng: l.lng,
      radiusKm: 5,
      city: l.city,
      budgetAmount: Math.round(l.priceAmount * 1.2),
      currency: l.currency,
      rentalMode: l.rentalMode,
      moveIn,
      moveOut: nightly ? addDays(moveIn, 5) : addMonths(moveIn, 6),
      nights: nightly ? 5 : null,
      months: nightly ? null : 6,
      units: 1,
      note: nightly ? "A quiet week, close to a station." : "Six months from next month, ideally furnished.",
      status: "open" as const,
      expiresAt: iso(now + 14 * 24 * HOUR),
      createdAt: iso(now),
      updatedAt: iso(now),
    };
  });
}

/** The whole seed as one SQL script, parents before children (D1 enforces foreign keys). */
export function seedSql(
  data: Omit<DemoData, "users"> & { users: UserRow[] },
  requests: RentalRequestRow[] = [],
): string {
  return (
    [
      "-- Roomline demo data, generated by scripts/seed.ts. Safe to re-run: INSERT OR IGNORE with fixed ids.",
      ...insertStatements(users, data.users),
      ...insertStatements(properties, data.properties),
      ...insertStatements(rooms, data.rooms),
      ...insertStatements(listings, data.listings),
      ...searchIndexStatements(data.listings),
      ...insertStatements(outbox, listingEvents(data.properties)),
      ...insertStatements(rentalRequests, requests),
    ].join("\n") + "\n"
  );
}

/**
 * A `listing.changed` event per property, unsent and old, so the first outbox sweep (which
 * `npm start` runs once the worker is up) hands every demo listing to the listing consumer: the
 * way the vector index, which lives outside D1, gets the demo's listings.
 */
export function listingEvents(rows: PropertyRow[]): (typeof outbox.$inferInsert)[] {
  return rows.map((p) => {
    const event = {
      id: `evt_${p.id.slice("prop_".length)}`,
      type: "listing.changed",
      occurredAt: p.createdAt,
      data: { propertyId: p.id, reason: "created" },
    };
    return { id: event.id, type: event.type, payload: JSON.stringify(event), createdAt: p.createdAt, sentAt: null };
  });
}

/** The full-text row of every listing that has none yet, keyed by its `search_rowid` (as `indexListings` writes it). */
export const FULL_TEXT_ROWS_SQL =
  "INSERT OR IGNORE INTO listing_fts (rowid, room_id, title, body) SELECT search_rowid, room_id, search_title, search_body FROM listings WHERE search_rowid NOT IN (SELECT rowid FROM listing_fts);";

/**
 * What the listing consumer's `indexListings` writes beside each listing, as SQL: its full-text row
 * (one set-based statement over the listings just inserted, keyed by their `search_rowid`; rows already
 * in the full-text index are left, so a re-run adds nothing) and the typo index's variants.
 */
export function searchIndexStatements(rows: ListingRow[]): string[] {
  // Distinct (variant, word) pairs, gathered a chunk of rows at a time (a spread of 100,000 texts overflows the stack).
  const pairs = new Map<string, { variant: string; word: string }>();
  for (let i = 0; i < rows.length; i += 500)
    for (const v of variantRows(...rows.slice(i, i + 500).flatMap((r) => [r.searchTitle, r.searchBody])))
      pairs.set(`${v.variant} ${v.word}`, v);
  return [FULL_TEXT_ROWS_SQL, ...insertStatements(searchVariants, [...pairs.values()])];
}

/** A query answering `present` = 1 when the seed was applied: the first landlord and the last property exist. */
export function seedPresentSql(data: DemoData): string {
  const lastProperty = data.properties.at(-1)?.id ?? "";
  return (
    `select (select count(*) from users where email = ${literal(DEMO_LOGINS.landlord)}) * ` +
    `(select count(*) from properties where id = ${literal(lastProperty)}) as present`
  );
}
