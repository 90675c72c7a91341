// Issue 10: what a fuzzer driven by the served OpenAPI document sends. Every id is checked by its
// shape before any store sees it, money is checked against what Stripe will charge, and free text
// is well-formed, visible, NFC Unicode. Nothing here may answer 5xx.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { runBilling } from "../../workers/cron/billing";
import {
  call,
  json,
  landlordWithRoom,
  mintTenant,
  signUp,
  signUpAdmin,
  tokenFor,
  validProperty,
  validRoom,
  type TestUser,
} from "./helpers";
import { insertLease } from "./pg";

const key = () => ({ "idempotency-key": crypto.randomUUID() });

/** The id prefix of each resource with `{id}` routes: a new resource fails the loop below until it is listed. */
const PREFIX_OF: Record<string, string> = {
  properties: "prop",
  rooms: "room",
  bookings: "bkg",
  leases: "lse",
  invoices: "inv",
  favourites: "prop",
  viewings: "vwg",
  "rental-requests": "rrq",
  offers: "ofr",
  sessions: "fam",
  landlords: "usr",
  photos: "pho",
  users: "usr",
  reviews: "rev",
};
const BODY = "0mh1x2k3a9f4c7e2b"; // 17 of [0-9a-z], as newId makes them

/** Ids no route may pass to a store, as they appear in a URL. */
function hostileIds(prefix: string): Record<string, string> {
  const tail = prefix === "bkg" || prefix === "vwg" ? `${BODY}${BODY}` : BODY;
  return {
    "a NUL byte": "%00",
    "an unpaired surrogate": "%ED%A0%80",
    "a NUL after the prefix": `${prefix}_${tail.slice(1)}%00`,
    "a surrogate after the prefix": `${prefix}_${tail.slice(1)}%ED%A0%80`,
    "the wrong prefix": prefix === "usr" ? `prop_${BODY}` : `usr_${BODY}`,
    "no prefix": BODY,
    "upper case": `${prefix}_${tail.toUpperCase()}`,
    "one character too many": `${prefix}_${tail}0`,
    "one character too few": `${prefix}_${tail.slice(1)}`,
    "an encoded slash": `${prefix}_${tail.slice(3)}%2F..`,
    "a bidi override": `${prefix}_${tail.slice(1)}%E2%80%AE`,
    "ten kilobytes": `${prefix}_${"0".repeat(10_000)}`,
  };
}

let landlord: TestUser;
let tenant: TestUser;
let admin: TestUser;
let doc: any;

beforeAll(async () => {
  [landlord, tenant, admin] = await Promise.all([signUp("landlord"), signUp("tenant"), signUpAdmin()]);
  doc = await json(await call("GET", "/openapi.json"));
});

/** Every operation of the served document with an `{id}` in its path, with the query it requires (from the examples). */
function idOperations(): { method: string; path: string; prefix: string | undefined; query: string }[] {
  const ops = [];
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    if (!path.includes("{id}")) continue;
    for (const [method, op] of Object.entries<any>(item)) {
      const required = (op.parameters ?? []).filter((p: any) => p.in === "query" && p.required);
      const query = new URLSearchParams(required.map((p: any) => [p.name, String(p.schema.example)])).toString();
      // Other path parameters (a thread of the room) take their documented example: only `{id}` is hostile here.
      const others = (op.parameters ?? []).filter((p: any) => p.in === "path" && p.name !== "id");
      ops.push({
        method: method.toUpperCase(),
        path: others.reduce((at: string, p: any) => at.replace(`{${p.name}}`, String(p.schema.example)), path),
        // the collection the id belongs to: the segment before it (/v1/me/favourites/{id} → favourites)
        prefix: PREFIX_OF[path.split("/")[path.split("/").indexOf("{id}") - 1]!],
        query: query && `?${query}`,
      });
    }
  }
  return ops;
}

/** Calls as the landlord, then as the tenant if the route is the other role's. */
async function callAsEither(method: string, path: string): Promise<Response> {
  const body = method === "GET" || method === "DELETE" ? undefined : {};
  // Admin routes answer 404 to everyone else before reading anything: ask them as an admin.
  if (path.startsWith("/v1/admin/")) return call(method, path, { token: admin.accessToken, body, headers: key() });
  const res = await call(method, path, { token: landlord.accessToken, body, headers: key() });
  if (res.status !== 403) return res;
  return call(method, path, { token: tenant.accessToken, body, headers: key() });
}

