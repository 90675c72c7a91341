import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventOf } from "../../schema/events";
import { d1 } from "../../workers/data/d1";
import { MAX_EMAIL_ATTEMPTS, sendEmail } from "../../workers/events/email";
import { handlers } from "../../workers/events/consumer";
import { noticeBooking, noticeInvoice } from "../../workers/events/notifications";
import { newId } from "../../workers/domain/ids";
import { newEvent } from "../../workers/outbox";
import { bookHeld, call, eventually, inDays, json, landlordWithRoom, signUp, uniqueIp } from "./helpers";
import { leased } from "./tenancy";

const db = () => d1(env);
/** Euro cents as Portugal writes them (the test properties are in Lisbon). */
const euros = (cents: number) =>
  new Intl.NumberFormat("pt-PT", { style: "currency", currency: "EUR" }).format(cents / 100);

/** A confirmed-booking event about a real room, tenant and landlord, as the calendar would announce it. */
async function confirmedEvent() {
  const { landlord, property, room } = await landlordWithRoom();
  const tenant = await signUp("tenant");
  const event = newEvent("booking.confirmed", {
    bookingId: `bkg_${"0".repeat(17)}`,
    booking: {
      id: `bkg_${"0".repeat(17)}`,
      roomId: room.id,
      propertyId: property.id,
      tenantId: tenant.id,
      landlordId: landlord.id,
      startDate: "2027-03-01",
      endDate: "2027-04-01",
      units: 1,
      holdExpiresAt: new Date(Date.now() + 900_000).toISOString(),
      amountDue: 125000,
      rentAmount: 100000,
      depositAmount: 25000,
      currency: "EUR",
      createdAt: new Date().toISOString(),
    },
  });
  return { landlord, tenant, property, room, event };
}

async function listFor(token: string, query = ""): Promise<any[]> {
  return (await json(await call("GET", `/v1/notifications${query}`, { token }))).items;
}

async function deliveriesOf(userId: string) {
  const { results } = await env.DB.prepare(
    `SELECT d.* FROM email_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.user_id = ? ORDER BY d.id`,
  )
    .bind(userId)
    .all<any>();
  return results;
}

async function openInbox(token: string): Promise<{ frames: any[]; next: () => Promise<any> }> {
  const { url } = await json(await call("POST", "/v1/notifications/tickets", { token }));
  const u = new URL(url);
  const res = await exports.default.fetch(
    new Request(`https://api.test${u.pathname}${u.search}`, {
      headers: { upgrade: "websocket", "cf-connecting-ip": uniqueIp() },
    }),
  );
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const frames: any[] = [];
  let wake: (() => void) | null = null;
  ws.addEventListener("message", (e) => {
    frames.push(JSON.parse(e.data as string));
    wake?.();
  });
  return {
    frames,
    next: () =>
      frames.length > 0
        ? Promise.resolve(frames.shift())
        : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("no frame in time")), 5000);
            wake = () => {
              clearTimeout(timer);
              wake = null;
              resolve(frames.shift());
            };
          }),
  };
}

