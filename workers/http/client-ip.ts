/** The caller's address as Cloudflare reports it; one shared bucket when it is absent (local tools). */
export function clientIp(headers: Headers): string {
  return headers.get("cf-connecting-ip") ?? "unknown";
}

/** Where a sign-in comes from, for the session list: its User-Agent and Cloudflare's coarse place (city, country). */
export function clientFacts(req: Request): { userAgent: string | null; place: string | null } {
  const cf = (req as Request & { cf?: { city?: unknown; country?: unknown } }).cf;
  const parts = [cf?.city, cf?.country].filter((p): p is string => typeof p === "string" && p.length > 0);
  const ua = req.headers.get("user-agent");
  return { userAgent: ua ? ua.slice(0, 300) : null, place: parts.length ? parts.join(", ").slice(0, 100) : null };
}
