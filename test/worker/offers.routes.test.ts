import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  runInDurableObject,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import {
  bookHeld,
  call,
  eventually,
  inDays,
  json,
  listedLandlord,
  mintTenant,
  signUp,
  fittingRequest,
} from "./helpers";

async function openRequest(token: string, over: Record<string, unknown> = {}): Promise<string> {
  const res = await call("POST", "/v1/rental-requests", { token, body: fittingRequest(over) });
  expect(res.status).toBe(201);
  return (await json(res)).id;
}

function offer(token: string, requestId: string, body: Record<string, unknown>, key = crypto.randomUUID()) {
  return call("POST", `/v1/rental-requests/${requestId}/offers`, { token, body, headers: { "idempotency-key": key } });
}

async function sent(token: string, requestId: string, body: Record<string, unknown>) {
  const res = await offer(token, requestId, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return json(res);
}

function accept(token: string, offerId: string, key = crypto.randomUUID()) {
  return call("POST", `/v1/offers/${offerId}/accept`, { token, headers: { "idempotency-key": key } });
}

const price = (amount: number) => ({ amount, currency: "EUR" });
const desk = (landlordId: string) => env.LANDLORD_DESK.getByName(landlordId);

describe("offers", () => {
  it("fit the request, stay within its budget, one live per landlord, and are hidden from strangers", async () => {
    const { landlord, room } = await listedLandlord();
    const tenant = await signUp("tenant");
    const requestId = await openRequest(tenant.accessToken);

    for (const [body, path] of [
      [{ roomId: room.id, price: { amount: 60000, currency: "GBP" } }, "price.currency"],
      [{ roomId: room.id, price: price(80000) }, "price.amount"],
      [{ roomId: "room_0mfz3k2a1x7q4b9c2", price: price(60000) }, "roomId"],
    ] as const) {
      const res = await offer(landlord.accessToken, requestId, body);
      expect(res.status).toBe(422);
      expect((await json(res)).errors[0].path).toBe(path);
    }
    const made = await sent(landlord.accessToken, requestId, { roomId: room.id, price: price(60000), message: "Yes" });
    expect(made).toMatchObject({
      requestId,
      roomId: room.id,
      status: "pending",
      price: price(60000),
      startDate: inDays(40),
      landlord: { id: landlord.id, name: expect.any(String) },
    });
    const again = await offer(landlord.accessToken, requestId, { roomId: room.id, price: price(59000) });
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe("offer_exists");

    const listed = await json(
      await call("GET", `/v1/rental-requests/${requestId}/offers`, { token: tenant.accessToken }),
    );
    expect(listed.items.map((o: any) => o.id)).toEqual([made.id]);

    // Strangers: another landlord, another tenant. 404 on everything.
    const otherLandlord = await signUp("landlord");
    const otherTenant = await signUp("tenant");
    expect((await call("GET", `/v1/offers/${made.id}`, { token: otherLandlord.accessToken })).status).toBe(404);
    expect((await call("GET", `/v1/offers/${made.id}`, { token: otherTenant.accessToken })).status).toBe(404);
    expect((await accept(otherTenant.accessToken, made.id)).status).toBe(404);
    expect((await call("POST", `/v1/offers/${made.id}/decline`, { token: otherTenant.accessToken })).status).toBe(404);
    expect((await call("POST", `/v1/offers/${made.id}/withdraw`, { token: otherLandlord.accessToken })).status).toBe(
      404,
    );
    expect(
      (await call("GET", `/v1/rental-requests/${requestId}/offers`, { token: otherTenant.accessToken })).status,
    ).toBe(404);
    expect((await offer(otherLandlord.accessToken, requestId, { roomId: room.id, price: price(1) })).status).toBe(404);
  });

  it("two accepted at once on one request make exactly one booking, at the offered price; the other is declined and released", async () => {
    const a = await listedLandlord();
    const b = await listedLandlord();
    const tenant = await signUp("tenant");
    const requestId = await openRequest(tenant.accessToken);
    const [offerA, offerB] = await Promise.all([
      sent(a.landlord.accessToken, requestId, { roomId: a.room.id, price: price(61000) }),
      sent(b.landlord.accessToken, requestId, { roomId: b.room.id, price: price(62000) }),
    ]);
    expect((await desk(a.landlord.id).status()).reserved).toBe(1);

    const answers = await Promise.all([accept(tenant.accessToken, offerA.id), accept(tenant.accessToken, offerB.id)]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    const won = answers.findIndex((r) => r.status === 201);
    const booking = await json(answers[won]!);
    expect((await json(answers[1 - won]!)).code).toBe("request_closed");
    const [winner, loser] = won === 0 ? [offerA, offerB] : [offerB, offerA];
    // Monthly: the first month at the offered price, and the room's deposit.
    expect(booking).toMatchObject({
      roomId: winner.roomId,
      status: "held",
      amountDue: { amount: winner.price.amount + 65000, currency: "EUR" },
    });

    // At the calendars, the authority: one unit taken in one room, none in the other.
    const rules = { capacity: 2, minNights: null, maxNights: null };
    const free = await Promise.all(
      [a.room.id, b.room.id].map(
        async (id) => (await env.ROOM_CALENDAR.getByName(id).availability(inDays(40), inDays(41), rules))[0]!.available,
      ),
    );
    expect(free.sort()).toEqual([1, 2]);

    const request = await json(await call("GET", `/v1/rental-requests/${requestId}`, { token: tenant.accessToken }));
    expect(request).toMatchObject({ status: "accepted", acceptedOfferId: winner.id });
    const after = await json(
      await call("GET", `/v1/rental-requests/${requestId}/offers`, { token: tenant.accessToken }),
    );
    const status = Object.fromEntries(after.items.map((o: any) => [o.id, o.status]));
    expect(status).toEqual({ [winner.id]: "accepted", [loser.id]: "declined" });
    expect(after.items.find((o: any) => o.id === winner.id).bookingId).toBe(booking.id);
    expect((await desk(loser.landlordId).status()).reserved).toBe(0);

    // Accepting the winner again replays its booking.
    const replay = await accept(tenant.accessToken, winner.id);
    expect(replay.status).toBe(201);
    expect((await json(replay)).id).toBe(booking.id);
  });

  it("keep a contract at a capped landlord's desk, which the booking takes over; expiry by the desk's alarm frees it", async () => {
    const { landlord, room } = await listedLandlord();
    await call("PUT", "/v1/landlords/me/capacity", { token: landlord.accessToken, body: { totalCapacity: 1 } });
    const tenant = await signUp("tenant");
    const first = await openRequest(tenant.accessToken);
    const second = await openRequest((await signUp("tenant")).accessToken);
    const made = await sent(landlord.accessToken, first, { roomId: room.id, price: price(60000), expiresInHours: 1 });
    expect(await desk(landlord.id).status()).toMatchObject({ reserved: 1, available: false });
    // The desk is full: no more offers, and the pool is closed.
    const refused = await offer(landlord.accessToken, second, { roomId: room.id, price: price(60000) });
    expect(refused.status).toBe(404);

    // Time passes: the offer's contract reaches its deadline, and the desk's alarm lets it go.
    await runInDurableObject(desk(landlord.id), (_o, state) => {
      state.storage.sql.exec("UPDATE contracts SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, made.id);
    });
    await runDurableObjectAlarm(desk(landlord.id));
    expect(await desk(landlord.id).status()).toMatchObject({ reserved: 0, available: true });
    await env.DB.prepare("UPDATE offers SET expires_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 1).toISOString(), made.id)
      .run();
    expect((await json(await call("GET", `/v1/offers/${made.id}`, { token: tenant.accessToken }))).status).toBe(
      "expired",
    );
    expect((await accept(tenant.accessToken, made.id)).status).toBe(409);
    await worker.scheduled(
      createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }),
      env,
      createExecutionContext(),
    );
    const row = await env.DB.prepare("SELECT status FROM offers WHERE id = ?")
      .bind(made.id)
      .first<{ status: string }>();
    expect(row!.status).toBe("expired");

    // A new offer reserves again; accepting it moves that one contract to the booking (never two).
    const renewed = await sent(landlord.accessToken, first, { roomId: room.id, price: price(60000) });
    const booked = await json(await accept(tenant.accessToken, renewed.id));
    expect(await desk(landlord.id).hasContract(booked.id)).toBe("reserved");
    expect(await desk(landlord.id).hasContract(renewed.id)).toBeNull();
    expect(await desk(landlord.id).status()).toMatchObject({ reserved: 1, available: false });
  });

  it("lapse when the room was taken before the accept; the request goes back to the pool", async () => {
    const { landlord, room } = await listedLandlord({ capacity: 1 });
    const tenant = await signUp("tenant");
    const requestId = await openRequest(tenant.accessToken);
    const made = await sent(landlord.accessToken, requestId, { roomId: room.id, price: price(60000) });
    await bookHeld((await mintTenant()).accessToken, {
      roomId: room.id,
      startDate: inDays(40),
      endDate: inDays(60),
      units: 1,
    });
    const res = await accept(tenant.accessToken, made.id);
    expect(res.status).toBe(409);
    expect((await json(res)).code).toBe("room_unavailable");
    expect((await json(await call("GET", `/v1/offers/${made.id}`, { token: tenant.accessToken }))).status).toBe(
      "lapsed",
    );
    const request = await json(await call("GET", `/v1/rental-requests/${requestId}`, { token: tenant.accessToken }));
    expect(request).toMatchObject({ status: "open", acceptedOfferId: null });
    expect((await desk(landlord.id).status()).reserved).toBe(0);
  });

  it("are declined by the tenant, withdrawn by the landlord, and closed with their request; each frees its contract", async () => {
    const { landlord, room } = await listedLandlord();
    const tenant = await signUp("tenant");
    const [r1, r2, r3] = [
      await openRequest(tenant.accessToken),
      await openRequest(tenant.accessToken),
      await openRequest(tenant.accessToken),
    ];
    const o1 = await sent(landlord.accessToken, r1, { roomId: room.id, price: price(60000) });
    const o2 = await sent(landlord.accessToken, r2, { roomId: room.id, price: price(60000) });
    const o3 = await sent(landlord.accessToken, r3, { roomId: room.id, price: price(60000) });
    expect((await desk(landlord.id).status()).reserved).toBe(3);
    const declined = await call("POST", `/v1/offers/${o1.id}/decline`, { token: tenant.accessToken });
    expect((await json(declined)).status).toBe("declined");
    const withdrawn = await call("POST", `/v1/offers/${o2.id}/withdraw`, { token: landlord.accessToken });
    expect((await json(withdrawn)).status).toBe("withdrawn");
    await call("POST", `/v1/rental-requests/${r3}/withdraw`, { token: tenant.accessToken });
    expect((await json(await call("GET", `/v1/offers/${o3.id}`, { token: landlord.accessToken }))).status).toBe(
      "withdrawn",
    );
    expect((await desk(landlord.id).status()).reserved).toBe(0);
    const twice = await call("POST", `/v1/offers/${o1.id}/decline`, { token: tenant.accessToken });
    expect(twice.status).toBe(409);
    expect((await json(twice)).code).toBe("offer_closed");
    // The landlord who offered still sees the request they answered.
    expect((await call("GET", `/v1/rental-requests/${r1}`, { token: landlord.accessToken })).status).toBe(200);
  });
});

describe("landlord performance", () => {
  it("is kept by the offer events: activity, first response, acceptance; the score follows the formula", async () => {
    const { landlord, room } = await listedLandlord();
    const tenant = await signUp("tenant");
    const requestId = await openRequest(tenant.accessToken);
    const before = await json(await call("GET", `/v1/landlords/${landlord.id}/profile`));
    expect(before).toMatchObject({ score: 70, offersSent: 0, acceptanceRate: null, avgFirstResponseMinutes: null });

    const made = await sent(landlord.accessToken, requestId, { roomId: room.id, price: price(60000) });
    const active = await eventually(async () => {
      const p = await json(await call("GET", `/v1/landlords/${landlord.id}/profile`));
      return p.offersSent === 1 ? p : undefined;
    });
    // 50 + 20 (no cap) + 15 (active today) + 5 (first response under an hour); acceptance 0 of 1.
    expect(active).toMatchObject({ score: 90, acceptanceRate: 0, avgFirstResponseMinutes: 0 });
    expect(Date.now() - Date.parse(active.lastActiveAt)).toBeLessThan(60_000);

    // The event delivered again is not counted twice.
    const event = await env.DB.prepare("SELECT payload FROM outbox WHERE type = 'offer.sent' AND payload LIKE ?")
      .bind(`%${made.id}%`)
      .first<{ payload: string }>();
    await env.EVENTS.send(JSON.parse(event!.payload));

    expect((await accept(tenant.accessToken, made.id)).status).toBe(201);
    const accepted = await eventually(async () => {
      const p = await json(await call("GET", `/v1/landlords/${landlord.id}/profile`));
      return p.acceptanceRate === 1 ? p : undefined;
    });
    // + 10 (acceptance above 0.8): 100.
    expect(accepted).toMatchObject({ score: 100, offersSent: 1 });
  });
});
