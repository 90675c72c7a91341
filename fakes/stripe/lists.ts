/** Stripe's list envelope and cursor paging, shared by the resources that list. */
import { missing, paramError } from "./errors";
import { getInt, getString, type ParamMap } from "./params";

export interface ListPage<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

/**
 * One page of `newestFirst` as Stripe pages lists: `limit` (1–100, default 10), and a cursor,
 * `starting_after` (the objects after that id) or `ending_before` (the ones before it). A cursor
 * naming an object that is not in the list is a 400, as Stripe answers.
 */
export function listPage<T extends { id: string }>(
  newestFirst: T[],
  p: ParamMap,
  url: string,
  kind: string,
): ListPage<T> {
  const limit = getInt(p, "limit", false) ?? 10;
  if (limit > 100)
    throw paramError("limit", "This value must be less than or equal to 100.", "parameter_invalid_integer");
  const after = getString(p, "starting_after");
  const before = getString(p, "ending_before");
  if (after && before)
    throw paramError("ending_before", "You may only specify one of these parameters: starting_after, ending_before.");
  const cursor = after ?? before;
  const at = cursor === undefined ? -1 : newestFirst.findIndex((o) => o.id === cursor);
  if (cursor !== undefined && at < 0) throw missing(kind, cursor, after ? "starting_after" : "ending_before", 400);
  if (before) {
    const earlier = newestFirst.slice(0, at);
    return { object: "list", data: earlier.slice(-limit), has_more: earlier.length > limit, url };
  }
  const rest = newestFirst.slice(at + 1);
  return { object: "list", data: rest.slice(0, limit), has_more: rest.length > limit, url };
}
