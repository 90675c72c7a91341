import type { ViewingSnapshot } from "../schema/events";
import { newViewingId } from "../workers/domain/ids";
import { freeSlots, REMINDERS, type Slot, type ViewingHours } from "../workers/domain/viewing-slots";

/** The viewing-appointment tables of a room's calendar: one more step of its SQLite schema. */
export const VIEWING_SCHEMA = `CREATE TABLE viewing_hours (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL);
   CREATE TABLE viewings (id TEXT PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, tenant_id TEXT NOT NULL,
     start_at INTEGER NOT NULL, end_at INTEGER NOT NULL, status TEXT NOT NULL, cancelled_by TEXT,
     version INTEGER NOT NULL, created_at INTEGER NOT NULL);
   CREATE INDEX viewings_live ON viewings (status, start_at);
   CREATE TABLE viewing_reminders (viewing_id TEXT NOT NULL, before TEXT NOT NULL, due_at INTEGER NOT NULL,
     PRIMARY KEY (viewing_id, before));
   CREATE INDEX viewing_reminders_due ON viewing_reminders (due_at);`;

/** At most this many future viewings per tenant and room. */
export const MAX_VIEWINGS_PER_TENANT = 2;

/** Who the room is and whose: from the calendar's terms. */
export interface ViewingRoom {
  roomId: string;
  propertyId: string;
  ownerId: string;
  timezone: string;
  active: boolean;
}

export type BookViewingResult =
  | { ok: true; viewing: ViewingSnapshot; replayed: boolean }
  | { ok: false; code: "slot_taken" | "not_a_slot" | "too_many_viewings" | "no_viewing_hours"; detail: string };

interface ViewingRow {
  id: string;
  tenant_id: string;
  start_at: number;
  end_at: number;
  status: "scheduled" | "cancelled";
  cancelled_by: string | null;
  version: number;
  [key: string]: SqlStorageValue;
}

type Announce = (
  type: "viewing.booked" | "viewing.cancelled" | "viewing.reminder",
  viewing: ViewingSnapshot,
  before?: "24h" | "1h",
) => void;

/**
 * A room's viewing appointments, kept in its calendar's SQLite so that two tenants asking for one
 * slot are two calls to one single-threaded object: the check and the insert run with nothing
 * awaited between them. Events go to the calendar's outbox through `announce`, in the same
 * transaction as the change; reminders are due rows the calendar's alarm works off.
 */
export class RoomViewings {
  constructor(
    private readonly sql: SqlStorage,
    private readonly announce: Announce,
  ) {}

  hours(): ViewingHours | null {
    const row = this.sql.exec<{ body: string }>("SELECT body FROM viewing_hours").toArray()[0];
    return row ? (JSON.parse(row.body) as ViewingHours) : null;
  }

  setHours(hours: ViewingHours): ViewingHours {
    this.sql.exec(
      "INSERT INTO viewing_hours (id, body) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET body = ?1",
      JSON.stringify(hours),
    );
    return hours;
  }

