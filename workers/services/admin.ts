import type { BatchItem } from "drizzle-orm/batch";
import { appendAudit, auditPage, type AuditRow } from "../data/audit";
import {
  findProperty,
  ownerSuspensionUpdate,
  propertiesOfOwner,
  propertyUpdate,
  type PropertyRow,
} from "../data/catalog";
import { liveHoldsOf } from "../data/bookings";
import { outboxInsert } from "../data/outbox";
import { withPg } from "../data/pg";
import { revokeFamiliesOf } from "../data/refresh-tokens";
import { findReview, removeReview } from "../data/reviews";
import { findUser, suspensionUpdate } from "../data/users";
import type { AuthUser } from "../domain/tokens";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { log } from "../log";
import { newEvent, publish } from "../outbox";
import { failBooking } from "./bookings";
import { pushPropertyTerms, writeWithEvent } from "./catalog";

/**
 * Moderation. Every action is first appended to the audit log in Postgres (who, what, why, when):
 * with Postgres down nothing changes (503), so no action goes unrecorded. Each action is idempotent,
 * so an admin who retries after a failure half way finishes it (and the log shows both attempts).
 */

const now = () => new Date().toISOString();

async function audit(deps: Deps, admin: AuthUser, action: string, subject: string, detail: Record<string, unknown>) {
  await withPg(deps.env, (pg) => appendAudit(pg, { actorId: admin.id, action, subject, detail }));
}

/**
 * Suspends a user: their access tokens stop working on the next request (auth checks the row), their
 * sessions are revoked, their listings leave search and refuse bookings, and open holds they placed
 * or that sit on their rooms are released.
 */
export async function suspendUser(deps: Deps, admin: AuthUser, userId: string, reason: string) {
  const user = await findUser(deps.db, userId);
  if (!user || user.deletedAt) throw new AppError("not_found", "No such user.");
  if (user.id === admin.id) throw new AppError("conflict", "An admin cannot suspend their own account.");
  await audit(deps, admin, "user.suspend", userId, { reason });
  const at = user.suspendedAt ?? now();
  const owned = await propertiesOfOwner(deps.db, userId);
  await relist(deps, owned, [
    suspensionUpdate(deps.db, userId, { at, reason }),
    ownerSuspensionUpdate(deps.db, userId, at),
  ]);
  await revokeFamiliesOf(deps.db, userId, at);
  // Holds first: they are money; then the calendars (a failure there is logged, not fatal).
  const releasedHolds = await releaseHolds(deps, userId);
  await tellCalendars(deps, userId);
  return { userId, suspendedAt: at, reason, releasedHolds, properties: owned.length };
}

/** Lifts a suspension: the user may sign in again (their old sessions stay revoked), their listings return. */
export async function unsuspendUser(deps: Deps, admin: AuthUser, userId: string, reason: string | undefined) {
  const user = await findUser(deps.db, userId);
  if (!user || user.deletedAt) throw new AppError("not_found", "No such user.");
  await audit(deps, admin, "user.unsuspend", userId, { reason: reason ?? null });
  const owned = await propertiesOfOwner(deps.db, userId);
  await relist(deps, owned, [suspensionUpdate(deps.db, userId, null), ownerSuspensionUpdate(deps.db, userId, null)]);
  await tellCalendars(deps, userId);
  return { userId, suspendedAt: null, reason: null, releasedHolds: 0, properties: owned.length };
}

/** Hides a property from search and every public view, and its rooms refuse bookings; its owner still sees it. */
export async function hideProperty(deps: Deps, admin: AuthUser, propertyId: string, reason: string) {
  const property = await findProperty(deps.db, propertyId);
  if (!property) throw new AppError("not_found", "No such property.");
  await audit(deps, admin, "property.hide", propertyId, { reason });
  const hiddenAt = property.hiddenAt ?? now();
  await moderate(deps, { ...property, hiddenAt, hiddenReason: reason, updatedAt: now() });
  return { propertyId, hiddenAt, reason };
}

