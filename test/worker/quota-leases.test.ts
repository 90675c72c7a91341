import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { QuotaLeases } from "../../durable-objects/quota-leases";
import { CHAT_FRAMES_PER_LEASE } from "../../durable-objects/room-chat";

/** The real CHAT_LIMITER binding, with its calls counted. */
function countedLimiter() {
  const counted = { calls: 0, limit: (o: RateLimitOptions) => (counted.calls++, env.CHAT_LIMITER.limit(o)) };
  return counted;
}

const WINDOW = 10_000;
const key = () => `usr_q${crypto.randomUUID()}`;

/** Leases over the counted binding, on a clock of the test's own (starting in window `at`). */
function leasesAt(at: number) {
  const limiter = countedLimiter();
  const clock = { t: at * WINDOW };
  return { limiter, clock, quota: new QuotaLeases(limiter, CHAT_FRAMES_PER_LEASE, WINDOW, () => clock.t) };
}

describe("QuotaLeases over CHAT_LIMITER", () => {
  it("asks the binding once per lease, also for frames that arrive together", async () => {
    const { limiter, quota } = leasesAt(5);
    const user = key();
    const taken = await Promise.all(Array.from({ length: 12 }, () => quota.take(user)));
    expect(taken.every(Boolean)).toBe(true);
    expect(limiter.calls).toBe(Math.ceil(12 / CHAT_FRAMES_PER_LEASE));
  });

  it("refuses once the binding does: 12 leases of 5 are the 60 frames a user may send per window", async () => {
    const { limiter, quota } = leasesAt(7);
    const user = key();
    const taken = await Promise.all(Array.from({ length: 80 }, () => quota.take(user)));
    // The local binding counts in wall-clock windows; a run that straddles one may be given one more round.
    const allowed = taken.filter(Boolean).length;
    expect(allowed % CHAT_FRAMES_PER_LEASE).toBe(0);
    expect(allowed).toBeGreaterThanOrEqual(60);
    expect(allowed).toBeLessThanOrEqual(80);
  });

  it("drops what is left of a lease when its window ends, and keeps users apart", async () => {
    const { limiter, clock, quota } = leasesAt(9);
    const [a, b] = [key(), key()];
    expect(await quota.take(a)).toBe(true);
    expect(await quota.take(b)).toBe(true);
    expect(limiter.calls).toBe(2);
    expect(await quota.take(a)).toBe(true);
    expect(limiter.calls).toBe(2);
    clock.t += WINDOW;
    expect(await quota.take(a)).toBe(true);
    expect(limiter.calls).toBe(3);
  });
});
