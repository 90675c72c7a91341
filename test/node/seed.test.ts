// The pure parts of scripts/seed.ts: deterministic generation, shape of the rows, password hashes.
import { describe, expect, it } from "vitest";
import {
  buildDemoData,
  DEMO_LOGINS,
  DEMO_PASSWORD,
  hashPasswordNode,
  listingOf,
  PROPERTIES_PER_CITY,
  seedId,
  seedPresentSql,
  seedSql,
  withPasswords,
} from "../../scripts/seed";

// workers/domain/password.ts is typed for the Workers runtime: a static import would make
// tsconfig.node.json (DOM lib) type-check it and fail on BufferSource, so it loads at run time only.
const PASSWORD_MODULE = "../../workers/domain/password";
interface PasswordModule {
  verifyPassword(password: string, stored: string): Promise<boolean>;
  needsRehash(stored: string): boolean;
}
const { verifyPassword, needsRehash } = (await import(/* @vite-ignore */ PASSWORD_MODULE)) as PasswordModule;

const ID = /^[a-z]+_[0-9a-z]{17}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const data = buildDemoData();

describe("demo data", () => {
  it("is the same on every build", () => {
    expect(buildDemoData()).toEqual(data);
    expect(buildDemoData(1)).not.toEqual(data);
  });

  it("has 5 landlords, 20 tenants and 1 admin with the advertised logins", () => {
    const count = (role: string) => data.users.filter((u) => u.role === role).length;
    expect([count("landlord"), count("tenant"), count("admin")]).toEqual([5, 20, 1]);
    const emails = data.users.map((u) => u.email);
    expect(emails).toEqual(expect.arrayContaining(Object.values(DEMO_LOGINS)));
    expect(data.users.find((u) => u.email === DEMO_LOGINS.admin)?.role).toBe("admin");
  });

  it("has no duplicate ids or emails, and every id has the app's format", () => {
    const ids = [...data.users, ...data.properties, ...data.rooms].map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(data.users.map((u) => u.email)).size).toBe(data.users.length);
    for (const id of ids) expect(id).toMatch(ID);
  });

  it("spreads at least 200 properties over 6 cities in 6 countries and timezones", () => {
    expect(data.properties.length).toBe(6 * PROPERTIES_PER_CITY);
    expect(data.properties.length).toBeGreaterThanOrEqual(200);
    expect(new Set(data.properties.map((p) => p.city)).size).toBe(6);
    expect(new Set(data.properties.map((p) => p.country)).size).toBe(6);
    expect(new Set(data.properties.map((p) => p.timezone)).size).toBe(6);
  });

  it("gives each property 1-4 rooms in its city's currency, with both rental modes present", () => {
    const perProperty = new Map<string, number>();
    for (const room of data.rooms) perProperty.set(room.propertyId, (perProperty.get(room.propertyId) ?? 0) + 1);
    expect(perProperty.size).toBe(data.properties.length);
    for (const n of perProperty.values()) (expect(n).toBeGreaterThanOrEqual(1), expect(n).toBeLessThanOrEqual(4));
    expect(new Set(data.rooms.map((r) => r.rentalMode))).toEqual(new Set(["monthly", "nightly"]));
    const currencyOf = new Map(
      data.properties.map((p) => [p.id, { GB: "GBP", US: "USD", JP: "JPY", NZ: "NZD" }[p.country] ?? "EUR"]),
    );
    for (const room of data.rooms) {
      expect(room.currency).toBe(currencyOf.get(room.propertyId));
      expect(Number.isInteger(room.priceAmount) && room.priceAmount > 0).toBe(true);
      expect(Number.isInteger(room.depositAmount) && room.depositAmount >= 0).toBe(true);
      expect(room.capacity).toBeGreaterThanOrEqual(1);
      expect(room.capacity).toBeLessThanOrEqual(3);
    }
  });

  it("prices in minor units: yen are whole (85000 = ¥85,000), euros in cents", () => {
    const monthly = (currency: string) =>
      data.rooms.filter((r) => r.currency === currency && r.rentalMode === "monthly").map((r) => r.priceAmount);
    for (const yen of monthly("JPY")) (expect(yen).toBeGreaterThanOrEqual(50_000), expect(yen).toBeLessThan(400_000));
    for (const cents of monthly("EUR"))
      (expect(cents).toBeGreaterThanOrEqual(40_000), expect(cents).toBeLessThan(400_000));
  });

  it("keeps coordinates near the city centre and timestamps in ISO 8601 UTC", () => {
    const centres: Record<string, [number, number]> = {
      Lisbon: [38.72, -9.14],
      Berlin: [52.52, 13.4],
      London: [51.51, -0.13],
      "New York": [40.73, -73.97],
      Tokyo: [35.68, 139.7],
      Auckland: [-36.85, 174.76],
    };
    for (const p of data.properties) {
      const [lat, lng] = centres[p.city]!;
      expect(Math.abs(p.lat - lat)).toBeLessThan(0.15);
      expect(Math.abs(p.lng - lng)).toBeLessThan(0.25);
      expect(p.createdAt).toMatch(ISO_UTC);
    }
  });

  it("has one listing per room, equal to what the listing.changed projection writes", () => {
    expect(data.listings.length).toBe(data.rooms.length);
    const propertyById = new Map(data.properties.map((p) => [p.id, p]));
    data.rooms.forEach((room, i) =>
      expect(data.listings[i]).toEqual(listingOf(propertyById.get(room.propertyId)!, room)),
    );
    expect(data.listings.every((l) => l.active)).toBe(true);
  });
});

