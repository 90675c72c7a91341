import type { Context } from "hono";

/** One JSON object per line: what Workers Logs and `wrangler tail` index. */
export function log(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, at: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** Logs a failure with its cause for the engineer on call; the client never sees the cause. */
export function logError(c: Context, msg: string, cause: unknown): void {
  const err = cause instanceof Error ? { name: cause.name, message: cause.message, stack: cause.stack } : { value: String(cause) };
  log("error", msg, { requestId: c.get("requestId"), method: c.req.method, path: c.req.path, err });
}
