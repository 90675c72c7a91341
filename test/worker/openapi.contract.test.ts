// The OpenAPI document as the contract: every operation it lists answers, in real requests, only
// what it documents (status, content type, body, headers), the platform's own errors included;
// its examples pass the worker's validation; and the document checked is the one served.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { documentHash, operations } from "virtual:openapi-contract";
import { beforeAll, describe, expect, it } from "vitest";
import { runBilling } from "../../workers/cron/billing";
import { d1 } from "../../workers/data/d1";
import { handlers } from "../../workers/events/consumer";
import { newEvent } from "../../workers/outbox";
import { BEARER_CHALLENGE, ERRORS, type ErrorCode } from "../../workers/errors";
import worker from "../../workers/index";
import { checked, conforms, operationOf, validated } from "./contract";
import {
  bookHeld,
  call,
  eventually,
  inDays,
  json,
  landlordWithRoom,
  fittingRequest,
  listedLandlord,
  mintTenant,
  signUp,
  signUpAdmin,
  tokenFor,
  validProperty,
  validRoom,
  type TestUser,
} from "./helpers";
import { insertLease, pgQuery } from "./pg";
import { customerPays, deliver, loseStripeAnswers, stripeEvent } from "./stripe";
import { leased, stayed } from "./tenancy";
import { png } from "../fixtures/images";

const key = () => ({ "idempotency-key": crypto.randomUUID() });
const MALFORMED_ID = "x".repeat(65);
/** Well-formed ids of nothing. */
const UNKNOWN_PROPERTY = `prop_${"0".repeat(17)}`;
const UNKNOWN_ROOM = `room_${"0".repeat(17)}`;

let landlord: TestUser;
let tenant: TestUser;

beforeAll(async () => {
  [landlord, tenant] = await Promise.all([signUp("landlord"), signUp("tenant")]);
});

describe("the document", () => {
  it("is the one the validators were compiled from, with this deployment as its server", async () => {
    const body = await servedDocument();
    const { servers, ...stable } = body;
    expect(servers).toEqual([{ url: "https://api.test", description: "This deployment" }]);
    expect(
      await sha256(JSON.stringify(stable)),
      "the served document changed since scripts/contract.ts ran: run npm test again",
    ).toBe(documentHash);
  });

  it("lists the closed set of error codes", async () => {
    const body = await servedDocument();
    expect(body.components.schemas.Problem.properties.code.enum).toEqual(Object.keys(ERRORS));
  });

  it("requires Idempotency-Key exactly where the middleware does", async () => {
    const body = await servedDocument();
    const needing = operations
      .filter((op) =>
        (body.paths[op.path][op.method].parameters ?? []).some(
          (p: { $ref?: string }) => p.$ref === "#/components/parameters/IdempotencyKey",
        ),
      )
      .map((op) => op.operationId);
    expect(needing.sort()).toEqual(["acceptOffer", "bookViewing", "createBooking", "createOffer", "payInvoice"]);
    for (const [method, path] of [
      ["POST", "/v1/bookings"],
      ["POST", "/v1/invoices/inv_x/payments"],
    ] as const) {
      const res = await checked(method, path, { token: tenant.accessToken, body: {} });
      expect(res.status).toBe(428);
      expect(res.body.code).toBe("idempotency_key_required");
    }
  });

  it("has examples the worker accepts", async () => {
    const doc = await servedDocument();
    const tokens = { landlord: landlord.accessToken, tenant: tenant.accessToken };
    const refused: string[] = [];
    for (const op of operations) {
      const spec = doc.paths[op.path][op.method];
      const schema = spec.requestBody?.content?.["application/json"]?.schema;
      const query = (spec.parameters ?? []).filter(
        (p: any) => p.in === "query" && (p.required || p.schema?.example !== undefined),
      );
      if (!schema && query.length === 0) continue;
      const qs = new URLSearchParams(query.map((p: any) => [p.name, String(exampleOf(doc, p.schema))])).toString();
      const pathParams = (spec.parameters ?? []).filter((p: any) => p.in === "path");
      const filled = op.path.replace(/\{([^}]+)\}/g, (_: string, name: string) =>
        String(exampleOf(doc, pathParams.find((p: any) => p.name === name)?.schema ?? {})),
      );
      const path = `${filled}${qs ? `?${qs}` : ""}`;
      const body = schema ? exampleOf(doc, schema) : undefined;
      let res = await call(op.method.toUpperCase(), path, { token: tokens.landlord, body, headers: key() });
      if (res.status === 403)
        res = await call(op.method.toUpperCase(), path, { token: tokens.tenant, body, headers: key() });
      const answer = await conforms(op.method, path, res);
      const refusedBySchema =
        res.status === 400 || (res.status === 422 && answer.detail === "The request does not match the schema.");
      if (refusedBySchema)
        refused.push(
          `${op.operationId}: ${JSON.stringify(body ?? qs)} → ${res.status} ${JSON.stringify(answer.errors ?? answer.detail)}`,
        );
    }
    expect(refused).toEqual([]);
  });
});

