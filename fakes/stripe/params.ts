/** Request params as endpoints see them, and the typed getters that reject them the way Stripe does. */
import { paramError } from "./errors";
import type { Metadata } from "./objects";

export type Param = string | Param[] | ParamMap;
export interface ParamMap {
  [key: string]: Param;
}
/** One request as an endpoint sees it: its params, the id in its URL, and what its events record of it. */
export interface Ctx {
  params: ParamMap;
  id: string;
  requestId: string | null;
  idempotencyKey: string | null;
}

/** A string param, or undefined when absent. */
export function getString(p: ParamMap, name: string): string | undefined {
  const v = p[name];
  if (v !== undefined && typeof v !== "string") throw paramError(name, `Invalid string: ${name} must be a string.`);
  return v;
}

/** An integer param of at least `min`. */
export function getInt(p: ParamMap, name: string, required: boolean, min = 1): number | undefined {
  const raw = getString(p, name);
  if (raw === undefined || raw === "") {
    if (required) throw paramError(name, `Missing required param: ${name}.`, "parameter_missing");
    return undefined;
  }
  if (!/^-?\d+$/.test(raw)) throw paramError(name, `Invalid integer: ${raw}`, "parameter_invalid_integer");
  const n = Number(raw);
  if (n < min) {
    throw paramError(name, `This value must be greater than or equal to ${min}.`, "parameter_invalid_integer");
  }
  return n;
}

/** `true` or `false`; absent is false. */
export function getBool(p: ParamMap, name: string): boolean {
  const raw = getString(p, name);
  if (raw !== undefined && raw !== "true" && raw !== "false") throw paramError(name, `Invalid boolean: ${raw}`);
  return raw === "true";
}

/** One of `allowed`, or undefined when absent. */
export function getEnum(p: ParamMap, name: string, allowed: string[]): string | undefined {
  const raw = getString(p, name);
  if (raw !== undefined && !allowed.includes(raw)) {
    throw paramError(name, `Invalid ${name}: must be one of ${allowed.join(", ")}`);
  }
  return raw;
}

/** A three-letter ISO currency code, lowercased as Stripe returns it. */
export function getCurrency(p: ParamMap, required: boolean): string | undefined {
  const raw = getString(p, "currency");
  if (raw === undefined && !required) return undefined;
  if (raw === undefined || raw === "") {
    throw paramError("currency", "Missing required param: currency.", "parameter_missing");
  }
  if (!/^[a-z]{3}$/i.test(raw)) {
    throw paramError("currency", `Invalid currency: ${raw}. Currencies are three-letter ISO codes.`);
  }
  return raw.toLowerCase();
}

/** Stripe merges metadata on update; an empty string unsets a key, and `metadata=` clears all. */
export function mergeMetadata(p: ParamMap, current: Metadata = {}): Metadata {
  const raw = p.metadata;
  if (raw === undefined) return current;
  if (raw === "") return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw paramError("metadata", "Invalid object: metadata must be a hash.");
  }
  const merged = { ...current };
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== "string") throw paramError(`metadata[${k}]`, "Metadata values must be strings.");
    if (v === "") delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

/** Stripe's range filter on a timestamp: an integer (equal to) or a hash of gt, gte, lt and lte. */
export interface Range {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

/** A `created`-style filter; absent is undefined. */
export function getRange(p: ParamMap, name: string): Range | undefined {
  const raw = p[name];
  if (raw === undefined) return undefined;
  if (typeof raw === "string") {
    const exact = getInt(p, name, false, 0);
    return exact === undefined ? undefined : { gte: exact, lte: exact };
  }
  if (Array.isArray(raw))
    throw paramError(name, `Invalid hash: ${name} must be an integer or a hash of gt, gte, lt, lte.`);
  const range: Range = {};
  for (const key of Object.keys(raw)) {
    if (key !== "gt" && key !== "gte" && key !== "lt" && key !== "lte") {
      throw paramError(`${name}[${key}]`, `Received unknown parameter: ${name}[${key}]`);
    }
    range[key] = getInt(raw, key, true, 0);
  }
  return range;
}

/** Whether a timestamp is inside a range filter. */
export function inRange(value: number, range: Range | undefined): boolean {
  if (!range) return true;
  return (
    (range.gt === undefined || value > range.gt) &&
    (range.gte === undefined || value >= range.gte) &&
    (range.lt === undefined || value < range.lt) &&
    (range.lte === undefined || value <= range.lte)
  );
}
