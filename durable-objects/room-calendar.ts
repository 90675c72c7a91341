import { DurableObject } from "cloudflare:workers";
import type { DomainEvent } from "../schema/events";
import { addDays, daysBetween, eachDay } from "../workers/domain/dates";
import { newId } from "../workers/domain/ids";

/** The room facts the calendar enforces; pushed by the catalog, or taken from the first booking. */
export interface RoomRules { capacity: number; minNights: number | null; maxNights: number | null }

export interface HoldRequest {
  bookingId: string;
  tenantId: string;
  startDate: string;
  endDate: string;
  units: number;
  /** The property's today: earlier days cannot be booked. */
  today: string;
  holdMs: number;
  room: RoomRules;
}

export type HoldStatus = "held" | "confirmed" | "expired" | "cancelled" | "payment_failed";
export interface HoldView {
  bookingId: string; status: HoldStatus; startDate: string; endDate: string; units: number; expiresAt: string;
  /** When payment confirmed it; stays set after a later cancellation, so a late payment event can tell "was paid" from "never paid". */
  confirmedAt: string | null;
}
export type HoldResult = { ok: true; hold: HoldView } | { ok: false; code: "room_unavailable" | "invalid_range"; detail: string };
export type ReleaseReason = "cancelled" | "payment_failed" | "expired";
export interface ReleaseOptions {
  /** Leave a confirmed booking alone: a payment failure reported late must not undo a payment that succeeded. */
  onlyHeld?: boolean;
  /** Refuse to release a confirmed booking that started on or before this day (a running tenancy ends by notice). */
  startedBy?: string;
}
export type ReleaseResult = { previous: HoldStatus | null; hold: HoldView | null; refused?: "started" };

/**
 * The object's storage schema, one step per entry, applied in order and never edited: objects
 * created by older code catch up on their next start.
 */
