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