describe("notifications", () => {
  it("make one notification per event and recipient, however often and concurrently the event is handled", async () => {
    const { tenant, landlord, event } = await confirmedEvent();
    await Promise.all([noticeBooking(event, env, db()), noticeBooking(event, env, db())]);
    await noticeBooking(event, env, db());
    const mine = await listFor(tenant.accessToken);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      kind: "booking.confirmed",
      title: "Booking confirmed",
      data: { bookingId: event.data.bookingId },
      readAt: null,
    });
    // The landlord hears of a confirmed booking too; each gets one email.
    expect(await listFor(landlord.accessToken)).toHaveLength(1);
    expect(await deliveriesOf(tenant.id)).toHaveLength(1);
  });

  it("reach the tenant of a real hold through the queue, with money written for the property's country", async () => {
    const { room } = await landlordWithRoom({ rentalMode: "nightly", price: { amount: 12345, currency: "EUR" } });
    const tenant = await signUp("tenant");
    await bookHeld(tenant.accessToken, { roomId: room.id, startDate: inDays(30), endDate: inDays(32), units: 1 });
    const [held] = await eventually(async () => {
      const items = await listFor(tenant.accessToken);
      return items.length > 0 ? items : undefined;
    });
    expect(held.kind).toBe("booking.held");
    // English words, money and time as Portugal writes them, in Lisbon's time: the property is there.
    const until = new Intl.DateTimeFormat("pt-PT", {
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      timeZone: "Europe/Lisbon",
    }).format(
      new Date(
        (await json(await call("GET", `/v1/bookings?limit=1`, { token: tenant.accessToken }))).items[0].holdExpiresAt,
      ),
    );
    expect(held.body).toBe(`Sunny flat near the river is held until ${until}. Pay ${euros(24690)} to confirm.`);
  });

  it("speak the recipient's language, English otherwise", async () => {
    const { tenant, event } = await confirmedEvent();
    await env.DB.prepare("UPDATE users SET locale = 'es-ES' WHERE id = ?").bind(tenant.id).run();
    await noticeBooking(event, env, db());
    const [n] = await listFor(tenant.accessToken);
    expect(n.title).toBe("Reserva confirmada");
    expect(n.body).toBe(`Sunny flat near the river desde 01/03/2027: confirmada. Pagado ${euros(125000)}.`);
  });

  it("tell a tenant of a rent invoice with its due date", async () => {
    const tenant = await signUp("tenant");
    const { lease } = await leased({}, tenant);
    const event = newEvent("invoice.issued", {
      invoiceId: `inv_${"1".repeat(17)}`,
      leaseId: lease.id,
      amount: 99000,
      currency: "EUR",
      dueDate: "2027-05-01",
    });
    await noticeInvoice(event as EventOf<"invoice.issued">, env, db());
    const rent = (await listFor(tenant.accessToken)).find((n) => n.kind === "invoice.issued");
    expect(rent.body).toBe(`Rent of ${euros(99000)} for Sunny flat near the river is due on 01/05/2027.`);
  });

  it("come of every booking and rent event the queue delivers, to the party each is for", async () => {
    const { event: confirmed } = await confirmedEvent();
    const { landlord, property, room } = await landlordWithRoom({
      rentalMode: "nightly",
      price: { amount: 12345, currency: "EUR" },
    });
    const tenant = await signUp("tenant");
    const run = (type: string, data: unknown) => {
      const event = newEvent(type as never, data as never);
      return (handlers as Record<string, (e: unknown, env: Env, db: ReturnType<typeof d1>) => Promise<void>>)[type]!(
        event,
        env,
        db(),
      );
    };
    // The projection steps before the notice need the booking in the read model, as a hold puts it there.
    const held = await bookHeld(tenant.accessToken, {
      roomId: room.id,
      startDate: inDays(40),
      endDate: inDays(41),
      units: 1,
    });
    const booking = {
      ...confirmed.data.booking,
      id: held.id,
      roomId: room.id,
      propertyId: property.id,
      tenantId: tenant.id,
      landlordId: landlord.id,
      startDate: inDays(40),
      endDate: inDays(41),
    };
    await run("booking.expired", { bookingId: held.id, booking });
    await run("booking.payment_failed", { bookingId: held.id, booking });
    const leaseTenant = await signUp("tenant");
    const { lease } = await leased({}, leaseTenant);
    const invoice = {
      invoiceId: `inv_${"2".repeat(17)}`,
      leaseId: lease.id,
      amount: 99000,
      currency: "EUR",
      dueDate: "2027-05-01",
    };
    await run("invoice.reminder", invoice);
    await run("invoice.late_fee", { ...invoice, amount: 5000 });
    await run("invoice.charge_failed", { ...invoice, attempt: 3, finalAttempt: true });
    await run("deposit.settled", { leaseId: lease.id, returned: 80000, withheld: 5000, currency: "EUR" });
    const kinds = async (token: string) => (await listFor(token, "?limit=50")).map((n) => n.kind).sort();
    expect(await kinds(tenant.accessToken)).toEqual(
      expect.arrayContaining(["booking.expired", "booking.payment_failed"]),
    );
    expect(await kinds(leaseTenant.accessToken)).toEqual(
      expect.arrayContaining(["deposit.settled", "invoice.charge_failed", "invoice.late_fee", "invoice.reminder"]),
    );
    const rent = (await listFor(leaseTenant.accessToken, "?limit=50")).find((n) => n.kind === "invoice.reminder");
    expect(rent.data).toMatchObject({ invoiceId: invoice.invoiceId });
    // A landlord is not told of another tenant's rent.
    expect((await kinds(landlord.accessToken)).filter((k) => k.startsWith("invoice."))).toEqual([]);
  });

  it("list newest first, count the unread, and mark the caller's own read (another's ids change nothing)", async () => {
    const a = await confirmedEvent();
    const second = newEvent("booking.cancelled", { bookingId: a.event.data.bookingId, booking: a.event.data.booking });
    await noticeBooking(a.event, env, db());
    await noticeBooking(second as EventOf<"booking.cancelled">, env, db());
    const token = a.tenant.accessToken;
    const items = await listFor(token);
    expect(items.map((n) => n.kind)).toEqual(["booking.cancelled", "booking.confirmed"]);
    const page = await json(await call("GET", "/v1/notifications?limit=1", { token }));
    expect(page.items).toHaveLength(1);
    const rest = await json(await call("GET", `/v1/notifications?limit=1&cursor=${page.nextCursor}`, { token }));
    expect(rest.items[0].id).toBe(items[1].id);
    expect(await json(await call("GET", "/v1/notifications/unread-count", { token }))).toEqual({ count: 2 });

    const theirs = (await listFor(a.landlord.accessToken))[0].id;
    const marked = await call("POST", "/v1/notifications/read", { token, body: { ids: [items[0].id, theirs] } });
    expect(await json(marked)).toEqual({ marked: 1, unread: 1 });
    expect((await listFor(a.landlord.accessToken))[0].readAt).toBeNull();
    expect((await listFor(token, "?unread=true")).map((n) => n.id)).toEqual([items[1].id]);
    await call("POST", "/v1/notifications/read", { token, body: { all: true } });
    expect(await json(await call("GET", "/v1/notifications/unread-count", { token }))).toEqual({ count: 0 });
    const bad = await call("POST", "/v1/notifications/read", { token, body: { ids: [] } });
    expect(bad.status).toBe(422);
  });

  it("honour preferences: a kind off in-app is not listed, off everywhere is not made; money notices stay on somewhere", async () => {
    const { tenant, event } = await confirmedEvent();
    const token = tenant.accessToken;
    const prefs = await json(await call("GET", "/v1/me/notification-preferences", { token }));
    expect(prefs.preferences.find((p: any) => p.kind === "invoice.late_fee")).toEqual({
      kind: "invoice.late_fee",
      locked: true,
      in_app: true,
      email: true,
    });
    const locked = await call("PUT", "/v1/me/notification-preferences", {
      token,
      body: { preferences: [{ kind: "invoice.late_fee", in_app: false, email: false }] },
    });
    expect(locked.status).toBe(422);
    expect((await json(locked)).code).toBe("preference_locked");
    const moved = await call("PUT", "/v1/me/notification-preferences", {
      token,
      body: {
        preferences: [
          { kind: "invoice.late_fee", email: false },
          { kind: "booking.confirmed", in_app: false },
        ],
      },
    });
    expect(moved.status).toBe(200);
    const saved = (await json(moved)).preferences;
    expect(saved.find((p: any) => p.kind === "invoice.late_fee")).toMatchObject({ in_app: true, email: false });

    await noticeBooking(event, env, db());
    expect(await listFor(token)).toEqual([]);
    expect(await deliveriesOf(tenant.id)).toHaveLength(1); // email still on for this kind

    await call("PUT", "/v1/me/notification-preferences", {
      token,
      body: { preferences: [{ kind: "booking.cancelled", in_app: false, email: false }] },
    });
    const cancelled = newEvent("booking.cancelled", { bookingId: event.data.bookingId, booking: event.data.booking });
    await noticeBooking(cancelled as EventOf<"booking.cancelled">, env, db());
    const { results } = await env.DB.prepare("SELECT kind FROM notifications WHERE user_id = ?").bind(tenant.id).all();
    expect(results.map((r) => r.kind)).toEqual(["booking.confirmed"]);
  });

  it("push to an open live socket at once", async () => {
    const { tenant, event } = await confirmedEvent();
    const inbox = await openInbox(tenant.accessToken);
    await noticeBooking(event, env, db());
    const frame = await inbox.next();
    expect(frame).toMatchObject({ type: "notification", kind: "booking.confirmed", title: "Booking confirmed" });
    expect(frame.id).toMatch(/^ntf_/);
  });
});

