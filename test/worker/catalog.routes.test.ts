import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "../../workers/domain/ids";
import {
  bookHeld,
  call,
  eventually,
  inDays,
  json,
  landlordWithRoom,
  mintTenant,
  signUp,
  validProperty,
  validRoom,
} from "./helpers";
import { insertLease, pgQuery } from "./pg";

describe("properties", () => {
  it("lets a landlord list, read, update and archive a property", async () => {
    const landlord = await signUp("landlord");
    const created = await call("POST", "/v1/properties", { token: landlord.accessToken, body: validProperty() });
    expect(created.status).toBe(201);
    const property = await json(created);
    expect(property).toMatchObject({
      ownerId: landlord.id,
      status: "active",
      timezone: "Europe/Lisbon",
      address: { country: "PT", city: "Lisbon" },
    });

    expect(await json(await call("GET", `/v1/properties/${property.id}`))).toEqual(property);

    const patched = await call("PATCH", `/v1/properties/${property.id}`, {
      token: landlord.accessToken,
      body: { title: "Renovated flat" },
    });
    expect(patched.status).toBe(200);
    expect(await json(patched)).toMatchObject({ title: "Renovated flat", description: property.description });

    expect((await call("DELETE", `/v1/properties/${property.id}`, { token: landlord.accessToken })).status).toBe(204);
    const row = await env.DB.prepare("select status from properties where id = ?")
      .bind(property.id)
      .first<{ status: string }>();
    expect(row?.status).toBe("archived");
    expect((await call("GET", `/v1/properties/${property.id}`)).status).toBe(404);
    expect(
      (await json(await call("GET", `/v1/properties/${property.id}`, { token: landlord.accessToken }))).status,
    ).toBe("archived");
    const mine = await json(await call("GET", "/v1/properties?mine=true", { token: landlord.accessToken }));
    expect(mine.items.map((p: { id: string }) => p.id)).toContain(property.id);
  });

  it("validates coordinates, country, timezone and amenities", async () => {
    const landlord = await signUp("landlord");
    const bad = {
      ...validProperty(),
      location: { lat: 91, lng: -181 },
      address: { ...validProperty().address, country: "XX" },
      timezone: "Mars/Olympus",
      amenities: [""],
    };
    const res = await call("POST", "/v1/properties", { token: landlord.accessToken, body: bad });
    expect(res.status).toBe(422);
    const paths = (await json(res)).errors.map((e: { path: string }) => e.path).sort();
    expect(paths).toEqual(["address.country", "amenities.0", "location.lat", "location.lng", "timezone"]);
  });

  it("accepts IANA timezones and UTC, and refuses UTC offsets and unknown zones", async () => {
    const landlord = await signUp("landlord");
    const create = (timezone: string) =>
      call("POST", "/v1/properties", { token: landlord.accessToken, body: { ...validProperty(), timezone } });
    for (const timezone of ["America/New_York", "UTC", "Etc/GMT+1"]) {
      const res = await create(timezone);
      expect(res.status, timezone).toBe(201);
      expect((await json(res)).timezone, timezone).toBe(timezone);
    }
    // a fixed offset has no daylight-saving rules, so rent would fall due at the wrong local hour
    for (const timezone of ["+01:00", "-0500", "+05", "Mars/Olympus"]) {
      const res = await create(timezone);
      expect(res.status, timezone).toBe(422);
      expect(
        (await json(res)).errors.map((e: { path: string }) => e.path),
        timezone,
      ).toEqual(["timezone"]);
    }
  });

  it("refuses mass assignment of ownerId, status and createdAt", async () => {
    const landlord = await signUp("landlord");
    const res = await call("POST", "/v1/properties", {
      token: landlord.accessToken,
      body: { ...validProperty(), ownerId: "usr_other", status: "archived", createdAt: "2000-01-01T00:00:00Z" },
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify((await json(res)).errors)).toMatch(/ownerId.*status.*createdAt|unrecognized/i);
    const created = await json(
      await call("POST", "/v1/properties", { token: landlord.accessToken, body: validProperty() }),
    );
    const patch = await call("PATCH", `/v1/properties/${created.id}`, {
      token: landlord.accessToken,
      body: { ownerId: "usr_other" },
    });
    expect(patch.status).toBe(422);
    expect((await json(await call("GET", `/v1/properties/${created.id}`))).ownerId).toBe(landlord.id);
  });

  it("hides another landlord's property behind 404 and keeps tenants off landlord routes with 403", async () => {
    const { property } = await landlordWithRoom();
    const other = await signUp("landlord");
    const tenant = await signUp("tenant");
    expect(
      (await call("PATCH", `/v1/properties/${property.id}`, { token: other.accessToken, body: { title: "Mine now" } }))
        .status,
    ).toBe(404);
    expect((await call("DELETE", `/v1/properties/${property.id}`, { token: other.accessToken })).status).toBe(404);
    expect(
      (await call("POST", `/v1/properties/${property.id}/rooms`, { token: other.accessToken, body: validRoom() }))
        .status,
    ).toBe(404);
    const asTenant = await call("POST", "/v1/properties", { token: tenant.accessToken, body: validProperty() });
    expect(asTenant.status).toBe(403);
    expect((await json(asTenant)).code).toBe("forbidden");
    expect((await call("POST", "/v1/properties", { body: validProperty() })).status).toBe(401);
    expect((await call("GET", "/v1/properties?mine=true")).status).toBe(401);
    expect((await call("GET", "/v1/properties?mine=true", { token: tenant.accessToken })).status).toBe(403);
    expect((await json(await call("GET", `/v1/properties/${property.id}`))).title).toBe(property.title);
  });
});

describe("rooms", () => {
  it("adds a room with money as integer minor units and reads it back", async () => {
    const { landlord, property, room } = await landlordWithRoom();
    expect(room).toMatchObject({
      propertyId: property.id,
      capacity: 2,
      rentalMode: "monthly",
      price: { amount: 65000, currency: "EUR" },
      deposit: { amount: 65000, currency: "EUR" },
      status: "active",
    });
    expect(await json(await call("GET", `/v1/rooms/${room.id}`))).toEqual(room);
    const list = await json(await call("GET", `/v1/properties/${property.id}/rooms`));
    expect(list.items).toEqual([room]);
    const patched = await call("PATCH", `/v1/rooms/${room.id}`, {
      token: landlord.accessToken,
      body: { capacity: 3, price: { amount: 70000, currency: "EUR" } },
    });
    expect(await json(patched)).toMatchObject({ capacity: 3, price: { amount: 70000 } });
  });

  it("accepts zero-decimal currencies as whole units", async () => {
    const { room } = await landlordWithRoom({
      price: { amount: 85000, currency: "JPY" },
      deposit: { amount: 85000, currency: "JPY" },
    });
    expect(room.price).toEqual({ amount: 85000, currency: "JPY" });
  });

  it("rejects floats, zero capacity, unknown currency and mismatched deposit", async () => {
    const { landlord, property } = await landlordWithRoom();
    const bad = [
      [{ price: { amount: 650.5, currency: "EUR" } }, "price.amount"],
      [{ price: { amount: -1, currency: "EUR" } }, "price.amount"],
      [{ capacity: 0 }, "capacity"],
      [{ price: { amount: 100, currency: "EUX" } }, "price.currency"],
      [{ deposit: { amount: 100, currency: "USD" } }, "deposit.currency"],
      [{ minNights: 10, maxNights: 5 }, "maxNights"],
    ] as const;
    for (const [override, path] of bad) {
      const res = await call("POST", `/v1/properties/${property.id}/rooms`, {
        token: landlord.accessToken,
        body: { ...validRoom(), ...override },
      });
      expect(res.status, path).toBe(422);
      expect(
        (await json(res)).errors.map((e: { path: string }) => e.path),
        path,
      ).toContain(path);
    }
  });

  it("lets only the owner update a room", async () => {
    const { room } = await landlordWithRoom();
    const other = await signUp("landlord");
    const tenant = await signUp("tenant");
    expect(
      (await call("PATCH", `/v1/rooms/${room.id}`, { token: other.accessToken, body: { capacity: 9 } })).status,
    ).toBe(404);
    expect(
      (await call("PATCH", `/v1/rooms/${room.id}`, { token: tenant.accessToken, body: { capacity: 9 } })).status,
    ).toBe(403);
    expect((await json(await call("GET", `/v1/rooms/${room.id}`))).capacity).toBe(2);
  });

  it("hides rooms of an archived property from everyone but the owner", async () => {
    const { landlord, property, room } = await landlordWithRoom();
    await call("DELETE", `/v1/properties/${property.id}`, { token: landlord.accessToken });
    expect((await call("GET", `/v1/rooms/${room.id}`)).status).toBe(404);
    expect((await call("GET", `/v1/rooms/${room.id}`, { token: landlord.accessToken })).status).toBe(200);
    const addRoom = await call("POST", `/v1/properties/${property.id}/rooms`, {
      token: landlord.accessToken,
      body: validRoom(),
    });
    expect(addRoom.status).toBe(409);
    expect((await json(addRoom)).code).toBe("conflict");
  });
});

describe("a room's rental mode", () => {
  const patch = (token: string, roomId: string, body: Record<string, unknown>) =>
    call("PATCH", `/v1/rooms/${roomId}`, { token, body });

  async function expectLocked(res: Response, liveBookings: number, liveLeases: number) {
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(409);
    expect(body).toMatchObject({ code: "rental_mode_locked", liveBookings, liveLeases });
    expect(body.detail).toContain(`${liveBookings} live booking(s) and ${liveLeases} lease(s)`);
  }

  /** A row of the D1 bookings read model, as its consumer writes it. */
  async function readModelBooking(
    room: { id: string; propertyId: string },
    landlordId: string,
    over: { status: string; endDate: string; holdExpiresAt: string },
  ) {
    await env.DB.prepare(
      `insert into bookings (id, room_id, property_id, tenant_id, landlord_id, start_date, end_date, units, status, amount_due, currency, hold_expires_at)
      values (?, ?, ?, 'usr_t0000000000000000', ?, ?, ?, 1, ?, 1000, 'EUR', ?)`,
    )
      .bind(
        newId("bkg"),
        room.id,
        room.propertyId,
        landlordId,
        inDays(-30),
        over.endDate,
        over.status,
        over.holdExpiresAt,
      )
      .run();
  }

  it("cannot change while the room has a live booking, and can once it is cancelled", async () => {
    const { landlord, room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, {
      roomId: room.id,
      startDate: inDays(30),
      endDate: inDays(90),
      units: 1,
    });
    // The count reads the D1 read model, which the calendar's outbox feeds off the request path.
    await eventually(
      async () =>
        (await json(await call("GET", "/v1/bookings", { token: tenant.accessToken }))).items.some(
          (b: { id: string }) => b.id === booking.id,
        ) || undefined,
    );

    await expectLocked(await patch(landlord.accessToken, room.id, { rentalMode: "nightly" }), 1, 0);
    expect((await json(await call("GET", `/v1/rooms/${room.id}`))).rentalMode).toBe("monthly");
    // Restating the current mode is no change; other fields still update.
    const renamed = await patch(landlord.accessToken, room.id, { rentalMode: "monthly", name: "Green room" });
    expect(renamed.status).toBe(200);
    expect(await json(renamed)).toMatchObject({ rentalMode: "monthly", name: "Green room" });

    expect((await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken })).status).toBe(200);
    const changed = await patch(landlord.accessToken, room.id, { rentalMode: "nightly" });
    expect(changed.status).toBe(200);
    expect((await json(changed)).rentalMode).toBe("nightly");
  });

  it("cannot change while the room has a lease that has not ended", async () => {
    const { landlord, property, room } = await landlordWithRoom();
    const lease = await insertLease({ roomId: room.id, propertyId: property.id, landlordId: landlord.id });
    await expectLocked(await patch(landlord.accessToken, room.id, { rentalMode: "nightly" }), 0, 1);
    // Notice was given and its end date has passed: the lease no longer holds the room, whatever its status says yet.
    await pgQuery("update leases set end_date = $2 where id = $1", [lease.id, inDays(-1)]);
    expect((await patch(landlord.accessToken, room.id, { rentalMode: "nightly" })).status).toBe(200);
    await pgQuery("update leases set end_date = null where id = $1", [lease.id]);
    await expectLocked(await patch(landlord.accessToken, room.id, { rentalMode: "monthly" }), 0, 1);
    await pgQuery("update leases set status = 'ended' where id = $1", [lease.id]);
    expect((await patch(landlord.accessToken, room.id, { rentalMode: "monthly" })).status).toBe(200);
  });

  it("counts held and confirmed bookings with nights left, not lapsed holds, ended stays or cancellations", async () => {
    const { landlord, room } = await landlordWithRoom();
    const later = new Date(Date.now() + 600_000).toISOString();
    const earlier = new Date(Date.now() - 1000).toISOString();
    await readModelBooking(room, landlord.id, { status: "confirmed", endDate: inDays(-1), holdExpiresAt: earlier });
    await readModelBooking(room, landlord.id, { status: "confirmed", endDate: inDays(0), holdExpiresAt: earlier });
    await readModelBooking(room, landlord.id, { status: "held", endDate: inDays(40), holdExpiresAt: earlier });
    await readModelBooking(room, landlord.id, { status: "cancelled", endDate: inDays(40), holdExpiresAt: later });
    await readModelBooking(room, landlord.id, { status: "expired", endDate: inDays(40), holdExpiresAt: earlier });
    await readModelBooking(room, landlord.id, {
      status: "payment_failed",
      endDate: inDays(40),
      holdExpiresAt: earlier,
    });
    await readModelBooking({ ...room, id: newId("room") }, landlord.id, {
      status: "confirmed",
      endDate: inDays(40),
      holdExpiresAt: earlier,
    });
    expect((await patch(landlord.accessToken, room.id, { rentalMode: "nightly" })).status).toBe(200);

    await readModelBooking(room, landlord.id, { status: "confirmed", endDate: inDays(1), holdExpiresAt: earlier });
    await readModelBooking(room, landlord.id, { status: "held", endDate: inDays(40), holdExpiresAt: later });
    await expectLocked(await patch(landlord.accessToken, room.id, { rentalMode: "monthly" }), 2, 0);
  });

  it("tells another landlord nothing", async () => {
    const { room } = await landlordWithRoom();
    const other = await signUp("landlord");
    const res = await patch(other.accessToken, room.id, { rentalMode: "nightly" });
    expect(res.status).toBe(404);
    expect(await json(res)).not.toHaveProperty("liveBookings");
  });
});

