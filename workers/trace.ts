import { AsyncLocalStorage } from "node:async_hooks";

/**
 * W3C trace context: the trace a piece of work belongs to, carried through everything it calls in
 * this isolate (AsyncLocalStorage), into the events it sends (their `traceId`), and back out in
 * responses, so one booking's log lines share one id from the request to the queue's consumer.
 */
const current = new AsyncLocalStorage<Work>();

/** The work under way: its trace, and the time it spent waiting on each kind of store (for metrics). */
interface Work {
  traceId: string;
  waited: Record<Waited, number>;
}
export type Waited = "pg" | "do";
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
export const TRACE_ID = /^[0-9a-f]{32}$/;

const hex = (bytes: number) =>
  [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");

export function newTraceId(): string {
  return hex(16);
}

/** The trace id of a `traceparent` header, or null when absent, malformed or all zeros (invalid per W3C). */
export function traceIdOf(traceparent: string | null | undefined): string | null {
  const m = traceparent ? TRACEPARENT.exec(traceparent.trim().toLowerCase()) : null;
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return null;
  return m[1]!;
}

/** A `traceparent` for a new span of `traceId` (this worker's part of the trace). */
export function traceparent(traceId: string): string {
  return `00-${traceId}-${hex(8)}-01`;
}

/** Runs `work` as part of the trace `traceId`. */
export function withTrace<T>(traceId: string, work: () => T): T {
  return current.run({ traceId, waited: { pg: 0, do: 0 } }, work);
}

/** The headers that carry the current trace into a call to another service (Stripe). */
export function traceHeaders(): Record<string, string> {
  const traceId = currentTraceId();
  return traceId ? { traceparent: traceparent(traceId) } : {};
}

/** Times `call` as waiting on `kind` for the work running now. */
export async function timed<T>(kind: Waited, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } finally {
    const work = current.getStore();
    if (work) work.waited[kind] += performance.now() - started;
  }
}

/** How long the work running now has waited on each kind of store so far, in ms. */
export function waitedSoFar(): Record<Waited, number> {
  return { ...(current.getStore()?.waited ?? { pg: 0, do: 0 }) };
}

/** The trace id of the work running now, if any. */
export function currentTraceId(): string | undefined {
  return current.getStore()?.traceId;
}
