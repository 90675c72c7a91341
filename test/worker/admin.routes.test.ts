import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  bookHeld,
  call,
  eventually,
  inDays,
  json,
  landlordWithRoom,
  signUp,
  signUpAdmin,
  validProperty,
  validRoom,
  type TestUser,
} from "./helpers";
import { pgQuery } from "./pg";
import { leased, stayed } from "./tenancy";

const word = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(10)), (b) => String.fromCharCode(97 + (b % 26))).join("");

/** A landlord's property with a title word nobody else uses, listed with one nightly room. */
async function findableListing() {
  const landlord = await signUp("landlord");
  const tag = word();
  const property = await json(
    await call("POST", "/v1/properties", {
      token: landlord.accessToken,
      body: { ...validProperty(), title: `Moderated ${tag} flat` },
    }),
  );
  const room = await json(
    await call("POST", `/v1/properties/${property.id}/rooms`, {
      token: landlord.accessToken,
      body: { ...validRoom(), rentalMode: "nightly", price: { amount: 9000, currency: "EUR" } },
    }),
  );
  await eventually(async () => ((await found(tag)) ? true : undefined));
  return { landlord, property, room, tag };
}

async function found(tag: string): Promise<boolean> {
  const page = await json(await call("GET", `/v1/search?q=${tag}`));
  return page.items.length > 0;
}

const reason = { reason: "Reported as a scam by three tenants" };
const post = (path: string, token: string, body: unknown = reason) => call("POST", path, { token, body });

describe("admin routes", () => {
  it("answer 404 to everyone but an admin, signed in or not", async () => {
    const tenant = await signUp("tenant");
    const landlord = await signUp("landlord");
    const routes: [string, string, unknown?][] = [
      ["POST", `/v1/admin/users/${tenant.id}/suspend`, reason],
      ["POST", `/v1/admin/users/${tenant.id}/unsuspend`, reason],
      ["POST", "/v1/admin/properties/prop_0mh1x2k3a9f4c7e2b/hide", reason],
      ["POST", "/v1/admin/properties/prop_0mh1x2k3a9f4c7e2b/unhide", reason],
      ["DELETE", "/v1/admin/reviews/rev_0mh2e5c3a1d9f7k4b"],
      ["GET", "/v1/admin/audit"],
      ["GET", "/v1/admin/metrics?from=2026-01-01&to=2026-02-01"],
    ];
    for (const [method, path, body] of routes)
      for (const token of [undefined, tenant.accessToken, landlord.accessToken]) {
        const res = await call(method, path, { ...(token && { token }), ...(body !== undefined && { body }) });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect((await json(res)).code).toBe("not_found");
      }
    // a wrong method is 404 too (a 405 with Allow would tell the route exists)
    for (const [method, path] of [
      ["GET", `/v1/admin/users/${tenant.id}/suspend`],
      ["DELETE", "/v1/admin/audit"],
    ])
      expect((await call(method!, path!, { token: tenant.accessToken })).status, `${method} ${path}`).toBe(404);
    // and the tenant was not suspended by any of that
    expect((await call("GET", "/v1/me", { token: tenant.accessToken })).status).toBe(200);
  });

  it("follow the role the database has now: a demoted admin's token stops opening them at once", async () => {
    const a = await signUpAdmin();
    expect((await call("GET", "/v1/admin/audit", { token: a.accessToken })).status).toBe(200);
    await env.DB.prepare("UPDATE users SET role = 'tenant' WHERE id = ?").bind(a.id).run();
    expect((await call("GET", "/v1/admin/audit", { token: a.accessToken })).status).toBe(404);
  });

  it("refuse a missing reason, an unknown user and a bad window with the failing fields", async () => {
    const a = await signUpAdmin();
    const tenant = await signUp("tenant");
    const noReason = await call("POST", `/v1/admin/users/${tenant.id}/suspend`, { token: a.accessToken, body: {} });
    expect(noReason.status).toBe(422);
    expect((await json(noReason)).errors[0].path).toBe("reason");
    expect((await post("/v1/admin/users/usr_0mh0a1b2c3d4e5f6g/suspend", a.accessToken)).status).toBe(404);
    expect((await post(`/v1/admin/users/${a.id}/suspend`, a.accessToken)).status).toBe(409);
    const window = await call("GET", "/v1/admin/metrics?from=2026-02-01&to=2026-01-01", { token: a.accessToken });
    expect(window.status).toBe(422);
    expect((await json(window)).errors.map((e: { path: string }) => e.path)).toContain("to");
    expect((await call("GET", "/v1/me", { token: tenant.accessToken })).status).toBe(200);
  });
});