const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS rules (id INTEGER PRIMARY KEY CHECK (id = 1), capacity INTEGER NOT NULL, min_nights INTEGER, max_nights INTEGER);
   CREATE TABLE IF NOT EXISTS holds (booking_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT NOT NULL,
     units INTEGER NOT NULL, status TEXT NOT NULL, expires_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
   CREATE INDEX IF NOT EXISTS holds_due ON holds (status, expires_at);
   CREATE TABLE IF NOT EXISTS usage (day TEXT PRIMARY KEY, units INTEGER NOT NULL CHECK (units >= 0));
   CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, body TEXT NOT NULL);`,
  `ALTER TABLE holds ADD COLUMN confirmed_at INTEGER;
   UPDATE holds SET confirmed_at = updated_at WHERE status = 'confirmed';`,
];

function migrate(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  const current = sql.exec<{ version: number }>("SELECT version FROM schema_version").toArray()[0]?.version ?? 0;
  for (let v = current; v < MIGRATIONS.length; v++) sql.exec(MIGRATIONS[v]!);
  sql.exec("INSERT OR REPLACE INTO schema_version VALUES (1, ?)", MIGRATIONS.length);
}

/** How far ahead bookings may reach. */
export const HORIZON_DAYS = 730;

/**
 * One per room: the authority for how many capacity units each day has left. Every method runs
 * to completion without awaiting anything outside the object, so "check, then write" is atomic.
 * Holds expire by alarm; expiry is announced on EVENTS through a small outbox, so the saga can
 * return the landlord's capacity and cancel the PaymentIntent.
 */
export class RoomCalendar extends DurableObject<Env> {
  #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrate(this.#sql));
  }

  /** Sets the room's rules. A capacity cut below what is already taken is refused with the days in conflict. */
  configure(rules: RoomRules): { ok: true } | { ok: false; code: "capacity_conflict"; days: { date: string; taken: number }[] } {
    const conflicts = this.#sql.exec<{ day: string; units: number }>(
      "SELECT day, units FROM usage WHERE units > ? ORDER BY day LIMIT 100", rules.capacity).toArray();
    if (conflicts.length > 0) return { ok: false, code: "capacity_conflict", days: conflicts.map((c) => ({ date: c.day, taken: c.units })) };
    this.#saveRules(rules);
    return { ok: true };
  }

  /**
   * Takes `units` on every day of the range for a new hold. The same bookingId returns the same
   * hold while it lives; a hold that has ended cannot be taken again under its old id.
   */
  hold(req: HoldRequest): HoldResult {
    const existing = this.#find(req.bookingId);
    if (existing?.status === "held" || existing?.status === "confirmed") return { ok: true, hold: existing };
    if (existing) return { ok: false, code: "room_unavailable", detail: `This booking already ended (${existing.status}); start a new one.` };
    const rules = this.#rules() ?? this.#saveRules(req.room);
    const invalid = validateRange(req, rules);
    if (invalid) return { ok: false, code: "invalid_range", detail: invalid };
    const full = this.#sql.exec<{ day: string }>(
      "SELECT day FROM usage WHERE day >= ? AND day < ? AND units + ? > ? ORDER BY day LIMIT 1",
      req.startDate, req.endDate, req.units, rules.capacity).toArray()[0];
    if (req.units > rules.capacity || full) {
      return { ok: false, code: "room_unavailable", detail: full ? `The room is full on ${full.day}.` : "More units than the room has." };
    }
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.#take(req.startDate, req.endDate, req.units);
      this.#sql.exec("INSERT INTO holds (booking_id, tenant_id, start_date, end_date, units, status, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, 'held', ?, ?)",
        req.bookingId, req.tenantId, req.startDate, req.endDate, req.units, now + req.holdMs, now);
    });
    this.#scheduleAlarm();
    return { ok: true, hold: this.#find(req.bookingId)! };
  }

  /** Makes a hold permanent once paid. A hold that already expired or was released cannot come back. */
  confirm(bookingId: string): { ok: true; hold: HoldView } | { ok: false; code: "hold_not_active"; hold: HoldView | null } {
    const hold = this.#find(bookingId);
    if (hold?.status === "confirmed") return { ok: true, hold };
    if (!hold || hold.status !== "held") return { ok: false, code: "hold_not_active", hold };
    if (Date.parse(hold.expiresAt) <= Date.now()) {
      // The alarm has not run yet, but the hold's time is up: expire it now rather than confirm late.
      this.#end(hold, "expired");
      return { ok: false, code: "hold_not_active", hold: this.#find(bookingId) };
    }
    this.#sql.exec("UPDATE holds SET status = 'confirmed', confirmed_at = ?1, updated_at = ?1 WHERE booking_id = ?2", Date.now(), bookingId);
    return { ok: true, hold: this.#find(bookingId)! };
  }

  /** Frees a booking's units exactly once and returns the status it had before. */
  release(bookingId: string, reason: ReleaseReason, opts: ReleaseOptions = {}): ReleaseResult {
    const hold = this.#find(bookingId);
    if (!hold) return { previous: null, hold: null };
    if (hold.status === "confirmed" && opts.startedBy && hold.startDate <= opts.startedBy) return { previous: hold.status, hold, refused: "started" };
    if (hold.status === "held" || (hold.status === "confirmed" && !opts.onlyHeld)) this.#end(hold, reason);
    return { previous: hold.status, hold: this.#find(bookingId) };
  }

  /** Brings a booking's end forward (a lease given notice), freeing the days from `endDate` on. Idempotent. */
  shorten(bookingId: string, endDate: string): HoldView | null {
    const hold = this.#find(bookingId);
    if (!hold || (hold.status !== "held" && hold.status !== "confirmed") || endDate >= hold.endDate || endDate <= hold.startDate) return hold;
    this.ctx.storage.transactionSync(() => {
      this.#take(endDate, hold.endDate, -hold.units);
      this.#sql.exec("UPDATE holds SET end_date = ?, updated_at = ? WHERE booking_id = ?", endDate, Date.now(), bookingId);
    });
    return this.#find(bookingId);
  }

  /** Per-day free units over `[from, to)`. */
  availability(from: string, to: string, room: RoomRules): { date: string; available: number }[] {
    const rules = this.#rules() ?? room;
    const used = new Map(this.#sql.exec<{ day: string; units: number }>(
      "SELECT day, units FROM usage WHERE day >= ? AND day < ?", from, to).toArray().map((r) => [r.day, r.units]));
    return eachDay(from, to).map((date) => ({ date, available: Math.max(0, rules.capacity - (used.get(date) ?? 0)) }));
  }

  getHold(bookingId: string): HoldView | null {
    return this.#find(bookingId);
  }

  /** Expires every hold whose time is up; running twice (or after eviction) finds nothing more to do. */
  override async alarm(): Promise<void> {
    const due = this.#sql.exec<{ booking_id: string }>(
      "SELECT booking_id FROM holds WHERE status = 'held' AND expires_at <= ?", Date.now()).toArray();
    for (const { booking_id } of due) {
      const hold = this.#find(booking_id);
      if (hold?.status === "held") this.#end(hold, "expired");
    }
    try {
      await this.#flushOutbox();
      this.#scheduleAlarm();
    } catch {
      // The queue is unreachable: the events stay in the outbox and the next alarm tries again,
      // rather than spending the runtime's few automatic alarm retries.
      this.#scheduleAlarm(Date.now() + 30_000);
    }
  }

  /** Ends a hold and gives its units back, with the event in the same storage transaction. */
  #end(hold: HoldView, status: Exclude<HoldStatus, "held" | "confirmed">): void {
    this.ctx.storage.transactionSync(() => {
      this.#take(hold.startDate, hold.endDate, -hold.units);
      this.#sql.exec("UPDATE holds SET status = ?, updated_at = ? WHERE booking_id = ?", status, Date.now(), hold.bookingId);
      if (status === "expired") {
        const event: DomainEvent = { id: newId("evt"), type: "booking.expired", occurredAt: new Date().toISOString(), data: { bookingId: hold.bookingId } };
        this.#sql.exec("INSERT INTO outbox VALUES (?, ?)", event.id, JSON.stringify(event));
      }
    });
    if (status === "expired") this.ctx.waitUntil(this.#flushOutbox().catch(() => this.#scheduleAlarm(Date.now() + 30_000)));
  }

  #take(start: string, end: string, units: number): void {
    if (units > 0) {
      for (const day of eachDay(start, end)) {
        this.#sql.exec("INSERT INTO usage (day, units) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET units = units + excluded.units", day, units);
      }
      return;
    }
    this.#sql.exec("UPDATE usage SET units = units + ? WHERE day >= ? AND day < ?", units, start, end);
    this.#sql.exec("DELETE FROM usage WHERE units = 0 AND day >= ? AND day < ?", start, end);
  }

  async #flushOutbox(): Promise<void> {
    const rows = this.#sql.exec<{ id: string; body: string }>("SELECT id, body FROM outbox LIMIT 100").toArray();
    if (rows.length === 0) return;
    await this.env.EVENTS.sendBatch(rows.map((r) => ({ body: JSON.parse(r.body) as DomainEvent, contentType: "json" as const })));
    for (const r of rows) this.#sql.exec("DELETE FROM outbox WHERE id = ?", r.id);
  }

  #scheduleAlarm(at?: number): void {
    const next = at ?? this.#sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM holds WHERE status = 'held'").one().at;
    const pending = this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n > 0;
    const when = pending ? Math.min(next ?? Infinity, Date.now() + 30_000) : next;
    if (when !== null && when !== undefined && Number.isFinite(when)) void this.ctx.storage.setAlarm(when);
  }

  #rules(): RoomRules | null {
    const r = this.#sql.exec<{ capacity: number; min_nights: number | null; max_nights: number | null }>("SELECT * FROM rules").toArray()[0];
    return r ? { capacity: r.capacity, minNights: r.min_nights, maxNights: r.max_nights } : null;
  }

  #saveRules(rules: RoomRules): RoomRules {
    this.#sql.exec("INSERT OR REPLACE INTO rules VALUES (1, ?, ?, ?)", rules.capacity, rules.minNights, rules.maxNights);
    return rules;
  }

  #find(bookingId: string): HoldView | null {
    const r = this.#sql.exec<{ booking_id: string; status: HoldStatus; start_date: string; end_date: string; units: number; expires_at: number; confirmed_at: number | null }>(
      "SELECT booking_id, status, start_date, end_date, units, expires_at, confirmed_at FROM holds WHERE booking_id = ?", bookingId).toArray()[0];
    return r ? {
      bookingId: r.booking_id, status: r.status, startDate: r.start_date, endDate: r.end_date, units: r.units,
      expiresAt: new Date(r.expires_at).toISOString(), confirmedAt: r.confirmed_at === null ? null : new Date(r.confirmed_at).toISOString(),
    } : null;
  }
}

function validateRange(req: HoldRequest, rules: RoomRules): string | null {
  const nights = daysBetween(req.startDate, req.endDate);
  if (nights < 1) return "endDate must be after startDate.";
  if (req.startDate < req.today) return "startDate is in the past.";
  if (req.endDate > addDays(req.today, HORIZON_DAYS)) return `Bookings reach at most ${HORIZON_DAYS} days ahead.`;
  if (rules.minNights && nights < rules.minNights) return `This room needs at least ${rules.minNights} nights.`;
  if (rules.maxNights && nights > rules.maxNights) return `This room takes at most ${rules.maxNights} nights.`;
  if (!Number.isInteger(req.units) || req.units < 1) return "units must be a positive integer.";
  return null;
}
