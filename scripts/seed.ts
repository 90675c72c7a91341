/**
 * Demo data for `npm start`: landlords, tenants, an admin and a few hundred properties with rooms in
 * six cities, plus their `listings` read-model rows. Generation is pure and deterministic (a seeded
 * PRNG, fixed ids and timestamps), so `INSERT OR IGNORE` makes re-seeding a no-op.
 */
import { pbkdf2, randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import { listings, properties, rooms, users } from "../schema/d1";

export type UserRow = typeof users.$inferSelect;
export type DemoUser = Omit<UserRow, "passwordHash">;
export type PropertyRow = typeof properties.$inferSelect;
export type RoomRow = typeof rooms.$inferSelect;
export type ListingRow = typeof listings.$inferSelect;

export interface DemoData { users: DemoUser[]; properties: PropertyRow[]; rooms: RoomRow[]; listings: ListingRow[] }

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
// Cities

type PropertyType = PropertyRow["type"];
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
interface City {
  name: string;
  country: string;
  timezone: string;
  currency: string;
  /** Minor units per major unit: 1 for JPY (zero-decimal), 100 otherwise. */
  minor: number;
  /** Major-unit ranges for one person; rounded to `step`. */
  monthly: [number, number];
  nightly: [number, number];
  step: { monthly: number; nightly: number };
  nightlyDeposits: number[];
  flatWord: string;
  address: (rng: Rng, street: string) => string;
  neighbourhoods: Neighbourhood[];
}

const CITIES: City[] = [
  {
    name: "Lisbon", country: "PT", timezone: "Europe/Lisbon", currency: "EUR", minor: 100,
    monthly: [480, 950], nightly: [35, 110], step: { monthly: 10, nightly: 1 }, nightlyDeposits: [100, 150, 200], flatWord: "apartment",
    address: (rng, street) => `${street}, ${rng.int(1, 180)}, ${rng.int(1, 5)}.º ${rng.pick(["Esq.", "Dto.", "Frt."])}`,
    neighbourhoods: [
      { name: "Alfama", lat: 38.7119, lng: -9.1300, postal: ["1100-###"], streets: ["Rua dos Remédios", "Rua de São Miguel", "Beco do Mexias"], landmark: "Miradouro de Santa Luzia", station: "Santa Apolónia station" },
      { name: "Baixa", lat: 38.7106, lng: -9.1375, postal: ["1100-###"], streets: ["Rua Augusta", "Rua da Prata", "Rua dos Fanqueiros"], landmark: "Praça do Comércio", station: "Baixa-Chiado metro" },
      { name: "Bairro Alto", lat: 38.7129, lng: -9.1450, postal: ["1200-###"], streets: ["Rua da Rosa", "Rua do Norte", "Rua da Atalaia"], landmark: "Miradouro de São Pedro de Alcântara", station: "Baixa-Chiado metro" },
      { name: "Príncipe Real", lat: 38.7170, lng: -9.1490, postal: ["1250-###"], streets: ["Rua da Escola Politécnica", "Rua Dom Pedro V", "Rua do Século"], landmark: "Jardim do Príncipe Real", station: "Rato metro" },
      { name: "Graça", lat: 38.7178, lng: -9.1310, postal: ["1170-###"], streets: ["Rua da Graça", "Rua Damasceno Monteiro", "Calçada do Monte"], landmark: "Miradouro da Senhora do Monte", station: "Martim Moniz metro" },
      { name: "Campo de Ourique", lat: 38.7183, lng: -9.1660, postal: ["1350-###"], streets: ["Rua Ferreira Borges", "Rua Saraiva de Carvalho", "Rua Coelho da Rocha"], landmark: "Mercado de Campo de Ourique", station: "the 28 tram" },
      { name: "Arroios", lat: 38.7300, lng: -9.1340, postal: ["1150-###", "1000-###"], streets: ["Rua Morais Soares", "Avenida Almirante Reis", "Rua Pascoal de Melo"], landmark: "Jardim Constantino", station: "Arroios metro" },
      { name: "Avenidas Novas", lat: 38.7380, lng: -9.1480, postal: ["1050-###"], streets: ["Avenida da República", "Avenida de Berna", "Rua Filipe Folque"], landmark: "Gulbenkian Garden", station: "Saldanha metro" },
    ],
  },
  {
    name: "Berlin", country: "DE", timezone: "Europe/Berlin", currency: "EUR", minor: 100,
    monthly: [560, 1100], nightly: [40, 130], step: { monthly: 10, nightly: 1 }, nightlyDeposits: [100, 150, 250], flatWord: "apartment",
    address: (rng, street) => `${street} ${rng.int(1, 140)}`,
    neighbourhoods: [
      { name: "Mitte", lat: 52.5290, lng: 13.4010, postal: ["10115", "10119"], streets: ["Torstraße", "Linienstraße", "Invalidenstraße"], landmark: "Museum Island", station: "Rosenthaler Platz U-Bahn" },
      { name: "Prenzlauer Berg", lat: 52.5390, lng: 13.4240, postal: ["10405", "10435", "10437"], streets: ["Kastanienallee", "Schönhauser Allee", "Lychener Straße"], landmark: "Mauerpark", station: "Eberswalder Straße U-Bahn" },
      { name: "Kreuzberg", lat: 52.4990, lng: 13.4030, postal: ["10961", "10997", "10999"], streets: ["Oranienstraße", "Bergmannstraße", "Wiener Straße"], landmark: "Görlitzer Park", station: "Kottbusser Tor U-Bahn" },
      { name: "Friedrichshain", lat: 52.5150, lng: 13.4540, postal: ["10243", "10245", "10247"], streets: ["Boxhagener Straße", "Simon-Dach-Straße", "Grünberger Straße"], landmark: "East Side Gallery", station: "Warschauer Straße S-Bahn" },
      { name: "Neukölln", lat: 52.4810, lng: 13.4350, postal: ["12043", "12045", "12047"], streets: ["Weserstraße", "Sonnenallee", "Pannierstraße"], landmark: "Tempelhofer Feld", station: "Hermannplatz U-Bahn" },
      { name: "Charlottenburg", lat: 52.5160, lng: 13.3040, postal: ["10585", "10627", "10629"], streets: ["Kantstraße", "Pestalozzistraße", "Wilmersdorfer Straße"], landmark: "Charlottenburg Palace", station: "Savignyplatz S-Bahn" },
      { name: "Schöneberg", lat: 52.4860, lng: 13.3530, postal: ["10777", "10781", "10827"], streets: ["Goltzstraße", "Akazienstraße", "Crellestraße"], landmark: "Winterfeldtplatz market", station: "Nollendorfplatz U-Bahn" },
    ],
  },
  {
    name: "London", country: "GB", timezone: "Europe/London", currency: "GBP", minor: 100,
    monthly: [750, 1500], nightly: [55, 170], step: { monthly: 10, nightly: 1 }, nightlyDeposits: [100, 200, 250], flatWord: "flat",
    address: (rng, street) => `Flat ${rng.int(1, 12)}, ${rng.int(2, 220)} ${street}`,
    neighbourhoods: [
      { name: "Shoreditch", lat: 51.5255, lng: -0.0786, postal: ["E1 6@@", "E2 7@@"], streets: ["Curtain Road", "Redchurch Street", "Columbia Road"], landmark: "Boxpark", station: "Shoreditch High Street station" },
      { name: "Camden", lat: 51.5390, lng: -0.1426, postal: ["NW1 7@@", "NW1 8@@"], streets: ["Parkway", "Arlington Road", "Albert Street"], landmark: "Regent's Canal", station: "Camden Town tube" },
      { name: "Islington", lat: 51.5362, lng: -0.1033, postal: ["N1 1@@", "N1 2@@"], streets: ["Upper Street", "Essex Road", "Liverpool Road"], landmark: "Highbury Fields", station: "Angel tube" },
      { name: "Brixton", lat: 51.4613, lng: -0.1156, postal: ["SW2 1@@", "SW9 8@@"], streets: ["Coldharbour Lane", "Acre Lane", "Josephine Avenue"], landmark: "Brockwell Park", station: "Brixton tube" },
      { name: "Clapham", lat: 51.4620, lng: -0.1380, postal: ["SW4 7@@", "SW4 0@@"], streets: ["Clapham High Street", "Abbeville Road", "Venn Street"], landmark: "Clapham Common", station: "Clapham Common tube" },
      { name: "Notting Hill", lat: 51.5090, lng: -0.1960, postal: ["W11 2@@", "W11 1@@"], streets: ["Portobello Road", "Westbourne Grove", "Ledbury Road"], landmark: "Portobello Road Market", station: "Notting Hill Gate tube" },
      { name: "Canary Wharf", lat: 51.5054, lng: -0.0235, postal: ["E14 5@@", "E14 9@@"], streets: ["Westferry Road", "Marsh Wall", "Manchester Road"], landmark: "Crossrail Place roof garden", station: "Canary Wharf station" },
      { name: "Peckham", lat: 51.4740, lng: -0.0690, postal: ["SE15 4@@", "SE15 5@@"], streets: ["Rye Lane", "Bellenden Road", "Choumert Road"], landmark: "Peckham Rye Park", station: "Peckham Rye station" },
    ],
  },
  {
    name: "New York", country: "US", timezone: "America/New_York", currency: "USD", minor: 100,
    monthly: [1200, 2300], nightly: [85, 240], step: { monthly: 25, nightly: 5 }, nightlyDeposits: [150, 250, 300], flatWord: "apartment",
    address: (rng, street) => `${rng.int(10, 480)} ${street}, Apt ${rng.int(1, 6)}${rng.pick(["A", "B", "C", "D", "F", "R"])}`,
    neighbourhoods: [
      { name: "East Village", lat: 40.7265, lng: -73.9815, postal: ["10003", "10009"], streets: ["East 7th Street", "Avenue A", "East 10th Street"], landmark: "Tompkins Square Park", station: "1st Avenue L station" },
      { name: "Williamsburg", lat: 40.7081, lng: -73.9571, postal: ["11211", "11249"], streets: ["Bedford Avenue", "Grand Street", "North 6th Street"], landmark: "Domino Park", station: "Bedford Avenue L station" },
      { name: "Harlem", lat: 40.8116, lng: -73.9465, postal: ["10026", "10027"], streets: ["West 125th Street", "Frederick Douglass Boulevard", "Lenox Avenue"], landmark: "Marcus Garvey Park", station: "125th Street station" },
      { name: "Upper West Side", lat: 40.7870, lng: -73.9754, postal: ["10024", "10025"], streets: ["Amsterdam Avenue", "West 84th Street", "Columbus Avenue"], landmark: "Central Park", station: "86th Street 1 station" },
      { name: "Astoria", lat: 40.7644, lng: -73.9235, postal: ["11102", "11103", "11105"], streets: ["31st Avenue", "Steinway Street", "Ditmars Boulevard"], landmark: "Astoria Park", station: "Astoria Boulevard N/W station" },
      { name: "Bushwick", lat: 40.6944, lng: -73.9213, postal: ["11221", "11237"], streets: ["Knickerbocker Avenue", "Wyckoff Avenue", "Troutman Street"], landmark: "Maria Hernandez Park", station: "Jefferson Street L station" },
      { name: "Lower East Side", lat: 40.7150, lng: -73.9843, postal: ["10002"], streets: ["Orchard Street", "Delancey Street", "Ludlow Street"], landmark: "Seward Park", station: "Delancey Street station" },
      { name: "Park Slope", lat: 40.6710, lng: -73.9814, postal: ["11215"], streets: ["7th Avenue", "5th Avenue", "Union Street"], landmark: "Prospect Park", station: "7th Avenue F/G station" },
    ],
  },
  {
    name: "Tokyo", country: "JP", timezone: "Asia/Tokyo", currency: "JPY", minor: 1,
    monthly: [62000, 140000], nightly: [5500, 18000], step: { monthly: 1000, nightly: 500 }, nightlyDeposits: [10000, 20000, 30000], flatWord: "apartment",
    address: (rng, district) => `${rng.int(1, 5)}-${rng.int(1, 30)}-${rng.int(1, 20)} ${district}`,
    neighbourhoods: [
      { name: "Shibuya", lat: 35.6620, lng: 139.6990, postal: ["150-0041", "150-0042"], streets: ["Jinnan, Shibuya-ku", "Udagawacho, Shibuya-ku", "Tomigaya, Shibuya-ku"], landmark: "Yoyogi Park", station: "Shibuya station" },
      { name: "Shinjuku", lat: 35.6938, lng: 139.7034, postal: ["160-0022", "169-0072"], streets: ["Shinjuku, Shinjuku-ku", "Okubo, Shinjuku-ku", "Nishi-Shinjuku, Shinjuku-ku"], landmark: "Shinjuku Gyoen", station: "Shinjuku-sanchome station" },
      { name: "Shimokitazawa", lat: 35.6611, lng: 139.6680, postal: ["155-0031", "155-0032"], streets: ["Kitazawa, Setagaya-ku", "Daizawa, Setagaya-ku"], landmark: "Shimokita's vintage shops", station: "Shimokitazawa station" },
      { name: "Nakameguro", lat: 35.6440, lng: 139.6990, postal: ["153-0051", "153-0042"], streets: ["Kamimeguro, Meguro-ku", "Aobadai, Meguro-ku"], landmark: "Meguro River", station: "Naka-Meguro station" },
      { name: "Asakusa", lat: 35.7148, lng: 139.7967, postal: ["111-0032", "111-0034"], streets: ["Asakusa, Taito-ku", "Kaminarimon, Taito-ku", "Nishi-Asakusa, Taito-ku"], landmark: "Senso-ji temple", station: "Asakusa station" },
      { name: "Koenji", lat: 35.7053, lng: 139.6496, postal: ["166-0002", "166-0003"], streets: ["Koenji-Kita, Suginami-ku", "Koenji-Minami, Suginami-ku"], landmark: "the Koenji Look arcade", station: "Koenji station" },
      { name: "Ebisu", lat: 35.6467, lng: 139.7101, postal: ["150-0021", "150-0013"], streets: ["Ebisu-Nishi, Shibuya-ku", "Ebisu, Shibuya-ku", "Hiroo, Shibuya-ku"], landmark: "Yebisu Garden Place", station: "Ebisu station" },
      { name: "Kichijoji", lat: 35.7033, lng: 139.5797, postal: ["180-0004", "180-0003"], streets: ["Kichijoji-Honcho, Musashino-shi", "Kichijoji-Minamicho, Musashino-shi"], landmark: "Inokashira Park", station: "Kichijoji station" },
    ],
  },
  {
    name: "Auckland", country: "NZ", timezone: "Pacific/Auckland", currency: "NZD", minor: 100,
    monthly: [950, 1650], nightly: [70, 190], step: { monthly: 10, nightly: 5 }, nightlyDeposits: [150, 200, 300], flatWord: "flat",
    address: (rng, street) => `${rng.int(2, 320)} ${street}`,
    neighbourhoods: [
      { name: "Ponsonby", lat: -36.8540, lng: 174.7430, postal: ["1011"], streets: ["Ponsonby Road", "Franklin Road", "Jervois Road"], landmark: "Ponsonby Central", station: "the Inner Link bus" },
      { name: "Parnell", lat: -36.8560, lng: 174.7790, postal: ["1052"], streets: ["Parnell Road", "St Stephens Avenue", "Gladstone Road"], landmark: "Auckland Domain", station: "Parnell station" },
      { name: "Mount Eden", lat: -36.8780, lng: 174.7560, postal: ["1024"], streets: ["Dominion Road", "Mount Eden Road", "Valley Road"], landmark: "Maungawhau / Mount Eden", station: "Mount Eden station" },
      { name: "Grey Lynn", lat: -36.8620, lng: 174.7370, postal: ["1021"], streets: ["Great North Road", "Richmond Road", "Williamson Avenue"], landmark: "Grey Lynn Park", station: "the Outer Link bus" },
      { name: "Devonport", lat: -36.8300, lng: 174.7960, postal: ["0624"], streets: ["Victoria Road", "King Edward Parade", "Church Street"], landmark: "North Head", station: "Devonport ferry terminal" },
      { name: "Kingsland", lat: -36.8720, lng: 174.7440, postal: ["1021"], streets: ["New North Road", "Sandringham Road", "Kingsland Terrace"], landmark: "Eden Park", station: "Kingsland station" },
      { name: "Auckland CBD", lat: -36.8485, lng: 174.7633, postal: ["1010"], streets: ["Queen Street", "Hobson Street", "Wellesley Street West"], landmark: "Viaduct Harbour", station: "Waitematā station" },
      { name: "Newmarket", lat: -36.8700, lng: 174.7780, postal: ["1023"], streets: ["Broadway", "Khyber Pass Road", "Davis Crescent"], landmark: "Auckland Domain", station: "Newmarket station" },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// People

const LANDLORD_NAMES = ["Marta Sousa", "Jonas Becker", "Priya Shah", "Daniel Brooks", "Aiko Tanaka"];
const TENANT_NAMES = [
  "Ana Ribeiro", "Lukas Weber", "Chloe Martin", "Mateo García", "Emily Carter", "Noah Williams", "Sofia Rossi", "Haruto Sato",
  "Olivia Nguyen", "Liam O'Connor", "Mia Schneider", "Ethan Kim", "Zoe Taylor", "Arjun Mehta", "Lucía Fernández", "Tomás Silva",
  "Grace Wilson", "Yuki Nakamura", "Aroha Ngata", "Samuel Okafor",
];

// ---------------------------------------------------------------------------------------------
// Rooms and descriptions

interface RoomKind { name: string; capacity: number; premium: number }
const ROOM_KINDS: RoomKind[] = [
  { name: "Single", capacity: 1, premium: 1 },
  { name: "Cosy single", capacity: 1, premium: 0.95 },
  { name: "Attic single", capacity: 1, premium: 1.02 },
  { name: "Double", capacity: 2, premium: 1 },
  { name: "Double with balcony", capacity: 2, premium: 1.08 },
  { name: "Ensuite double", capacity: 2, premium: 1.15 },
  { name: "Twin", capacity: 2, premium: 1 },
  { name: "Garden-view double", capacity: 2, premium: 1.05 },
  { name: "Family room", capacity: 3, premium: 1.05 },
];
const ROOM_COUNT: Record<PropertyType, [number, number]> = {
  studio: [1, 1], apartment: [1, 3], house: [2, MAX_ROOMS_PER_PROPERTY], shared_house: [3, MAX_ROOMS_PER_PROPERTY], residence: [2, MAX_ROOMS_PER_PROPERTY],
};
/** Chance a property rents by the night; the rest rent by the month. */
const NIGHTLY_SHARE: Record<PropertyType, number> = { studio: 0.6, apartment: 0.5, house: 0.3, shared_house: 0.1, residence: 0.2 };
const TYPE_WEIGHTS: [PropertyType, number][] = [["apartment", 35], ["shared_house", 25], ["studio", 15], ["house", 12], ["residence", 13]];

const AMENITIES_BY_TYPE: Record<PropertyType, string[]> = {
  studio: ["kitchenette", "desk", "air_conditioning", "smart_tv", "elevator"],
  apartment: ["kitchen", "washer", "dishwasher", "balcony", "elevator", "desk"],
  house: ["kitchen", "washer", "dryer", "garden", "parking", "bbq"],
  shared_house: ["kitchen", "washer", "shared_lounge", "cleaning_service", "bike_storage"],
  residence: ["gym", "study_room", "concierge", "laundry_room", "cleaning_service", "rooftop_terrace"],
};
const COMMON_AMENITIES = ["heating", "furnished", "bills_included", "pets_allowed", "smoke_free", "bed_linen", "hair_dryer"];

const ADJECTIVES = ["Bright", "Sunny", "Quiet", "Spacious", "Stylish", "Cosy", "Renovated", "Airy", "Charming", "Modern"];
const TITLES: Record<PropertyType, string[]> = {
  apartment: ["{adj} {flat} in {hood}", "{adj} {rooms}-bedroom {flat} near {landmark}", "{adj} {flat} with balcony in {hood}"],
  studio: ["{adj} studio in {hood}", "Compact studio steps from {landmark}", "{adj} loft studio in {hood}"],
  house: ["{adj} townhouse in {hood}", "Family house near {landmark}", "{adj} {rooms}-bedroom house in {hood}"],
  shared_house: ["Friendly shared house in {hood}", "{adj} co-living house near {landmark}", "{rooms}-room shared {flat} in {hood}"],
  residence: ["{hood} student residence", "{adj} residence near {landmark}", "Serviced rooms in {hood}"],
};
const OPENERS: Record<PropertyType, string[]> = {
  apartment: ["{aAdj} {flat} on the {floor} floor of a well-kept building in {hood}.", "Freshly painted {flat} in the heart of {hood}, with big windows and wooden floors."],
  studio: ["{aAdj} self-contained studio in {hood}, ideal for one person or a couple.", "Smartly laid-out studio on the {floor} floor, with a proper bed and a separate kitchenette."],
  house: ["{aAdj} house on a leafy street in {hood}, with plenty of space to spread out.", "Light-filled family home in {hood}, recently renovated and fully furnished."],
  shared_house: ["A friendly shared home in {hood} with {rooms} private bedrooms and a big common kitchen.", "Sociable co-living house in {hood}: private rooms, shared lounge and a weekly cleaner."],
  residence: ["A managed residence in {hood} with staffed reception and study spaces.", "Purpose-built residence in {hood}, popular with students and young professionals."],
};
const LOCATION_LINES = [
  "{landmark} is a {walk}-minute walk away, and {station} is around the corner.",
  "You are {walk} minutes on foot from {station}, with cafés, a supermarket and a bakery on the same street.",
  "Close to {landmark}; {station} gets you across the city in minutes.",
];
const BILLS_INCLUDED = "Bills and fast Wi-Fi are included in the price.";
const SHARED_CLOSER = "Utilities are shared fairly between housemates; Wi-Fi is included.";
const CLOSERS = [
  "Check-in is flexible and the host lives nearby.",
  "Ideal for remote workers: every room has a desk and there is fibre internet.",
  "Linen and towels are provided; the building has a lift.",
];
const FLOORS = ["ground", "first", "second", "third", "fourth", "top"];

// ---------------------------------------------------------------------------------------------
// Generation

export interface Rng { next(): number; int(min: number, max: number): number; pick<T>(items: readonly T[]): T; chance(p: number): boolean }

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
    next, int,
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
    ...LANDLORD_NAMES.map((name, i) => ({ email: `landlord${i + 1}@demo.roomline.dev`, name, role: "landlord" as const })),
    ...TENANT_NAMES.map((name, i) => ({ email: `tenant${i + 1}@demo.roomline.dev`, name, role: "tenant" as const })),
    { email: DEMO_LOGINS.admin, name: "Roomline Admin", role: "admin" as const },
  ];
  return people.map((person, i) => {
    const at = SEED_EPOCH + i * MINUTE;
    return { id: seedId("usr", at, i), ...person, createdAt: iso(at), updatedAt: iso(at) };
  });
}

function weightedType(rng: Rng): PropertyType {
  let roll = rng.int(1, TYPE_WEIGHTS.reduce((sum, [, w]) => sum + w, 0));
  for (const [type, weight] of TYPE_WEIGHTS) {
    roll -= weight;
    if (roll <= 0) return type;
  }
  return "apartment";
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

function describe(rng: Rng, city: City, hood: Neighbourhood, type: PropertyType, roomCount: number, amenities: string[]): { title: string; description: string } {
  const adj = rng.pick(ADJECTIVES);
  const values = {
    adj, aAdj: `${/^[AEIOU]/.test(adj) ? "An" : "A"} ${adj.toLowerCase()}`, flat: city.flatWord, hood: hood.name, landmark: hood.landmark, station: hood.station,
    rooms: roomCount, floor: rng.pick(FLOORS), walk: rng.int(3, 15),
  };
  const title = fill(rng.pick(TITLES[type]), values);
  const location = fill(rng.pick(LOCATION_LINES), values);
  const shared = type === "shared_house" || type === "residence";
  const closer = amenities.includes("bills_included") ? BILLS_INCLUDED : rng.pick(shared ? [SHARED_CLOSER, ...CLOSERS] : CLOSERS);
  const description = [fill(rng.pick(OPENERS[type]), values), location.charAt(0).toUpperCase() + location.slice(1), closer].join(" ");
  return { title, description };
}

function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

/** Room `index` of property number `propertyIndex`; its id depends only on those, so ids stay put when generation changes. */
function roomFor(rng: Rng, city: City, property: PropertyRow, propertyIndex: number, type: PropertyType, nightly: boolean, index: number): RoomRow {
  const kind = type === "studio"
    ? { name: "Entire studio", capacity: rng.int(1, 2), premium: 1.1 }
    : rng.pick(ROOM_KINDS);
  const mode = nightly ? "nightly" : "monthly";
  const [min, max] = city[mode];
  const perPerson = min + rng.next() * (max - min);
  const major = roundTo(perPerson * kind.premium * (1 + 0.3 * (kind.capacity - 1)), city.step[mode]);
  const price = major * city.minor;
  const deposit = nightly ? rng.pick(city.nightlyDeposits) * city.minor : price * rng.pick([1, 1, 2]);
  const at = Date.parse(property.createdAt) + (index + 1) * MINUTE;
  return {
    id: seedId("room", at, propertyIndex * MAX_ROOMS_PER_PROPERTY + index), propertyId: property.id,
    name: type === "studio" ? kind.name : `Room ${index + 1} – ${kind.name}`,
    capacity: kind.capacity, rentalMode: mode, priceAmount: price, depositAmount: deposit, currency: city.currency,
    minNights: nightly ? rng.pick([1, 2, 2, 3]) : null,
    maxNights: nightly ? rng.pick([14, 30, 60, 90]) : null,
    freeCancellationDays: nightly ? rng.pick([2, 5, 7, 14]) : rng.pick([14, 30]),
    status: "active", createdAt: iso(at), updatedAt: iso(at),
  };
}

/** The row the listing.changed consumer (workers/events/listing.ts) would write for this room. */
export function listingOf(property: PropertyRow, room: RoomRow): ListingRow {
  return {
    roomId: room.id, propertyId: property.id, ownerId: property.ownerId, title: property.title, roomName: room.name,
    city: property.city, country: property.country, lat: property.lat, lng: property.lng, rentalMode: room.rentalMode,
    priceAmount: room.priceAmount, currency: room.currency, capacity: room.capacity, amenities: property.amenities,
    active: property.status === "active" && room.status === "active",
    sourceVersion: property.updatedAt > room.updatedAt ? property.updatedAt : room.updatedAt,
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
      id: seedId("prop", at, p), ownerId: rng.pick(landlords).id, ...describe(rng, city, hood, type, roomCount, amenities), type,
      line1: city.address(rng, rng.pick(hood.streets)), city: city.name, postalCode: postalCode(rng, rng.pick(hood.postal)),
      country: city.country, lat: jitter(rng, hood.lat), lng: jitter(rng, hood.lng), amenities, timezone: city.timezone,
      status: "active", createdAt: iso(at), updatedAt: iso(at),
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
export async function withPasswords(users: DemoUser[], hash: (password: string) => Promise<string> = hashPasswordNode): Promise<UserRow[]> {
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

/** The whole seed as one SQL script, parents before children (D1 enforces foreign keys). */
export function seedSql(data: Omit<DemoData, "users"> & { users: UserRow[] }): string {
  return [
    "-- Roomline demo data, generated by scripts/seed.ts. Safe to re-run: INSERT OR IGNORE with fixed ids.",
    ...insertStatements(users, data.users),
    ...insertStatements(properties, data.properties),
    ...insertStatements(rooms, data.rooms),
    ...insertStatements(listings, data.listings),
  ].join("\n") + "\n";
}

/** A query answering `present` = 1 when the seed was applied: the first landlord and the last property exist. */
export function seedPresentSql(data: DemoData): string {
  const lastProperty = data.properties.at(-1)?.id ?? "";
  return `select (select count(*) from users where email = ${literal(DEMO_LOGINS.landlord)}) * ` +
    `(select count(*) from properties where id = ${literal(lastProperty)}) as present`;
}