describe("suspension", () => {
  it("stops a landlord's tokens on the next request, takes their listings out of search and releases holds on their rooms", async () => {
    const a = await signUpAdmin();
    const { landlord, property, room, tag } = await findableListing();
    const tenant = await signUp("tenant");
    const hold = await bookHeld(tenant.accessToken, { roomId: room.id, startDate: inDays(30), endDate: inDays(33) });

    const res = await post(`/v1/admin/users/${landlord.id}/suspend`, a.accessToken);
    expect(res.status).toBe(200);
    // the hold is released now, or (still on its way to the read model) as soon as it gets there
    expect(await json(res)).toMatchObject({ userId: landlord.id, reason: reason.reason, properties: 1 });

    // the very next request with the token they hold
    const refused = await call("GET", "/v1/me", { token: landlord.accessToken });
    expect(refused.status).toBe(403);
    expect((await json(refused)).code).toBe("account_suspended");
    const refresh = await call("POST", "/v1/auth/refresh", { body: { refreshToken: landlord.refreshToken } });
    expect(refresh.status).toBe(401);
    const login = await call("POST", "/v1/auth/login", {
      body: { email: landlord.email, password: landlord.password },
    });
    expect(login.status).toBe(403);
    expect((await json(login)).code).toBe("account_suspended");

    // their property and profile are gone from public view, the property refuses bookings; the hold on it was released
    expect((await call("GET", `/v1/properties/${property.id}`)).status).toBe(404);
    expect((await call("GET", `/v1/landlords/${landlord.id}`)).status).toBe(404);
    const other = await signUp("tenant");
    const booking = await call("POST", "/v1/bookings", {
      token: other.accessToken,
      headers: { "idempotency-key": crypto.randomUUID() },
      body: { roomId: room.id, startDate: inDays(40), endDate: inDays(42) },
    });
    expect(booking.status).toBe(404);
    await eventually(async () => (!(await found(tag)) ? true : undefined));
    await eventually(async () => {
      const released = await json(await call("GET", `/v1/bookings/${hold.id}`, { token: tenant.accessToken }));
      return released.status === "cancelled" ? true : undefined;
    });

    // lifted (a reason is optional here): they sign in again and the listing comes back
    expect((await call("POST", `/v1/admin/users/${landlord.id}/unsuspend`, { token: a.accessToken })).status).toBe(200);
    const again = await call("POST", "/v1/auth/login", {
      body: { email: landlord.email, password: landlord.password },
    });
    expect(again.status).toBe(200);
    await eventually(async () => ((await found(tag)) ? true : undefined));
    expect((await call("GET", `/v1/properties/${property.id}`)).status).toBe(200);
  });

  it("ends a tenant's own holds, and their token, at once", async () => {
    const a = await signUpAdmin();
    const { room } = await landlordWithRoom({ rentalMode: "nightly", price: { amount: 9000, currency: "EUR" } });
    const tenant = await signUp("tenant");
    const hold = await bookHeld(tenant.accessToken, { roomId: room.id, startDate: inDays(10), endDate: inDays(12) });
    expect((await call("GET", "/v1/me", { token: tenant.accessToken })).status).toBe(200);
    expect((await post(`/v1/admin/users/${tenant.id}/suspend`, a.accessToken)).status).toBe(200);
    expect((await call("GET", "/v1/bookings", { token: tenant.accessToken })).status).toBe(403);
    await eventually(async () => {
      const row = await env.DB.prepare("SELECT status FROM bookings WHERE id = ?")
        .bind(hold.id)
        .first<{ status: string }>();
      return row?.status === "cancelled" ? true : undefined;
    });
    // the room's units are free again for others
    const other = await signUp("tenant");
    await bookHeld(other.accessToken, { roomId: room.id, startDate: inDays(10), endDate: inDays(12), units: 2 });
  });
});

describe("hiding a property", () => {
  it("takes it out of search and public view, shows its owner why, and brings it back when unhidden", async () => {
    const a = await signUpAdmin();
    const { landlord, property, room, tag } = await findableListing();
    const hidden = await post(`/v1/admin/properties/${property.id}/hide`, a.accessToken);
    expect(hidden.status).toBe(200);
    expect(await json(hidden)).toMatchObject({ propertyId: property.id, reason: reason.reason });

    expect((await call("GET", `/v1/properties/${property.id}`)).status).toBe(404);
    expect((await call("GET", `/v1/rooms/${room.id}`)).status).toBe(404);
    const own = await json(await call("GET", `/v1/properties/${property.id}`, { token: landlord.accessToken }));
    expect(own.moderation).toMatchObject({ reason: reason.reason, ownerSuspended: false });
    const tenant = await signUp("tenant");
    const booking = await call("POST", "/v1/bookings", {
      token: tenant.accessToken,
      headers: { "idempotency-key": crypto.randomUUID() },
      body: { roomId: room.id, startDate: inDays(40), endDate: inDays(42) },
    });
    expect(booking.status).toBe(404);
    await eventually(async () => (!(await found(tag)) ? true : undefined));
    // the landlord still works on it
    expect((await call("GET", "/v1/me", { token: landlord.accessToken })).status).toBe(200);

    expect((await post(`/v1/admin/properties/${property.id}/unhide`, a.accessToken)).status).toBe(200);
    await eventually(async () => ((await found(tag)) ? true : undefined));
    expect((await json(await call("GET", `/v1/properties/${property.id}`))).moderation).toBeUndefined();
  });
});