describe("operations", () => {
  it("ops and keys", async () => {
    expect([200, 503]).toContain((await checked("GET", "/health")).status);
    expect((await checked("GET", "/.well-known/jwks.json")).body.keys.length).toBeGreaterThan(0);
  });

  it("auth", async () => {
    const email = `contract-${crypto.randomUUID()}@example.com`;
    const account = { email, password: "correct horse battery staple", name: "Contract", role: "tenant" };
    const created = await checked("POST", "/v1/auth/register", { body: account });
    expect(created.status).toBe(201);
    expectProblem(await checked("POST", "/v1/auth/register", { body: account }), 409, "email_taken");
    expectProblem(
      await checked("POST", "/v1/auth/register", { body: { ...account, email: "nope" } }),
      422,
      "validation_failed",
    );

    expect((await checked("POST", "/v1/auth/login", { body: { email, password: account.password } })).status).toBe(200);
    const wrong = await checked("POST", "/v1/auth/login", { body: { email, password: "not the password" } });
    expectProblem(wrong, 401, "invalid_credentials");
    expect(wrong.headers.get("www-authenticate")).toBe(BEARER_CHALLENGE);

    const refreshed = await checked("POST", "/v1/auth/refresh", { body: { refreshToken: created.body.refreshToken } });
    expect(refreshed.status).toBe(200);
    const reused = await checked("POST", "/v1/auth/refresh", { body: { refreshToken: created.body.refreshToken } });
    expectProblem(reused, 401, "invalid_refresh_token");
    expect(reused.headers.get("www-authenticate")).toBe(BEARER_CHALLENGE);

    expect((await checked("GET", "/v1/me", { token: tenant.accessToken })).body.id).toBe(tenant.id);
    const anonymous = await checked("GET", "/v1/me");
    expectProblem(anonymous, 401, "unauthorized");
    expect(anonymous.headers.get("www-authenticate")).toBe(BEARER_CHALLENGE);
    expectProblem(await checked("POST", "/v1/auth/logout", { body: { refreshToken: "x" } }), 401, "unauthorized");
    const session = await checked("POST", "/v1/auth/login", { body: { email, password: account.password } });
    expect(
      (
        await checked("POST", "/v1/auth/logout", {
          token: session.body.accessToken,
          body: { refreshToken: session.body.refreshToken },
        })
      ).status,
    ).toBe(204);
  });

  it("search", async () => {
    const { property } = await landlordWithRoom();
    await handlers["listing.changed"](
      newEvent("listing.changed", { propertyId: property.id, reason: "created" }),
      env,
      d1(env),
    );
    const found = await checked(
      "GET",
      "/v1/search?q=sunny+flat&city=Lisbon&currency=EUR&maxPrice=99999&sort=price_asc&limit=2",
    );
    expect(found.status).toBe(200);
    expect(found.body.items.length).toBeGreaterThan(0);
    const near = await checked(
      "GET",
      "/v1/search?lat=38.71&lng=-9.14&radiusKm=3&sort=distance&from=2027-03-01&to=2027-03-08",
    );
    expect(near.status).toBe(200);
    expectProblem(await checked("GET", "/v1/search?radiusKm=5"), 422, "validation_failed");
    expectProblem(await checked("GET", "/v1/search", { token: "not-a-token" }), 401, "unauthorized");
    expect((await checked("GET", "/v1/search/suggest?q=lisb")).body.items.length).toBeGreaterThan(0);
    expectProblem(await checked("GET", "/v1/search/suggest"), 422, "validation_failed");
  });

  it("recommendations and history", async () => {
    const { property } = await landlordWithRoom();
    await handlers["listing.changed"](
      newEvent("listing.changed", { propertyId: property.id, reason: "created" }),
      env,
      d1(env),
    );
    const token = tenant.accessToken;
    expect((await checked("PUT", `/v1/me/favourites/${property.id}`, { token })).status).toBe(201);
    expect((await checked("PUT", `/v1/me/favourites/${property.id}`, { token })).status).toBe(204);
    expectProblem(await checked("PUT", "/v1/me/favourites/prop_0000000000000000x", { token }), 404, "not_found");
    expect((await checked("GET", "/v1/me/favourites?limit=5", { token })).body.items.length).toBeGreaterThan(0);
    expect((await checked("GET", "/v1/me/interactions", { token })).body.items.length).toBeGreaterThan(0);
    expect((await checked("GET", "/v1/recommendations?limit=5", { token })).status).toBe(200);
    expectProblem(await checked("GET", "/v1/recommendations"), 401, "unauthorized");
    expectProblem(await checked("GET", "/v1/recommendations", { token: landlord.accessToken }), 403, "forbidden");
    expect((await checked("GET", `/v1/properties/${property.id}/similar`)).status).toBe(200);
    expectProblem(await checked("GET", "/v1/properties/prop_0000000000000000x/similar"), 404, "not_found");
    expect((await checked("DELETE", `/v1/me/favourites/${property.id}`, { token })).status).toBe(204);
    expect((await checked("DELETE", "/v1/me/interactions", { token })).status).toBe(204);
  });

  it("chat and notifications", async () => {
    const { landlord: owner, room } = await landlordWithRoom();
    const token = tenant.accessToken;
    const ticket = await checked("POST", `/v1/rooms/${room.id}/chat/tickets`, { token });
    expect(ticket.status).toBe(201);
    expectProblem(await checked("POST", `/v1/rooms/${UNKNOWN_ROOM}/chat/tickets`, { token }), 404, "not_found");
    expectProblem(await checked("GET", `/v1/chat?ticket=${ticket.body.ticket}`), 426, "upgrade_required");
    expect((await checked("GET", `/v1/rooms/${room.id}/threads`, { token: owner.accessToken })).status).toBe(200);
    expectProblem(
      await checked("GET", `/v1/rooms/${room.id}/threads/thr_${"0".repeat(17)}/messages`, { token }),
      404,
      "not_found",
    );
    expect((await checked("GET", "/v1/notifications?unread=true", { token })).status).toBe(200);
    expect((await checked("GET", "/v1/notifications/unread-count", { token })).body).toEqual({ count: 0 });
    expect((await checked("POST", "/v1/notifications/read", { token, body: { all: true } })).status).toBe(200);
    expectProblem(await checked("POST", "/v1/notifications/read", { token, body: {} }), 422, "validation_failed");
    const inbox = await checked("POST", "/v1/notifications/tickets", { token });
    expect(inbox.status).toBe(201);
    expectProblem(
      await checked("GET", `/v1/notifications/socket?ticket=${inbox.body.ticket}`),
      426,
      "upgrade_required",
    );
    expectProblem(await checked("GET", "/v1/notifications/socket?ticket=x"), 401, "unauthorized");
    const prefs = await checked("GET", "/v1/me/notification-preferences", { token });
    expect(prefs.body.preferences.length).toBeGreaterThan(10);
    const set = await checked("PUT", "/v1/me/notification-preferences", {
      token,
      body: { preferences: [{ kind: "chat.message", email: false }] },
    });
    expect(set.status).toBe(200);
    expectProblem(
      await checked("PUT", "/v1/me/notification-preferences", {
        token,
        body: { preferences: [{ kind: "refund.failed", in_app: false, email: false }] },
      }),
      422,
      "preference_locked",
    );
  });

  it("rental requests and the pool", async () => {
    const token = tenant.accessToken;
    const body = fittingRequest();
    const created = await checked("POST", "/v1/rental-requests", { token, body });
    expect(created.status).toBe(201);
    expectProblem(
      await checked("POST", "/v1/rental-requests", { token, body: { ...body, months: undefined } }),
      422,
      "validation_failed",
    );
    expect((await checked("GET", "/v1/rental-requests", { token })).status).toBe(200);
    expect((await checked("GET", `/v1/rental-requests/${created.body.id}`, { token })).status).toBe(200);
    expect((await checked("GET", "/v1/landlords/me/request-pool", { token: landlord.accessToken })).status).toBe(200);
    expectProblem(await checked("GET", "/v1/landlords/me/request-pool", { token }), 403, "forbidden");
    expect((await checked("POST", `/v1/rental-requests/${created.body.id}/withdraw`, { token })).body.status).toBe(
      "withdrawn",
    );
    expectProblem(await checked("GET", `/v1/rental-requests/rrq_${"0".repeat(17)}`, { token }), 404, "not_found");
    expect((await checked("GET", `/v1/landlords/${landlord.id}/profile`)).body.id).toBe(landlord.id);
    expectProblem(await checked("GET", `/v1/landlords/${tenant.id}/profile`), 404, "not_found");
  });

  it("account", async () => {
    const me = await signUp("tenant");
    const token = me.accessToken;
    expect((await checked("POST", "/v1/auth/verify-email/resend", { token })).status).toBe(202);
    const second = await json(
      await call("POST", "/v1/auth/login", { body: { email: me.email, password: me.password } }),
    );
    const sessions = await checked("GET", "/v1/me/sessions", { token });
    expect(sessions.body.items).toHaveLength(2);
    const other = sessions.body.items.find((s: any) => !s.current);
    expect((await checked("DELETE", `/v1/me/sessions/${other.id}`, { token })).status).toBe(204);
    expectProblem(await checked("DELETE", `/v1/me/sessions/${other.id}`, { token }), 404, "not_found");
    expect((await checked("DELETE", "/v1/me/sessions", { token })).body.revoked).toBe(0);
    expect(second.refreshToken).toEqual(expect.any(String));
    const totp = await checked("POST", "/v1/me/mfa/totp", { token });
    expect(totp.status).toBe(201);
    expect((await checked("GET", "/v1/me/export", { token })).body.profile.id).toBe(me.id);
    expectProblem(
      await checked("PATCH", "/v1/me", { token, body: { timezone: "Nowhere/Else" } }),
      422,
      "validation_failed",
    );
  });

  it("offers", async () => {
    const { landlord: owner, room } = await listedLandlord();
    const token = tenant.accessToken;
    const request = await checked("POST", "/v1/rental-requests", { token, body: fittingRequest() });
    const path = `/v1/rental-requests/${request.body.id}/offers`;
    const send = (amount: number) =>
      checked("POST", path, {
        token: owner.accessToken,
        body: { roomId: room.id, price: { amount, currency: "EUR" } },
        headers: key(),
      });
    const made = await send(60000);
    expect(made.status).toBe(201);
    expectProblem(await send(59000), 409, "offer_exists");
    expect((await checked("GET", path, { token })).body.items).toHaveLength(1);
    expect((await checked("GET", `/v1/offers/${made.body.id}`, { token })).body.status).toBe("pending");
    expect((await checked("POST", `/v1/offers/${made.body.id}/withdraw`, { token: owner.accessToken })).status).toBe(
      200,
    );
    expectProblem(await checked("POST", `/v1/offers/${made.body.id}/decline`, { token }), 409, "offer_closed");
    const again = await send(60000);
    expect((await checked("POST", `/v1/offers/${again.body.id}/accept`, { token, headers: key() })).status).toBe(201);
    const other = await checked("POST", "/v1/rental-requests", { token, body: fittingRequest({ moveIn: inDays(45) }) });
    const third = await checked("POST", `/v1/rental-requests/${other.body.id}/offers`, {
      token: owner.accessToken,
      body: { roomId: room.id, price: { amount: 60000, currency: "EUR" } },
      headers: key(),
    });
    expect((await checked("POST", `/v1/offers/${third.body.id}/decline`, { token })).body.status).toBe("declined");
    expectProblem(await checked("GET", `/v1/offers/ofr_${"0".repeat(17)}`, { token }), 404, "not_found");
  });

  it("reviews", async () => {
    const stay = await stayed(1);
    const path = `/v1/bookings/${stay.booking.id}/reviews`;
    expectProblem(
      await checked("POST", path, { token: stay.tenant.accessToken, body: { rating: 5, comment: "Early." } }),
      409,
      "review_not_open",
    );
    await stay.move();
    const body = { rating: 5, comment: "Lovely." };
    expect((await checked("POST", path, { token: stay.tenant.accessToken, body })).status).toBe(201);
    expectProblem(await checked("POST", path, { token: stay.tenant.accessToken, body }), 409, "review_exists");
    expect((await checked("GET", path, { token: stay.tenant.accessToken })).body.items).toHaveLength(1);
    expect((await checked("GET", `/v1/properties/${stay.property.id}/reviews`)).body.rating.count).toBe(0);
    expectProblem(await checked("GET", `/v1/properties/prop_${"0".repeat(17)}/reviews`), 404, "not_found");
  });

  it("viewings", async () => {
    const { landlord: owner, room } = await landlordWithRoom();
    const hours = {
      slotMinutes: 60,
      minNoticeHours: 0,
      windows: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start: "00:00", end: "24:00" })),
    };
    const set = await checked("PUT", `/v1/rooms/${room.id}/viewing-hours`, { token: owner.accessToken, body: hours });
    expect(set.status).toBe(200);
    expect((await checked("GET", `/v1/rooms/${room.id}/viewing-hours`)).body.slotMinutes).toBe(60);
    expectProblem(await checked("GET", `/v1/rooms/${UNKNOWN_ROOM}/viewing-hours`), 404, "not_found");
    const range = `from=${inDays(0)}&to=${inDays(2)}`;
    const { slots } = (await checked("GET", `/v1/rooms/${room.id}/viewing-slots?${range}`)).body;
    expectProblem(
      await checked("GET", `/v1/rooms/${room.id}/viewing-slots?from=${inDays(2)}&to=${inDays(0)}`),
      422,
      "validation_failed",
    );
    const token = tenant.accessToken;
    const booked = await checked("POST", `/v1/rooms/${room.id}/viewings`, {
      token,
      body: { start: slots[0].start },
      headers: key(),
    });
    expect(booked.status).toBe(201);
    const taken = await checked("POST", `/v1/rooms/${room.id}/viewings`, {
      token: (await signUp("tenant")).accessToken,
      body: { start: slots[0].start },
      headers: key(),
    });
    expectProblem(taken, 409, "slot_taken");
    expect((await checked("GET", "/v1/viewings", { token })).status).toBe(200);
    expect((await checked("GET", `/v1/viewings/${booked.body.id}`, { token })).body.status).toBe("scheduled");
    expect((await checked("POST", `/v1/viewings/${booked.body.id}/cancel`, { token })).body.status).toBe("cancelled");
    expectProblem(await checked("GET", `/v1/viewings/vwg_${"0".repeat(34)}`, { token }), 404, "not_found");
  });

  it("catalog", async () => {
    const token = landlord.accessToken;
    const property = await checked("POST", "/v1/properties", { token, body: validProperty() });
    expect(property.status).toBe(201);
    expectProblem(
      await checked("POST", "/v1/properties", { token: tenant.accessToken, body: validProperty() }),
      403,
      "forbidden",
    );
    const id = property.body.id;
    expect((await checked("GET", "/v1/properties?limit=5")).status).toBe(200);
    expect((await checked("GET", "/v1/properties?mine=true", { token })).body.items.length).toBeGreaterThan(0);
    // A public route refuses a token that is sent and bad, and `mine` needs one at all.
    const badToken = await checked("GET", "/v1/properties", { token: "not-a-token" });
    expectProblem(badToken, 401, "unauthorized");
    expect(badToken.headers.get("www-authenticate")).toBe(BEARER_CHALLENGE);
    const mineAnonymous = await checked("GET", "/v1/properties?mine=true");
    expectProblem(mineAnonymous, 401, "unauthorized");
    expect(mineAnonymous.headers.get("www-authenticate")).toBe(BEARER_CHALLENGE);
    expect((await checked("GET", `/v1/properties/${id}`)).body.id).toBe(id);
    expectProblem(await checked("GET", `/v1/properties/${UNKNOWN_PROPERTY}`), 404, "not_found");
    expectProblem(await checked("GET", `/v1/properties/${MALFORMED_ID}`), 422, "validation_failed");
    expect(
      (await checked("PATCH", `/v1/properties/${id}`, { token, body: { title: "Renamed flat" } })).body.title,
    ).toBe("Renamed flat");

    const room = await checked("POST", `/v1/properties/${id}/rooms`, { token, body: validRoom() });
    expect(room.status).toBe(201);
    expect((await checked("GET", `/v1/properties/${id}/rooms`)).body.items).toHaveLength(1);
    expect((await checked("GET", `/v1/rooms/${room.body.id}`)).body.id).toBe(room.body.id);
    expect((await checked("PATCH", `/v1/rooms/${room.body.id}`, { token, body: { name: "Room B" } })).body.name).toBe(
      "Room B",
    );
    const days = await checked("GET", `/v1/rooms/${room.body.id}/availability?from=${inDays(10)}&to=${inDays(12)}`);
    expect(days.body.days).toHaveLength(2);
    expectProblem(
      await checked("GET", `/v1/rooms/${room.body.id}/availability?from=${inDays(10)}&to=${inDays(10)}`),
      422,
      "validation_failed",
    );

    // Both units booked on one day: the capacity cannot drop below that.
    const booked = await bookHeld(tenant.accessToken, {
      roomId: room.body.id,
      startDate: inDays(30),
      endDate: inDays(31),
      units: 2,
    });
    expectProblem(
      await checked("PATCH", `/v1/rooms/${room.body.id}`, { token, body: { capacity: 1 } }),
      409,
      "capacity_conflict",
    );
    // The same booking holds the rental mode, once the read model the count reads has it.
    await eventually(
      async () =>
        (await json(await call("GET", "/v1/bookings", { token: tenant.accessToken }))).items.some(
          (b: { id: string }) => b.id === booked.id,
        ) || undefined,
    );
    const locked = await checked("PATCH", `/v1/rooms/${room.body.id}`, { token, body: { rentalMode: "nightly" } });
    expectProblem(locked, 409, "rental_mode_locked");
    expect(locked.body).toMatchObject({ liveBookings: 1, liveLeases: 0 });
    expect((await checked("DELETE", `/v1/properties/${id}`, { token })).status).toBe(204);
  });

  it("photos", async () => {
    const token = landlord.accessToken;
    const property = (await checked("POST", "/v1/properties", { token, body: validProperty() })).body;
    const path = `/v1/properties/${property.id}/photos`;
    const bytes = png(12, 9);
    const photo = await checked("POST", path, { token, body: bytes, headers: { "content-type": "image/png" } });
    expect(photo.status).toBe(201);
    expect(photo.body).toMatchObject({ width: 12, height: 9, contentType: "image/png" });
    expectProblem(
      await checked("POST", path, {
        token,
        body: new TextEncoder().encode("nope"),
        headers: { "content-type": "image/png" },
      }),
      415,
      "unsupported_media_type",
    );
    expect((await checked("GET", path)).body.items).toHaveLength(1);
    const file = await checked("GET", photo.body.url);
    expect(file.status).toBe(200);
    expect((await checked("GET", photo.body.url, { headers: { range: "bytes=0-3" } })).status).toBe(206);
    expect(
      (await checked("GET", photo.body.url, { headers: { "if-none-match": file.headers.get("etag")! } })).status,
    ).toBe(304);
    const moved = await checked("PATCH", `${path}/${photo.body.id}`, { token, body: { caption: "Front room" } });
    expect(moved.body.caption).toBe("Front room");
    expect((await checked("DELETE", `${path}/${photo.body.id}`, { token })).status).toBe(204);
    expectProblem(await checked("GET", photo.body.url), 404, "not_found");
  });

  it("admin", async () => {
    const admin = await signUpAdmin();
    const token = admin.accessToken;
    const { landlord: owner, property } = await landlordWithRoom();
    const why = { reason: "Contract check" };
    expect((await checked("POST", `/v1/admin/users/${owner.id}/suspend`, { token, body: why })).status).toBe(200);
    expect((await checked("POST", `/v1/admin/users/${owner.id}/unsuspend`, { token, body: why })).status).toBe(200);
    expect((await checked("POST", `/v1/admin/properties/${property.id}/hide`, { token, body: why })).status).toBe(200);
    expect((await checked("POST", `/v1/admin/properties/${property.id}/unhide`, { token, body: why })).status).toBe(
      200,
    );
    expectProblem(await checked("DELETE", "/v1/admin/reviews/rev_0mh2e5c3a1d9f7k4b", { token }), 404, "not_found");
    expect((await checked("GET", `/v1/admin/audit?subject=${property.id}`, { token })).body.items).toHaveLength(2);
    const metrics = await checked("GET", `/v1/admin/metrics?from=${inDays(-1)}&to=${inDays(1)}`, { token });
    expect(metrics.status).toBe(200);
    expectProblem(await checked("GET", "/v1/admin/metrics?from=2026-01-01", { token }), 422, "validation_failed");
    expectProblem(await checked("GET", "/v1/admin/audit", { token: tenant.accessToken }), 404, "not_found");
  });

  it("landlord capacity", async () => {
    const token = landlord.accessToken;
    expect((await checked("GET", "/v1/landlords/me/capacity", { token })).status).toBe(200);
    expect(
      (await checked("PUT", "/v1/landlords/me/capacity", { token, body: { totalCapacity: 10 } })).body.totalCapacity,
    ).toBe(10);
    expectProblem(await checked("GET", "/v1/landlords/me/capacity", { token: tenant.accessToken }), 403, "forbidden");
    expect(
      (await checked("PUT", "/v1/landlords/me/capacity", { token, body: { totalCapacity: null } })).body.totalCapacity,
    ).toBeNull();
  });

  it("bookings", async () => {
    const { room } = await landlordWithRoom();
    const stay = { roomId: room.id, startDate: inDays(40), endDate: inDays(45), units: 2 };
    const held = await checked("POST", "/v1/bookings", { token: tenant.accessToken, body: stay, headers: key() });
    expect(held.status).toBe(201);
    expectProblem(
      await checked("POST", "/v1/bookings", { token: tenant.accessToken, body: stay, headers: key() }),
      409,
      "room_unavailable",
    );
    const id = held.body.id;
    expect((await checked("GET", `/v1/bookings/${id}/payment`, { token: tenant.accessToken })).status).toBe(200);
    // The list reads the D1 read model, which the calendar's outbox feeds off the request path.
    await eventually(
      async () =>
        (await json(await call("GET", "/v1/bookings", { token: tenant.accessToken }))).items.some(
          (b: { id: string }) => b.id === id,
        ) || undefined,
    );
    expect(
      (await checked("GET", "/v1/bookings", { token: tenant.accessToken })).body.items.some(
        (b: { id: string }) => b.id === id,
      ),
    ).toBe(true);
    expect((await checked("GET", `/v1/bookings/${id}`, { token: tenant.accessToken })).body.status).toBe("held");
    expect((await checked("POST", `/v1/bookings/${id}/cancel`, { token: tenant.accessToken })).body.status).toBe(
      "cancelled",
    );
  });

  it("webhooks", async () => {
    expectProblem(
      await checked("POST", "/v1/webhooks/stripe", {
        body: { id: "evt_x" },
        headers: { "stripe-signature": "t=1,v1=00" },
      }),
      400,
      "invalid_signature",
    );
    const { room } = await landlordWithRoom();
    const booking = await bookHeld(tenant.accessToken, {
      roomId: room.id,
      startDate: inDays(50),
      endDate: inDays(52),
      units: 1,
    });
    await customerPays(booking.payment.paymentIntentId);
    const delivered = await deliver(await stripeEvent("payment_intent.succeeded", booking.payment.paymentIntentId));
    expect((await conforms("POST", "/v1/webhooks/stripe", delivered)).received).toBe(true);
  });

  it("rent", async () => {
    const { landlord: owner, tenant: renter, room, booking, lease } = await leased();
    const [asTenant, asLandlord] = [{ token: renter.accessToken }, { token: owner.accessToken }];

    expect((await checked("GET", "/v1/leases", asTenant)).body.items).toHaveLength(1);
    expect((await checked("GET", `/v1/leases/${lease.id}`, asLandlord)).body.id).toBe(lease.id);
    const invoices = await checked("GET", `/v1/leases/${lease.id}/invoices`, asTenant);
    expect((await checked("GET", `/v1/invoices/${invoices.body.items[0].id}`, asTenant)).body.leaseId).toBe(lease.id);
    expect((await checked("GET", `/v1/leases/${lease.id}/statement`, asTenant)).body.leaseId).toBe(lease.id);
    const rule = { graceDays: 5, kind: "fixed", amount: 2500 };
    expect(
      (await checked("PUT", `/v1/leases/${lease.id}/late-fee-rule`, { ...asLandlord, body: rule })).body.lateFeeRule,
    ).toMatchObject(rule);
    expectProblem(
      await checked("PUT", `/v1/leases/${lease.id}/late-fee-rule`, { ...asTenant, body: rule }),
      403,
      "forbidden",
    );
    expect(
      (
        await checked("PUT", `/v1/leases/${lease.id}/payment-policy`, {
          ...asLandlord,
          body: { policy: "require_rent" },
        })
      ).body.partialPolicy,
    ).toBe("require_rent");
    expect(
      (
        await checked("PUT", `/v1/leases/${lease.id}/payment-method`, {
          ...asTenant,
          body: { paymentMethod: "pm_card_visa" },
        })
      ).body.autopay,
    ).toBe(true);
    expectProblem(
      await checked("POST", `/v1/leases/${lease.id}/deposit/settle`, { ...asLandlord, body: { withheld: [] } }),
      409,
      "conflict",
    );
    const endDate = inDays(60);
    expect(
      (await checked("POST", `/v1/leases/${lease.id}/notice`, { ...asTenant, body: { endDate } })).body.endDate,
    ).toBe(endDate);
    await pgQuery("update leases set status = 'ended' where id = $1", [lease.id]);
    const settled = await checked("POST", `/v1/leases/${lease.id}/deposit/settle`, {
      ...asLandlord,
      body: { withheld: [{ reason: "Broken window", amount: 15000 }] },
    });
    expect(settled.body).toMatchObject({ held: 65000, returned: 50000 });
  });

  it("rent payments", async () => {
    const tenantId = (await mintTenant()).id;
    const token = await tokenFor(tenantId);
    const lease = await insertLease({ startDate: "2027-01-10", billingDay: 10, tenantId });
    await runBilling(env, new Date("2027-01-05T12:00:00Z"), { leaseId: lease.id });
    const [invoice] = (await json(await call("GET", `/v1/leases/${lease.id}/invoices`, { token }))).items;
    const path = `/v1/invoices/${invoice.id}/payments`;
    const paid = await checked("POST", path, {
      token,
      body: { amount: { amount: 10_000, currency: "EUR" }, paymentMethod: "pm_card_visa" },
      headers: key(),
    });
    expect(paid.status).toBe(201);
    const declined = await checked("POST", path, {
      token,
      body: { amount: { amount: 5_000, currency: "EUR" }, paymentMethod: "pm_card_chargeDeclined" },
      headers: key(),
    });
    expectProblem(declined, 402, "payment_declined");
    const lost = loseStripeAnswers("timeout");
    const pending = await checked("POST", path, {
      token,
      body: { amount: { amount: 10_000, currency: "EUR" }, paymentMethod: "pm_card_visa" },
      headers: key(),
    });
    lost.restore();
    expect(pending.status).toBe(202);
    expect(pending.body).toMatchObject({ status: "pending", code: "payment_pending" });
    const tooMuch = { amount: { amount: 500_000, currency: "EUR" }, paymentMethod: "pm_card_visa" };
    expectProblem(await checked("POST", path, { token, body: tooMuch, headers: key() }), 422, "amount_too_large");
    const rest = { amount: { amount: 80_000, currency: "EUR" }, paymentMethod: "pm_card_visa" };
    expect((await checked("POST", path, { token, body: rest, headers: key() })).status).toBe(201);
    const more = { amount: { amount: 1, currency: "EUR" }, paymentMethod: "pm_card_visa" };
    expectProblem(await checked("POST", path, { token, body: more, headers: key() }), 409, "nothing_owed");
  });
});

