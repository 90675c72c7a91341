import { createMessageBatch, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  book,
  bookHeld,
  call,
  eventually,
  inDays,
  json,
  landlordWithRoom,
  mintTenant,
  signUp,
  validRoom,
} from "./helpers";
import { startOfDayIn } from "../../workers/domain/dates";
import { consumeEvents } from "../../workers/events/consumer";
import { newEvent } from "../../workers/outbox";
import { pgQuery } from "./pg";
import { customerPays, deliver, stripeEvent, stripeGet, stripePost } from "./stripe";

const stay = (roomId: string, from = 10, nights = 5) => ({
  roomId,
  startDate: inDays(from),
  endDate: inDays(from + nights),
  units: 1,
});

async function bookingStatus(id: string, token: string, want: string) {
  return eventually(async () => {
    const b = await json(await call("GET", `/v1/bookings/${id}`, { token }));
    return b.status === want ? b : undefined;
  });
}

/** Pays at the fake and delivers the resulting webhook to the worker. */
async function pay(paymentIntentId: string, outcome: "succeed" | "fail" = "succeed") {
  await customerPays(paymentIntentId, outcome);
  const event = await stripeEvent(
    outcome === "succeed" ? "payment_intent.succeeded" : "payment_intent.payment_failed",
    paymentIntentId,
  );
  expect((await deliver(event)).status).toBe(200);
  return event;
}