  slots(room: ViewingRoom, range: { from: number; to: number }, now = Date.now()): Slot[] {
    const hours = this.hours();
    if (!hours || !room.active) return [];
    return freeSlots(hours, room.timezone, range, now, this.#booked(range.from, range.to));
  }

  /** Books `start` for the tenant if it is a free slot now; `requestId` makes a retried request the same booking. */
  book(room: ViewingRoom, tenantId: string, start: number, requestId: string, now = Date.now()): BookViewingResult {
    const prior = this.sql.exec<ViewingRow>("SELECT * FROM viewings WHERE request_id = ?", requestId).toArray()[0];
    if (prior) return { ok: true, viewing: this.#snapshot(room, prior), replayed: true };
    const hours = this.hours();
    if (!hours || !room.active) return { ok: false, code: "no_viewing_hours", detail: "This room takes no viewings." };
    const offered = freeSlots(hours, room.timezone, { from: start, to: start + 1 }, now, []);
    if (!offered.some((s) => s.start === start))
      return {
        ok: false,
        code: "not_a_slot",
        detail: `Not a viewing slot: a slot start within the viewing hours, at least ${hours.minNoticeHours} h ahead and within ${hours.horizonDays} days.`,
      };
    const slot = offered[0]!;
    const free = freeSlots(hours, room.timezone, { from: start, to: start + 1 }, now, this.#booked(start, slot.end));
    if (free.length === 0) return { ok: false, code: "slot_taken", detail: "That slot was just taken; pick another." };
    const mine = this.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM viewings WHERE tenant_id = ? AND status = 'scheduled' AND start_at > ?",
        tenantId,
        now,
      )
      .one().n;
    if (mine >= MAX_VIEWINGS_PER_TENANT)
      return {
        ok: false,
        code: "too_many_viewings",
        detail: `You have ${mine} viewings of this room ahead; cancel one to book another.`,
      };
    const row: ViewingRow = {
      id: newViewingId(room.roomId, now),
      tenant_id: tenantId,
      start_at: slot.start,
      end_at: slot.end,
      status: "scheduled",
      cancelled_by: null,
      version: 1,
    };
    this.sql.exec(
      "INSERT INTO viewings (id, request_id, tenant_id, start_at, end_at, status, version, created_at) VALUES (?, ?, ?, ?, ?, 'scheduled', 1, ?)",
      row.id,
      requestId,
      tenantId,
      row.start_at,
      row.end_at,
      now,
    );
    for (const r of REMINDERS)
      if (slot.start - r.ms > now)
        this.sql.exec(
          "INSERT INTO viewing_reminders (viewing_id, before, due_at) VALUES (?, ?, ?)",
          row.id,
          r.before,
          slot.start - r.ms,
        );
    const viewing = this.#snapshot(room, row);
    this.announce("viewing.booked", viewing);
    return { ok: true, viewing, replayed: false };
  }

  /** Cancels a scheduled viewing for either party; cancelling again answers it as it is. Null: no such viewing. */
  cancel(room: ViewingRoom, viewingId: string, by: string): ViewingSnapshot | null {
    const row = this.#find(viewingId);
    if (!row) return null;
    if (row.status === "scheduled") {
      this.sql.exec(
        "UPDATE viewings SET status = 'cancelled', cancelled_by = ?, version = version + 1 WHERE id = ?",
        by,
        viewingId,
      );
      this.sql.exec("DELETE FROM viewing_reminders WHERE viewing_id = ?", viewingId);
      const cancelled = this.#snapshot(room, this.#find(viewingId)!);
      this.announce("viewing.cancelled", cancelled);
      return cancelled;
    }
    return this.#snapshot(room, row);
  }

  get(room: ViewingRoom, viewingId: string): ViewingSnapshot | null {
    const row = this.#find(viewingId);
    return row ? this.#snapshot(room, row) : null;
  }

  /** Announces every reminder due by `now`, once each (the row goes with its event). */
  remind(room: ViewingRoom | null, now = Date.now()): void {
    const due = this.sql
      .exec<{ viewing_id: string; before: "24h" | "1h" }>(
        "SELECT viewing_id, before FROM viewing_reminders WHERE due_at <= ? ORDER BY due_at",
        now,
      )
      .toArray();
    for (const r of due) {
      const row = this.#find(r.viewing_id);
      // A reminder after the viewing began is late news: dropped, not sent.
      if (room && row?.status === "scheduled" && row.start_at > now)
        this.announce("viewing.reminder", this.#snapshot(room, row), r.before);
      this.sql.exec("DELETE FROM viewing_reminders WHERE viewing_id = ? AND before = ?", r.viewing_id, r.before);
    }
  }

  /** The next reminder due, for the calendar's one alarm. */
  nextDue(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(due_at) AS at FROM viewing_reminders").one().at;
  }

  /** Scheduled viewings near `from`..`to` (a day either side: enough for any buffer). */
  #booked(from: number, to: number): Slot[] {
    return this.sql
      .exec<{ start_at: number; end_at: number }>(
        "SELECT start_at, end_at FROM viewings WHERE status = 'scheduled' AND start_at < ? AND end_at > ?",
        to + 86_400_000,
        from - 86_400_000,
      )
      .toArray()
      .map((r) => ({ start: r.start_at, end: r.end_at }));
  }

  #find(id: string): ViewingRow | null {
    return this.sql.exec<ViewingRow>("SELECT * FROM viewings WHERE id = ?", id).toArray()[0] ?? null;
  }

  #snapshot(room: ViewingRoom, r: ViewingRow): ViewingSnapshot {
    return {
      id: r.id,
      roomId: room.roomId,
      propertyId: room.propertyId,
      tenantId: r.tenant_id,
      landlordId: room.ownerId,
      start: new Date(r.start_at).toISOString(),
      end: new Date(r.end_at).toISOString(),
      status: r.status,
      cancelledBy: r.cancelled_by,
      version: r.version,
    };
  }
}
