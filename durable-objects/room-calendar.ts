import { DurableObject } from "cloudflare:workers";
import type { BookingSnapshot, DomainEvent } from "../schema/events";
import { addDays, daysBetween, eachDay, startOfDayIn, todayIn } from "../workers/domain/dates";
import { newBookingId, newId } from "../workers/domain/ids";
import { amountDue } from "../workers/domain/pricing";
import type { ViewingHours } from "../workers/domain/viewing-slots";
import { RoomViewings, VIEWING_SCHEMA, type BookViewingResult, type ViewingRoom } from "./room-viewings";
import type { ViewingSnapshot } from "../schema/events";
import { migrate } from "./sqlite-migrations";

/** The room facts the calendar enforces; pushed by the catalog, or taken from the first booking. */
export interface RoomRules {
  capacity: number;
  minNights: number | null;
  maxNights: number | null;
}

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
  bookingId: string;
  status: HoldStatus;
  startDate: string;
  endDate: string;
  units: number;
  expiresAt: string;
  /** When payment confirmed it; stays set after a later cancellation, so a late payment event can tell "was paid" from "never paid". */
  confirmedAt: string | null;
}
export type HoldResult =
  { ok: true; hold: HoldView } | { ok: false; code: "room_unavailable" | "invalid_range"; detail: string };
export type ReleaseReason = "cancelled" | "payment_failed" | "expired";
export interface ReleaseOptions {
  /** Leave a confirmed booking alone: a payment failure reported late must not undo a payment that succeeded. */
  onlyHeld?: boolean;
  /** Refuse to release a confirmed booking that started on or before this day (a running tenancy ends by notice). */
  startedBy?: string;
}
export type ReleaseResult = { previous: HoldStatus | null; hold: HoldView | null; refused?: "started" };

/**
 * What the calendar needs to decide and price a booking on its own: pushed by the catalog when the
 * room or its property changes. `version` orders pushes (the newer of the two rows' updatedAt), so a
 * late push of old terms never overwrites newer ones.
 */
export interface RoomTerms extends RoomRules {
  version: string;
  active: boolean;
  roomId: string;
  propertyId: string;
  ownerId: string;
  timezone: string;
  rentalMode: "monthly" | "nightly";
  priceAmount: number;
  depositAmount: number;
  currency: string;
}

/** A booking attempt as the worker hands it over: the tenant's idempotency key and a hash of the request. */
export interface BookRequest {
  key: string;
  requestHash: string;
  tenantId: string;
  startDate: string;
  endDate: string;
  units: number;
  holdMs: number;
  /** The platform's longest stay for one hold of a nightly room (hoarding), beside the room's own maxNights. */
  maxHoldNights?: number;
  /** A booking made from an accepted offer: its price per period (all units) and the desk reservation it takes over. */
  offer?: { id: string; rentAmount: number };
  /** The W3C trace of the request: its booking.held event carries it to the queue's consumer. */
  traceId?: string;
}

/** A booking as the calendar, its authority, knows it. */
export interface CalendarBooking extends BookingSnapshot {
  status: HoldStatus;
  paymentIntentId: string | null;
  clientSecret: string | null;
  confirmedAt: string | null;
  updatedAt: string;
}

export type BookRefusal =
  | "terms_missing"
  | "not_found"
  | "room_unavailable"
  | "invalid_range"
  | "landlord_at_capacity"
  | "idempotency_key_reused"
  | "idempotency_in_progress";
export type BookResult =
  { ok: true; replayed: boolean; booking: CalendarBooking } | { ok: false; code: BookRefusal; detail: string };

type PriorRequest = {
  request_hash: string;
  booking_id: string;
  state: string;
  refusal: string | null;
  created_at: number;
};

/** A contract the landlord's desk should count, handed over when the landlord sets a cap. */
export interface LiveContract {
  bookingId: string;
  status: "reserved" | "active";
  expiresAt: number | null;
}

/** A desk reservation outlives its hold by this much, as the guard against a saga that died mid-way. */
export const RESERVATION_GRACE_MS = 5 * 60_000;
/** Outbox rows wait at most this long, so a busy room sends its events in batches. */
const FLUSH_MS = 50;
/** A key still pending after this long belongs to an attempt whose object died during its desk call. */
const PENDING_STALE_MS = 60_000;
/** Idempotency keys live 24 hours, as Stripe's do. */
const REQUEST_TTL_MS = 24 * 3_600_000;

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
  `CREATE TABLE terms (id INTEGER PRIMARY KEY CHECK (id = 1), version TEXT NOT NULL, body TEXT NOT NULL, capped INTEGER NOT NULL DEFAULT 0);
   ALTER TABLE holds ADD COLUMN booking TEXT;
   ALTER TABLE holds ADD COLUMN payment_intent_id TEXT;
   ALTER TABLE holds ADD COLUMN client_secret TEXT;
   CREATE TABLE requests (tenant_id TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, booking_id TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'done')), created_at INTEGER NOT NULL, PRIMARY KEY (tenant_id, key));
   CREATE INDEX requests_age ON requests (created_at);
   ALTER TABLE outbox ADD COLUMN at INTEGER NOT NULL DEFAULT 0;`,
  `ALTER TABLE requests ADD COLUMN refusal TEXT;`,
  VIEWING_SCHEMA,
];

