import { env } from "cloudflare:workers";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import type { DomainEvent } from "../../schema/events";
import { d1 } from "../../workers/data/d1";
import { searchStatement, type SearchQuery } from "../../workers/data/search";
import { newId } from "../../workers/domain/ids";
import { handlers } from "../../workers/events/consumer";
import { newEvent } from "../../workers/outbox";
import {
  bookHeld,
  call,
  eventually,
  inDays,
  json,
  mintTenant,
  signUp,
  tokenFor,
  validProperty,
  validRoom,
} from "./helpers";

type Json = Record<string, any>;

/** A word no other test's listings contain, so each test sees only its own. */
// Each hex digit of a random UUID as its own letter (a-p): 16 equally likely letters. Digits all
// mapped to one letter made most markers one typo from each other, which typo tolerance matches.
const marker = () =>
  `zq${[...crypto.randomUUID().replaceAll("-", "").slice(0, 14)].map((c) => "abcdefghijklmnop"[parseInt(c, 16)]).join("")}`;

/** Lists a property with rooms through the API and runs the listing consumer on its event. */
async function listed(
  property: Partial<ReturnType<typeof validProperty>> & Json,
  rooms: Json[] = [{}],
  token?: string,
): Promise<{ property: Json; rooms: Json[]; token: string }> {
  const landlord = token ?? (await signUp("landlord")).accessToken;
  const created = await json(
    await call("POST", "/v1/properties", { token: landlord, body: { ...validProperty(), ...property } }),
  );
  const made: Json[] = [];
  for (const room of rooms) {
    const res = await call("POST", `/v1/properties/${created.id}/rooms`, {
      token: landlord,
      body: { ...validRoom(), ...room },
    });
    expect(res.status).toBe(201);
    made.push(await json(res));
  }
  await indexProperty(created.id);
  return { property: created, rooms: made, token: landlord };
}

async function indexProperty(propertyId: string) {
  await handlers["listing.changed"](newEvent("listing.changed", { propertyId, reason: "updated" }), env, d1(env));
}

async function search(params: string): Promise<Json> {
  const res = await call("GET", `/v1/search?${params}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return json(res);
}

const ids = (r: Json) => r.items.map((i: Json) => i.property.id);

describe("search: text", () => {
  it("forgives one wrong, missing or swapped letter in words of 5+ letters, and ranks exact matches first", async () => {
    const m = marker();
    const exact = await listed({ title: `Balcony apartment ${m}`, description: "Quiet street in Berlin." });
    const other = await listed({ title: `Garden studio ${m}`, description: "A small balcony over the yard." });
    for (const q of ["balcny", "balcomy", "blacony", "balcony"]) {
      const r = await search(`q=${q}+${m}`);
      expect(new Set(ids(r)), q).toEqual(new Set([exact.property.id, other.property.id]));
    }
    const r = await search(`q=balcony+${m}`);
    expect(ids(r)[0]).toBe(exact.property.id); // in the title beats in the description
    expect(r.items[0].highlight.title).toBe(`<mark>Balcony</mark> apartment <mark>${m}</mark>`);
    // "Berln" finds Berlin; a 4-letter typo does not count
    expect(ids(await search(`q=Berln+${m}`))).toEqual([exact.property.id]);
    expect(ids(await search(`q=strt+${m}`))).toEqual([]);
    // the word as typed ranks above a word one typo from it
    const exactWord = await listed({ title: `Loft ${m} house`, description: "" });
    const fuzzyWord = await listed({ title: `Loft ${m} houses`, description: "" });
    const both = ids(await search(`q=house+${m}`));
    expect(both.indexOf(exactWord.property.id)).toBeLessThan(both.indexOf(fuzzyWord.property.id));
  });

  it("matches the last word as a prefix while typing", async () => {
    const m = marker();
    const lisbon = await listed({ title: `Flat ${m}`, address: { ...validProperty().address, city: "Lisbon" } });
    expect(ids(await search(`q=${m}+lisb`))).toEqual([lisbon.property.id]);
    expect(ids(await search(`q=${m.slice(0, 6)}`))).toContain(lisbon.property.id);
  });

  it("treats FTS syntax as text, never as a query or a 500", async () => {
    for (const q of ['"', "*", "NEAR(a b)", "-wifi", "title:flat", "a AND OR NOT", "(((", "^x"]) {
      const res = await call("GET", `/v1/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
  });
});

