import { DurableObject } from "cloudflare:workers";
import type { LiveContract } from "./room-calendar";
import { migrate } from "./sqlite-migrations";

export interface CapacityView {
  activeContracts: number;
  reserved: number;
  totalCapacity: number | null;
  available: boolean;
}
export type ReserveResult = { ok: true } | { ok: false; code: "landlord_at_capacity" | "booking_ended" };

/** Tombstones outlive any late saga step: Stripe retries a webhook for up to three days. */
const TOMBSTONE_MS = 30 * 86_400_000;

/** Storage steps, in order, never edited (objects made before versioning ran the first as bare DDL). */
const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS settings (id INTEGER PRIMARY KEY CHECK (id = 1), total_capacity INTEGER);
   CREATE TABLE IF NOT EXISTS contracts (booking_id TEXT PRIMARY KEY, status TEXT NOT NULL CHECK (status IN ('reserved', 'active')), expires_at INTEGER);
   CREATE TABLE IF NOT EXISTS released (booking_id TEXT PRIMARY KEY, at INTEGER NOT NULL);`,
  `CREATE INDEX contracts_expiry ON contracts (expires_at);
   CREATE INDEX contracts_status ON contracts (status, expires_at);
   CREATE INDEX released_at ON released (at);`,
];

/**
 * One per landlord: how many contracts the landlord can carry across all rooms. A booking
 * reserves one contract while its hold lives, confirmation makes it active until the stay ends,
 * release returns it. Every contract carries its own deadline (a reservation's, or the end of
 * the stay), so a saga that crashed between steps cannot leak one: the alarm drops what is past
 * it. A released booking leaves a tombstone, so a step of its saga arriving late (an activation
 * racing a cancellation) cannot bring the contract back.
 */
export class LandlordDesk extends DurableObject<Env> {
  #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrate(this.#sql, MIGRATIONS));
  }

  /**
   * Reserves one contract for a booking (or an offer: any id that names what holds it); the same id
   * reserving again is a no-op, a released one is refused. `takesOver`: an offer whose live
   * reservation the booking made from it inherits, in the same step, so accepting an offer never
   * competes with other bookings for the contract the offer kept.
   */
  reserve(bookingId: string, expiresAt: number, takesOver?: string): ReserveResult {
    this.#dropExpired();
    if (this.#wasReleased(bookingId)) return { ok: false, code: "booking_ended" };
    if (this.#sql.exec("SELECT 1 FROM contracts WHERE booking_id = ?", bookingId).toArray().length > 0)
      return { ok: true };
    const inherited = takesOver !== undefined && this.hasContract(takesOver) === "reserved";
    if (!inherited && !this.status().available) return { ok: false, code: "landlord_at_capacity" };
    this.ctx.storage.transactionSync(() => {
      if (inherited) this.#sql.exec("DELETE FROM contracts WHERE booking_id = ?", takesOver);
      this.#sql.exec("INSERT INTO contracts VALUES (?, 'reserved', ?)", bookingId, expiresAt);
    });
    this.#scheduleAlarm();
    return { ok: true };
  }

  /**
   * Turns a booking's reservation into a contract active until `endsAt` (null: until released), also
   * when the reservation already lapsed: the room is paid for. A booking already released stays released.
   */
  activate(bookingId: string, endsAt: number | null = null): { ok: boolean } {
    if (this.#wasReleased(bookingId)) return { ok: false };
    this.#sql.exec(
      "INSERT INTO contracts VALUES (?1, 'active', ?2) ON CONFLICT (booking_id) DO UPDATE SET status = 'active', expires_at = ?2",
      bookingId,
      endsAt,
    );
    this.#scheduleAlarm();
    return { ok: true };
  }

  /** Returns a booking's contract, reserved or active, for good; releasing twice changes nothing. */
  release(bookingId: string): void {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.#sql.exec("DELETE FROM contracts WHERE booking_id = ?", bookingId);
      this.#sql.exec("INSERT OR IGNORE INTO released VALUES (?, ?)", bookingId, now);
      this.#sql.exec("DELETE FROM released WHERE at < ?", now - TOMBSTONE_MS);
    });
  }

  /**
   * Counts contracts the landlord's rooms already carry, handed over by each calendar when the cap is
   * switched on (bookings made without asking the desk). Existing and released bookings are left as they are.
   */
  adopt(contracts: LiveContract[]): void {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      for (const c of contracts) {
        if (c.expiresAt !== null && c.expiresAt <= now) continue;
        this.#sql.exec(
          "INSERT INTO contracts SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM released WHERE booking_id = ?1) ON CONFLICT (booking_id) DO NOTHING",
          c.bookingId,
          c.status,
          c.expiresAt,
        );
      }
    });
    this.#scheduleAlarm();
  }

  /** Sets the cap (null = no cap). Lowering it below current use is allowed: it only stops new bookings. */
  setCapacity(totalCapacity: number | null): CapacityView {
    this.#sql.exec("INSERT OR REPLACE INTO settings VALUES (1, ?)", totalCapacity);
    return this.status();
  }

  status(): CapacityView {
    const now = Date.now();
    // Two counts over the (status, expires_at) index rather than one pass over every contract.
    const active = this.#sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM contracts WHERE status = 'active' AND (expires_at IS NULL OR expires_at > ?)",
        now,
      )
      .one().n;
    const reserved = this.#sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM contracts WHERE status = 'reserved' AND expires_at > ?", now)
      .one().n;
    const counts = { active, reserved };
    const totalCapacity =
      this.#sql.exec<{ total_capacity: number | null }>("SELECT total_capacity FROM settings").toArray()[0]
        ?.total_capacity ?? null;
    return {
      activeContracts: counts.active,
      reserved: counts.reserved,
      totalCapacity,
      available: totalCapacity === null || counts.active + counts.reserved < totalCapacity,
    };
  }

  hasContract(bookingId: string): "reserved" | "active" | null {
    return (
      this.#sql
        .exec<{ status: "reserved" | "active" }>("SELECT status FROM contracts WHERE booking_id = ?", bookingId)
        .toArray()[0]?.status ?? null
    );
  }

  override async alarm(): Promise<void> {
    this.#dropExpired();
    this.#scheduleAlarm();
  }

  /** Drops reservations past their deadline and contracts whose stay has ended. */
  #dropExpired(): void {
    this.#sql.exec("DELETE FROM contracts WHERE expires_at <= ?", Date.now());
  }

  #wasReleased(bookingId: string): boolean {
    return this.#sql.exec("SELECT 1 FROM released WHERE booking_id = ?", bookingId).toArray().length > 0;
  }

  #scheduleAlarm(): void {
    const next = this.#sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM contracts").one().at;
    if (next !== null) void this.ctx.storage.setAlarm(next);
  }
}