describe("POST /v1/bookings", () => {
  it("holds the room, opens a PaymentIntent for deposit plus first month, and shows the booking to both parties only", async () => {
    const { landlord, room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const res = await book(tenant.accessToken, stay(room.id));
    expect(res.status).toBe(201);
    const booking = await json(res);
    expect(booking).toMatchObject({
      status: "held",
      roomId: room.id,
      tenantId: tenant.id,
      landlordId: landlord.id,
      amountDue: { amount: 130000, currency: "EUR" },
    });
    expect(Date.parse(booking.holdExpiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    const payment = await json(await call("GET", `/v1/bookings/${booking.id}/payment`, { token: tenant.accessToken }));
    const pi = await stripeGet(`/v1/payment_intents/${payment.paymentIntentId}`);
    expect(pi).toMatchObject({ amount: 130000, currency: "eur", metadata: { bookingId: booking.id, roomId: room.id } });
    expect(payment.clientSecret).toBe(pi.client_secret);

    expect((await call("GET", `/v1/bookings/${booking.id}`, { token: tenant.accessToken })).status).toBe(200);
    expect((await call("GET", `/v1/bookings/${booking.id}`, { token: landlord.accessToken })).status).toBe(200);
    expect((await call("GET", `/v1/bookings/${booking.id}`, { token: (await mintTenant()).accessToken })).status).toBe(
      404,
    );
    expect(
      (await call("GET", `/v1/bookings/${booking.id}`, { token: (await signUp("landlord")).accessToken })).status,
    ).toBe(404);
    // the lists come from the D1 read model, which the calendar's outbox feeds right after the hold
    await eventually(async () =>
      (await json(await call("GET", "/v1/bookings", { token: tenant.accessToken }))).items.length ? true : undefined,
    );
    expect(
      (await json(await call("GET", "/v1/bookings", { token: tenant.accessToken }))).items.map(
        (b: { id: string }) => b.id,
      ),
    ).toEqual([booking.id]);
    expect(
      (await json(await call("GET", "/v1/bookings", { token: landlord.accessToken }))).items.map(
        (b: { id: string }) => b.id,
      ),
    ).toEqual([booking.id]);

    const availability = await json(
      await call("GET", `/v1/rooms/${room.id}/availability?from=${inDays(9)}&to=${inDays(11)}`),
    );
    expect(availability.days.map((d: { units: number }) => d.units)).toEqual([2, 1]);
  });

  it("charges the whole stay for nightly rooms", async () => {
    const { room } = await landlordWithRoom({
      rentalMode: "nightly",
      price: { amount: 9000, currency: "JPY" },
      deposit: { amount: 0, currency: "JPY" },
    });
    const booking = await bookHeld((await mintTenant()).accessToken, { ...stay(room.id, 3, 4), units: 2 });
    expect(booking.amountDue).toEqual({ amount: 72000, currency: "JPY" });
  });

  it("gives 200 simultaneous bookings of a room of capacity 2 exactly 2 holds and 198 room_unavailable", async () => {
    const { room } = await landlordWithRoom();
    const tenants = await Promise.all(Array.from({ length: 200 }, () => mintTenant()));
    const results = await Promise.all(tenants.map((t) => book(t.accessToken, stay(room.id, 20, 3))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(2);
    expect(statuses.filter((s) => s === 409)).toHaveLength(198);
    const codes = new Set(
      await Promise.all(results.filter((r) => r.status === 409).map(async (r) => (await json(r)).code)),
    );
    expect([...codes]).toEqual(["room_unavailable"]);
  });

  it("requires an Idempotency-Key and replays the same response for the same key and body", async () => {
    const { room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const missing = await call("POST", "/v1/bookings", { token: tenant.accessToken, body: stay(room.id) });
    expect(missing.status).toBe(428);
    expect((await json(missing)).code).toBe("idempotency_key_required");

    const key = crypto.randomUUID();
    const first = await bookHeld(tenant.accessToken, stay(room.id), key);
    const again = await book(tenant.accessToken, stay(room.id), key);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await json(again)).toEqual(first);
    const other = await book(tenant.accessToken, stay(room.id, 30), key);
    expect(other.status).toBe(422);
    expect((await json(other)).code).toBe("idempotency_key_reused");
    // the key is the tenant's own: another tenant may use the same string
    expect((await book((await mintTenant()).accessToken, stay(room.id), key)).status).toBe(201);
  });

  it("replays a refusal under its key, even after the room frees up; a corrected body is not held to it", async () => {
    const { room } = await landlordWithRoom({ capacity: 1 });
    const first = await mintTenant();
    const held = await json(await book(first.accessToken, stay(room.id)));
    const tenant = await mintTenant();
    const key = crypto.randomUUID();
    const refused = await book(tenant.accessToken, stay(room.id), key);
    expect(refused.status).toBe(409);
    const refusal = await json(refused);
    expect((await call("POST", `/v1/bookings/${held.id}/cancel`, { token: first.accessToken })).status).toBe(200);
    const again = await book(tenant.accessToken, stay(room.id), key);
    expect(again.status).toBe(409);
    expect(await json(again)).toMatchObject({ code: refusal.code, detail: refusal.detail });
    // a validation failure is not kept: the same key with a corrected body runs
    const other = crypto.randomUUID();
    expect((await book(tenant.accessToken, { ...stay(room.id), endDate: inDays(5) }, other)).status).toBe(422);
    expect((await book(tenant.accessToken, stay(room.id), other)).status).toBe(201);
  });

  it("refuses a tenant's hold beyond MAX_LIVE_HOLDS unpaid ones (409 too_many_holds) and a nightly stay beyond MAX_HOLD_NIGHTS", async () => {
    const { createExecutionContext } = await import("cloudflare:test");
    const worker = (await import("../../workers/index")).default;
    const { room } = await landlordWithRoom({
      capacity: 10,
      rentalMode: "nightly",
      price: { amount: 5000, currency: "EUR" },
      deposit: { amount: 0, currency: "EUR" },
    });
    const tenant = await mintTenant();
    const limited = { ...env, MAX_LIVE_HOLDS: "2", MAX_HOLD_NIGHTS: "30" } as Env;
    const send = (body: unknown) =>
      worker.fetch!(
        new Request("https://api.test/v1/bookings", {
          method: "POST",
          body: JSON.stringify(body),
          headers: {
            authorization: `Bearer ${tenant.accessToken}`,
            "content-type": "application/json",
            "idempotency-key": crypto.randomUUID(),
            "cf-connecting-ip": "10.98.0.1",
          },
        }) as never,
        limited,
        createExecutionContext(),
      );
    const first = await json(await send(stay(room.id, 10, 1)));
    await send(stay(room.id, 12, 1));
    // the count comes from the read model, which the calendars' outboxes feed
    await eventually(async () =>
      (
        await env.DB.prepare("select count(*) as n from bookings where tenant_id = ? and status = 'held'")
          .bind(tenant.id)
          .first<{ n: number }>()
      )?.n === 2
        ? true
        : undefined,
    );
    const third = await send(stay(room.id, 14, 1));
    expect(third.status).toBe(409);
    expect((await json(third)).code).toBe("too_many_holds");
    // its days were given back
    const days = await json(await call("GET", `/v1/rooms/${room.id}/availability?from=${inDays(14)}&to=${inDays(15)}`));
    expect(days.days[0].units).toBe(10);
    // paying or cancelling one frees a slot
    expect((await call("POST", `/v1/bookings/${first.id}/cancel`, { token: tenant.accessToken })).status).toBe(200);
    expect((await send(stay(room.id, 14, 1))).status).toBe(201);
    const long = await send(stay(room.id, 20, 31));
    expect(long.status).toBe(422);
  });

  it("rate-limits a tenant's bookings without spending the Idempotency-Key on the 429", async () => {
    const { room } = await landlordWithRoom({ capacity: 100, rentalMode: "nightly" });
    const tenant = await mintTenant();
    for (let i = 0; i < 30; i++) expect((await book(tenant.accessToken, stay(room.id, 1 + i, 1))).status).toBe(201);
    // 30 a minute in fixed windows: if the 30 straddled a window boundary, the 429 comes a little later
    let key = "";
    let limited: Response | undefined;
    for (let i = 0; i <= 30 && limited?.status !== 429; i++) {
      key = crypto.randomUUID();
      limited = await book(tenant.accessToken, stay(room.id, 40 + i, 1), key);
    }
    expect(limited?.status).toBe(429);
    expect(limited!.headers.get("retry-after")).toBe("60");
    const kept = await runInDurableObject(
      env.ROOM_CALENDAR.getByName(room.id),
      (_i, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM requests WHERE key = ?", key).one().n,
    );
    expect(kept).toBe(0);
  });

  it("produces one effect for concurrent requests with one key", async () => {
    const { room } = await landlordWithRoom({ capacity: 5 });
    const tenant = await mintTenant();
    const key = crypto.randomUUID();
    const results = await Promise.all(Array.from({ length: 10 }, () => book(tenant.accessToken, stay(room.id), key)));
    const created = results.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const ids = new Set(await Promise.all(created.map(async (r) => (await json(r)).id)));
    expect(ids.size).toBe(1);
    const count = async () =>
      (
        await env.DB.prepare("select count(*) as n from bookings where tenant_id = ?")
          .bind(tenant.id)
          .first<{ n: number }>()
      )?.n;
    await eventually(async () => ((await count()) === 1 ? true : undefined));
    expect(await count()).toBe(1);
    const days = await json(await call("GET", `/v1/rooms/${room.id}/availability?from=${inDays(10)}&to=${inDays(11)}`));
    expect(days.days[0].units).toBe(4);
  });

  it("refuses a landlord at capacity with 409 landlord_at_capacity, and never exceeds it across rooms under concurrency", async () => {
    const { landlord, property, room } = await landlordWithRoom({ capacity: 10 });
    const second = await json(
      await call("POST", `/v1/properties/${property.id}/rooms`, {
        token: landlord.accessToken,
        body: { ...validRoom(), capacity: 10 },
      }),
    );
    expect(
      (await call("PUT", "/v1/landlords/me/capacity", { token: landlord.accessToken, body: { totalCapacity: 3 } }))
        .status,
    ).toBe(200);
    const tenants = await Promise.all(Array.from({ length: 30 }, () => mintTenant()));
    const results = await Promise.all(
      tenants.map((t, i) => book(t.accessToken, stay(i % 2 ? room.id : second.id, 5 + i, 2))),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.status === 409);
    expect(new Set(await Promise.all(refused.map(async (r) => (await json(r)).code)))).toEqual(
      new Set(["landlord_at_capacity"]),
    );
    const capacity = await json(await call("GET", "/v1/landlords/me/capacity", { token: landlord.accessToken }));
    expect(capacity).toEqual({ activeContracts: 0, reserved: 3, totalCapacity: 3, available: false });
  });

  it("returns the landlord's reservation when the room turns out to be full (compensation)", async () => {
    const { landlord, room } = await landlordWithRoom({ capacity: 1 });
    await call("PUT", "/v1/landlords/me/capacity", { token: landlord.accessToken, body: { totalCapacity: 5 } });
    expect((await book((await mintTenant()).accessToken, stay(room.id))).status).toBe(201);
    expect((await book((await mintTenant()).accessToken, stay(room.id))).status).toBe(409);
    expect((await json(await call("GET", "/v1/landlords/me/capacity", { token: landlord.accessToken }))).reserved).toBe(
      1,
    );
  });

  it("validates the stay", async () => {
    const { room } = await landlordWithRoom({ minNights: 3 });
    const tenant = await mintTenant();
    expect((await book(tenant.accessToken, { ...stay(room.id), endDate: inDays(5) })).status).toBe(422);
    expect((await book(tenant.accessToken, { ...stay(room.id, -5) })).status).toBe(422);
    expect((await book(tenant.accessToken, stay(room.id, 10, 2))).status).toBe(422);
    expect((await book(tenant.accessToken, { ...stay(room.id), startDate: "2027-02-30" })).status).toBe(422);
    expect((await book(tenant.accessToken, stay("room_0000000000000000z"))).status).toBe(404);
    expect((await book(tenant.accessToken, stay("room_missing"))).status).toBe(422);
    const landlord = await signUp("landlord");
    expect((await book(landlord.accessToken, stay(room.id))).status).toBe(403);
  });
});

describe("payment and the rest of the saga", () => {
  it("confirms on payment_intent.succeeded; a duplicate webhook changes nothing", async () => {
    const { landlord, room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id));
    const event = await pay(booking.payment.paymentIntentId);
    await bookingStatus(booking.id, tenant.accessToken, "confirmed");
    expect(await json(await call("GET", "/v1/landlords/me/capacity", { token: landlord.accessToken }))).toMatchObject({
      activeContracts: 1,
      reserved: 0,
    });
    const duplicate = await deliver(event);
    expect(await json(duplicate)).toEqual({ received: true, duplicate: true });
    expect(
      (await json(await call("GET", "/v1/landlords/me/capacity", { token: landlord.accessToken }))).activeContracts,
    ).toBe(1);
    const hold = await env.ROOM_CALENDAR.getByName(room.id).getHold(booking.id);
    expect(hold?.status).toBe("confirmed");
  });

  it("ignores a payment_failed event that arrives after the payment succeeded (out of order)", async () => {
    const { landlord, room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id));
    const succeeded = await pay(booking.payment.paymentIntentId);
    await bookingStatus(booking.id, tenant.accessToken, "confirmed");
    const stale = {
      ...succeeded,
      id: `evt_stale${crypto.randomUUID().replaceAll("-", "")}`,
      type: "payment_intent.payment_failed",
      created: succeeded.created - 60,
    };
    expect((await deliver(stale)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await json(await call("GET", `/v1/bookings/${booking.id}`, { token: tenant.accessToken }))).status).toBe(
      "confirmed",
    );
    expect((await env.ROOM_CALENDAR.getByName(room.id).getHold(booking.id))?.status).toBe("confirmed");
    expect(
      (await json(await call("GET", "/v1/landlords/me/capacity", { token: landlord.accessToken }))).activeContracts,
    ).toBe(1);
  });

  it("confirms when a stale payment_failed event is the first to arrive after the payment succeeded", async () => {
    const { landlord, room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id));
    await customerPays(booking.payment.paymentIntentId);
    const succeeded = await stripeEvent("payment_intent.succeeded", booking.payment.paymentIntentId);
    const stale = {
      ...succeeded,
      id: `evt_first${crypto.randomUUID().replaceAll("-", "")}`,
      type: "payment_intent.payment_failed",
      created: succeeded.created - 60,
    };
    expect((await deliver(stale)).status).toBe(200); // the succeeded webhook has not come yet
    await bookingStatus(booking.id, tenant.accessToken, "confirmed");
    expect(
      (await json(await call("GET", "/v1/landlords/me/capacity", { token: landlord.accessToken }))).activeContracts,
    ).toBe(1);
  });

  it("releases the hold, returns capacity and cancels the PaymentIntent when payment fails", async () => {
    const { landlord, room } = await landlordWithRoom({ capacity: 1 });
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id));
    await pay(booking.payment.paymentIntentId, "fail");
    await bookingStatus(booking.id, tenant.accessToken, "payment_failed");
    await eventually(async () =>
      (await stripeGet(`/v1/payment_intents/${booking.payment.paymentIntentId}`)).status === "canceled"
        ? true
        : undefined,
    );
    expect((await stripeGet(`/v1/payment_intents/${booking.payment.paymentIntentId}`)).status).toBe("canceled");
    expect((await json(await call("GET", "/v1/landlords/me/capacity", { token: landlord.accessToken }))).reserved).toBe(
      0,
    );
    expect((await book((await mintTenant()).accessToken, stay(room.id))).status).toBe(201);
  });

  it("refunds a payment that arrives after the hold expired instead of accepting it", async () => {
    const { room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id));
    await env.ROOM_CALENDAR.getByName(room.id).release(booking.id, "expired");
    await pay(booking.payment.paymentIntentId);
    const refunded = await eventually(async () => {
      const b = await json(await call("GET", `/v1/bookings/${booking.id}`, { token: tenant.accessToken }));
      return b.refunded.amount > 0 ? b : undefined;
    });
    expect(refunded).toMatchObject({ status: "expired", refunded: { amount: 130000 } });
    const pi = await stripeGet(`/v1/payment_intents/${booking.payment.paymentIntentId}`);
    const charge = await stripeGet(`/v1/charges/${pi.latest_charge}`);
    expect(charge.amount_refunded).toBe(130000);
  });

  it("expires an unpaid hold by alarm: capacity returned, PaymentIntent cancelled, booking expired", async () => {
    const { runDurableObjectAlarm } = await import("cloudflare:test");
    const { landlord, room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id));
    const calendar = env.ROOM_CALENDAR.getByName(room.id);
    const { runInDurableObject } = await import("cloudflare:test");
    await runInDurableObject(calendar, (_i, state) => {
      state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, booking.id);
    });
    await runDurableObjectAlarm(calendar);
    await bookingStatus(booking.id, tenant.accessToken, "expired");
    await eventually(
      async () =>
        (await stripeGet(`/v1/payment_intents/${booking.payment.paymentIntentId}`)).status === "canceled" || undefined,
    );
    expect((await json(await call("GET", "/v1/landlords/me/capacity", { token: landlord.accessToken }))).reserved).toBe(
      0,
    );
  });
});

