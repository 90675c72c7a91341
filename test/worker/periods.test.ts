import { describe, expect, it } from "vitest";
import { startOfDayIn, todayIn } from "../../workers/domain/dates";
import { lateFeeSteps } from "../../workers/domain/late-fees";
import { platformFee } from "../../workers/domain/ledger";
import { periodRent, periodStart, periodsDue } from "../../workers/domain/periods";

describe("billing periods", () => {
  it("bills on the start day, and on the last day of months too short for it", () => {
    const terms = { startDate: "2027-01-31", billingDay: 31, endDate: null };
    expect([0, 1, 2, 3, 13].map((k) => periodStart(terms, k))).toEqual([
      "2027-01-31",
      "2027-02-28",
      "2027-03-31",
      "2027-04-30",
      "2028-02-29",
    ]);
  });

  it("handles a lease starting on 29 February", () => {
    const terms = { startDate: "2028-02-29", billingDay: 29, endDate: null };
    expect([0, 1, 11, 12, 48].map((k) => periodStart(terms, k))).toEqual([
      "2028-02-29",
      "2028-03-29",
      "2029-01-29",
      "2029-02-28",
      "2032-02-29",
    ]);
  });

  it("returns every missed period (catch-up) and nothing already invoiced", () => {
    const terms = { startDate: "2027-01-15", billingDay: 15, endDate: null };
    expect(periodsDue(terms, "2027-04-01", 7, "2027-01-15").map((p) => p.start)).toEqual(["2027-02-15", "2027-03-15"]);
    expect(periodsDue(terms, "2027-04-08", 7, "2027-03-15").map((p) => p.start)).toEqual(["2027-04-15"]);
    expect(periodsDue(terms, "2027-04-07", 7, "2027-03-15")).toEqual([]);
    expect(periodsDue(terms, "2027-01-01", 7, null)).toEqual([]);
    expect(periodsDue(terms, "2027-01-08", 7, null)).toEqual([
      { index: 0, start: "2027-01-15", end: "2027-02-15", fullEnd: "2027-02-15" },
    ]);
  });

  it("stops at the end date and shortens the last period", () => {
    const terms = { startDate: "2027-01-15", billingDay: 15, endDate: "2027-03-01" };
    expect(periodsDue(terms, "2027-06-01", 7, null)).toEqual([
      { index: 0, start: "2027-01-15", end: "2027-02-15", fullEnd: "2027-02-15" },
      { index: 1, start: "2027-02-15", end: "2027-03-01", fullEnd: "2027-03-15" },
    ]);
  });

  it("prorates only a period the lease's end cuts short, rounding down", () => {
    expect(periodRent(100_000, { start: "2027-02-15", end: "2027-03-15", fullEnd: "2027-03-15" })).toBe(100_000);
    expect(periodRent(100_000, { start: "2027-02-15", end: "2027-03-01", fullEnd: "2027-03-15" })).toBe(50_000); // 14 of 28 days
    expect(periodRent(99_999, { start: "2027-03-10", end: "2027-03-25", fullEnd: "2027-04-10" })).toBe(48_386); // 15 of 31, down from 48,386.6
  });
});

describe("local dates across timezones and DST", () => {
  it("finds the instant a local day begins, on both sides of a DST change", () => {
    const iso = (day: string, tz: string) => new Date(startOfDayIn(day, tz)).toISOString();
    expect(iso("2027-03-14", "America/Los_Angeles")).toBe("2027-03-14T08:00:00.000Z"); // PST, the day clocks spring forward
    expect(iso("2027-03-15", "America/Los_Angeles")).toBe("2027-03-15T07:00:00.000Z"); // PDT
    expect(iso("2027-04-04", "Pacific/Auckland")).toBe("2027-04-03T11:00:00.000Z"); // NZDT until 03:00 that morning
    expect(iso("2027-04-05", "Pacific/Auckland")).toBe("2027-04-04T12:00:00.000Z"); // NZST
    expect(iso("2028-02-29", "UTC")).toBe("2028-02-29T00:00:00.000Z");
    // Santiago skips midnight (00:00 -04 becomes 01:00 -03): the day begins at 01:00 local
    expect(iso("2024-09-08", "America/Santiago")).toBe("2024-09-08T04:00:00.000Z");
    expect(iso("2024-09-09", "America/Santiago")).toBe("2024-09-09T03:00:00.000Z");
  });

  it("knows Auckland is already tomorrow and Los Angeles still yesterday", () => {
    const instant = new Date("2027-02-28T12:30:00Z");
    expect(todayIn("Pacific/Auckland", instant)).toBe("2027-03-01");
    expect(todayIn("America/Los_Angeles", instant)).toBe("2027-02-28");
    expect(todayIn("America/Los_Angeles", new Date("2027-03-01T07:59:00Z"))).toBe("2027-02-28");
    expect(todayIn("America/Los_Angeles", new Date("2027-03-01T08:00:00Z"))).toBe("2027-03-01");
  });

  it("moves the local midnight with daylight saving", () => {
    // Los Angeles: PST (UTC-8) until 14 March 2027, then PDT (UTC-7)
    expect(todayIn("America/Los_Angeles", new Date("2027-03-15T07:30:00Z"))).toBe("2027-03-15");
    expect(todayIn("America/Los_Angeles", new Date("2027-03-10T07:30:00Z"))).toBe("2027-03-09");
    // Auckland: NZDT (UTC+13) until 4 April 2027, then NZST (UTC+12)
    expect(todayIn("Pacific/Auckland", new Date("2027-03-31T11:30:00Z"))).toBe("2027-04-01");
    expect(todayIn("Pacific/Auckland", new Date("2027-04-10T11:30:00Z"))).toBe("2027-04-10");
  });
});

describe("late fees", () => {
  it("applies nothing inside the grace period", () => {
    expect(lateFeeSteps({ graceDays: 5, kind: "fixed", amount: 2500 }, 100_000, 5)).toEqual([]);
  });

  it("charges a fixed or percent fee as one step", () => {
    expect(lateFeeSteps({ graceDays: 5, kind: "fixed", amount: 2500 }, 100_000, 9)).toEqual([
      { step: 1, amount: 2500 },
    ]);
    expect(lateFeeSteps({ graceDays: 0, kind: "percent", percentBps: 500 }, 99_999, 1)).toEqual([
      { step: 1, amount: 4999 },
    ]);
  });

  it("charges daily steps up to the cap", () => {
    expect(lateFeeSteps({ graceDays: 2, kind: "daily", amount: 1000, cap: 2500 }, 100_000, 10)).toEqual([
      { step: 1, amount: 1000 },
      { step: 2, amount: 1000 },
      { step: 3, amount: 500 },
    ]);
  });

  it("takes a whole-number platform fee", () => {
    expect(platformFee(99_999)).toBe(2999);
  });
});
