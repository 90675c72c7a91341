import { addDays, todayIn, wallClockToInstant } from "./dates";

/** When a landlord shows a room: weekly windows in the property's local time. */
export interface ViewingHours {
  slotMinutes: number;
  bufferMinutes: number;
  /** A sitting tenant's right to notice: no viewing sooner than this after it is booked. */
  minNoticeHours: number;
  horizonDays: number;
  windows: { weekday: number; start: string; end: string }[];
}

export interface Slot {
  start: number;
  end: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return h! * 60 + m!;
}

/**
 * Every slot the hours offer between `from` and `to` (instants), before notice, horizon and
 * bookings: for each local day, each window of its weekday cut into `slotMinutes`, each start read
 * as wall-clock time in `timeZone`. A local time a DST jump skips is no slot; across the change a
 * slot lasts its minutes of real time.
 */
export function offeredSlots(hours: ViewingHours, timeZone: string, from: number, to: number): Slot[] {
  const slots: Slot[] = [];
  const last = todayIn(timeZone, new Date(to));
  for (let day = todayIn(timeZone, new Date(from)); day <= last; day = addDays(day, 1)) {
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    for (const w of hours.windows.filter((x) => x.weekday === weekday)) {
      const end = minutesOf(w.end);
      for (let m = minutesOf(w.start); m + hours.slotMinutes <= end; m += hours.slotMinutes) {
        const start = wallClockToInstant(day, m, timeZone);
        if (start === null || start < from || start >= to) continue;
        slots.push({ start, end: start + hours.slotMinutes * MINUTE });
      }
    }
  }
  return slots.sort((a, b) => a.start - b.start);
}

/** The slots a tenant may book now: offered, after the notice, within the horizon, clear of every booked viewing by the buffer. */
export function freeSlots(
  hours: ViewingHours,
  timeZone: string,
  range: { from: number; to: number },
  now: number,
  booked: Slot[],
): Slot[] {
  const from = Math.max(range.from, now + hours.minNoticeHours * HOUR);
  const to = Math.min(range.to, now + hours.horizonDays * DAY);
  if (from >= to) return [];
  const buffer = hours.bufferMinutes * MINUTE;
  return offeredSlots(hours, timeZone, from, to).filter(
    (s) => !booked.some((b) => s.start < b.end + buffer && b.start < s.end + buffer),
  );
}

/** Reminder instants of a viewing: 24 hours and 1 hour before, those still ahead when it is booked. */
export const REMINDERS = [
  { before: "24h", ms: DAY },
  { before: "1h", ms: HOUR },
] as const;