describe("deleting a review", () => {
  it("removes it from the property's reviews and rating; a second delete is 404", async () => {
    const a = await signUpAdmin();
    const { tenant, landlord, booking, property, move } = await stayed(1);
    await move();
    const write = (token: string, comment: string) =>
      call("POST", `/v1/bookings/${booking.id}/reviews`, { token, body: { rating: 1, comment } });
    const review = await json(await write(tenant.accessToken, "Abusive words here"));
    await write(landlord.accessToken, "Fine tenant");
    const before = await json(await call("GET", `/v1/properties/${property.id}/reviews`));
    expect(before.items.map((r: { id: string }) => r.id)).toContain(review.id);

    const res = await call("DELETE", `/v1/admin/reviews/${review.id}`, { token: a.accessToken, body: reason });
    expect(res.status).toBe(204);
    const after = await json(await call("GET", `/v1/properties/${property.id}/reviews`));
    expect(after.items.map((r: { id: string }) => r.id)).not.toContain(review.id);
    expect(after.rating.count).toBe(before.rating.count - 1);
    expect((await call("DELETE", `/v1/admin/reviews/${review.id}`, { token: a.accessToken })).status).toBe(404);
    // gone for good: its author cannot write it again, and its own booking no longer shows it
    const again = await write(tenant.accessToken, "Abusive words here");
    expect(again.status).toBe(409);
    expect((await json(again)).code).toBe("review_exists");
    const mine = await json(await call("GET", `/v1/bookings/${booking.id}/reviews`, { token: tenant.accessToken }));
    expect(mine.items.map((r: { id: string }) => r.id)).not.toContain(review.id);
  });
});

describe("audit log", () => {
  it("lists every admin action with who, what, why and when, newest first, and refuses edits", async () => {
    const a = await signUpAdmin();
    const { property } = await findableListing();
    await post(`/v1/admin/properties/${property.id}/hide`, a.accessToken);
    await post(`/v1/admin/properties/${property.id}/unhide`, a.accessToken, { reason: "Checked: genuine" });
    const page = await json(
      await call("GET", `/v1/admin/audit?subject=${property.id}&limit=1`, { token: a.accessToken }),
    );
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ actorId: a.id, action: "property.unhide", reason: "Checked: genuine" });
    const next = await json(
      await call("GET", `/v1/admin/audit?subject=${property.id}&cursor=${page.nextCursor}`, { token: a.accessToken }),
    );
    expect(next.items.map((e: { action: string }) => e.action)).toEqual(["property.hide"]);
    expect(next.nextCursor).toBeNull();
    expect(Date.parse(next.items[0].at)).toBeLessThanOrEqual(Date.parse(page.items[0].at));

    // append-only: the database itself refuses to change or remove an entry
    await expect(pgQuery("UPDATE audit_log SET action = 'x' WHERE subject = $1", [property.id])).rejects.toThrow(
      /append-only/,
    );
    await expect(pgQuery("DELETE FROM audit_log WHERE subject = $1", [property.id])).rejects.toThrow(/append-only/);
    expect(await pgQuery("SELECT id FROM audit_log WHERE subject = $1", [property.id])).toHaveLength(2);
  });
});