describe("POST /v1/bookings/:id/cancel", () => {
  it("cancels a held booking and its PaymentIntent, and returns the landlord's contract", async () => {
    const { landlord, room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id));
    const res = await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken });
    expect(await json(res)).toMatchObject({ status: "cancelled", refunded: { amount: 0 } });
    expect((await stripeGet(`/v1/payment_intents/${booking.payment.paymentIntentId}`)).status).toBe("canceled");
    expect(await env.LANDLORD_DESK.getByName(landlord.id).hasContract(booking.id)).toBeNull();
    expect((await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken })).status).toBe(200);
  });

  it("refunds in full inside the free-cancellation window and nothing after it", async () => {
    const { room } = await landlordWithRoom({ freeCancellationDays: 14 });
    const early = await mintTenant();
    const late = await mintTenant();
    const a = await bookHeld(early.accessToken, stay(room.id, 30));
    const b = await bookHeld(late.accessToken, stay(room.id, 3));
    await pay(a.payment.paymentIntentId);
    await pay(b.payment.paymentIntentId);
    await bookingStatus(a.id, early.accessToken, "confirmed");
    await bookingStatus(b.id, late.accessToken, "confirmed");
    expect(await json(await call("POST", `/v1/bookings/${a.id}/cancel`, { token: early.accessToken }))).toMatchObject({
      status: "cancelled",
      refunded: { amount: 130000 },
    });
    expect(await json(await call("POST", `/v1/bookings/${b.id}/cancel`, { token: late.accessToken }))).toMatchObject({
      status: "cancelled",
      refunded: { amount: 0 },
    });
    const days = await json(await call("GET", `/v1/rooms/${room.id}/availability?from=${inDays(3)}&to=${inDays(4)}`));
    expect(days.days[0].units).toBe(2);
  });

  it("refunds in full when the landlord cancels, and is not open to strangers", async () => {
    const { landlord, room } = await landlordWithRoom({ freeCancellationDays: 30 });
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id, 3));
    await pay(booking.payment.paymentIntentId);
    await bookingStatus(booking.id, tenant.accessToken, "confirmed");
    expect(
      (await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: (await mintTenant()).accessToken })).status,
    ).toBe(404);
    expect(
      await json(await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: landlord.accessToken })),
    ).toMatchObject({ status: "cancelled", refunded: { amount: 130000 } });
    expect(await json(await call("GET", "/v1/landlords/me/capacity", { token: landlord.accessToken }))).toMatchObject({
      activeContracts: 0,
      reserved: 0,
    });
  });

  it("finishes a cancellation that an earlier attempt left half done", async () => {
    const { landlord, room } = await landlordWithRoom({ freeCancellationDays: 1 });
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id));
    await pay(booking.payment.paymentIntentId);
    await bookingStatus(booking.id, tenant.accessToken, "confirmed");
    // the first attempt released the calendar, then died before the refund, the desk and the event
    await env.ROOM_CALENDAR.getByName(room.id).release(booking.id, "cancelled");
    const res = await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken });
    expect(await json(res)).toMatchObject({ status: "cancelled", refunded: { amount: 130000 } });
    expect(await env.LANDLORD_DESK.getByName(landlord.id).hasContract(booking.id)).toBeNull();
    const pi = await stripeGet(`/v1/payment_intents/${booking.payment.paymentIntentId}`);
    expect((await stripeGet(`/v1/charges/${pi.latest_charge}`)).amount_refunded).toBe(130000);
  });

  it("keeps the refund an interrupted cancellation already made, whatever the policy says when it resumes", async () => {
    const { landlord, room } = await landlordWithRoom({ freeCancellationDays: 30 });
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id, 3));
    await pay(booking.payment.paymentIntentId);
    await bookingStatus(booking.id, tenant.accessToken, "confirmed");
    // the landlord's cancellation released the calendar and refunded in full, then died
    await env.ROOM_CALENDAR.getByName(room.id).release(booking.id, "cancelled");
    const refund = await stripePost("/v1/refunds", {
      payment_intent: booking.payment.paymentIntentId,
      amount: "130000",
      "metadata[bookingId]": booking.id,
      "metadata[purpose]": "cancel",
    });
    expect(refund.status).toBe(200);
    // the tenant's own cancel would get nothing this close to the start, but the landlord's refund stands
    expect(
      await json(await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken })),
    ).toMatchObject({ status: "cancelled", refunded: { amount: 130000 } });
    expect(await env.LANDLORD_DESK.getByName(landlord.id).hasContract(booking.id)).toBeNull();
  });

  it("refunds nothing more when a payment event arrives after a confirmed booking was cancelled", async () => {
    const { room } = await landlordWithRoom({ freeCancellationDays: 30 });
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id, 3));
    const succeeded = await pay(booking.payment.paymentIntentId);
    await bookingStatus(booking.id, tenant.accessToken, "confirmed");
    expect(
      await json(await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken })),
    ).toMatchObject({ refunded: { amount: 0 } });
    const again = { ...succeeded, id: `evt_again${crypto.randomUUID().replaceAll("-", "")}` };
    expect((await deliver(again)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    const pi = await stripeGet(`/v1/payment_intents/${booking.payment.paymentIntentId}`);
    expect((await stripeGet(`/v1/charges/${pi.latest_charge}`)).amount_refunded).toBe(0);
    expect((await json(await call("GET", `/v1/bookings/${booking.id}`, { token: tenant.accessToken }))).status).toBe(
      "cancelled",
    );
  });

  it("never turns a booking cancelled before its confirmation was processed into a lease", async () => {
    const { room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id, 20, 120));
    await customerPays(booking.payment.paymentIntentId); // paid at Stripe, webhook not yet here
    expect(
      await json(await call("POST", `/v1/bookings/${booking.id}/cancel`, { token: tenant.accessToken })),
    ).toMatchObject({ status: "cancelled" });
    const late = newEvent("booking.confirmed", { bookingId: booking.id });
    await consumeEvents(
      createMessageBatch("roomline-events", [
        { id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: late },
      ]),
      env,
    );
    expect(await pgQuery("select id from leases where booking_id = $1", [booking.id])).toEqual([]);
  });

  it("writes the lease on the terms paid for, even when the landlord changed the price during the hold", async () => {
    const { landlord, room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id, 20, 120));
    const patched = await call("PATCH", `/v1/rooms/${room.id}`, {
      token: landlord.accessToken,
      body: { price: { amount: 99000, currency: "EUR" }, deposit: { amount: 99000, currency: "EUR" } },
    });
    expect(patched.status).toBe(200);
    await pay(booking.payment.paymentIntentId);
    await bookingStatus(booking.id, tenant.accessToken, "confirmed");
    const lease = await eventually(
      async () =>
        (
          await pgQuery<{ rent_amount: string; deposit_amount: string }>(
            "select rent_amount, deposit_amount from leases where booking_id = $1",
            [booking.id],
          )
        )[0],
    );
    expect([Number(lease.rent_amount), Number(lease.deposit_amount)]).toEqual([65000, 65000]);
  });

  it("refuses to cancel a monthly tenancy that has begun (notice ends it) but cancels one not yet begun", async () => {
    const { room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const begun = await bookHeld(tenant.accessToken, stay(room.id, 0, 60));
    await pay(begun.payment.paymentIntentId);
    await bookingStatus(begun.id, tenant.accessToken, "confirmed");
    const res = await call("POST", `/v1/bookings/${begun.id}/cancel`, { token: tenant.accessToken });
    expect(res.status).toBe(409);
    expect((await json(res)).code).toBe("lease_started");
    expect((await env.ROOM_CALENDAR.getByName(room.id).getHold(begun.id))?.status).toBe("confirmed");
    const later = await bookHeld(tenant.accessToken, stay(room.id, 90, 60));
    await pay(later.payment.paymentIntentId);
    await bookingStatus(later.id, tenant.accessToken, "confirmed");
    expect((await call("POST", `/v1/bookings/${later.id}/cancel`, { token: tenant.accessToken })).status).toBe(200);
  });
});

