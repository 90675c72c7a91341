import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HoldRequest, RoomCalendar } from "../../durable-objects/room-calendar";
import { addDays, eachDay } from "../../workers/domain/dates";

const TODAY = new Date().toISOString().slice(0, 10);
const calendar = () => env.ROOM_CALENDAR.getByName(`room_${crypto.randomUUID()}`);

function request(over: Partial<HoldRequest> & { startDate: string; endDate: string }): HoldRequest {
  return {
    bookingId: `bkg_${crypto.randomUUID()}`,
    tenantId: "usr_t",
    units: 1,
    today: TODAY,
    holdMs: 15 * 60_000,
    room: { capacity: 2, minNights: null, maxNights: null },
    ...over,
  };
}

/** Units taken per day, computed from the holds the calendar reports, and from its availability. */
async function checkInvariant(
  stub: DurableObjectStub<RoomCalendar>,
  bookingIds: string[],
  capacity: number,
  from: string,
  to: string,
) {
  const taken = new Map<string, number>();
  for (const id of bookingIds) {
    const hold = await stub.getHold(id);
    if (hold && (hold.status === "held" || hold.status === "confirmed")) {
      for (const day of eachDay(hold.startDate, hold.endDate)) taken.set(day, (taken.get(day) ?? 0) + hold.units);
    }
  }
  const availability = await stub.availability(from, to, { capacity, minNights: null, maxNights: null });
  for (const { date, available } of availability) {
    const used = taken.get(date) ?? 0;
    expect(used, `${date} over capacity`).toBeLessThanOrEqual(capacity);
    expect(capacity - available, `${date} usage table drifted`).toBe(used);
  }
}

describe("RoomCalendar holds", () => {
  it("never puts a day over capacity, and adjacent half-open ranges do not overlap", async () => {
    const stub = calendar();
    const d = (n: number) => addDays(TODAY, n);
    expect((await stub.hold(request({ startDate: d(1), endDate: d(5), units: 2 }))).ok).toBe(true);
    const adjacent = await stub.hold(request({ startDate: d(5), endDate: d(8), units: 2 }));
    expect(adjacent.ok).toBe(true);
    const overlapping = await stub.hold(request({ startDate: d(4), endDate: d(6) }));
    expect(overlapping).toMatchObject({ ok: false, code: "room_unavailable" });
    const days = await stub.availability(d(0), d(9), { capacity: 2, minNights: null, maxNights: null });
    expect(days.map((x) => x.available)).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 2]);
  });

  it("gives 200 simultaneous holds on a room of capacity 2 exactly 2 successes", async () => {
    const stub = calendar();
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        stub.hold(request({ startDate: addDays(TODAY, 10), endDate: addDays(TODAY, 12) })),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.filter((r) => !r.ok && r.code === "room_unavailable")).toHaveLength(198);
  });

  it("keeps every day within capacity for random concurrent overlapping ranges (many seeds)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(
          fc.record({
            start: fc.integer({ min: 0, max: 30 }),
            nights: fc.integer({ min: 1, max: 10 }),
            units: fc.integer({ min: 1, max: 3 }),
            then: fc.constantFrom("keep", "confirm", "release"),
          }),
          { minLength: 5, maxLength: 40 },
        ),
        async (capacity, ops) => {
          const stub = calendar();
          const room = { capacity, minNights: null, maxNights: null };
          const reqs = ops.map((o) =>
            request({
              startDate: addDays(TODAY, o.start),
              endDate: addDays(TODAY, o.start + o.nights),
              units: o.units,
              room,
            }),
          );
          await Promise.all(reqs.map((r) => stub.hold(r)));
          await Promise.all(
            reqs.map((r, i) =>
              ops[i]!.then === "confirm"
                ? stub.confirm(r.bookingId)
                : ops[i]!.then === "release"
                  ? stub.release(r.bookingId, "cancelled")
                  : null,
            ),
          );
          await Promise.all(reqs.map((r) => stub.hold({ ...r, bookingId: `${r.bookingId}-again` })));
          await checkInvariant(
            stub,
            reqs.flatMap((r) => [r.bookingId, `${r.bookingId}-again`]),
            capacity,
            TODAY,
            addDays(TODAY, 42),
          );
        },
      ),
      { numRuns: 40, seed: 20261121 },
    );
  });

  it("is idempotent on the booking id", async () => {
    const stub = calendar();
    const req = request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 3) });
    const [a, b] = await Promise.all([stub.hold(req), stub.hold(req)]);
    expect(a).toEqual(b);
    const days = await stub.availability(addDays(TODAY, 1), addDays(TODAY, 2), req.room);
    expect(days[0]!.available).toBe(1);
  });

  it("will not take an ended hold again under its old booking id", async () => {
    const stub = calendar();
    const req = request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 3) });
    await stub.hold(req);
    expect((await stub.release(req.bookingId, "payment_failed")).previous).toBe("held");
    expect(await stub.hold(req)).toMatchObject({ ok: false, code: "room_unavailable" });
    expect((await stub.getHold(req.bookingId))?.status).toBe("payment_failed");
    expect((await stub.availability(addDays(TODAY, 1), addDays(TODAY, 3), req.room)).map((d) => d.available)).toEqual([
      2, 2,
    ]);
  });

  it("remembers that a cancelled booking had been confirmed, and keeps a started one for notice", async () => {
    const stub = calendar();
    const req = request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 30) });
    await stub.hold(req);
    await stub.confirm(req.bookingId);
    const started = await stub.release(req.bookingId, "cancelled", { startedBy: addDays(TODAY, 1) });
    expect(started).toMatchObject({ previous: "confirmed", refused: "started", hold: { status: "confirmed" } });
    const cancelled = await stub.release(req.bookingId, "cancelled", { startedBy: TODAY });
    expect(cancelled.hold).toMatchObject({ status: "cancelled", confirmedAt: expect.any(String) });
    expect((await stub.confirm(req.bookingId)).hold?.confirmedAt).toEqual(cancelled.hold?.confirmedAt);
  });

  it("refuses past dates, the far future, and stays outside min/max nights", async () => {
    const stub = calendar();
    const room = { capacity: 1, minNights: 3, maxNights: 10 };
    expect(await stub.hold(request({ startDate: addDays(TODAY, -1), endDate: addDays(TODAY, 3), room }))).toMatchObject(
      { ok: false, code: "invalid_range" },
    );
    expect(
      await stub.hold(request({ startDate: addDays(TODAY, 800), endDate: addDays(TODAY, 805), room })),
    ).toMatchObject({ ok: false, code: "invalid_range" });
    expect(await stub.hold(request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 3), room }))).toMatchObject({
      ok: false,
      code: "invalid_range",
    });
    expect(await stub.hold(request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 12), room }))).toMatchObject(
      { ok: false, code: "invalid_range" },
    );
    expect((await stub.hold(request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 4), room }))).ok).toBe(
      true,
    );
  });
});

