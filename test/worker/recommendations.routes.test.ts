import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { d1 } from "../../workers/data/d1";
import { handlers } from "../../workers/events/consumer";
import { newEvent } from "../../workers/outbox";
import { call, eventually, inDays, json, mintTenant, signUp, tokenFor, validProperty, validRoom } from "./helpers";

type Json = Record<string, any>;

/** A city no other test lists in, so each test's index queries see only its own listings. */
const uniqueCity = () =>
  `Zq${[...crypto.randomUUID().replaceAll("-", "").slice(0, 12)].map((c) => "abcdefghijklmnop"[parseInt(c, 16)]).join("")}`;

async function listed(
  city: string,
  property: Json = {},
  room: Json = {},
  token?: string,
): Promise<{ id: string; roomId: string; token: string; title: string }> {
  const landlord = token ?? (await signUp("landlord")).accessToken;
  const body = { ...validProperty(), ...property, address: { ...validProperty().address, ...property.address, city } };
  const created = await json(await call("POST", "/v1/properties", { token: landlord, body }));
  const made = await json(
    await call("POST", `/v1/properties/${created.id}/rooms`, { token: landlord, body: { ...validRoom(), ...room } }),
  );
  await reindex(created.id);
  return { id: created.id, roomId: made.id, token: landlord, title: created.title };
}

const reindex = (propertyId: string) =>
  handlers["listing.changed"](newEvent("listing.changed", { propertyId, reason: "updated" }), env, d1(env));

async function recommendations(token: string, params = ""): Promise<Json[]> {
  const res = await call("GET", `/v1/recommendations?${params}`, { token });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await json(res)).items;
}

describe("favourites", () => {
  it("saves idempotently (201, then 204), lists newest first, unsaves (204), per tenant only", async () => {
    const city = uniqueCity();
    const a = await listed(city, { title: "First saved" });
    const b = await listed(city, { title: "Second saved" });
    const tenant = await mintTenant();
    const other = await mintTenant();
    const put = (id: string, token = tenant.accessToken) => call("PUT", `/v1/me/favourites/${id}`, { token });
    expect((await put(a.id)).status).toBe(201);
    expect((await put(a.id)).status).toBe(204);
    expect((await put(b.id)).status).toBe(201);
    const page = await json(await call("GET", "/v1/me/favourites?limit=1", { token: tenant.accessToken }));
    expect(page.items.map((i: Json) => i.propertyId)).toEqual([b.id]);
    const next = await json(
      await call("GET", `/v1/me/favourites?limit=1&cursor=${page.nextCursor}`, { token: tenant.accessToken }),
    );
    expect(next.items.map((i: Json) => i.propertyId)).toEqual([a.id]);
    expect(next.nextCursor).toBeNull();
    expect((await json(await call("GET", "/v1/me/favourites", { token: other.accessToken }))).items).toEqual([]);
    expect((await call("DELETE", `/v1/me/favourites/${a.id}`, { token: tenant.accessToken })).status).toBe(204);
    expect((await call("DELETE", `/v1/me/favourites/${a.id}`, { token: tenant.accessToken })).status).toBe(204);
    expect(
      (await json(await call("GET", "/v1/me/favourites", { token: tenant.accessToken }))).items.map(
        (i: Json) => i.propertyId,
      ),
    ).toEqual([b.id]);
  });

  it("answers 404 for an unknown or archived property, 403 to a landlord, 401 without a token", async () => {
    const tenant = await mintTenant();
    expect((await call("PUT", "/v1/me/favourites/prop_0000000000000000x", { token: tenant.accessToken })).status).toBe(
      404,
    );
    const archived = await listed(uniqueCity());
    await call("DELETE", `/v1/properties/${archived.id}`, { token: archived.token });
    expect((await call("PUT", `/v1/me/favourites/${archived.id}`, { token: tenant.accessToken })).status).toBe(404);
    expect((await call("PUT", `/v1/me/favourites/${archived.id}`, { token: archived.token })).status).toBe(403);
    expect((await call("GET", "/v1/me/favourites")).status).toBe(401);
  });
});

describe("interaction history", () => {
  it("records views (a reload is one view), searches and saves; the tenant sees and clears it, nobody else", async () => {
    const p = await listed(uniqueCity());
    const tenant = await mintTenant();
    for (let i = 0; i < 3; i++) await call("GET", `/v1/properties/${p.id}`, { token: tenant.accessToken });
    await call("GET", `/v1/search?q=sunny`, { token: tenant.accessToken });
    await call("PUT", `/v1/me/favourites/${p.id}`, { token: tenant.accessToken });
    const history = async (token = tenant.accessToken) =>
      (await json(await call("GET", "/v1/me/interactions", { token }))).items as Json[];
    const kinds = await eventually(async () => {
      const k = (await history()).map((i) => i.kind).sort();
      return k.length === 3 ? k : undefined;
    });
    expect(kinds).toEqual(["favourite", "search", "view"]);
    expect((await history()).find((i) => i.kind === "search")!.filters).toEqual({ q: "sunny" });
    expect((await history()).find((i) => i.kind === "view")!.propertyId).toBe(p.id);
    expect(await history((await mintTenant()).accessToken)).toEqual([]);
    expect((await call("DELETE", "/v1/me/interactions", { token: tenant.accessToken })).status).toBe(204);
    expect(await history()).toEqual([]);
    // saved properties stay saved
    expect((await json(await call("GET", "/v1/me/favourites", { token: tenant.accessToken }))).items).toHaveLength(1);
  });
});

