/** Opaque pagination cursors: the id of the last item seen, base64url-encoded. */
export const PAGE_DEFAULT = 20;
export const PAGE_MAX = 100;

export function encodeCursor(lastId: string): string {
  return btoa(lastId).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Returns the id in a cursor, or null when the cursor was not made by `encodeCursor`. */
export function decodeCursor(cursor: string): string | null {
  try {
    const id = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    // Ids are `prefix_` + 17 characters; booking ids add their room's 17 (see newBookingId).
    return /^[a-z]+_[0-9a-z]{17}([0-9a-z]{17})?$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** Splits a `limit + 1` query result into a page and the cursor of the next one. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

/** Where a sorted page ended: the sort, the last item's sort key and its id (ties break on the id). */
export interface KeyCursor {
  sort: string;
  key: number | string;
  id: string;
}

/** An opaque cursor for pages ordered by a key other than the id (search). */
export function encodeKeyCursor(c: KeyCursor): string {
  return encodeCursor(JSON.stringify([c.sort, c.key, c.id]));
}

/** The position in a cursor made by `encodeKeyCursor`, or null for anything else. */
export function decodeKeyCursor(cursor: string): KeyCursor | null {
  try {
    const raw = new TextDecoder().decode(
      Uint8Array.from(atob(cursor.replaceAll("-", "+").replaceAll("_", "/")), (ch) => ch.charCodeAt(0)),
    );
    const [sort, key, id] = JSON.parse(raw) as unknown[];
    const keyOk = (typeof key === "number" && Number.isFinite(key)) || (typeof key === "string" && key.length <= 40);
    return typeof sort === "string" && keyOk && typeof id === "string" && /^[a-z]+_[0-9a-z]{17}$/.test(id)
      ? { sort, key: key as number | string, id }
      : null;
  } catch {
    return null;
  }
}
