import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, eventually, json, landlordWithRoom, signUp } from "./helpers";

/** The same window on every day of the week. */
const everyDay = (start: string, end: string) => [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start, end }));

/** Every weekday, all day in Lisbon time, 30-minute slots: there is always a slot soon. */
const ALWAYS = {
  slotMinutes: 30,
  bufferMinutes: 0,
  minNoticeHours: 0,
  horizonDays: 14,
  windows: everyDay("00:00", "24:00"),
};

async function roomWithHours(hours: Record<string, unknown> = ALWAYS, propertyFields: Record<string, unknown> = {}) {
  const { landlord, room, property } = await landlordWithRoom({}, propertyFields);
  const res = await call("PUT", `/v1/rooms/${room.id}/viewing-hours`, { token: landlord.accessToken, body: hours });
  expect(res.status).toBe(200);
  return { landlord, roomId: room.id as string, property };
}

/** Free slots from now for `days` days, asked as instants so the answer does not depend on the time of day. */
async function slots(roomId: string, days = 2): Promise<{ start: string; end: string }[]> {
  const from = new Date().toISOString();
  const to = new Date(Date.now() + days * 86_400_000).toISOString();
  const res = await call("GET", `/v1/rooms/${roomId}/viewing-slots?from=${from}&to=${to}`);
  expect(res.status).toBe(200);
  return (await json(res)).slots;
}

/** The viewing reminders a user has been sent, once there is one. */
function remindersTo(token: string): Promise<any[]> {
  return eventually(async () => {
    const items = (await json(await call("GET", "/v1/notifications", { token }))).items;
    const hit = items.filter((n: any) => n.kind === "viewing.reminder");
    return hit.length > 0 ? hit : undefined;
  });
}

function bookViewing(token: string, roomId: string, start: string, key = crypto.randomUUID()) {
  return call("POST", `/v1/rooms/${roomId}/viewings`, { token, body: { start }, headers: { "idempotency-key": key } });
}

describe("viewing hours", () => {
  it("are set by the room's landlord only, validated, and read back", async () => {
    const { landlord, roomId } = await roomWithHours();
    const stranger = await signUp("landlord");
    expect(
      (await call("PUT", `/v1/rooms/${roomId}/viewing-hours`, { token: stranger.accessToken, body: ALWAYS })).status,
    ).toBe(404);
    const tenant = await signUp("tenant");
    expect(
      (await call("PUT", `/v1/rooms/${roomId}/viewing-hours`, { token: tenant.accessToken, body: ALWAYS })).status,
    ).toBe(403);
    const bad = await call("PUT", `/v1/rooms/${roomId}/viewing-hours`, {
      token: landlord.accessToken,
      body: { ...ALWAYS, slotMinutes: 10, windows: [{ weekday: 7, start: "12:00", end: "11:00" }] },
    });
    expect(bad.status).toBe(422);
    const paths = (await json(bad)).errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["slotMinutes", "windows.0.weekday"]));
    expect(await json(await call("GET", `/v1/rooms/${roomId}/viewing-hours`))).toMatchObject({ slotMinutes: 30 });
  });
});