describe("ids", () => {
  it("of a room depend only on its property's position and its own", () => {
    const other = buildDemoData(7);
    const roomIds = (d: typeof data) =>
      new Map(d.rooms.map((r) => [`${r.propertyId}/${r.name.split(" – ")[0]}`, r.id]));
    const [a, b] = [roomIds(data), roomIds(other)];
    const shared = [...a.keys()].filter((key) => b.has(key) && key.includes("Room "));
    expect(shared.length).toBeGreaterThan(0);
    for (const key of shared) expect(b.get(key)).toBe(a.get(key));
  });

  it("sort by time, then index", () => {
    expect(seedId("prop", 1_000, 2) < seedId("prop", 1_000, 10)).toBe(true);
    expect(seedId("prop", 1_000, 999) < seedId("prop", 2_000, 0)).toBe(true);
  });
});

describe("passwords", () => {
  it("hash in the app's format and verify with workers/domain/password.ts", async () => {
    const stored = await hashPasswordNode(DEMO_PASSWORD);
    expect(stored).toMatch(/^pbkdf2_sha256\$100000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyPassword(DEMO_PASSWORD, stored)).toBe(true);
    expect(await verifyPassword("wrong-password", stored)).toBe(false);
    expect(needsRehash(stored)).toBe(false);
  });

  it("salts every user differently", async () => {
    const hashed = await withPasswords(data.users.slice(0, 3));
    expect(new Set(hashed.map((u) => u.passwordHash)).size).toBe(3);
  });
});

describe("SQL", () => {
  const fakeHash = async () => "pbkdf2_sha256$100000$c2FsdA==$aGFzaA==";

  it("is deterministic, idempotent and escapes quotes", async () => {
    const sql = seedSql({ ...data, users: await withPasswords(data.users, fakeHash) });
    expect(seedSql({ ...data, users: await withPasswords(data.users, fakeHash) })).toBe(sql);
    expect(sql).not.toMatch(/^INSERT INTO/m);
    expect(sql).toContain("'Liam O''Connor'");
    expect(sql).toContain('\'["wifi"');
    for (const table of ["users", "properties", "rooms", "listings"])
      expect(sql).toContain(`INSERT OR IGNORE INTO \`${table}\``);
    expect(sql.indexOf("INTO `users`")).toBeLessThan(sql.indexOf("INTO `properties`"));
    expect(sql.indexOf("INTO `properties`")).toBeLessThan(sql.indexOf("INTO `rooms`"));
  });

  it("checks for the first landlord and the last property", () => {
    const check = seedPresentSql(data);
    expect(check).toContain(DEMO_LOGINS.landlord);
    expect(check).toContain(data.properties.at(-1)!.id);
  });
});