describe("the landlord's contracts", () => {
  it("keeps a nightly stay's contract active until the stay ends, in the property's timezone", async () => {
    const { landlord, room } = await landlordWithRoom({
      rentalMode: "nightly",
      price: { amount: 9000, currency: "EUR" },
    });
    const tenant = await mintTenant();
    const booking = await bookHeld(tenant.accessToken, stay(room.id, 4, 3));
    await pay(booking.payment.paymentIntentId);
    await bookingStatus(booking.id, tenant.accessToken, "confirmed");
    const endsAt = await runInDurableObject(env.LANDLORD_DESK.getByName(landlord.id), (_i, state) =>
      state.storage.sql
        .exec<{ status: string; expires_at: number }>(
          "SELECT status, expires_at FROM contracts WHERE booking_id = ?",
          booking.id,
        )
        .one(),
    );
    expect(endsAt).toEqual({ status: "active", expires_at: startOfDayIn(booking.endDate, "Europe/Lisbon") });
  });

  it("keeps a hold whose PaymentIntent Stripe refuses: the payment answers 502 and the hold's alarm frees the room", async () => {
    const { runDurableObjectAlarm } = await import("cloudflare:test");
    const { room } = await landlordWithRoom({
      capacity: 1,
      rentalMode: "nightly",
      price: { amount: 60_000_000, currency: "EUR" },
    });
    const tenant = await mintTenant();
    const res = await book(tenant.accessToken, stay(room.id, 10, 2)); // 1.2 million euros: over Stripe's per-charge ceiling
    expect(res.status).toBe(201);
    const booking = await json(res);
    const payment = await call("GET", `/v1/bookings/${booking.id}/payment`, { token: tenant.accessToken });
    expect(payment.status).toBe(502);
    expect((await json(payment)).code).toBe("payment_provider_error");
    const calendar = env.ROOM_CALENDAR.getByName(room.id);
    await runInDurableObject(calendar, (_i, state) => {
      state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, booking.id);
    });
    await runDurableObjectAlarm(calendar);
    const days = await json(await call("GET", `/v1/rooms/${room.id}/availability?from=${inDays(10)}&to=${inDays(12)}`));
    expect(days.days.map((d: { available: boolean }) => d.available)).toEqual([true, true]);
    expect(await json(await call("GET", `/v1/bookings/${booking.id}/payment`, { token: tenant.accessToken }))).toEqual({
      status: "closed",
    });
  });
});

