/** What every fake Stripe object is made of: ids, timestamps, metadata, and the snapshots events carry. */
import { randomBytes } from "node:crypto";

export type Metadata = Record<string, string>;

/** Stripe timestamps are Unix seconds. */
export const now = (): number => Math.floor(Date.now() / 1000);
/** An id shaped like Stripe's (`pi_...`, `ch_...`), alphanumeric after the prefix. */
export const newId = (prefix: string): string =>
  `${prefix}_${randomBytes(18).toString("base64url").replace(/[-_]/g, "x")}`;
/** A deep copy, so an event keeps the object as it was when the event happened. */
export const snapshot = <T>(value: T): T => structuredClone(value);
/** Changes `target` in place and returns it. */
export const patch = <T extends object>(target: T, changes: Partial<T>): T => Object.assign(target, changes);
