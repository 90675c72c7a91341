import { addDays, daysBetween } from "./dates";

/**
 * Monthly billing periods. A lease bills on its billing day (the day of month it started);
 * months too short for that day bill on their last day (a lease from 31 January bills on
 * 28 or 29 February, then 31 March). Periods are local calendar days in the lease's timezone,
 * so DST changes cannot move a period: only "today" needs the timezone.
 */
export interface BillingTerms {
  startDate: string;
  billingDay: number;
  endDate: string | null;
}

/** The start of period `k` (0 is the lease start). */
export function periodStart(terms: BillingTerms, k: number): string {
  const [y, m] = terms.startDate.split("-").map(Number) as [number, number];
  const monthIndex = m - 1 + k;
  const year = y + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(terms.billingDay, lastDay);
  return `${year}-${String(month + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** A billing period; `end` is cut short by the lease's end, `fullEnd` is where it would have ended. */
export interface Period {
  index: number;
  start: string;
  end: string;
  fullEnd: string;
}

/** The rent of a period: in full, or for a period the lease's end cuts short, by its days (rounded down, in the tenant's favour). */
export function periodRent(rent: number, period: { start: string; end: string; fullEnd: string }): number {
  if (period.end >= period.fullEnd) return rent;
  return Math.floor((rent * daysBetween(period.start, period.end)) / daysBetween(period.start, period.fullEnd));
}

/**
 * Periods to invoice by `localToday`: every period starting within `leadDays` from today that
 * comes after `afterStart` (the last one invoiced) and before the lease's end. A skipped run is
 * caught up by the next, which returns every period it missed.
 */
export function periodsDue(
  terms: BillingTerms,
  localToday: string,
  leadDays: number,
  afterStart: string | null,
): Period[] {
  const horizon = addDays(localToday, leadDays);
  const out: Period[] = [];
  let k = afterStart ? monthsFrom(terms.startDate, afterStart) + 1 : 0;
  // Each period's end is the next one's start: one date computed per period (the billing run asks for every lease, every hour).
  for (let start = periodStart(terms, k); ; k++) {
    if (start > horizon || (terms.endDate !== null && start >= terms.endDate)) break;
    const next = periodStart(terms, k + 1);
    if (afterStart === null || start > afterStart) {
      out.push({
        index: k,
        start,
        end: terms.endDate !== null && terms.endDate < next ? terms.endDate : next,
        fullEnd: next,
      });
    }
    start = next;
  }
  return out;
}

/** Where the period starting on `start` ends in full (the next billing day). */
export function fullPeriodEnd(terms: BillingTerms, start: string): string {
  return periodStart(terms, monthsFrom(terms.startDate, start) + 1);
}

/** Whole months from a lease start to a period start. */
function monthsFrom(startDate: string, periodStartDate: string): number {
  const [y1, m1] = startDate.split("-").map(Number) as [number, number];
  const [y2, m2] = periodStartDate.split("-").map(Number) as [number, number];
  return (y2 - y1) * 12 + (m2 - m1);
}

/** Days late on `localToday` for an invoice due on `dueDate` (0 when not late). */
export function daysLate(dueDate: string, localToday: string): number {
  return Math.max(0, daysBetween(dueDate, localToday));
}