/** payment_intent.created events the Stripe fake recorded for a booking. */
async function paymentIntentsOf(bookingId: string): Promise<string[]> {
  const events = (await stripeGet("/v1/events?limit=100")).data as any[];
  return events
    .filter((e) => e.type === "payment_intent.created" && e.data.object.metadata.bookingId === bookingId)
    .map((e) => e.data.object.id);
}

describe("GET /v1/rooms/:id/availability at the edge", () => {
  it("answers anonymous readers from the edge cache for a few seconds, never a reader with a token", async () => {
    const { landlord, room } = await landlordWithRoom({ capacity: 2 });
    const url = `/v1/rooms/${room.id}/availability?from=${inDays(30)}&to=${inDays(31)}`;
    const first = await call("GET", url);
    expect(first.headers.get("x-cache")).toBe("miss");
    expect(first.headers.get("cache-control")).toBe("public, max-age=5");
    await book((await mintTenant()).accessToken, stay(room.id, 30, 1));
    const second = await call("GET", url);
    expect(second.headers.get("x-cache")).toBe("hit");
    expect((await json(second)).days[0].units).toBe(2); // up to 5 s old, as documented
    const owner = await json(await call("GET", url, { token: landlord.accessToken }));
    expect(owner.days[0].units).toBe(1);
  });
});