describe("metrics", () => {
  const window = () => ({ from: inDays(-1), to: inDays(2) });

  /** Reads the metrics and `direct` in between two equal reads, so no other test's write falls between them. */
  async function steady<T>(token: string, direct: () => Promise<T>) {
    const { from, to } = window();
    const read = async () => json(await call("GET", `/v1/admin/metrics?from=${from}&to=${to}`, { token }));
    return eventually(async () => {
      const first = await read();
      const truth = await direct();
      const second = await read();
      return JSON.stringify(first) === JSON.stringify(second) ? { metrics: first, truth } : undefined;
    });
  }

  it("reconcile rent with the ledger and the invoices and payments behind it", async () => {
    const a = await signUpAdmin();
    // NOK: no other test bills in it, so its figures are this test's alone
    const { lease } = await leased({
      price: { amount: 700000, currency: "NOK" },
      deposit: { amount: 700000, currency: "NOK" },
    });
    const { from, to } = window();
    const since = `${from}T00:00:00Z`;
    const until = `${to}T00:00:00Z`;
    const { metrics, truth } = await steady(a.accessToken, async () => ({
      receivable: await pgQuery<{ kind: string; total: string }>(
        `SELECT t.kind, sum(e.amount) AS total FROM ledger_entries e
           JOIN ledger_accounts acc ON acc.id = e.account_id JOIN ledger_transactions t ON t.id = e.transaction_id
          WHERE acc.kind = 'tenant_receivable' AND e.currency = 'NOK' AND t.posted_at >= $1 AND t.posted_at < $2
          GROUP BY t.kind`,
        [since, until],
      ),
      invoiced: await pgQuery<{ total: string }>(
        "SELECT coalesce(sum(rent_amount), 0) AS total FROM invoices WHERE currency = 'NOK' AND voided_at IS NULL AND issued_at >= $1 AND issued_at < $2",
        [since, until],
      ),
      paid: await pgQuery<{ total: string }>(
        "SELECT coalesce(sum(amount), 0) AS total FROM payments WHERE currency = 'NOK' AND created_at >= $1 AND created_at < $2",
        [since, until],
      ),
    }));
    const byKind = Object.fromEntries(truth.receivable.map((r) => [r.kind, Number(r.total)]));
    expect(lease.rent.amount).toBe(700000);
    expect(metrics.rent.billed.NOK).toBe(Number(truth.invoiced[0]!.total));
    expect(metrics.rent.billed.NOK).toBe((byKind.invoice ?? 0) + (byKind.late_fee ?? 0));
    expect(metrics.rent.billed.NOK).toBeGreaterThanOrEqual(700000);
    expect(metrics.rent.collected.NOK).toBe(Number(truth.paid[0]!.total));
    expect(metrics.rent.collected.NOK).toBe(-(byKind.payment ?? 0));
    expect(metrics.rent.platformFees.NOK).toBe(Math.floor((metrics.rent.billed.NOK * 300) / 10_000));
  });

  it("count bookings, their value, new users and occupancy as the read models hold them", async () => {
    const a = await signUpAdmin();
    const { room } = await landlordWithRoom({
      rentalMode: "nightly",
      price: { amount: 12000, currency: "SEK" },
      deposit: { amount: 0, currency: "SEK" },
    });
    const tenant = await signUp("tenant");
    const held = await bookHeld(tenant.accessToken, { roomId: room.id, startDate: inDays(0), endDate: inDays(2) });
    // search's availability projection takes the hold in from the calendar's events
    await eventually(async () =>
      (await env.DB.prepare("SELECT units FROM room_nights WHERE room_id = ?").bind(room.id).first())
        ? true
        : undefined,
    );
    const { from, to } = window();
    const q = (text: string, ...params: unknown[]) =>
      env.DB.prepare(text)
        .bind(...params)
        .all<{ k: string; n: number }>()
        .then((r) => Object.fromEntries(r.results.map((row) => [row.k, row.n])));
    const { metrics, truth } = await steady(a.accessToken, async () => ({
      statuses: await q(
        "SELECT status AS k, count(*) AS n FROM bookings WHERE created_at >= ? AND created_at < ? GROUP BY status",
        `${from}T00:00:00.000Z`,
        `${to}T00:00:00.000Z`,
      ),
      roles: await q(
        "SELECT role AS k, count(*) AS n FROM users WHERE created_at >= ? AND created_at < ? GROUP BY role",
        `${from}T00:00:00.000Z`,
        `${to}T00:00:00.000Z`,
      ),
      nights: await q(
        `SELECT 'n' AS k, coalesce(sum(n.units), 0) AS n FROM room_nights n
           JOIN rooms r ON r.id = n.room_id JOIN properties p ON p.id = r.property_id
          WHERE n.day >= ? AND n.day < ? AND r.status = 'active' AND p.status = 'active'
            AND p.hidden_at IS NULL AND p.owner_suspended_at IS NULL`,
        from,
        to,
      ),
    }));
    expect(metrics.bookings.byStatus).toEqual(truth.statuses);
    expect(metrics.bookings.byStatus.held).toBeGreaterThanOrEqual(1);
    expect(metrics.newUsers).toMatchObject(truth.roles);
    expect(metrics.newUsers.admin).toBeGreaterThanOrEqual(1);
    expect(metrics.occupancy.bookedUnitNights).toBe(truth.nights.n);
    expect(metrics.occupancy.availableUnitNights).toBeGreaterThan(0);
    expect(metrics.occupancy.rate).toBeGreaterThan(0);
    // the hold is not confirmed: no value yet in SEK
    expect(metrics.bookings.grossValue.SEK ?? 0).toBe(0);
    expect(held.status).toBe("held");
  });
});
