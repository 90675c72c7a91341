import type { Context } from "hono";
import { currentTraceId } from "./trace";

type Level = "info" | "warn" | "error";
const RANK: Record<Level, number> = { info: 0, warn: 1, error: 2 };
let minimum = 0;

/** Sets the least severe level written (`LOG_LEVEL` in `[vars]`; unknown values mean info). */
export function setLogLevel(level: string | undefined): void {
  minimum = RANK[level as Level] ?? 0;
}

/** One JSON object per line: what Workers Logs and `wrangler tail` index. */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  if (RANK[level] < minimum) return;
  const traceId = currentTraceId();
  const line = JSON.stringify({ level, msg, at: new Date().toISOString(), ...(traceId ? { traceId } : {}), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

/** Logs a failure with its cause for the engineer on call; the client never sees the cause. */
export function logError(c: Context, msg: string, cause: unknown): void {
  const err =
    cause instanceof Error
      ? { name: cause.name, message: cause.message, stack: cause.stack }
      : { value: String(cause) };
  log("error", msg, { requestId: c.get("requestId"), method: c.req.method, path: c.req.path, err });
}