describe("listing writes emit listing.changed", () => {
  it("writes one outbox event per change, sent to EVENTS", async () => {
    const { landlord, property, room } = await landlordWithRoom();
    await call("PATCH", `/v1/rooms/${room.id}`, { token: landlord.accessToken, body: { name: "Blue room" } });
    const { results } = await env.DB.prepare(
      "select type, payload, sent_at from outbox where payload like ? order by created_at",
    )
      .bind(`%${property.id}%`)
      .all<{ type: string; payload: string; sent_at: string | null }>();
    expect(results.map((r) => JSON.parse(r.payload).data.reason)).toEqual(["created", "room_added", "room_updated"]);
    expect(results.every((r) => r.type === "listing.changed" && r.sent_at !== null)).toBe(true);
  });

  it("emits updated and archived for a property's PATCH and DELETE", async () => {
    const landlord = await signUp("landlord");
    const property = await json(
      await call("POST", "/v1/properties", { token: landlord.accessToken, body: validProperty() }),
    );
    expect(
      (
        await call("PATCH", `/v1/properties/${property.id}`, {
          token: landlord.accessToken,
          body: { title: "Quiet flat" },
        })
      ).status,
    ).toBe(200);
    expect((await call("DELETE", `/v1/properties/${property.id}`, { token: landlord.accessToken })).status).toBe(204);
    const { results } = await env.DB.prepare(
      "select type, payload, sent_at from outbox where payload like ? order by created_at, rowid",
    )
      .bind(`%${property.id}%`)
      .all<{ type: string; payload: string; sent_at: string | null }>();
    expect(results.map((r) => JSON.parse(r.payload).data)).toEqual([
      { propertyId: property.id, reason: "created" },
      { propertyId: property.id, reason: "updated" },
      { propertyId: property.id, reason: "archived" },
    ]);
    expect(results.every((r) => r.type === "listing.changed" && r.sent_at !== null)).toBe(true);
  });
});