/** How far ahead bookings may reach. */
export const HORIZON_DAYS = 730;

/**
 * One per room: the authority for how many capacity units each day has left, and for the room's
 * bookings. A booking attempt is one call (`book`): the calendar knows the room's terms, checks the
 * tenant's idempotency key, takes the units and writes the booking and its `booking.held` event in
 * one SQLite transaction. Its outbox feeds the queue in batches by alarm (the D1 read model and the
 * PaymentIntent hang off that event, off the request path). Only a landlord with a capacity cap
 * costs a second call, to their LandlordDesk. Every check-then-write runs without awaiting anything
 * outside the object, except that desk call, after which state is re-read. Holds expire by alarm.
 * Viewing appointments live here too (room-viewings.ts), for the same reason: one slot, one viewing.
 */
export class RoomCalendar extends DurableObject<Env> {
  #sql: SqlStorage;
  /** The terms row, parsed once per instance (undefined: not read yet; null: never pushed). */
  #terms: { terms: RoomTerms; capped: boolean } | null | undefined;
  /** The alarm this instance last set, so a busy room does not rewrite it on every booking. */
  #alarmAt: number | null = null;
  /** Viewing appointments, in this object's storage so that two tenants can never take one slot. */
  #viewings: RoomViewings;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrate(this.#sql, MIGRATIONS));
    this.#viewings = new RoomViewings(this.#sql, (type, viewing, before) =>
      this.#write({ type, data: before ? { viewing, before } : { viewing } }),
    );
  }

  /** The room's viewing hours; null until its landlord sets them (or terms were never pushed). */
  viewingHours(): ViewingHours | null | "terms_missing" {
    return this.#viewingRoom() ? this.#viewings.hours() : "terms_missing";
  }

  setViewingHours(hours: ViewingHours): ViewingHours | "terms_missing" {
    return this.#viewingRoom() ? this.#viewings.setHours(hours) : "terms_missing";
  }

  /** Free viewing slots between two instants (ms). */
  viewingSlots(from: number, to: number): { start: number; end: number }[] | "terms_missing" {
    const room = this.#viewingRoom();
    return room ? this.#viewings.slots(room, { from, to }) : "terms_missing";
  }

  bookViewing(tenantId: string, start: number, requestId: string): BookViewingResult | "terms_missing" {
    const room = this.#viewingRoom();
    if (!room) return "terms_missing";
    const result = this.ctx.storage.transactionSync(() => this.#viewings.book(room, tenantId, start, requestId));
    this.#scheduleAlarm();
    return result;
  }

  getViewing(viewingId: string): ViewingSnapshot | null {
    const room = this.#viewingRoom();
    return room ? this.#viewings.get(room, viewingId) : null;
  }

  /** Cancels a viewing for its tenant or the room's landlord; null for anyone else or no such viewing. */
  cancelViewing(viewingId: string, by: string): ViewingSnapshot | null {
    const room = this.#viewingRoom();
    const viewing = room ? this.#viewings.get(room, viewingId) : null;
    if (!room || !viewing || (by !== viewing.tenantId && by !== room.ownerId)) return null;
    const cancelled = this.ctx.storage.transactionSync(() => this.#viewings.cancel(room, viewingId, by));
    this.#scheduleAlarm();
    return cancelled;
  }

  #viewingRoom(): ViewingRoom | null {
    return this.#loadTerms()?.terms ?? null;
  }

  /** Sets the room's rules. A capacity cut below what is already taken is refused with the days in conflict. */
  configure(
    rules: RoomRules,
  ): { ok: true } | { ok: false; code: "capacity_conflict"; days: { date: string; taken: number }[] } {
    const conflicts = this.#sql
      .exec<{ day: string; units: number }>(
        "SELECT day, units FROM usage WHERE units > ? ORDER BY day LIMIT 100",
        rules.capacity,
      )
      .toArray();
    if (conflicts.length > 0)
      return { ok: false, code: "capacity_conflict", days: conflicts.map((c) => ({ date: c.day, taken: c.units })) };
    this.#saveRules(rules);
    return { ok: true };
  }

  /**
   * Stores the room's terms (newer versions only). A capacity cut below what is already taken is
   * refused with the days in conflict, and nothing is stored.
   */
  setTerms(
    terms: RoomTerms,
  ):
    | { ok: true }
    | { ok: false; code: "capacity_conflict"; days: { date: string; taken: number }[] }
    | { ok: false; code: "rental_mode_locked"; liveBookings: number } {
    const current = this.#loadTerms();
    if (current && current.terms.version > terms.version) return { ok: true };
    if (current && current.terms.rentalMode !== terms.rentalMode) {
      // Bookings were priced and will be billed by their mode: the authority refuses while any is live.
      const live = this.#sql
        .exec<{ n: number }>(
          "SELECT count(*) AS n FROM holds WHERE status IN ('held', 'confirmed') AND end_date > ?",
          todayIn(current.terms.timezone),
        )
        .one().n;
      if (live > 0) return { ok: false, code: "rental_mode_locked", liveBookings: live };
    }
    const configured = this.configure({
      capacity: terms.capacity,
      minNights: terms.minNights,
      maxNights: terms.maxNights,
    });
    if (!configured.ok) return configured;
    this.#sql.exec(
      "INSERT INTO terms (id, version, body, capped) VALUES (1, ?1, ?2, 0) ON CONFLICT (id) DO UPDATE SET version = ?1, body = ?2",
      terms.version,
      JSON.stringify(terms),
    );
    this.#terms = undefined;
    return { ok: true };
  }

  /** Whether the room's terms were ever pushed (rooms created before the calendar held them were not). */
  hasTerms(): boolean {
    return this.#loadTerms() !== null;
  }

  /**
   * Whether the landlord caps their contracts: from now on each booking reserves at their desk.
   * Returns the bookings live at this moment, for the desk to count; bookings made after this call
   * reserve for themselves, so none is missed.
   */
  setCapped(capped: boolean): LiveContract[] {
    this.#sql.exec("UPDATE terms SET capped = ? WHERE id = 1", capped ? 1 : 0);
    this.#terms = undefined;
    const timezone = this.#loadTerms()?.terms.timezone ?? "UTC";
    return this.#sql
      .exec<{ booking_id: string; status: HoldStatus; expires_at: number; end_date: string }>(
        "SELECT booking_id, status, expires_at, end_date FROM holds WHERE status IN ('held', 'confirmed')",
      )
      .toArray()
      .map((h) =>
        h.status === "held"
          ? { bookingId: h.booking_id, status: "reserved" as const, expiresAt: h.expires_at + RESERVATION_GRACE_MS }
          : { bookingId: h.booking_id, status: "active" as const, expiresAt: startOfDayIn(h.end_date, timezone) },
      );
  }

  /**
   * One booking attempt: replays a request seen before under the tenant's key, else checks the
   * stay against the room's terms and free units, and holds it. The booking, its idempotency record
   * and its `booking.held` event commit together, so no crash can leave one without the others.
   */
  async book(req: BookRequest): Promise<BookResult> {
    const prior = this.#sql
      .exec<PriorRequest>(
        "SELECT request_hash, booking_id, state, refusal, created_at FROM requests WHERE tenant_id = ? AND key = ?",
        req.tenantId,
        req.key,
      )
      .toArray()[0];
    if (prior) return this.#replay(prior, req.requestHash);
    const loaded = this.#loadTerms();
    if (!loaded) return { ok: false, code: "terms_missing", detail: "The room's terms have not reached its calendar." };
    const { terms, capped } = loaded;
    if (!terms.active) return { ok: false, code: "not_found", detail: "No such room." };
    const platformMax = terms.rentalMode === "nightly" ? req.maxHoldNights : undefined;
    const invalid = validateRange({ ...req, today: todayIn(terms.timezone) }, terms, platformMax);
    if (invalid) return { ok: false, code: "invalid_range", detail: invalid };
    const full = this.#firstFullDay(req.startDate, req.endDate, req.units, terms.capacity);
    if (full) return this.#refuse(req, { ok: false, code: "room_unavailable", detail: full });

    const now = Date.now();
    const snapshot = bookingSnapshot(terms, req, newBookingId(terms.roomId, now), now);
    this.ctx.storage.transactionSync(() => {
      this.#insertHold(snapshot, req, now);
      this.#sql.exec(
        "INSERT INTO requests (tenant_id, key, request_hash, booking_id, state, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        req.tenantId,
        req.key,
        req.requestHash,
        snapshot.id,
        capped ? "pending" : "done",
        now,
      );
      if (!capped) this.#enqueue("booking.held", snapshot, req.traceId);
    });
    if (capped) {
      // Scheduled before the desk call: if the object dies meanwhile, the hold still expires by alarm.
      this.#scheduleAlarm();
      const refusal = await this.#reserveAtDesk(terms.ownerId, snapshot, req);
      if (refusal) return this.#refuse(req, refusal);
    }
    this.#scheduleAlarm();
    // Just written: no PaymentIntent yet, last changed when it was made.
    const booking = {
      ...snapshot,
      status: "held" as const,
      paymentIntentId: null,
      clientSecret: null,
      confirmedAt: null,
    };
    return { ok: true, replayed: false, booking: { ...booking, updatedAt: snapshot.createdAt } };
  }

  /**
   * Takes back a booking the worker refused after all (its tenant was over the booking rate limit):
   * the units are freed, the key may be used again, and the booking is announced as cancelled.
   */
  retract(bookingId: string, tenantId: string, key: string): void {
    this.release(bookingId, "cancelled", { onlyHeld: true });
    const snapshot = this.#snapshot(bookingId);
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec(
        "DELETE FROM requests WHERE tenant_id = ? AND key = ? AND booking_id = ?",
        tenantId,
        key,
        bookingId,
      );
      if (snapshot) this.#enqueue("booking.cancelled", snapshot);
    });
    this.#scheduleAlarm();
  }

  /** Forgets a refusal kept under a tenant's key (the worker answered 429 instead, which is never kept). */
  forgetRefusal(tenantId: string, key: string): void {
    this.#sql.exec("DELETE FROM requests WHERE tenant_id = ? AND key = ? AND refusal IS NOT NULL", tenantId, key);
  }

  /**
   * Records the PaymentIntent opened for a hold. Refused when the hold has ended meanwhile, so the
   * caller cancels a PaymentIntent nobody can use; the same PaymentIntent twice is a no-op.
   */
  attachPayment(
    bookingId: string,
    payment: { paymentIntentId: string; clientSecret: string },
  ): { attached: boolean; booking: CalendarBooking | null } {
    const booking = this.#booking(bookingId);
    if (!booking || (booking.status !== "held" && booking.status !== "confirmed")) return { attached: false, booking };
    this.#sql.exec(
      "UPDATE holds SET payment_intent_id = ?, client_secret = ? WHERE booking_id = ?",
      payment.paymentIntentId,
      payment.clientSecret,
      bookingId,
    );
    return { attached: true, booking: this.#booking(bookingId) };
  }

  /** The booking as the calendar has it, or null if it never held one under this id. */
  getBooking(bookingId: string): CalendarBooking | null {
    return this.#booking(bookingId);
  }

  /** The end of a confirmed stay, as the instant the landlord's contract for it ends (property's timezone). */
  stayEndsAt(bookingId: string): number | null {
    const hold = this.#find(bookingId);
    return hold ? startOfDayIn(hold.endDate, this.#loadTerms()?.terms.timezone ?? "UTC") : null;
  }

  /**
   * Takes `units` on every day of the range for a new hold. The same bookingId returns the same
   * hold while it lives; a hold that has ended cannot be taken again under its old id.
   */
  hold(req: HoldRequest): HoldResult {
    const existing = this.#find(req.bookingId);
    if (existing?.status === "held" || existing?.status === "confirmed") return { ok: true, hold: existing };
    if (existing)
      return {
        ok: false,
        code: "room_unavailable",
        detail: `This booking already ended (${existing.status}); start a new one.`,
      };
    const rules = this.#rules() ?? this.#saveRules(req.room);
    const invalid = validateRange(req, rules);
    if (invalid) return { ok: false, code: "invalid_range", detail: invalid };
    const full = this.#sql
      .exec<{ day: string }>(
        "SELECT day FROM usage WHERE day >= ? AND day < ? AND units + ? > ? ORDER BY day LIMIT 1",
        req.startDate,
        req.endDate,
        req.units,
        rules.capacity,
      )
      .toArray()[0];
    if (req.units > rules.capacity || full) {
      return {
        ok: false,
        code: "room_unavailable",
        detail: full ? `The room is full on ${full.day}.` : "More units than the room has.",
      };
    }
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.#take(req.startDate, req.endDate, req.units);
      this.#sql.exec(
        "INSERT INTO holds (booking_id, tenant_id, start_date, end_date, units, status, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, 'held', ?, ?)",
        req.bookingId,
        req.tenantId,
        req.startDate,
        req.endDate,
        req.units,
        now + req.holdMs,
        now,
      );
    });
    this.#scheduleAlarm();
    return { ok: true, hold: this.#find(req.bookingId)! };
  }

  /** Makes a hold permanent once paid. A hold that already expired or was released cannot come back. */
  confirm(
    bookingId: string,
  ): { ok: true; hold: HoldView } | { ok: false; code: "hold_not_active"; hold: HoldView | null } {
    const hold = this.#find(bookingId);
    if (hold?.status === "confirmed") return { ok: true, hold };
    if (!hold || hold.status !== "held") return { ok: false, code: "hold_not_active", hold };
    if (Date.parse(hold.expiresAt) <= Date.now()) {
      // The alarm has not run yet, but the hold's time is up: expire it now rather than confirm late.
      this.#end(hold, "expired");
      return { ok: false, code: "hold_not_active", hold: this.#find(bookingId) };
    }
    this.#sql.exec(
      "UPDATE holds SET status = 'confirmed', confirmed_at = ?1, updated_at = ?1 WHERE booking_id = ?2",
      Date.now(),
      bookingId,
    );
    return { ok: true, hold: this.#find(bookingId)! };
  }

  /** Frees a booking's units exactly once and returns the status it had before. */
  release(bookingId: string, reason: ReleaseReason, opts: ReleaseOptions = {}): ReleaseResult {
    const hold = this.#find(bookingId);
    if (!hold) return { previous: null, hold: null };
    if (hold.status === "confirmed" && opts.startedBy && hold.startDate <= opts.startedBy)
      return { previous: hold.status, hold, refused: "started" };
    if (hold.status === "held" || (hold.status === "confirmed" && !opts.onlyHeld)) this.#end(hold, reason);
    return { previous: hold.status, hold: this.#find(bookingId) };
  }

  /** Brings a booking's end forward (a lease given notice), freeing the days from `endDate` on. Idempotent. */
  shorten(bookingId: string, endDate: string): HoldView | null {
    const hold = this.#find(bookingId);
    if (
      !hold ||
      (hold.status !== "held" && hold.status !== "confirmed") ||
      endDate >= hold.endDate ||
      endDate <= hold.startDate
    )
      return hold;
    this.ctx.storage.transactionSync(() => {
      this.#take(endDate, hold.endDate, -hold.units);
      this.#sql.exec(
        "UPDATE holds SET end_date = ?, updated_at = ? WHERE booking_id = ?",
        endDate,
        Date.now(),
        bookingId,
      );
    });
    return this.#find(bookingId);
  }

  /** Per-day free units over `[from, to)`. */
  availability(from: string, to: string, room: RoomRules): { date: string; available: number }[] {
    const rules = this.#rules() ?? room;
    const used = new Map(
      this.#sql
        .exec<{ day: string; units: number }>("SELECT day, units FROM usage WHERE day >= ? AND day < ?", from, to)
        .toArray()
        .map((r) => [r.day, r.units]),
    );
    return eachDay(from, to).map((date) => ({ date, available: Math.max(0, rules.capacity - (used.get(date) ?? 0)) }));
  }

  getHold(bookingId: string): HoldView | null {
    return this.#find(bookingId);
  }

  /**
   * Expires every hold whose time is up, sends the outbox, forgets idempotency keys past their
   * window (refusals included: rooms without holds keep those few rows until their next alarm).
   * Running twice (or after eviction) finds nothing more to do.
   */
  override async alarm(): Promise<void> {
    this.#alarmAt = null;
    const due = this.#sql
      .exec<{ booking_id: string }>(
        "SELECT booking_id FROM holds WHERE status = 'held' AND expires_at <= ?",
        Date.now(),
      )
      .toArray();
    for (const { booking_id } of due) {
      const hold = this.#find(booking_id);
      if (hold?.status === "held") this.#end(hold, "expired");
    }
    this.#sql.exec("DELETE FROM requests WHERE created_at < ? AND state = 'done'", Date.now() - REQUEST_TTL_MS);
    this.ctx.storage.transactionSync(() => this.#viewings.remind(this.#viewingRoom()));
    try {
      await this.#flushOutbox();
      this.#scheduleAlarm();
    } catch {
      // The queue is unreachable: the events stay in the outbox and the next alarm tries again,
      // rather than spending the runtime's few automatic alarm retries.
      this.#scheduleAlarm(Date.now() + 30_000);
    }
  }

  /**
   * Keeps a refusal under the tenant's key (only its code and sentence: what a replay needs), so
   * the same request gets the same answer; validation failures are not kept, a corrected body may retry.
   */
  #refuse(req: BookRequest, refusal: BookResult & { ok: false }): BookResult {
    this.#sql.exec(
      "INSERT OR IGNORE INTO requests (tenant_id, key, request_hash, booking_id, state, created_at, refusal) VALUES (?, ?, ?, '', 'done', ?, ?)",
      req.tenantId,
      req.key,
      req.requestHash,
      Date.now(),
      JSON.stringify({ code: refusal.code, detail: refusal.detail }),
    );
    return refusal;
  }

  #replay(prior: PriorRequest, requestHash: string): BookResult {
    if (prior.request_hash !== requestHash) {
      return {
        ok: false,
        code: "idempotency_key_reused",
        detail: "This Idempotency-Key was used with a different request.",
      };
    }
    if (prior.state === "pending" && Date.now() - prior.created_at > PENDING_STALE_MS) {
      // The object died while the desk answered: that attempt's hold expires by alarm; this one starts afresh.
      this.#sql.exec("DELETE FROM requests WHERE booking_id = ? AND state = 'pending'", prior.booking_id);
      return {
        ok: false,
        code: "room_unavailable",
        detail: "An earlier attempt with this key was interrupted; retry with a new key.",
      };
    }
    if (prior.state === "pending") {
      return {
        ok: false,
        code: "idempotency_in_progress",
        detail: "A request with this Idempotency-Key is still being processed; retry shortly.",
      };
    }
    if (prior.refusal) return { ok: false, ...(JSON.parse(prior.refusal) as { code: BookRefusal; detail: string }) };
    const booking = this.#booking(prior.booking_id);
    return booking
      ? { ok: true, replayed: true, booking }
      : { ok: false, code: "room_unavailable", detail: "This booking no longer exists." };
  }

  /**
   * A capped landlord's desk must agree before the hold counts. The units are already taken, so
   * requests arriving while the desk answers see them; a refusal (or a failed call) gives them back.
   */
  async #reserveAtDesk(
    ownerId: string,
    booking: BookingSnapshot,
    req: BookRequest,
  ): Promise<(BookResult & { ok: false }) | null> {
    const deadline = Date.parse(booking.holdExpiresAt) + RESERVATION_GRACE_MS;
    const undo = () =>
      this.ctx.storage.transactionSync(() => {
        this.#take(booking.startDate, booking.endDate, -booking.units);
        this.#sql.exec("DELETE FROM holds WHERE booking_id = ?", booking.id);
        this.#sql.exec("DELETE FROM requests WHERE tenant_id = ? AND key = ?", req.tenantId, req.key);
      });
    let reserved: { ok: boolean };
    try {
      reserved = await this.env.LANDLORD_DESK.getByName(ownerId).reserve(booking.id, deadline, req.offer?.id);
    } catch (err) {
      undo();
      throw err;
    }
    if (!reserved.ok) {
      undo();
      return { ok: false, code: "landlord_at_capacity", detail: "The landlord cannot take more contracts right now." };
    }
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec("UPDATE requests SET state = 'done' WHERE tenant_id = ? AND key = ?", req.tenantId, req.key);
      this.#enqueue("booking.held", booking, req.traceId);
    });
    return null;
  }

  #insertHold(booking: BookingSnapshot, req: BookRequest, now: number): void {
    this.#take(booking.startDate, booking.endDate, booking.units);
    this.#sql.exec(
      "INSERT INTO holds (booking_id, tenant_id, start_date, end_date, units, status, expires_at, updated_at, booking) VALUES (?, ?, ?, ?, ?, 'held', ?, ?, ?)",
      booking.id,
      req.tenantId,
      booking.startDate,
      booking.endDate,
      booking.units,
      now + req.holdMs,
      now,
      JSON.stringify(booking),
    );
  }

  /** The first day of the range without `units` free, as a sentence; null when every day has them. */
  #firstFullDay(start: string, end: string, units: number, capacity: number): string | null {
    if (units > capacity) return "More units than the room has.";
    const full = this.#sql
      .exec<{ day: string }>(
        "SELECT day FROM usage WHERE day >= ? AND day < ? AND units + ? > ? ORDER BY day LIMIT 1",
        start,
        end,
        units,
        capacity,
      )
      .toArray()[0];
    return full ? `The room is full on ${full.day}.` : null;
  }

  /** Writes an event into the outbox; callers are inside the transaction of the change it describes. */
  #enqueue(
    type: "booking.held" | "booking.expired" | "booking.cancelled",
    booking: BookingSnapshot,
    traceId?: string,
  ): void {
    this.#write({ type, data: { bookingId: booking.id, booking } }, traceId);
  }

  #write(event: Pick<DomainEvent, "type" | "data">, traceId?: string): void {
    const at = Date.now();
    const body = {
      id: newId("evt", at),
      occurredAt: new Date(at).toISOString(),
      ...(traceId && { traceId }),
      ...event,
    };
    this.#sql.exec("INSERT INTO outbox (id, body, at) VALUES (?, ?, ?)", body.id, JSON.stringify(body), at);
  }

  #loadTerms(): { terms: RoomTerms; capped: boolean } | null {
    if (this.#terms === undefined) {
      const row = this.#sql.exec<{ body: string; capped: number }>("SELECT body, capped FROM terms").toArray()[0];
      this.#terms = row ? { terms: JSON.parse(row.body) as RoomTerms, capped: row.capped === 1 } : null;
    }
    return this.#terms;
  }

  /** The booking as it was held (its end brought forward by notice, if any): what its events carry. */
  #snapshot(bookingId: string): BookingSnapshot | null {
    const r = this.#sql
      .exec<{ booking: string | null; end_date: string }>(
        "SELECT booking, end_date FROM holds WHERE booking_id = ?",
        bookingId,
      )
      .toArray()[0];
    return r?.booking ? { ...(JSON.parse(r.booking) as BookingSnapshot), endDate: r.end_date } : null;
  }

  #booking(bookingId: string): CalendarBooking | null {
    const r = this.#sql
      .exec<{
        status: HoldStatus;
        end_date: string;
        units: number;
        expires_at: number;
        confirmed_at: number | null;
        updated_at: number;
        booking: string | null;
        payment_intent_id: string | null;
        client_secret: string | null;
      }>(
        "SELECT status, end_date, units, expires_at, confirmed_at, updated_at, booking, payment_intent_id, client_secret FROM holds WHERE booking_id = ?",
        bookingId,
      )
      .toArray()[0];
    if (!r?.booking) return null;
    const snapshot = JSON.parse(r.booking) as BookingSnapshot;
    return {
      ...snapshot,
      endDate: r.end_date,
      status: r.status,
      holdExpiresAt: new Date(r.expires_at).toISOString(),
      paymentIntentId: r.payment_intent_id,
      clientSecret: r.client_secret,
      confirmedAt: r.confirmed_at === null ? null : new Date(r.confirmed_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    };
  }

  /** Ends a hold and gives its units back, with the event in the same storage transaction. */
  #end(hold: HoldView, status: Exclude<HoldStatus, "held" | "confirmed">): void {
    const snapshot = this.#snapshot(hold.bookingId);
    this.ctx.storage.transactionSync(() => {
      this.#take(hold.startDate, hold.endDate, -hold.units);
      this.#sql.exec(
        "UPDATE holds SET status = ?, updated_at = ? WHERE booking_id = ?",
        status,
        Date.now(),
        hold.bookingId,
      );
      if (status === "expired") {
        if (snapshot) this.#enqueue("booking.expired", snapshot);
        else {
          // A hold made by older code carries no booking snapshot: announce it by id alone.
          const event: DomainEvent = {
            id: newId("evt"),
            type: "booking.expired",
            occurredAt: new Date().toISOString(),
            data: { bookingId: hold.bookingId },
          };
          this.#sql.exec(
            "INSERT INTO outbox (id, body, at) VALUES (?, ?, ?)",
            event.id,
            JSON.stringify(event),
            Date.now(),
          );
        }
      }
    });
    if (status === "expired") this.#scheduleAlarm();
  }

  #take(start: string, end: string, units: number): void {
    if (units > 0) {
      for (const day of eachDay(start, end)) {
        this.#sql.exec(
          "INSERT INTO usage (day, units) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET units = units + excluded.units",
          day,
          units,
        );
      }
      return;
    }
    this.#sql.exec("UPDATE usage SET units = units + ? WHERE day >= ? AND day < ?", units, start, end);
    this.#sql.exec("DELETE FROM usage WHERE units = 0 AND day >= ? AND day < ?", start, end);
  }

  /**
   * Sends the outbox in order, up to 100 events per send; deletes what the queue accepted. Only
   * the rows there when it starts: rows written meanwhile wait for the next alarm (FLUSH_MS later),
   * so a steady stream of bookings cannot keep the alarm handler running, and the answers of the
   * holds made meanwhile are not held back behind it.
   */
  async #flushOutbox(): Promise<void> {
    const last = this.#sql.exec<{ at: number | null }>("SELECT max(rowid) AS at FROM outbox").one().at;
    if (last === null) return;
    for (;;) {
      const rows = this.#sql
        .exec<{ id: string; body: string }>(
          "SELECT id, body FROM outbox WHERE rowid <= ? ORDER BY rowid LIMIT 100",
          last,
        )
        .toArray();
      if (rows.length === 0) return;
      await this.env.EVENTS.sendBatch(
        rows.map((r) => ({ body: JSON.parse(r.body) as DomainEvent, contentType: "json" as const })),
      );
      this.ctx.storage.transactionSync(() => {
        for (const r of rows) this.#sql.exec("DELETE FROM outbox WHERE id = ?", r.id);
      });
    }
  }

  /**
   * One alarm for all due work: the next hold expiry, and the outbox's oldest row plus FLUSH_MS.
   * The alarm only ever moves earlier between runs, so a stream of bookings cannot starve the flush.
   */
  #scheduleAlarm(at?: number): void {
    let when = at;
    if (when === undefined) {
      const next = this.#sql
        .exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM holds WHERE status = 'held'")
        .one().at;
      const oldest = this.#sql.exec<{ at: number | null }>("SELECT min(at) AS at FROM outbox").one().at;
      const flushAt = oldest === null ? null : Math.max(oldest + FLUSH_MS, Date.now());
      const candidates = [next, flushAt, this.#viewings.nextDue()].filter((t): t is number => t !== null);
      if (candidates.length === 0) return;
      when = Math.min(...candidates);
    }
    if (this.#alarmAt !== null && this.#alarmAt <= when) return;
    this.#alarmAt = when;
    void this.ctx.storage.setAlarm(when);
  }

  #rules(): RoomRules | null {
    const r = this.#sql
      .exec<{ capacity: number; min_nights: number | null; max_nights: number | null }>("SELECT * FROM rules")
      .toArray()[0];
    return r ? { capacity: r.capacity, minNights: r.min_nights, maxNights: r.max_nights } : null;
  }

  #saveRules(rules: RoomRules): RoomRules {
    this.#sql.exec(
      "INSERT OR REPLACE INTO rules VALUES (1, ?, ?, ?)",
      rules.capacity,
      rules.minNights,
      rules.maxNights,
    );
    return rules;
  }

  #find(bookingId: string): HoldView | null {
    const r = this.#sql
      .exec<{
        booking_id: string;
        status: HoldStatus;
        start_date: string;
        end_date: string;
        units: number;
        expires_at: number;
        confirmed_at: number | null;
      }>(
        "SELECT booking_id, status, start_date, end_date, units, expires_at, confirmed_at FROM holds WHERE booking_id = ?",
        bookingId,
      )
      .toArray()[0];
    return r
      ? {
          bookingId: r.booking_id,
          status: r.status,
          startDate: r.start_date,
          endDate: r.end_date,
          units: r.units,
          expiresAt: new Date(r.expires_at).toISOString(),
          confirmedAt: r.confirmed_at === null ? null : new Date(r.confirmed_at).toISOString(),
        }
      : null;
  }
}