describe("what the platform answers around every route", () => {
  it("405 with Allow", async () => {
    const res = await checked("PUT", "/v1/auth/login", { body: {} });
    expectProblem(res, 405, "method_not_allowed");
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("400 malformed_json, 415 and 413 on a JSON body", async () => {
    expectProblem(
      await checked("POST", "/v1/properties", { token: landlord.accessToken, body: '{"title": "x",' }),
      400,
      "malformed_json",
    );
    expectProblem(
      await checked("POST", "/v1/auth/login", { body: "email=a", headers: { "content-type": "text/plain" } }),
      415,
      "unsupported_media_type",
    );
    const big = JSON.stringify({ email: "a@b.co", password: "x".repeat(1024 * 1024) });
    expectProblem(await checked("POST", "/v1/auth/login", { body: big }), 413, "payload_too_large");
  });

  it("500 internal_error", async () => {
    const failing = {
      prepare: () => {
        throw new Error("D1_ERROR: boom");
      },
      batch: () => Promise.reject(new Error("D1_ERROR: boom")),
      withSession: () => ({ ...failing, getBookmark: () => null }),
    };
    const res = await worker.fetch(
      new Request("https://api.test/v1/properties"),
      { ...env, DB: failing } as unknown as Env,
      createExecutionContext(),
    );
    expect((await conforms("GET", "/v1/properties", res)).code).toBe("internal_error");
  });

  it("503 dependency_unavailable with Retry-After", async () => {
    const unreachable = {
      ...env,
      PG: { ...env.PG, connectionString: "postgres://roomline:unused@127.0.0.1:9/roomline" },
    } as unknown as Env;
    const request = new Request("https://api.test/v1/leases", {
      headers: { authorization: `Bearer ${tenant.accessToken}` },
    });
    const res = await worker.fetch(request, unreachable, createExecutionContext());
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await conforms("GET", "/v1/leases", res)).code).toBe("dependency_unavailable");
  });

  it("a 401 always carries its challenge, whatever raised it", async () => {
    for (const [method, path, opts] of [
      ["GET", "/v1/bookings", {}],
      ["GET", `/v1/rooms/${UNKNOWN_ROOM}`, { token: "expired.or.forged" }],
      ["POST", "/v1/auth/login", { body: { email: "nobody@example.com", password: "whatever it is" } }],
    ] as const) {
      const res = await checked(method, path, opts);
      expect(res.status, path).toBe(401);
      expect(res.headers.get("www-authenticate"), path).toBe(BEARER_CHALLENGE);
    }
  });
});

