import { describe, expect, it } from "vitest";
import { wallClockToInstant } from "../../workers/domain/dates";
import { freeSlots, offeredSlots, type ViewingHours } from "../../workers/domain/viewing-slots";

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);
const hours = (over: Partial<ViewingHours> = {}): ViewingHours => ({
  slotMinutes: 60,
  bufferMinutes: 0,
  minNoticeHours: 0,
  horizonDays: 180,
  windows: [{ weekday: 0, start: "01:00", end: "04:00" }],
  ...over,
});

describe("wall-clock time to an instant", () => {
  it("follows the offset of the day, skips a time the clock jumps over, takes the first of a repeated one", () => {
    expect(iso(wallClockToInstant("2027-07-04", 600, "Europe/Berlin")!)).toBe("2027-07-04T08:00:00.000Z");
    expect(iso(wallClockToInstant("2027-01-03", 600, "Europe/Berlin")!)).toBe("2027-01-03T09:00:00.000Z");
    // 28 March 2027: Berlin's clocks go from 02:00 to 03:00.
    expect(wallClockToInstant("2027-03-28", 150, "Europe/Berlin")).toBeNull();
    // 31 October 2027: 02:30 happens twice in Berlin; the first is still summer time.
    expect(iso(wallClockToInstant("2027-10-31", 150, "Europe/Berlin")!)).toBe("2027-10-31T00:30:00.000Z");
    expect(iso(wallClockToInstant("2027-03-14", 600, "America/New_York")!)).toBe("2027-03-14T14:00:00.000Z");
  });
});

describe("viewing slots", () => {
  it("are the same local times on either side of a DST change, and none in the skipped hour", () => {
    const sundays = { from: at("2027-03-21T00:00:00Z"), to: at("2027-04-05T00:00:00Z") };
    const starts = offeredSlots(hours(), "Europe/Berlin", sundays.from, sundays.to).map((s) => iso(s.start));
    expect(starts).toEqual([
      "2027-03-21T00:00:00.000Z", // 01:00, 02:00, 03:00 CET
      "2027-03-21T01:00:00.000Z",
      "2027-03-21T02:00:00.000Z",
      "2027-03-28T00:00:00.000Z", // 01:00 CET; 02:00 does not exist that night
      "2027-03-28T01:00:00.000Z", // 03:00 CEST
      "2027-04-03T23:00:00.000Z", // 01:00, 02:00, 03:00 CEST
      "2027-04-04T00:00:00.000Z",
      "2027-04-04T01:00:00.000Z",
    ]);
  });

  it("in New York move by an hour of UTC across the March change", () => {
    const h = hours({ windows: [{ weekday: 0, start: "10:00", end: "11:00" }] });
    const starts = offeredSlots(h, "America/New_York", at("2027-03-07T00:00:00Z"), at("2027-03-15T00:00:00Z"));
    expect(starts.map((s) => iso(s.start))).toEqual(["2027-03-07T15:00:00.000Z", "2027-03-14T14:00:00.000Z"]);
  });

  it("keep the notice, the horizon and the buffer around booked viewings", () => {
    const h = hours({
      slotMinutes: 30,
      bufferMinutes: 15,
      minNoticeHours: 24,
      horizonDays: 7,
      windows: [{ weekday: 1, start: "09:00", end: "11:00" }],
    });
    const now = at("2027-06-06T08:00:00Z"); // a Sunday
    const range = { from: now, to: now + 30 * 86_400_000 };
    const free = (booked: { start: number; end: number }[], from = now) =>
      freeSlots(h, "UTC", range, from, booked).map((s) => iso(s.start));
    // Monday 7 June only: Monday 14 June is past the 7-day horizon.
    expect(free([])).toEqual([
      "2027-06-07T09:00:00.000Z",
      "2027-06-07T09:30:00.000Z",
      "2027-06-07T10:00:00.000Z",
      "2027-06-07T10:30:00.000Z",
    ]);
    // 09:30–10:00 booked: 09:00 and 10:00 are within 15 minutes of it.
    expect(free([{ start: at("2027-06-07T09:30:00Z"), end: at("2027-06-07T10:00:00Z") }])).toEqual([
      "2027-06-07T10:30:00.000Z",
    ]);
    // 24 hours' notice: a slot exactly 24 h ahead may be booked, one a second less may not.
    expect(free([], at("2027-06-06T09:00:00Z"))).toHaveLength(4);
    expect(free([], at("2027-06-06T09:00:01Z"))[0]).toBe("2027-06-07T09:30:00.000Z");
  });
});