describe("notification email", () => {
  it("goes out through the send_email binding and is tracked as sent", async () => {
    const { tenant, event } = await confirmedEvent();
    await noticeBooking(event, env, db());
    const [delivery] = await eventually(async () => {
      const rows = await deliveriesOf(tenant.id);
      return rows[0]?.status === "sent" ? rows : undefined;
    });
    expect(delivery).toMatchObject({ to_address: tenant.email, status: "sent", attempts: 1 });
    expect(delivery.message_id).toBeTruthy();
  });

  it("retries a passing failure, gives up after the last attempt, and marks and skips a permanently failing address", async () => {
    const tenant = await signUp("tenant");
    // Email Service cannot fail on demand locally: a binding that refuses stands in, at the binding boundary.
    const failing = (message: string) =>
      ({ ...env, EMAIL: { send: async () => Promise.reject(new Error(message)) } }) as unknown as Env;
    const request = (deliveryId: string) => newEvent("email.requested", { deliveryId }) as EventOf<"email.requested">;

    const first = await queuedDelivery(tenant.id, tenant.email);
    await expect(sendEmail(request(first), failing("temporary failure: try again"), db())).rejects.toThrow();
    expect(await delivery(first)).toMatchObject({ status: "queued", attempts: 1 });
    for (let i = 1; i < MAX_EMAIL_ATTEMPTS - 1; i++)
      await expect(sendEmail(request(first), failing("temporary failure"), db())).rejects.toThrow();
    await sendEmail(request(first), failing("temporary failure"), db()); // the last attempt: recorded, not thrown
    expect(await delivery(first)).toMatchObject({ status: "failed", attempts: MAX_EMAIL_ATTEMPTS });

    // A permanent refusal: the address is marked, and the next email to it is skipped without trying.
    const second = await queuedDelivery(tenant.id, tenant.email);
    await sendEmail(request(second), failing(`email to ${tenant.email} not allowed`), db());
    expect(await delivery(second)).toMatchObject({ status: "failed", attempts: 1 });
    const third = await queuedDelivery(tenant.id, tenant.email);
    let tried = false;
    const watching = { ...env, EMAIL: { send: async () => ((tried = true), { messageId: "x" }) } } as unknown as Env;
    await sendEmail(request(third), watching, db());
    expect(await delivery(third)).toMatchObject({ status: "skipped", attempts: 0 });
    expect(tried).toBe(false);
  });
});

/** A notification with a queued email, written directly (nothing announced, so no consumer races the test). */
async function queuedDelivery(userId: string, address: string): Promise<string> {
  const id = newId("ntf");
  const deliveryId = `eml_${id.slice(4)}`;
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO notifications (id, user_id, kind, title, body, data, event_id, in_app) VALUES (?, ?, 'booking.confirmed', 'Booking confirmed', 'Hello', '{}', ?, 1)",
    ).bind(id, userId, newId("evt")),
    env.DB.prepare(
      "INSERT INTO email_deliveries (id, notification_id, to_address, status) VALUES (?, ?, ?, 'queued')",
    ).bind(deliveryId, id, address),
  ]);
  return deliveryId;
}

async function delivery(id: string) {
  return env.DB.prepare("SELECT * FROM email_deliveries WHERE id = ?").bind(id).first<any>();
}
