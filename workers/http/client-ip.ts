/** The caller's address as Cloudflare reports it; one shared bucket when it is absent (local tools). */
export function clientIp(headers: Headers): string {
  return headers.get("cf-connecting-ip") ?? "unknown";
}