/** The booking as it is held: ids, stay and money, fixed at the moment of the hold. */
function bookingSnapshot(terms: RoomTerms, req: BookRequest, id: string, now: number): BookingSnapshot {
  return {
    id,
    roomId: terms.roomId,
    propertyId: terms.propertyId,
    tenantId: req.tenantId,
    landlordId: terms.ownerId,
    startDate: req.startDate,
    endDate: req.endDate,
    units: req.units,
    holdExpiresAt: new Date(now + req.holdMs).toISOString(),
    amountDue: amountDue(terms, req, req.offer?.rentAmount),
    rentAmount: req.offer?.rentAmount ?? terms.priceAmount * req.units,
    depositAmount: terms.depositAmount,
    currency: terms.currency,
    createdAt: new Date(now).toISOString(),
  };
}

function validateRange(
  req: { startDate: string; endDate: string; units: number; today: string },
  rules: RoomRules,
  platformMaxNights?: number,
): string | null {
  const nights = daysBetween(req.startDate, req.endDate);
  if (nights < 1) return "endDate must be after startDate.";
  if (req.startDate < req.today) return "startDate is in the past.";
  if (req.endDate > addDays(req.today, HORIZON_DAYS)) return `Bookings reach at most ${HORIZON_DAYS} days ahead.`;
  if (rules.minNights && nights < rules.minNights) return `This room needs at least ${rules.minNights} nights.`;
  if (rules.maxNights && nights > rules.maxNights) return `This room takes at most ${rules.maxNights} nights.`;
  if (platformMaxNights && nights > platformMaxNights) return `One hold takes at most ${platformMaxNights} nights.`;
  if (!Number.isInteger(req.units) || req.units < 1) return "units must be a positive integer.";
  return null;
}
