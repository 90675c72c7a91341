import { findProperty } from "../data/catalog";
import { addFavourite, listFavourites, removeFavourite } from "../data/favourites";
import { clearInteractions, listInteractions, recordInteraction } from "../data/interactions";
import { encodeKeyCursor, type KeyCursor } from "../domain/cursor";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { log } from "../log";
import { isListed } from "../domain/listing";

/** Saves an active property for the tenant: true when newly saved (201), false when it already was (204). */
export async function saveFavourite(deps: Deps, tenantId: string, propertyId: string): Promise<boolean> {
  const property = await findProperty(deps.db, propertyId);
  if (!property || !isListed(property)) throw new AppError("not_found", "No such property.");
  const created = await addFavourite(deps.db, tenantId, propertyId);
  if (created) await recordInteraction(deps.db, tenantId, "favourite", propertyId);
  return created;
}

export async function unsaveFavourite(deps: Deps, tenantId: string, propertyId: string): Promise<void> {
  await removeFavourite(deps.db, tenantId, propertyId);
}

export async function favouritesPage(deps: Deps, tenantId: string, q: { limit: number; cursor: KeyCursor | null }) {
  const rows = await listFavourites(deps.db, tenantId, q.limit, q.cursor);
  const items = rows.slice(0, q.limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor:
      rows.length > q.limit && last
        ? encodeKeyCursor({ sort: "newest", key: last.savedAt, id: last.propertyId })
        : null,
  };
}

export async function interactionsPage(deps: Deps, tenantId: string, q: { limit: number; cursor: KeyCursor | null }) {
  const rows = await listInteractions(deps.db, tenantId, q.limit, q.cursor);
  const items = rows.slice(0, q.limit);
  const last = items.at(-1);
  return {
    items: items.map((r) =>
      r.kind === "search"
        ? { id: r.id, kind: r.kind as "search", filters: JSON.parse(r.subject) as Record<string, unknown>, at: r.at }
        : { id: r.id, kind: r.kind as "view" | "favourite" | "booking", propertyId: r.subject, at: r.at },
    ),
    nextCursor: rows.length > q.limit && last ? encodeKeyCursor({ sort: "newest", key: last.at, id: last.id }) : null,
  };
}

export async function forgetInteractions(deps: Deps, tenantId: string): Promise<void> {
  await clearInteractions(deps.db, tenantId);
}

/** A tenant looked at a property: recorded once per ten minutes (a reload is not ten views); never fails the read. */
export async function recordView(deps: Deps, tenantId: string, propertyId: string): Promise<void> {
  await recordInteraction(deps.db, tenantId, "view", propertyId).catch((err: unknown) =>
    log("warn", "view not recorded", { err: String(err) }),
  );
}