export async function unhideProperty(deps: Deps, admin: AuthUser, propertyId: string, reason: string | undefined) {
  const property = await findProperty(deps.db, propertyId);
  if (!property) throw new AppError("not_found", "No such property.");
  await audit(deps, admin, "property.unhide", propertyId, { reason: reason ?? null });
  await moderate(deps, { ...property, hiddenAt: null, hiddenReason: null, updatedAt: now() });
  return { propertyId, hiddenAt: null, reason: null };
}

/** Removes a review for good; ratings are computed from the visible rows, so they follow at once. */
export async function deleteReview(deps: Deps, admin: AuthUser, reviewId: string, reason: string | undefined) {
  const review = await findReview(deps.db, reviewId);
  if (!review) throw new AppError("not_found", "No such review.");
  await audit(deps, admin, "review.delete", reviewId, {
    reason: reason ?? null,
    propertyId: review.propertyId,
    authorId: review.authorId,
    rating: review.rating,
  });
  await removeReview(deps.db, reviewId, now());
}

/** The audit log, newest first; `cursor` is the sequence number of the last entry seen. */
export async function listAudit(deps: Deps, q: { limit: number; cursor?: string; action?: string; subject?: string }) {
  const rows = await withPg(deps.env, (pg) =>
    auditPage(pg, {
      limit: q.limit,
      ...(q.cursor && { before: Number(q.cursor) }),
      ...(q.action && { action: q.action }),
      ...(q.subject && { subject: q.subject }),
    }),
  );
  const items = rows.slice(0, q.limit).map(auditView);
  return { items, nextCursor: rows.length > q.limit ? items.at(-1)!.id : null };
}

function auditView(r: AuditRow) {
  const detail = (r.detail ?? {}) as Record<string, unknown>;
  return {
    id: String(r.id),
    actorId: r.actorId,
    action: r.action,
    subject: r.subject,
    reason: typeof detail.reason === "string" ? detail.reason : null,
    detail,
    at: r.at.toISOString(),
  };
}

/** Writes a moderated property with its listing event, then tells its rooms' calendars. */
async function moderate(deps: Deps, next: PropertyRow): Promise<void> {
  const { hiddenAt, hiddenReason, updatedAt } = next;
  await writeWithEvent(
    deps,
    next.id,
    "moderated",
    propertyUpdate(deps.db, next.id, { hiddenAt, hiddenReason, updatedAt }),
  );
  await pushPropertyTerms(deps, next);
}

/**
 * The user's and their properties' rows (`writes`) and a listing event for each property, in one D1
 * batch: the suspension and what tells search about it commit together. Then the events are sent.
 */
async function relist(deps: Deps, owned: PropertyRow[], writes: [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]) {
  const events = owned.map((p) => newEvent("listing.changed", { propertyId: p.id, reason: "moderated" }));
  await deps.db.batch([...writes, ...events.map((e) => outboxInsert(deps.db, e))]);
  await publish(deps.env, deps.db, events);
}

/**
 * Every calendar of the owner's properties gets their terms as now stored, one failing or not; a
 * failure is logged (search has them out already).
 */
async function tellCalendars(deps: Deps, ownerId: string): Promise<void> {
  const owned = await propertiesOfOwner(deps.db, ownerId);
  const told = await Promise.allSettled(owned.map((property) => pushPropertyTerms(deps, property)));
  told.forEach((t, i) => {
    if (t.status === "rejected")
      log("warn", "moderation_terms_failed", { propertyId: owned[i]!.id, err: String(t.reason) });
  });
}

/** Ends the holds the user placed or that sit on their rooms; one that fails is logged and left to expire. */
async function releaseHolds(deps: Deps, userId: string): Promise<number> {
  const holds = await liveHoldsOf(deps.db, userId);
  const done = await Promise.allSettled(
    holds.map((b) =>
      failBooking(
        deps,
        { bookingId: b.id, roomId: b.roomId, landlordId: b.landlordId, paymentIntentId: b.paymentIntentId },
        "cancelled",
      ),
    ),
  );
  done.forEach((d, i) => {
    if (d.status === "rejected")
      log("warn", "suspension_hold_release_failed", { bookingId: holds[i]!.id, err: d.reason });
  });
  return done.filter((d) => d.status === "fulfilled").length;
}