/** The UTC offset of `zone` at `at`, as "GMT+01:00". */
function offsetOf(zone: string, at: Date): string {
  const part = new Intl.DateTimeFormat("en-GB", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(at)
    .find((p) => p.type === "timeZoneName");
  return part!.value;
}

/** A zone whose clocks change between 2 and 170 days from now, and the day they do: one of these always does. */
function nextClockChange(): { zone: string; day: Date } {
  const zones = ["Europe/Lisbon", "America/New_York", "Australia/Sydney", "Pacific/Auckland", "America/Santiago"];
  for (let d = 2; d < 170; d++)
    for (const zone of zones) {
      const day = new Date(Date.now() + d * 86_400_000);
      if (offsetOf(zone, day) !== offsetOf(zone, new Date(day.getTime() - 86_400_000))) return { zone, day };
    }
  throw new Error("no clock change within 170 days in the test zones");
}

describe("viewing slots across a clock change", () => {
  it("stay at the same local time on both sides, at instants an hour apart in UTC terms", async () => {
    const { zone, day } = nextClockChange();
    const hours = { ...ALWAYS, slotMinutes: 60, horizonDays: 180, windows: everyDay("10:00", "11:00") };
    const { roomId } = await roomWithHours(hours, { timezone: zone });
    const from = new Date(day.getTime() - 3 * 86_400_000).toISOString();
    const to = new Date(day.getTime() + 3 * 86_400_000).toISOString();
    const res = await call("GET", `/v1/rooms/${roomId}/viewing-slots?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    const found: { start: string; end: string }[] = (await json(res)).slots;
    expect(found.length).toBeGreaterThanOrEqual(5);
    const local = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    for (const slot of found) {
      expect(local.format(new Date(slot.start))).toBe("10:00");
      expect(new Date(slot.end).getTime() - new Date(slot.start).getTime()).toBe(3_600_000);
    }
    const utcTimes = new Set(found.map((s) => s.start.slice(11, 16)));
    expect(utcTimes.size).toBe(2);
    expect(new Set(found.map((s) => offsetOf(zone, new Date(s.start)))).size).toBe(2);
  });
});

describe("viewings", () => {
  it("give exactly one of twenty simultaneous requests for one slot; the rest are told slot_taken", async () => {
    const { roomId } = await roomWithHours();
    const [slot] = await slots(roomId);
    const tenants = await Promise.all(Array.from({ length: 20 }, () => signUp("tenant")));
    const answers = await Promise.all(tenants.map((t) => bookViewing(t.accessToken, roomId, slot!.start)));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(409)]);
    const codes = await Promise.all(answers.filter((r) => r.status === 409).map(async (r) => (await json(r)).code));
    expect(new Set(codes)).toEqual(new Set(["slot_taken"]));
    expect((await slots(roomId)).some((s) => s.start === slot!.start)).toBe(false);
  });

  it("replay a retried request under its key, and allow a tenant two future viewings per room", async () => {
    const { roomId } = await roomWithHours();
    const tenant = await signUp("tenant");
    const free = await slots(roomId);
    const first = await bookViewing(tenant.accessToken, roomId, free[0]!.start, "viewing-key-1");
    expect(first.status).toBe(201);
    const again = await bookViewing(tenant.accessToken, roomId, free[0]!.start, "viewing-key-1");
    expect((await json(again)).id).toBe((await json(first)).id);
    expect((await bookViewing(tenant.accessToken, roomId, free[1]!.start)).status).toBe(201);
    const third = await bookViewing(tenant.accessToken, roomId, free[2]!.start);
    expect(third.status).toBe(409);
    expect((await json(third)).code).toBe("too_many_viewings");
    expect(
      (
        await call("POST", `/v1/rooms/${roomId}/viewings`, {
          token: tenant.accessToken,
          body: { start: free[3]!.start },
        })
      ).status,
    ).toBe(428);
  });

  it("refuse a start that is no slot, too soon for the notice, or past the horizon", async () => {
    const { roomId } = await roomWithHours({ ...ALWAYS, minNoticeHours: 48, horizonDays: 5 });
    const tenant = await signUp("tenant");
    const offered = await slots(roomId, 10);
    expect(new Date(offered[0]!.start).getTime()).toBeGreaterThanOrEqual(Date.now() + 48 * 3_600_000 - 60_000);
    expect(new Date(offered.at(-1)!.start).getTime()).toBeLessThan(Date.now() + 5 * 86_400_000);
    const offSlot = new Date(new Date(offered[0]!.start).getTime() + 10 * 60_000).toISOString();
    const tooSoon = new Date(Math.floor(Date.now() / 1_800_000) * 1_800_000 + 3_600_000).toISOString();
    for (const start of [offSlot, tooSoon]) {
      const res = await bookViewing(tenant.accessToken, roomId, start);
      expect(res.status).toBe(422);
      expect((await json(res)).errors[0].path).toBe("start");
    }
  });

  it("keep the buffer around a booked viewing free of others", async () => {
    const { roomId } = await roomWithHours({ ...ALWAYS, bufferMinutes: 30 });
    const tenant = await signUp("tenant");
    const before = await slots(roomId);
    const taken = before[2]!;
    expect((await bookViewing(tenant.accessToken, roomId, taken.start)).status).toBe(201);
    const after = (await slots(roomId)).map((s) => s.start);
    expect(after).not.toContain(before[1]!.start);
    expect(after).not.toContain(before[3]!.start);
    expect(after).toContain(before[0]!.start);
    expect(after).toContain(before[4]!.start);
  });

  it("are listed to both parties, hidden from others, and cancelled by either, which frees the slot", async () => {
    const { landlord, roomId } = await roomWithHours();
    const tenant = await signUp("tenant");
    const stranger = await signUp("tenant");
    const [slot] = await slots(roomId);
    const viewing = await json(await bookViewing(tenant.accessToken, roomId, slot!.start));
    expect(viewing).toMatchObject({ roomId, tenantId: tenant.id, landlordId: landlord.id, status: "scheduled" });

    expect((await call("GET", `/v1/viewings/${viewing.id}`, { token: stranger.accessToken })).status).toBe(404);
    expect((await call("POST", `/v1/viewings/${viewing.id}/cancel`, { token: stranger.accessToken })).status).toBe(404);
    for (const who of [tenant, landlord]) {
      const mine = await eventually(async () => {
        const items = (await json(await call("GET", "/v1/viewings", { token: who.accessToken }))).items;
        return items.length > 0 ? items : undefined;
      });
      expect(mine.map((v: any) => v.id)).toEqual([viewing.id]);
    }
    const cancelled = await call("POST", `/v1/viewings/${viewing.id}/cancel`, { token: landlord.accessToken });
    expect(await json(cancelled)).toMatchObject({ status: "cancelled", cancelledBy: landlord.id });
    expect((await call("POST", `/v1/viewings/${viewing.id}/cancel`, { token: tenant.accessToken })).status).toBe(200);
    expect((await slots(roomId)).some((s) => s.start === slot!.start)).toBe(true);
    await eventually(async () => {
      const [row] = (await json(await call("GET", "/v1/viewings", { token: tenant.accessToken }))).items;
      return row.status === "cancelled" ? true : undefined;
    });
    // Both parties heard of the booking and of the cancellation.
    for (const who of [tenant, landlord]) {
      const kinds = await eventually(async () => {
        const items = (await json(await call("GET", "/v1/notifications", { token: who.accessToken }))).items;
        return items.length >= 2 ? items.map((n: any) => n.kind) : undefined;
      });
      expect(kinds.sort()).toEqual(["viewing.booked", "viewing.cancelled"]);
    }
  });

  it("send the day-before reminder to both parties when its time comes, leaving the hour-before one", async () => {
    const { landlord, roomId } = await roomWithHours();
    const tenant = await signUp("tenant");
    const calendar = env.ROOM_CALENDAR.getByName(roomId);
    const later = (await slots(roomId, 3)).find((s) => Date.parse(s.start) > Date.now() + 48 * 3_600_000)!;
    const viewing = await json(await bookViewing(tenant.accessToken, roomId, later.start));
    // A day passes for the 24 h reminder: its due time moves to now, and the alarm runs.
    await runInDurableObject(calendar, (_o, state) => {
      state.storage.sql.exec(
        "UPDATE viewing_reminders SET due_at = ? WHERE viewing_id = ? AND before = '24h'",
        Date.now(),
        viewing.id,
      );
    });
    await runDurableObjectAlarm(calendar);
    for (const who of [tenant, landlord]) {
      const found = await remindersTo(who.accessToken);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ title: "Viewing in 24 h", data: { viewingId: viewing.id } });
    }
    const left = await runInDurableObject(calendar, (_o, state) =>
      state.storage.sql
        .exec<{ before: string }>("SELECT before FROM viewing_reminders WHERE viewing_id = ?", viewing.id)
        .toArray(),
    );
    expect(left).toEqual([{ before: "1h" }]);
  });

  it("keep a sitting tenant's 24 hours' notice when the landlord names none", async () => {
    const { minNoticeHours: _, ...noNotice } = ALWAYS;
    const { roomId } = await roomWithHours(noNotice);
    expect((await json(await call("GET", `/v1/rooms/${roomId}/viewing-hours`))).minNoticeHours).toBe(24);
    const first = (await slots(roomId, 3))[0]!;
    expect(Date.parse(first.start)).toBeGreaterThanOrEqual(Date.now() + 24 * 3_600_000 - 60_000);
  });

  it("remind both parties before the viewing, once each, and not after a cancellation", async () => {
    const { landlord, roomId } = await roomWithHours();
    const tenant = await signUp("tenant");
    const calendar = env.ROOM_CALENDAR.getByName(roomId);
    const reminders = (viewingId: string) =>
      runInDurableObject(calendar, (_o, state) =>
        state.storage.sql
          .exec<{ before: string; due_at: number }>(
            "SELECT before, due_at FROM viewing_reminders WHERE viewing_id = ?",
            viewingId,
          )
          .toArray(),
      );
    // A slot two hours ahead: the 24 h reminder is already past, the 1 h one is due an hour before it.
    const inTwoHours = (await slots(roomId)).find((s) => Date.parse(s.start) > Date.now() + 2 * 3_600_000)!;
    const viewing = await json(await bookViewing(tenant.accessToken, roomId, inTwoHours.start));
    expect(await reminders(viewing.id)).toEqual([{ before: "1h", due_at: Date.parse(inTwoHours.start) - 3_600_000 }]);

    // An hour passes (the reminder's due time moved to now), and the alarm runs, twice.
    await runInDurableObject(calendar, (_o, state) => {
      state.storage.sql.exec("UPDATE viewing_reminders SET due_at = ? WHERE viewing_id = ?", Date.now(), viewing.id);
    });
    await runDurableObjectAlarm(calendar);
    await runDurableObjectAlarm(calendar);
    for (const who of [tenant, landlord]) {
      const found = await remindersTo(who.accessToken);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ title: "Viewing in 1 h", data: { viewingId: viewing.id } });
    }
    expect(await reminders(viewing.id)).toEqual([]);

    // A viewing two days ahead has both reminders; cancelled, it has none.
    const later = (await slots(roomId, 3)).find((s) => Date.parse(s.start) > Date.now() + 48 * 3_600_000)!;
    const second = await json(await bookViewing(tenant.accessToken, roomId, later.start));
    expect((await reminders(second.id)).map((r) => r.before).sort()).toEqual(["1h", "24h"]);
    await call("POST", `/v1/viewings/${second.id}/cancel`, { token: tenant.accessToken });
    expect(await reminders(second.id)).toEqual([]);
  });
});
