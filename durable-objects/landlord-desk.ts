import { DurableObject } from "cloudflare:workers";

export interface CapacityView { activeContracts: number; reserved: number; totalCapacity: number | null; available: boolean }
export type ReserveResult = { ok: true } | { ok: false; code: "landlord_at_capacity" };

/**
 * One per landlord: how many contracts the landlord can carry across all rooms. A booking
 * reserves one contract while its hold lives, confirmation makes it active, release returns it.
 * Reservations carry their own deadline so a saga that crashed between steps cannot leak one:
 * the alarm drops any reservation past it.
 */
export class LandlordDesk extends DurableObject<Env> {
  #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.#sql.exec(`
        CREATE TABLE IF NOT EXISTS settings (id INTEGER PRIMARY KEY CHECK (id = 1), total_capacity INTEGER);
        CREATE TABLE IF NOT EXISTS contracts (booking_id TEXT PRIMARY KEY, status TEXT NOT NULL CHECK (status IN ('reserved', 'active')), expires_at INTEGER);
      `);
    });
  }

  /** Reserves one contract for a booking; the same booking reserving again is a no-op. */
  reserve(bookingId: string, expiresAt: number): ReserveResult {
    this.#dropExpired();
    if (this.#sql.exec("SELECT 1 FROM contracts WHERE booking_id = ?", bookingId).toArray().length > 0) return { ok: true };
    if (!this.status().available) return { ok: false, code: "landlord_at_capacity" };
    this.#sql.exec("INSERT INTO contracts VALUES (?, 'reserved', ?)", bookingId, expiresAt);
    this.#scheduleAlarm();
    return { ok: true };
  }

  /** Turns a booking's reservation into an active contract (also when the reservation already lapsed: the room is paid for). */
  activate(bookingId: string): void {
    this.#sql.exec("INSERT INTO contracts VALUES (?, 'active', NULL) ON CONFLICT (booking_id) DO UPDATE SET status = 'active', expires_at = NULL", bookingId);
  }

  /** Returns a booking's contract, reserved or active; releasing twice changes nothing. */
  release(bookingId: string): void {
    this.#sql.exec("DELETE FROM contracts WHERE booking_id = ?", bookingId);
  }

  /** Sets the cap (null = no cap). Lowering it below current use is allowed: it only stops new bookings. */
  setCapacity(totalCapacity: number | null): CapacityView {
    this.#sql.exec("INSERT OR REPLACE INTO settings VALUES (1, ?)", totalCapacity);
    return this.status();
  }

  status(): CapacityView {
    const counts = this.#sql.exec<{ active: number; reserved: number }>(
      "SELECT coalesce(sum(status = 'active'), 0) AS active, coalesce(sum(status = 'reserved' AND expires_at > ?), 0) AS reserved FROM contracts",
      Date.now()).one();
    const totalCapacity = this.#sql.exec<{ total_capacity: number | null }>("SELECT total_capacity FROM settings").toArray()[0]?.total_capacity ?? null;
    return {
      activeContracts: counts.active,
      reserved: counts.reserved,
      totalCapacity,
      available: totalCapacity === null || counts.active + counts.reserved < totalCapacity,
    };
  }

  hasContract(bookingId: string): "reserved" | "active" | null {
    return this.#sql.exec<{ status: "reserved" | "active" }>("SELECT status FROM contracts WHERE booking_id = ?", bookingId).toArray()[0]?.status ?? null;
  }

  override async alarm(): Promise<void> {
    this.#dropExpired();
    this.#scheduleAlarm();
  }

  #dropExpired(): void {
    this.#sql.exec("DELETE FROM contracts WHERE status = 'reserved' AND expires_at <= ?", Date.now());
  }

  #scheduleAlarm(): void {
    const next = this.#sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM contracts WHERE status = 'reserved'").one().at;
    if (next !== null) void this.ctx.storage.setAlarm(next);
  }
}