describe("the calendar's outbox", () => {
  it("answers 201 before any PaymentIntent exists, then feeds the read model and opens exactly one PaymentIntent", async () => {
    const { landlord, room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await json(await book(tenant.accessToken, stay(room.id)));
    expect(booking.status).toBe("held");
    expect(["preparing", "requires_payment"]).toContain(booking.payment.status);
    // readable at once, from the calendar, while the read model catches up
    expect((await call("GET", `/v1/bookings/${booking.id}`, { token: landlord.accessToken })).status).toBe(200);
    const row = await eventually(
      async () =>
        (
          await env.DB.prepare("select payment_intent_id from bookings where id = ?")
            .bind(booking.id)
            .first<{ payment_intent_id: string | null }>()
        )?.payment_intent_id ?? undefined,
    );
    const payment = await json(await call("GET", `/v1/bookings/${booking.id}/payment`, { token: tenant.accessToken }));
    expect(payment).toMatchObject({
      status: "requires_payment",
      paymentIntentId: row,
      clientSecret: expect.any(String),
    });
    expect(await paymentIntentsOf(booking.id)).toEqual([row]);
    // only its tenant sees the payment
    expect(
      (await call("GET", `/v1/bookings/${booking.id}/payment`, { token: (await mintTenant()).accessToken })).status,
    ).toBe(404);
  });

  it("opens the PaymentIntent on demand when asked before the outbox, and the outbox then finds the same one", async () => {
    const { room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const booking = await json(await book(tenant.accessToken, stay(room.id)));
    const asked = await json(await call("GET", `/v1/bookings/${booking.id}/payment`, { token: tenant.accessToken }));
    expect(asked).toMatchObject({ status: "requires_payment", clientSecret: expect.any(String) });
    await eventually(
      async () =>
        (
          await env.DB.prepare("select payment_intent_id from bookings where id = ?")
            .bind(booking.id)
            .first<{ payment_intent_id: string | null }>()
        )?.payment_intent_id ?? undefined,
    );
    expect(await paymentIntentsOf(booking.id)).toEqual([asked.paymentIntentId]);
  });

  it("keeps the held event across an eviction before the flush, and a duplicate delivery changes nothing", async () => {
    const { runDurableObjectAlarm, evictDurableObject } = await import("cloudflare:test");
    const { room } = await landlordWithRoom();
    const tenant = await mintTenant();
    const calendar = env.ROOM_CALENDAR.getByName(room.id);
    // The calendar commits the hold, its key and its event together; hold back the flush by pushing the alarm out.
    const result = await calendar.book({
      key: crypto.randomUUID(),
      requestHash: "h",
      tenantId: tenant.id,
      startDate: inDays(10),
      endDate: inDays(12),
      units: 1,
      holdMs: 15 * 60_000,
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const pending = await runInDurableObject(calendar, (_i, state) => {
      void state.storage.setAlarm(Date.now() + 3_600_000);
      return state.storage.sql
        .exec<{ body: string }>("SELECT body FROM outbox")
        .toArray()
        .map((r) => JSON.parse(r.body));
    });
    await evictDurableObject(calendar);
    const survived = await runInDurableObject(
      calendar,
      (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n,
    );
    expect(survived).toBeGreaterThanOrEqual(pending.length);
    expect(pending.map((e: { type: string }) => e.type)).toContain("booking.held");
    await runDurableObjectAlarm(calendar);
    expect(
      await runInDurableObject(
        calendar,
        (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n,
      ),
    ).toBe(0);
    const held = pending.find((e: { type: string }) => e.type === "booking.held");
    // the queue delivers at least once: the same event again is deduplicated, a copy under a new id converges
    for (const body of [held, held, { ...held, id: `evt_dup${crypto.randomUUID().slice(0, 8)}` }]) {
      await consumeEvents(
        createMessageBatch("roomline-events", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body }]),
        env,
      );
    }
    const rows = await env.DB.prepare("select count(*) as n from bookings where id = ?")
      .bind(result.booking.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
    const pis = await eventually(async () => {
      const ids = await paymentIntentsOf(result.booking.id);
      return ids.length ? ids : undefined;
    });
    expect(new Set(pis).size).toBe(1);
  });
});

describe("room capacity and the calendar", () => {
  it("refuses a capacity cut below confirmed bookings with 409 capacity_conflict", async () => {
    const { landlord, room } = await landlordWithRoom({ capacity: 2 });
    await book((await mintTenant()).accessToken, stay(room.id));
    await book((await mintTenant()).accessToken, stay(room.id));
    const res = await call("PATCH", `/v1/rooms/${room.id}`, { token: landlord.accessToken, body: { capacity: 1 } });
    expect(res.status).toBe(409);
    expect((await json(res)).code).toBe("capacity_conflict");
    expect((await json(await call("GET", `/v1/rooms/${room.id}`))).capacity).toBe(2);
    expect(
      (await call("PATCH", `/v1/rooms/${room.id}`, { token: landlord.accessToken, body: { capacity: 3 } })).status,
    ).toBe(200);
  });

  it("keeps landlord capacity routes to landlords", async () => {
    const tenant = await mintTenant();
    expect((await call("GET", "/v1/landlords/me/capacity", { token: tenant.accessToken })).status).toBe(403);
    expect((await call("PUT", "/v1/landlords/me/capacity", { body: { totalCapacity: 1 } })).status).toBe(401);
  });
});
