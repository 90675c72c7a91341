/**
 * Frames taken from a rate-limiting binding a lease at a time. Each `limit()` call that succeeds
 * stands for `perLease` frames, kept in this object's memory for the rest of the limiter's window;
 * the binding's own limit is set in leases (wrangler.toml: CHAT_LIMITER allows 12 leases of 5, so
 * 60 frames, per user and 10 s). Only the frame that opens a lease waits for the binding; the next
 * ones are counted here. Frames that arrive while a lease is being asked for wait for that same
 * answer instead of asking again.
 *
 * Never looser than a call per frame: a lease left over when its window ends is dropped, and a
 * lease is spent only by the user it was asked for, in the object that asked. A user writing in
 * several rooms at once takes a lease in each (so at worst 12 rooms within one window before the
 * limiter refuses), and an evicted object forgets its leases (the next frame asks again).
 */
export class QuotaLeases {
  readonly #leases = new Map<string, Lease>();

  constructor(
    private readonly limiter: Pick<RateLimit, "limit">,
    private readonly perLease: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one frame of `key`'s quota: true when it may go ahead. */
  async take(key: string): Promise<boolean> {
    for (;;) {
      const lease = this.#current(key);
      if (lease.left > 0) {
        lease.left--;
        return true;
      }
      const answer = (lease.asking ??= this.#ask(key, lease));
      if (!(await answer)) return false;
    }
  }

  #current(key: string): Lease {
    const window = Math.floor(this.now() / this.windowMs);
    let lease = this.#leases.get(key);
    if (!lease || lease.window !== window) {
      // Keys of past windows are dropped as they are met again; the map holds the users of this object.
      lease = { window, left: 0, asking: null };
      this.#leases.set(key, lease);
    }
    return lease;
  }

  async #ask(key: string, lease: Lease): Promise<boolean> {
    try {
      const { success } = await this.limiter.limit({ key });
      if (success) lease.left += this.perLease;
      return success;
    } finally {
      lease.asking = null;
    }
  }
}

interface Lease {
  /** The limiter window (wall-clock `windowMs` slots) the frames left belong to. */
  window: number;
  left: number;
  /** The binding's answer being waited for, shared by every frame that found no frame left. */
  asking: Promise<boolean> | null;
}