describe("RoomCalendar expiry", () => {
  it("expires a hold by alarm exactly once, even when the alarm runs twice", async () => {
    const stub = calendar();
    const room = { capacity: 2, minNights: null, maxNights: null };
    const short = request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 3), holdMs: 60_000, room });
    const long = request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 3), room });
    await stub.hold(short);
    await stub.hold(long);
    // its time runs out (without waiting a minute), then the scheduled alarm fires
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, short.bookingId);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, (instance: RoomCalendar) => instance.alarm());
    expect((await stub.getHold(short.bookingId))?.status).toBe("expired");
    expect((await stub.getHold(long.bookingId))?.status).toBe("held");
    const days = await stub.availability(addDays(TODAY, 1), addDays(TODAY, 3), room);
    expect(days.map((d) => d.available)).toEqual([1, 1]);
    expect((await stub.confirm(short.bookingId)).ok).toBe(false);
    expect((await stub.release(short.bookingId, "cancelled")).previous).toBe("expired");
    expect((await stub.availability(addDays(TODAY, 1), addDays(TODAY, 2), room))[0]!.available).toBe(1);
  });

  it("will not confirm a hold whose time is up even before the alarm ran", async () => {
    const stub = calendar();
    const req = request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 2), holdMs: 60_000 });
    await stub.hold(req);
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, req.bookingId);
    });
    expect(await stub.confirm(req.bookingId)).toMatchObject({ ok: false, code: "hold_not_active" });
    expect((await stub.getHold(req.bookingId))?.status).toBe("expired");
  });

  it("expires a hold once when its alarm fires after an eviction", async () => {
    const stub = calendar();
    const req = request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 2), holdMs: 60_000 });
    await stub.hold(req);
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE booking_id = ?", Date.now() - 1, req.bookingId);
    });
    await evictDurableObject(stub);
    await runDurableObjectAlarm(stub);
    await runDurableObjectAlarm(stub);
    expect((await stub.getHold(req.bookingId))?.status).toBe("expired");
    expect((await stub.availability(addDays(TODAY, 1), addDays(TODAY, 2), req.room))[0]!.available).toBe(2);
  });

  it("upgrades the storage of an object created by older code on its next start", async () => {
    const stub = calendar();
    const req = request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 2) });
    const paid = request({ startDate: addDays(TODAY, 3), endDate: addDays(TODAY, 4) });
    await stub.hold(req);
    await stub.hold(paid);
    await stub.confirm(paid.bookingId);
    await runInDurableObject(stub, (_i, state) => {
      // what the first version of the object had: no confirmed_at, nothing of the later steps
      state.storage.sql.exec("ALTER TABLE holds DROP COLUMN confirmed_at");
      for (const column of ["booking", "payment_intent_id", "client_secret"])
        state.storage.sql.exec(`ALTER TABLE holds DROP COLUMN ${column}`);
      state.storage.sql.exec("ALTER TABLE outbox DROP COLUMN at");
      state.storage.sql.exec("DROP TABLE terms");
      state.storage.sql.exec("DROP TABLE requests");
      for (const table of ["viewing_hours", "viewings", "viewing_reminders"])
        state.storage.sql.exec(`DROP TABLE ${table}`);
      state.storage.sql.exec("DROP TABLE schema_version");
    });
    await evictDurableObject(stub);
    // a booking the old code confirmed still counts as paid
    expect((await stub.getHold(paid.bookingId))?.confirmedAt).toEqual(expect.any(String));
    expect(await stub.confirm(req.bookingId)).toMatchObject({
      ok: true,
      hold: { status: "confirmed", confirmedAt: expect.any(String) },
    });
  });

  it("keeps its state across eviction", async () => {
    const stub = calendar();
    const req = request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 4), units: 2 });
    await stub.hold(req);
    await stub.confirm(req.bookingId);
    await evictDurableObject(stub);
    expect((await stub.getHold(req.bookingId))?.status).toBe("confirmed");
    expect(await stub.hold(request({ startDate: addDays(TODAY, 2), endDate: addDays(TODAY, 3) }))).toMatchObject({
      ok: false,
      code: "room_unavailable",
    });
  });
});