describe("search: geo", () => {
  it("filters by great-circle radius and sorts by distance", async () => {
    const m = marker();
    // Two points 0.9° of longitude apart at 60°N: ~50 km, though 0.9 "degrees" away.
    const near = await listed({ title: `Near ${m}`, location: { lat: 60, lng: 10.2 } });
    const far = await listed({ title: `Far ${m}`, location: { lat: 60, lng: 10.9 } });
    const centre = await listed({ title: `Centre ${m}`, location: { lat: 60, lng: 10 } });
    const r = await search(`q=${m}&lat=60&lng=10&radiusKm=40&sort=distance`);
    expect(ids(r)).toEqual([centre.property.id, near.property.id]);
    expect(r.items[1].distanceKm).toBeCloseTo(11.1, 0);
    const wide = await search(`q=${m}&lat=60&lng=10&radiusKm=60&sort=distance`);
    expect(ids(wide)).toEqual([centre.property.id, near.property.id, far.property.id]);
  });

  it("takes a map viewport, also one that crosses the antimeridian (Auckland to Fiji)", async () => {
    const m = marker();
    const auckland = await listed({
      title: `Auckland ${m}`,
      location: { lat: -36.85, lng: 174.76 },
      timezone: "Pacific/Auckland",
    });
    const fiji = await listed({ title: `Suva ${m}`, location: { lat: -18.14, lng: 178.44 } });
    const tonga = await listed({ title: `Tonga ${m}`, location: { lat: -21.14, lng: -175.2 } });
    const lisbon = await listed({ title: `Lisbon ${m}` });
    const r = await search(`q=${m}&bbox=170,-45,-170,-10`);
    expect(new Set(ids(r))).toEqual(new Set([auckland.property.id, fiji.property.id, tonga.property.id]));
    expect(ids(await search(`q=${m}&bbox=-10,38,-9,39`))).toEqual([lisbon.property.id]);
  });
});

describe("search: filters and facets", () => {
  it("applies type, rental mode, price in its currency, amenities (all) and units", async () => {
    const m = marker();
    const a = await listed({ title: `A ${m}`, type: "studio", amenities: ["wifi", "balcony"] }, [
      { price: { amount: 50000, currency: "EUR" }, capacity: 1 },
    ]);
    const b = await listed({ title: `B ${m}`, type: "house", amenities: ["wifi"] }, [
      { price: { amount: 90000, currency: "EUR" }, capacity: 3 },
    ]);
    const c = await listed({ title: `C ${m}`, type: "house", amenities: ["wifi", "balcony"] }, [
      { price: { amount: 50000, currency: "GBP" }, deposit: { amount: 0, currency: "GBP" }, capacity: 2 },
    ]);
    const n = await listed({ title: `N ${m}`, type: "apartment" }, [
      {
        rentalMode: "nightly",
        capacity: 1,
        price: { amount: 6000, currency: "EUR" },
        deposit: { amount: 0, currency: "EUR" },
      },
    ]);
    expect(new Set(ids(await search(`q=${m}&type=house&type=studio`)))).toEqual(
      new Set([a.property.id, b.property.id, c.property.id]),
    );
    expect(ids(await search(`q=${m}&rentalMode=nightly`))).toEqual([n.property.id]);
    expect(ids(await search(`q=${m}&currency=EUR&maxPrice=60000&rentalMode=monthly`))).toEqual([a.property.id]);
    expect(ids(await search(`q=${m}&currency=GBP&maxPrice=60000`))).toEqual([c.property.id]);
    expect(new Set(ids(await search(`q=${m}&amenities=wifi&amenities=balcony`)))).toEqual(
      new Set([a.property.id, c.property.id]),
    );
    expect(new Set(ids(await search(`q=${m}&units=2`)))).toEqual(new Set([b.property.id, c.property.id]));
    expect(ids(await search(`q=${m}&units=3`))).toEqual([b.property.id]);
    expect(ids(await search(`q=${m}&sort=price_asc&currency=EUR`))).toEqual([
      n.property.id,
      a.property.id,
      b.property.id,
    ]);
  });

  it("matches an amenity whole: wifi is not free wifi, and a quote in one is only text", async () => {
    const m = marker();
    const w = await listed({ title: `W ${m}`, amenities: ["free wifi", 'say "wifi"'] });
    const v = await listed({ title: `V ${m}`, amenities: ["wifi"] });
    expect(ids(await search(`q=${m}&amenities=wifi`))).toEqual([v.property.id]);
    expect(ids(await search(`q=${m}&amenities=${encodeURIComponent('say "wifi"')}`))).toEqual([w.property.id]);
  });

  it("counts each facet over the whole result of the other filters, not over the page", async () => {
    const m = marker();
    for (const [type, amenities] of [
      ["house", ["wifi"]],
      ["house", ["wifi", "garden"]],
      ["studio", ["wifi"]],
    ] as const)
      await listed({ title: `Facet ${m}`, type, amenities: [...amenities] });
    const r = await search(`q=${m}&type=house&limit=1`);
    expect(r.total).toBe(2);
    expect(r.items).toHaveLength(1);
    expect(r.facets.type).toEqual({ house: 2, studio: 1 }); // ignores its own filter
    expect(r.facets.amenities).toEqual({ wifi: 2, garden: 1 }); // follows the type filter
    expect(r.facets.city).toEqual({ Lisbon: 2 });
    expect(r.facets.rentalMode).toEqual({ monthly: 2 });
    const priced = await search(`q=${m}&currency=EUR`);
    expect(priced.facets.price).toEqual([{ min: 60000, max: 69999, count: 3 }]);
  });
});

