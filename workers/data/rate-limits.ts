import { AppError } from "../errors";

/**
 * Spends one unit of `limiter` for every key (per IP, per email, …); any key over its limit
 * refuses the request. Retry-After is the limiter's whole period: the binding does not say more.
 */
export async function enforceRateLimit(limiter: RateLimit, keys: string[], periodSeconds = 60): Promise<void> {
  const outcomes = await Promise.all(keys.map((key) => limiter.limit({ key })));
  if (outcomes.some((o) => !o.success)) {
    throw new AppError("rate_limited", "Too many attempts; try again later.", {
      headers: { "retry-after": String(periodSeconds) },
    });
  }
}