describe("coverage", () => {
  it("has validated a real response of every operation in the document", () => {
    const missing = operations
      .filter((op) => !validated.has(op.operationId))
      .map((op) => `${op.operationId} (${op.method} ${op.path})`);
    expect(missing, "operations no test above exercised").toEqual([]);
  });

  it("knows every operation the worker routes", () => {
    for (const op of operations)
      expect(operationOf(op.method, op.path.replace(/\{[^}]+\}/g, "x"))?.operationId).toBe(op.operationId);
  });
});

/** A problem body of `status` and `code`, with the code under its own status in the kernel's table. */
function expectProblem(res: { status: number; body: any }, status: number, code: ErrorCode): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.code).toBe(code);
  expect(ERRORS[code][0]).toBe(status);
}

/** The document as served (it is no operation of its own). */
async function servedDocument(): Promise<any> {
  const res = await call("GET", "/openapi.json");
  expect(res.status).toBe(200);
  return json(res);
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The example a reference page or generator builds from a schema: explicit examples first, then the type's simplest value. */
function exampleOf(doc: any, schema: any, depth = 0): unknown {
  if (schema.$ref) return exampleOf(doc, doc.components.schemas[schema.$ref.split("/").pop()], depth);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s: any) => exampleOf(doc, s, depth + 1)));
  if (schema.anyOf || schema.oneOf) return exampleOf(doc, (schema.anyOf ?? schema.oneOf)[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== "null") : schema.type;
  if (type === "object" || schema.properties) {
    return Object.fromEntries(
      Object.entries(schema.properties ?? {}).map(([k, v]) => [k, exampleOf(doc, v, depth + 1)]),
    );
  }
  if (type === "array") return depth > 5 ? [] : [exampleOf(doc, schema.items ?? {}, depth + 1)];
  if (type === "integer" || type === "number")
    return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 1);
  if (type === "boolean") return true;
  return "string";
}