describe("search: dates", () => {
  const held = (roomId: string, bookingId: string, from: number, to: number, units = 1): DomainEvent =>
    newEvent("booking.held", {
      bookingId,
      booking: {
        id: bookingId,
        roomId,
        propertyId: "prop_x",
        tenantId: "usr_x",
        landlordId: "usr_y",
        startDate: inDays(from),
        endDate: inDays(to),
        units,
        holdExpiresAt: new Date(Date.now() + 900_000).toISOString(),
        amountDue: 1,
        rentAmount: 1,
        depositAmount: 0,
        currency: "EUR",
        createdAt: new Date().toISOString(),
      },
    } as never);
  const run = (event: DomainEvent) => (handlers as any)[event.type](event, env, d1(env));

  it("shows only rooms with the units free on every night, from the calendar's events, in any order", async () => {
    const m = marker();
    const { property, rooms } = await listed({ title: `Dates ${m}` }, [{ capacity: 2 }]);
    const room = rooms[0]!.id;
    const free = async (from: number, to: number, units = 1) =>
      ids(await search(`q=${m}&from=${inDays(from)}&to=${inDays(to)}&units=${units}`)).includes(property.id);
    const one = held(room, newId("bkg"), 10, 15);
    const two = held(room, newId("bkg"), 14, 20);
    await run(one);
    await run(one); // a duplicate changes nothing
    expect(await free(10, 20)).toBe(true);
    expect(await free(10, 20, 2)).toBe(false); // one of two units taken on nights 10-14
    expect(await free(15, 20, 2)).toBe(true); // half-open: it ends on 15
    await run(two);
    expect(await free(10, 20, 1)).toBe(false); // night 14 has both
    expect(await free(15, 20, 1)).toBe(true);
    expect(await free(16, 20, 2)).toBe(false);
    // the end arrives before its hold for a third booking: the late hold adds nothing
    const three = held(room, newId("bkg"), 30, 31, 2);
    await run(newEvent("booking.cancelled", { bookingId: (three as any).data.bookingId } as never));
    await run(three);
    expect(await free(30, 31, 2)).toBe(true);
    // expiry and cancellation give the nights back, once
    await run(newEvent("booking.expired", { bookingId: (two as any).data.bookingId } as never));
    await run(newEvent("booking.expired", { bookingId: (two as any).data.bookingId } as never));
    expect(await free(10, 20, 1)).toBe(true);
    expect(await free(16, 20, 2)).toBe(true);
    expect(await free(10, 15, 2)).toBe(false);
  });
});

describe("search: dates, end to end", () => {
  it("hides a room a real booking filled, once the calendar's events are consumed, and shows it again after cancellation", async () => {
    const m = marker();
    const { property, rooms } = await listed({ title: `Booked ${m}` }, [{ capacity: 1 }]);
    const stay = `from=${inDays(40)}&to=${inDays(45)}`;
    const shown = async () => ids(await search(`q=${m}&${stay}`)).includes(property.id);
    expect(await shown()).toBe(true);
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, {
      roomId: rooms[0]!.id,
      startDate: inDays(42),
      endDate: inDays(43),
      units: 1,
    });
    await eventually(async () => ((await shown()) ? undefined : true));
    expect(ids(await search(`q=${m}&from=${inDays(43)}&to=${inDays(45)}`))).toEqual([property.id]);
    expect((await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken })).status).toBe(200);
    await eventually(async () => ((await shown()) ? true : undefined));
  });
});