describe("RoomCalendar capacity changes", () => {
  it("refuses a capacity cut below booked days and reports them", async () => {
    const stub = calendar();
    const room = { capacity: 3, minNights: null, maxNights: null };
    await stub.configure(room);
    const req = request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 3), units: 2, room });
    await stub.hold(req);
    await stub.confirm(req.bookingId);
    expect(await stub.configure({ ...room, capacity: 1 })).toEqual({
      ok: false,
      code: "capacity_conflict",
      days: [
        { date: addDays(TODAY, 1), taken: 2 },
        { date: addDays(TODAY, 2), taken: 2 },
      ],
    });
    expect(await stub.configure({ ...room, capacity: 2 })).toEqual({ ok: true });
    expect(await stub.hold(request({ startDate: addDays(TODAY, 1), endDate: addDays(TODAY, 2), room }))).toMatchObject({
      ok: false,
    });
  });
});

describe("RoomCalendar terms", () => {
  const terms = (over: Record<string, unknown> = {}) => ({
    version: new Date().toISOString(),
    active: true,
    roomId: "room_0000000000000000t",
    propertyId: "prop_0000000000000000t",
    ownerId: "usr_0000000000000000t",
    timezone: "Europe/Lisbon",
    rentalMode: "nightly" as const,
    priceAmount: 5000,
    depositAmount: 0,
    currency: "EUR",
    capacity: 2,
    minNights: null,
    maxNights: null,
    ...over,
  });

  it("prices and holds a booking from its own terms, refuses a rental-mode change while it lives, ignores older versions", async () => {
    const stub = calendar();
    expect(await stub.setTerms(terms())).toEqual({ ok: true });
    const booked = await stub.book({
      key: "key-terms-1",
      requestHash: "h",
      tenantId: "usr_t",
      startDate: addDays(TODAY, 3),
      endDate: addDays(TODAY, 5),
      units: 1,
      holdMs: 60_000,
    });
    expect(booked).toMatchObject({ ok: true, booking: { amountDue: 10000, currency: "EUR", status: "held" } });
    const later = new Date(Date.now() + 1000).toISOString();
    expect(await stub.setTerms(terms({ version: later, rentalMode: "monthly" }))).toEqual({
      ok: false,
      code: "rental_mode_locked",
      liveBookings: 1,
    });
    // an older push never overwrites newer terms
    expect(await stub.setTerms(terms({ version: "2000-01-01T00:00:00.000Z", priceAmount: 1 }))).toEqual({ ok: true });
    const second = await stub.book({
      key: "key-terms-2",
      requestHash: "h",
      tenantId: "usr_t",
      startDate: addDays(TODAY, 3),
      endDate: addDays(TODAY, 4),
      units: 1,
      holdMs: 60_000,
    });
    expect(second).toMatchObject({ ok: true, booking: { amountDue: 5000 } });
  });
});
