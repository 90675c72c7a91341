/** Calendar days as `YYYY-MM-DD`; ranges are half-open `[start, end)`. */
const DAY_MS = 86_400_000;

/** The longest stay a search's `from`..`to` may span (a year and a day: a year of nights in a leap year). */
export const MAX_SEARCH_NIGHTS = 366;

export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** Whole days from `start` to `end` (negative when end is earlier). */
export function daysBetween(start: string, end: string): number {
  return Math.round((Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS);
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Every day of `[start, end)`. */
export function eachDay(start: string, end: string): string[] {
  const n = daysBetween(start, end);
  return Array.from({ length: Math.max(0, n) }, (_, i) => addDays(start, i));
}

/** `n` calendar months after `day`; a day the month lacks becomes its last (31 January + 1 → 28 or 29 February). */
export function addMonths(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number);
  const first = new Date(Date.UTC(y!, m! - 1 + n, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d!, last))).toISOString().slice(0, 10);
}

/** Today's date where the property is, so "no past dates" means the landlord's today. */
export function todayIn(timeZone: string, now = new Date()): string {
  return dayFormatter(timeZone).format(now);
}

/** Intl formatters cost far more to build than to use: one per timezone per isolate. */
const DAY_FORMATTERS = new Map<string, Intl.DateTimeFormat>();
function dayFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = DAY_FORMATTERS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    DAY_FORMATTERS.set(timeZone, f);
  }
  return f;
}

/**
 * The instant `day` begins in `timeZone`: local midnight, or where a DST jump skips midnight
 * (Santiago, Havana), the first instant of the day after the jump.
 */
export function startOfDayIn(day: string, timeZone: string): number {
  const asUtc = Date.parse(`${day}T00:00:00Z`);
  // The offsets in force on either side of that midnight; a DST change that day gives two.
  const candidates = [offsetAt(asUtc - 43_200_000, timeZone), offsetAt(asUtc + 43_200_000, timeZone)]
    .map((offset) => asUtc - offset)
    .filter((at) => todayIn(timeZone, new Date(at)) === day);
  return candidates.length ? Math.min(...candidates) : asUtc - offsetAt(asUtc, timeZone);
}

const CLOCK_FORMATTERS = new Map<string, Intl.DateTimeFormat>();
function clockFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = CLOCK_FORMATTERS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    CLOCK_FORMATTERS.set(timeZone, f);
  }
  return f;
}

/**
 * The instant the wall clock in `timeZone` shows `minutes` past midnight of `day`; null when that
 * time does not exist there (skipped by a DST jump). A time that happens twice (the clock goes back)
 * is its first occurrence.
 */
export function wallClockToInstant(day: string, minutes: number, timeZone: string): number | null {
  const asUtc = Date.parse(`${day}T00:00:00Z`) + minutes * 60_000;
  const candidates = [offsetAt(asUtc - 43_200_000, timeZone), offsetAt(asUtc + 43_200_000, timeZone)]
    .map((offset) => asUtc - offset)
    .filter((at) => at + offsetAt(at, timeZone) === asUtc);
  return candidates.length ? Math.min(...candidates) : null;
}

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    clockFormatter(timeZone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}