describe("search: pages", () => {
  it("pages by an opaque cursor with no duplicates or gaps while listings change", async () => {
    const m = marker();
    const { token } = await listed({ title: `Page ${m}` });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await listed({ title: `Page ${m} ${i}` }, [{}], token)).property.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let changed = false;
    do {
      const r: Json = await search(`q=${m}&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...ids(r));
      cursor = r.nextCursor;
      if (!changed) {
        changed = true;
        await listed({ title: `Page ${m} newcomer` }, [{}], token); // lands wherever its score puts it
      }
    } while (cursor);
    const original = seen.filter((id) => id !== seen.find((x) => !made.includes(x) && seen.indexOf(x) > 1));
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of made) expect(original).toContain(id);
  });
});

describe("search: bad input", () => {
  it.each([
    ["radiusKm=5", "radiusKm"],
    ["lat=38", "lng"],
    ["bbox=-9,39,-8,38", "bbox"],
    ["bbox=1,2,3", "bbox"],
    ["bbox=1,2,3,x", "bbox"],
    ["lat=91&lng=0", "lat"],
    ["currency=EUR&minPrice=10&maxPrice=5", "minPrice"],
    ["minPrice=10", "currency"],
    ["sort=cheapest", "sort"],
    ["sort=distance", "sort"],
    ["limit=101", "limit"],
    [`q=${"a".repeat(201)}`, "q"],
    ["from=2027-01-10&to=2027-01-05", "to"],
    ["from=2027-01-10", "to"],
    ["minPrice=1e400&currency=EUR", "minPrice"],
    ["cursor=bm9wZQ", "cursor"],
    [Array.from({ length: 11 }, (_, i) => `amenities=a${i}`).join("&"), "amenities"],
  ])("answers 422 naming the field for %s", async (params, field) => {
    const res = await call("GET", `/v1/search?${params}`);
    expect(res.status).toBe(422);
    const body = await json(res);
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((e: Json) => e.path)).toContain(field);
  });
});

describe("search: index", () => {
  it("converges under duplicate and reordered events; archival and price changes show", async () => {
    const m = marker();
    const { property, rooms, token } = await listed({ title: `Index ${m}` });
    await indexProperty(property.id);
    await indexProperty(property.id);
    expect(ids(await search(`q=${m}`))).toEqual([property.id]);
    await call("PATCH", `/v1/rooms/${rooms[0]!.id}`, { token, body: { price: { amount: 70000, currency: "EUR" } } });
    await indexProperty(property.id);
    expect((await search(`q=${m}`)).items[0].rooms[0].price.amount).toBe(70000);
    await call("DELETE", `/v1/properties/${property.id}`, { token });
    await indexProperty(property.id);
    expect(ids(await search(`q=${m}`))).toEqual([]);
  });

  it("replaces a listing's full-text row when it is indexed again: old words stop matching, new ones match", async () => {
    const [before, after] = [marker(), marker()];
    const { property, rooms, token } = await listed({ title: `Loft ${before}` }, [{}, { name: "Second room" }]);
    expect(ids(await search(`q=${before}`))).toEqual([property.id]);
    await call("PATCH", `/v1/properties/${property.id}`, { token, body: { title: `Loft ${after}` } });
    await indexProperty(property.id);
    await indexProperty(property.id);
    expect(ids(await search(`q=${before}`))).toEqual([]);
    expect(ids(await search(`q=${after}`))).toEqual([property.id]);
    // One full-text row per room, under the listing's search_rowid.
    const rows = await env.DB.prepare(
      `SELECT f.rowid AS fts, l.search_rowid AS listing FROM listing_fts f JOIN listings l ON l.room_id = f.room_id
       WHERE l.property_id = ?`,
    )
      .bind(property.id)
      .all<{ fts: number; listing: number }>();
    expect(rows.results).toHaveLength(rooms.length);
    for (const r of rows.results) expect(r.fts).toBe(r.listing);
  });

  it("narrows every search on an index, never a full scan of the listings (EXPLAIN QUERY PLAN)", async () => {
    const base: SearchQuery = {
      words: [],
      centre: null,
      radiusKm: null,
      boxes: [],
      city: null,
      country: null,
      types: [],
      rentalMode: null,
      currency: null,
      minPrice: null,
      maxPrice: null,
      amenities: [],
      units: null,
      dates: null,
      sort: "relevance",
      limit: 20,
      after: null,
    };
    const cases: Partial<SearchQuery>[] = [
      { words: ["balcony", "lisb"] },
      { words: ["lisbon"], city: "Lisbon", types: ["studio"] },
      {
        centre: { lat: 38.7, lng: -9.1 },
        radiusKm: 5,
        boxes: [{ minLat: 38.6, maxLat: 38.8, lngRanges: [[-9.2, -9]] }],
      },
      {
        boxes: [
          {
            minLat: -45,
            maxLat: -10,
            lngRanges: [
              [170, 180],
              [-180, -170],
            ],
          },
        ],
      },
      { city: "Lisbon", dates: { from: inDays(10), to: inDays(15) }, units: 1 },
      { currency: "EUR", maxPrice: 60000 },
    ];
    for (const c of cases) {
      const { sql, params } = new SQLiteSyncDialect().sqlToQuery(searchStatement({ ...base, ...c }));
      const plan = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .bind(...params)
        .all<{ detail: string }>();
      const details = plan.results.map((r) => r.detail);
      expect(
        details.filter((d) => /^SCAN l\b/.test(d)),
        JSON.stringify({ c, details }),
      ).toEqual([]);
      // With words, the full-text match finds the rooms: it is the outer loop, each listing a lookup by
      // search_rowid (not every active listing through an index on `active`, probing the match per row).
      if (c.words?.length) {
        const tables = details.filter((d) => /^(SCAN|SEARCH) [fl]\b/.test(d));
        expect(tables[0], JSON.stringify(details)).toMatch(/^SCAN f VIRTUAL TABLE/);
        expect(tables[1], JSON.stringify(details)).toMatch(/^SEARCH l USING INDEX listings_search_rowid/);
      }
    }
  });
});

describe("search: suggestions", () => {
  it("completes cities, amenities and titles, typo-tolerant", async () => {
    const m = marker();
    await listed({
      title: `Suggest ${m} loft`,
      amenities: ["dishwasher"],
      address: { ...validProperty().address, city: "Berlin" },
    });
    const texts = async (q: string) =>
      (await json(await call("GET", `/v1/search/suggest?q=${q}`))).items.map((i: Json) => i.text);
    expect(await texts("berl")).toContain("Berlin");
    expect(await texts("Berln")).toContain("Berlin");
    expect(await texts("dishwa")).toContain("dishwasher");
    expect(await texts(m.slice(0, 7))).toContain(`Suggest ${m} loft`);
    expect((await call("GET", "/v1/search/suggest")).status).toBe(422);
  });
});

describe("search: history", () => {
  const searchesOf = async (userId: string) =>
    (
      await env.DB.prepare("select subject from interactions where user_id = ? and kind = 'search' order by at")
        .bind(userId)
        .all<{ subject: string }>()
    ).results.map((r) => JSON.parse(r.subject));

  it("records a signed-in tenant's filters once per search (not the page or sort), and nobody else's", async () => {
    const tenant = await mintTenant();
    const q = "q=balcony&city=Lisbon&type=studio&type=house";
    expect((await call("GET", `/v1/search?${q}`, { token: tenant.accessToken })).status).toBe(200);
    const recorded = await eventually(async () => {
      const s = await searchesOf(tenant.id);
      return s.length ? s : undefined;
    });
    expect(recorded).toEqual([{ q: "balcony", city: "Lisbon", type: ["studio", "house"] }]);
    await call("GET", `/v1/search?${q}&sort=price_asc&limit=5`, { token: tenant.accessToken }); // same search, other page
    await call("GET", "/v1/search?q=garden", { token: tenant.accessToken });
    await eventually(async () => ((await searchesOf(tenant.id)).length === 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect((await searchesOf(tenant.id)).map((s) => s.q)).toEqual(["balcony", "garden"]);

    const landlordId = `usr_l${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    await call("GET", "/v1/search?q=garden", { token: await tokenFor(landlordId, "landlord") });
    await new Promise((r) => setTimeout(r, 300));
    expect(await searchesOf(landlordId)).toEqual([]);
  });
});