describe("recommendations", () => {
  it("ranks listings like what the tenant saved first, says why, and leaves out what they saved", async () => {
    const city = uniqueCity();
    const landlord = (await signUp("landlord")).accessToken;
    const saved = await listed(
      city,
      { title: "Garden studio with balcony", type: "studio", amenities: ["garden", "balcony"] },
      { rentalMode: "nightly", price: { amount: 6000, currency: "EUR" }, capacity: 1 },
      landlord,
    );
    const alike = await listed(
      city,
      { title: "Balcony studio by the garden", type: "studio", amenities: ["garden", "balcony"] },
      { rentalMode: "nightly", price: { amount: 6500, currency: "EUR" }, capacity: 1 },
      landlord,
    );
    const unlike = await listed(
      city,
      {
        title: "Family house",
        type: "house",
        amenities: ["parking"],
        location: { lat: 38.9, lng: -9.4 },
      },
      { rentalMode: "monthly", price: { amount: 400000, currency: "EUR" }, capacity: 6 },
      landlord,
    );
    const tenant = await mintTenant();
    expect((await call("PUT", `/v1/me/favourites/${saved.id}`, { token: tenant.accessToken })).status).toBe(201);
    const items = await recommendations(tenant.accessToken, `city=${city}`);
    expect(items.map((i) => i.propertyId)).toEqual([alike.id, unlike.id]);
    expect(items[0]!.reason).toBe(`similar to ${saved.title} you saved`);
    expect(items[0]!.score).toBeGreaterThan(items[1]!.score);
  });

  it("honours the city, never shows archived, booked or unavailable rooms", async () => {
    const city = uniqueCity();
    const elsewhere = uniqueCity();
    const landlord = (await signUp("landlord")).accessToken;
    const liked = await listed(city, { title: "Liked" }, { capacity: 1 }, landlord);
    const archived = await listed(city, { title: "To archive" }, { capacity: 1 }, landlord);
    const busy = await listed(city, { title: "Busy" }, { capacity: 1 }, landlord);
    const free = await listed(city, { title: "Free" }, { capacity: 1 }, landlord);
    const away = await listed(elsewhere, { title: "Away" }, { capacity: 1 }, landlord);
    const tenant = await mintTenant();
    await call("GET", `/v1/properties/${liked.id}`, { token: tenant.accessToken });
    await eventually(async () =>
      (await json(await call("GET", "/v1/me/interactions", { token: tenant.accessToken }))).items.length
        ? true
        : undefined,
    );
    await call("DELETE", `/v1/properties/${archived.id}`, { token: landlord });
    await reindex(archived.id);
    // another tenant holds "Busy" for the stay asked about
    const other = await mintTenant();
    const hold = await call("POST", "/v1/bookings", {
      token: other.accessToken,
      headers: { "idempotency-key": crypto.randomUUID() },
      body: { roomId: busy.roomId, startDate: inDays(30), endDate: inDays(32), units: 1 },
    });
    expect(hold.status).toBe(201);
    const stay = `from=${inDays(30)}&to=${inDays(32)}`;
    const ids = async (params: string) => (await recommendations(tenant.accessToken, params)).map((i) => i.propertyId);
    await eventually(async () => (!(await ids(`city=${city}&${stay}`)).includes(busy.id) ? true : undefined));
    const inCity = await ids(`city=${city}&${stay}`);
    expect(inCity).toContain(free.id);
    expect(inCity).toContain(liked.id); // viewed, not saved: still a candidate
    expect(inCity).not.toContain(archived.id);
    expect(inCity).not.toContain(away.id);
    expect(await ids(`city=${city}`)).toContain(busy.id); // no dates: no availability filter
    // the tenant's own booking leaves it out
    const own = await call("POST", "/v1/bookings", {
      token: tenant.accessToken,
      headers: { "idempotency-key": crypto.randomUUID() },
      body: { roomId: free.roomId, startDate: inDays(60), endDate: inDays(61), units: 1 },
    });
    expect(own.status).toBe(201);
    await eventually(async () => (!(await ids(`city=${city}`)).includes(free.id) ? true : undefined));
  });

  it("takes the city in any case, the country, rental mode, currency and units; never a saved property, however many", async () => {
    const city = uniqueCity();
    const landlord = (await signUp("landlord")).accessToken;
    const liked = await listed(city, { title: "Liked flat" }, { capacity: 1 }, landlord);
    const nightly = await listed(
      city,
      { title: "Nightly flat" },
      { rentalMode: "nightly", price: { amount: 9000, currency: "GBP" }, deposit: { amount: 0, currency: "GBP" } },
      landlord,
    );
    const roomy = await listed(city, { title: "Roomy flat" }, { capacity: 3 }, landlord);
    const spanish = await listed(city, { title: "Spanish flat", address: { country: "ES" } }, {}, landlord);
    const saved = await listed(city, { title: "Saved flat" }, {}, landlord);
    const tenant = await mintTenant();
    await call("GET", `/v1/properties/${liked.id}`, { token: tenant.accessToken });
    expect((await call("PUT", `/v1/me/favourites/${saved.id}`, { token: tenant.accessToken })).status).toBe(201);
    // Fifty newer saves (of places no longer listed): the taste reads the newest only, the filter all of them.
    const later = Date.now() + 60_000;
    for (let i = 0; i < 50; i++)
      await env.DB.prepare("INSERT INTO favourites (user_id, property_id, created_at) VALUES (?, ?, ?)")
        .bind(tenant.id, `prop_gone${i}`, new Date(later + i).toISOString())
        .run();
    await eventually(async () =>
      (await json(await call("GET", "/v1/me/interactions", { token: tenant.accessToken }))).items.length
        ? true
        : undefined,
    );
    const ids = async (params: string) => (await recommendations(tenant.accessToken, params)).map((i) => i.propertyId);
    const lower = await ids(`city=${city.toLowerCase()}`);
    expect(lower).toEqual(expect.arrayContaining([liked.id, nightly.id, roomy.id, spanish.id]));
    expect(lower).not.toContain(saved.id);
    expect(await ids(`city=${city.toUpperCase()}&country=es`)).toEqual([spanish.id]);
    expect(await ids(`city=${city}&rentalMode=nightly`)).toEqual([nightly.id]);
    expect(await ids(`city=${city}&currency=GBP`)).toEqual([nightly.id]);
    expect(await ids(`city=${city}&units=3`)).toEqual([roomy.id]);
    expect((await call("GET", "/v1/recommendations?country=Spain", { token: tenant.accessToken })).status).toBe(422);
  });

  it("starts cold with what is popular where the tenant last searched, else everywhere", async () => {
    const city = uniqueCity();
    const landlord = (await signUp("landlord")).accessToken;
    const quiet = await listed(city, { title: "Quiet one" }, {}, landlord);
    const popular = await listed(city, { title: "Popular one" }, {}, landlord);
    for (let i = 0; i < 3; i++) {
      const fan = await mintTenant();
      await call("PUT", `/v1/me/favourites/${popular.id}`, { token: fan.accessToken });
    }
    const newcomer = await mintTenant();
    await call("GET", `/v1/search?city=${city}`, { token: newcomer.accessToken });
    await eventually(async () =>
      (await json(await call("GET", "/v1/me/interactions", { token: newcomer.accessToken }))).items.length
        ? true
        : undefined,
    );
    const items = await recommendations(newcomer.accessToken);
    expect(items[0]).toMatchObject({ propertyId: popular.id, reason: `popular in ${city}` });
    expect(items.find((i) => i.propertyId === quiet.id)).toMatchObject({ reason: `new in ${city}` }); // nobody's favourite
    const stranger = await mintTenant();
    expect((await recommendations(stranger.accessToken))[0]!.reason).toMatch(/^popular/);
  });

  it("is for tenants only", async () => {
    expect((await call("GET", "/v1/recommendations")).status).toBe(401);
    expect(
      (await call("GET", "/v1/recommendations", { token: await tokenFor("usr_l0000000000000001", "landlord") })).status,
    ).toBe(403);
    expect(
      (await call("GET", "/v1/recommendations?from=2027-01-05", { token: (await mintTenant()).accessToken })).status,
    ).toBe(422);
  });
});

describe("similar listings", () => {
  it("finds other properties like this one, and 404s an unknown property", async () => {
    const city = uniqueCity();
    const landlord = (await signUp("landlord")).accessToken;
    const base = await listed(
      city,
      { title: "Harbour studio", type: "studio" },
      { rentalMode: "nightly", price: { amount: 7000, currency: "EUR" } },
      landlord,
    );
    const twin = await listed(
      city,
      { title: "Harbour studio too", type: "studio" },
      { rentalMode: "nightly", price: { amount: 7200, currency: "EUR" } },
      landlord,
    );
    const items = (await json(await call("GET", `/v1/properties/${base.id}/similar?limit=5`))).items as Json[];
    expect(items.map((i) => i.propertyId)).not.toContain(base.id);
    expect(items[0]).toMatchObject({ propertyId: twin.id, reason: `similar to ${base.title}` });
    expect((await call("GET", "/v1/properties/prop_0000000000000000x/similar")).status).toBe(404);
  });
});