describe("ids in paths", () => {
  it("are checked by shape on every route: 422 naming `id`, never a 5xx, before any store is asked", async () => {
    const ops = idOperations();
    expect(ops.length).toBeGreaterThanOrEqual(21);
    const wrong: string[] = [];
    for (const op of ops) {
      expect(op.prefix, `${op.path}: add its resource to PREFIX_OF`).toBeDefined();
      for (const [what, id] of Object.entries(hostileIds(op.prefix!))) {
        const path = op.path.replace("{id}", id) + op.query;
        const res = await callAsEither(op.method, path);
        const body = await res.json<any>().catch(() => ({}));
        const namesId = body.errors?.some((e: { path: string }) => e.path === "id");
        if (res.status !== 422 || body.code !== "validation_failed" || !namesId)
          wrong.push(`${op.method} ${op.path} with ${what} → ${res.status} ${body.code}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("answer 404 when well-formed but of nothing, old and new booking ids alike", async () => {
    const wrong: string[] = [];
    for (const op of idOperations().filter((o) => o.method === "GET")) {
      const ids =
        op.prefix === "bkg"
          ? [`bkg_${BODY}`, `bkg_${BODY}${BODY}`]
          : op.prefix === "vwg"
            ? [`vwg_${BODY}${BODY}`]
            : [`${op.prefix}_${BODY}`];
      for (const id of ids) {
        const res = await callAsEither("GET", op.path.replace("{id}", id) + op.query);
        if (res.status !== 404) wrong.push(`GET ${op.path} with ${id} → ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("in a booking's body never answer 5xx either", async () => {
    for (const roomId of ["\u0000", "\ud800", `room_${BODY}\u0000`, `room_${BODY}\u202e`, `usr_${BODY}`]) {
      const res = await call("POST", "/v1/bookings", {
        token: tenant.accessToken,
        body: { roomId, startDate: "2027-03-01", endDate: "2027-03-05", units: 1 },
        headers: key(),
      });
      expect([404, 422], JSON.stringify(roomId)).toContain(res.status);
    }
  });

  it("still reach what they name", async () => {
    const { room, property } = await landlordWithRoom();
    expect((await call("GET", `/v1/rooms/${room.id}`)).status).toBe(200);
    expect((await call("GET", `/v1/properties/${property.id}`)).status).toBe(200);
  });
});

describe("payment input", () => {
  let token: string;
  let tenantId: string;
  let landlordToken: string;
  let leaseId: string;
  let invoiceId: string;

  beforeAll(async () => {
    tenantId = (await mintTenant()).id;
    token = await tokenFor(tenantId);
    const lease = await insertLease({ startDate: "2027-01-10", billingDay: 10, tenantId });
    landlordToken = await tokenFor(lease.landlordId, "landlord");
    leaseId = lease.id;
    await runBilling(env, new Date("2027-01-05T12:00:00Z"), { leaseId });
    invoiceId = (await json(await call("GET", `/v1/leases/${leaseId}/invoices`, { token }))).items[0].id;
  });

  const pay = (body: unknown) => call("POST", `/v1/invoices/${invoiceId}/payments`, { token, body, headers: key() });
  const saveCard = (paymentMethod: unknown) =>
    call("PUT", `/v1/leases/${leaseId}/payment-method`, { token, body: { paymentMethod } });

  async function expectRefused(res: Response, path: string) {
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((e: { path: string }) => e.path)).toContain(path);
  }

  it("refuses a paymentMethod that is not a Stripe id before Stripe is called (the SDK throws on an unpaired surrogate)", async () => {
    for (const paymentMethod of [
      "pm_card_\ud800",
      "pm_card_visa\u0000",
      "\ud800",
      "pm_card visa",
      "pm_",
      `pm_${"a".repeat(251)}`,
      "card_visa",
      42,
    ]) {
      await expectRefused(await saveCard(paymentMethod), "paymentMethod");
      await expectRefused(await pay({ amount: { amount: 100, currency: "EUR" }, paymentMethod }), "paymentMethod");
    }
    expect((await saveCard(`pm_${"a".repeat(250)}`)).status).toBe(200);
  });

  it("refuses an amount over what Stripe charges at once in the currency, before calling out", async () => {
    for (const amount of [10 ** 15, 100_000_000]) {
      const res = await pay({ amount: { amount, currency: "EUR" }, paymentMethod: "pm_card_visa" });
      await expectRefused(res, "amount.amount");
    }
    await expectRefused(
      await pay({ amount: { amount: 100_000_000, currency: "JPY" }, paymentMethod: "pm_card_visa" }),
      "amount.amount",
    );
    // The most Stripe charges at once passes the schema; a lease whose rent is that much can be paid it.
    const big = await insertLease({ startDate: "2027-01-10", billingDay: 10, tenantId, rentAmount: 99_999_999 });
    await runBilling(env, new Date("2027-01-05T12:00:00Z"), { leaseId: big.id });
    const [bigInvoice] = (await json(await call("GET", `/v1/leases/${big.id}/invoices`, { token }))).items;
    const paid = await call("POST", `/v1/invoices/${bigInvoice.id}/payments`, {
      token,
      body: { amount: { amount: 99_999_999, currency: "EUR" }, paymentMethod: "pm_card_visa" },
      headers: key(),
    });
    expect(paid.status).toBe(201);
  });

  it("answers 422, never 5xx, to amounts that are not safe integers, whatever JSON spells them", async () => {
    const raw = (amount: string) =>
      `{"amount": {"amount": ${amount}, "currency": "EUR"}, "paymentMethod": "pm_card_visa"}`;
    for (const amount of ["9007199254740993", '"100"', "1.5", "1e400", "-1e400", "0", "-5", '"1e3"', "null", "[100]"]) {
      await expectRefused(await pay(raw(amount)), "amount.amount");
    }
    const exponent = await pay(raw("1e3"));
    expect(exponent.status).toBe(201);
    expect((await json(exponent)).amount).toEqual({ amount: 1000, currency: "EUR" });
  });

  it("checks a room's price and deposit the same way", async () => {
    const property = await json(
      await call("POST", "/v1/properties", { token: landlord.accessToken, body: validProperty() }),
    );
    const create = (price: string, deposit = "0") =>
      call("POST", `/v1/properties/${property.id}/rooms`, {
        token: landlord.accessToken,
        body: JSON.stringify({ ...validRoom(), price: "PRICE", deposit: "DEPOSIT" })
          .replace('"PRICE"', `{"amount": ${price}, "currency": "EUR"}`)
          .replace('"DEPOSIT"', `{"amount": ${deposit}, "currency": "EUR"}`),
      });
    for (const price of ["9007199254740993", '"100"', "1.5", "1e400", "100000000"])
      await expectRefused(await create(price), "price.amount");
    await expectRefused(await create("1000", "100000000"), "deposit.amount");
    const room = await create("1e3");
    expect(room.status).toBe(201);
    expect((await json(room)).price).toEqual({ amount: 1000, currency: "EUR" });
  });

  it("checks the deposit deduction's reason as text", async () => {
    const res = await call("POST", `/v1/leases/${leaseId}/deposit/settle`, {
      token: landlordToken,
      body: { withheld: [{ reason: "Broken\u0000window", amount: 100 }] },
    });
    await expectRefused(res, "withheld.0.reason");
  });
});

describe("free text", () => {
  const HOSTILE: Record<string, string> = {
    NUL: "abc \u0000 def",
    "an unpaired surrogate": "abc \ud800 def",
    "a right-to-left override": "abc \u202e def",
    "a bidi isolate": "abc \u2066 def",
    "a C1 control": "abc \u0085 def",
    DEL: "abc \u007f def",
    "a carriage return": "abc \r def",
  };

  async function expectRefused(res: Response, path: string, what: string) {
    const body = await json(res);
    expect(res.status, `${path} with ${what}: ${JSON.stringify(body)}`).toBe(422);
    expect(
      body.errors.map((e: { path: string }) => e.path),
      `${path} with ${what}`,
    ).toEqual([path]);
  }

  it("refuses control characters, bidi controls and unpaired surrogates in every field of a property, naming it", async () => {
    const base = validProperty();
    const withField = (path: string, value: string): Record<string, unknown> => {
      if (path === "title" || path === "description") return { ...base, [path]: value };
      if (path === "amenities.0") return { ...base, amenities: [value] };
      return { ...base, address: { ...base.address, [path.split(".")[1]!]: value } };
    };
    for (const path of ["title", "description", "address.line1", "address.city", "address.postalCode", "amenities.0"]) {
      for (const [what, value] of Object.entries(HOSTILE)) {
        await expectRefused(
          await call("POST", "/v1/properties", { token: landlord.accessToken, body: withField(path, value) }),
          path,
          what,
        );
      }
    }
    // Single-line fields refuse line breaks and tabs; a description may have them.
    await expectRefused(
      await call("POST", "/v1/properties", { token: landlord.accessToken, body: { ...base, title: "two\nlines" } }),
      "title",
      "a line feed",
    );
    await expectRefused(
      await call("POST", "/v1/properties", { token: landlord.accessToken, body: { ...base, title: "a\ttab" } }),
      "title",
      "a tab",
    );
    const multiline = await call("POST", "/v1/properties", {
      token: landlord.accessToken,
      body: { ...base, description: "Line one.\n\tLine two." },
    });
    expect(multiline.status).toBe(201);
    expect((await json(multiline)).description).toBe("Line one.\n\tLine two.");
  });

  it("refuses the same in a lone surrogate sent as raw JSON, which would otherwise be stored as U+FFFD", async () => {
    const raw = JSON.stringify({ ...validProperty(), title: "TITLE" }).replace('"TITLE"', '"abc \\ud800 def"');
    expect(raw).toContain("\\ud800");
    await expectRefused(
      await call("POST", "/v1/properties", { token: landlord.accessToken, body: raw }),
      "title",
      "raw \\ud800",
    );
  });

  it("refuses it in room names, user names, patches and queries too", async () => {
    const { landlord: owner, property, room } = await landlordWithRoom();
    const token = owner.accessToken;
    await expectRefused(
      await call("POST", `/v1/properties/${property.id}/rooms`, {
        token,
        body: { ...validRoom(), name: "Room \u202eA" },
      }),
      "name",
      "RLO",
    );
    await expectRefused(
      await call("PATCH", `/v1/rooms/${room.id}`, { token, body: { name: "Room \ud800" } }),
      "name",
      "surrogate",
    );
    await expectRefused(
      await call("PATCH", `/v1/properties/${property.id}`, { token, body: { title: "Flat \u0000" } }),
      "title",
      "NUL",
    );
    const register = (name: string) =>
      call("POST", "/v1/auth/register", {
        body: {
          email: `t-${crypto.randomUUID()}@example.com`,
          password: "correct horse battery staple",
          name,
          role: "tenant",
        },
      });
    for (const [what, value] of Object.entries(HOSTILE)) await expectRefused(await register(value), "name", what);
    await expectRefused(await call("GET", "/v1/properties?city=Lis%00bon"), "city", "NUL");
  });

  it("stores and answers NFC, so a read returns exactly what the write answered", async () => {
    const token = landlord.accessToken;
    const nfd = (s: string) => s.normalize("NFD");
    const city = `Málaga ${crypto.randomUUID().slice(0, 8)}`;
    const body = {
      ...validProperty(),
      title: nfd("Café Ñandú über alles"),
      description: nfd("Crème brûlée\nsur la table"),
      address: { ...validProperty().address, line1: nfd("Calle Señor 1"), city: nfd(city) },
      amenities: [nfd("jardín")],
    };
    expect(body.title).not.toBe(body.title.normalize("NFC"));
    const created = await call("POST", "/v1/properties", { token, body });
    expect(created.status).toBe(201);
    const property = await json(created);
    expect(property).toMatchObject({
      title: "Café Ñandú über alles",
      description: "Crème brûlée\nsur la table",
      address: { line1: "Calle Señor 1", city },
      amenities: ["jardín"],
    });
    expect(await json(await call("GET", `/v1/properties/${property.id}`))).toEqual(property);
    // A search in either form finds it.
    const found = await json(await call("GET", `/v1/properties?city=${encodeURIComponent(nfd(city))}`));
    expect(found.items.map((p: { id: string }) => p.id)).toEqual([property.id]);

    const patched = await json(
      await call("PATCH", `/v1/properties/${property.id}`, { token, body: { title: nfd("  Renovée  ") } }),
    );
    expect(patched.title).toBe("Renovée");
    expect((await json(await call("GET", `/v1/properties/${property.id}`))).title).toBe("Renovée");

    const room = await json(
      await call("POST", `/v1/properties/${property.id}/rooms`, {
        token,
        body: { ...validRoom(), name: nfd("Habitación ñ") },
      }),
    );
    expect(room.name).toBe("Habitación ñ");
    expect((await json(await call("GET", `/v1/rooms/${room.id}`))).name).toBe("Habitación ñ");

    const account = await json(
      await call("POST", "/v1/auth/register", {
        body: {
          email: `n-${crypto.randomUUID()}@example.com`,
          password: "correct horse battery staple",
          name: nfd("José Müller"),
          role: "tenant",
        },
      }),
    );
    expect(account.user.name).toBe("José Müller");
    expect((await json(await call("GET", "/v1/me", { token: account.accessToken }))).name).toBe("José Müller");
  });

  it("counts length in characters, not UTF-16 units", async () => {
    const res = await call("POST", "/v1/properties", {
      token: landlord.accessToken,
      body: { ...validProperty(), title: "🏠".repeat(200) },
    });
    expect(res.status).toBe(201);
    const over = await call("POST", "/v1/properties", {
      token: landlord.accessToken,
      body: { ...validProperty(), title: "🏠".repeat(201) },
    });
    expect(over.status).toBe(422);
  });
});
