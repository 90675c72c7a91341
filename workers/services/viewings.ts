import type { BookViewingResult } from "../../durable-objects/room-viewings";
import type { ViewingSnapshot } from "../../schema/events";
import { findRoom } from "../data/catalog";
import { listViewings, type ViewingRow } from "../data/viewings";
import { toPage } from "../domain/cursor";
import { roomOfViewing } from "../domain/ids";
import type { AuthUser } from "../domain/tokens";
import type { ViewingHours } from "../domain/viewing-slots";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { syncRoomTerms } from "./room-terms";
import { isListed } from "../domain/listing";

const noRoom = () => new AppError("not_found", "No such room.");
const noViewing = () => new AppError("not_found", "No such viewing.");

function calendarOf(deps: Deps, roomId: string) {
  return deps.env.ROOM_CALENDAR.getByName(roomId);
}

/** Calls the room's calendar; a calendar that never got its room's terms gets them, and is asked again. */
async function withTerms<T>(deps: Deps, roomId: string, ask: () => Promise<T | "terms_missing">): Promise<T> {
  const first = await ask();
  if (first !== "terms_missing") return first;
  await syncRoomTerms(deps, roomId);
  const second = await ask();
  if (second === "terms_missing") throw noRoom();
  return second;
}

async function ownRoom(deps: Deps, landlord: AuthUser, roomId: string) {
  const found = await findRoom(deps.db, roomId);
  if (!found || found.property.ownerId !== landlord.id) throw noRoom();
  return found;
}

async function listedRoom(deps: Deps, roomId: string) {
  const found = await findRoom(deps.db, roomId);
  if (!found || found.room.status !== "active" || !isListed(found.property)) throw noRoom();
  return found;
}

export async function setViewingHours(deps: Deps, landlord: AuthUser, roomId: string, hours: ViewingHours) {
  await ownRoom(deps, landlord, roomId);
  return withTerms(deps, roomId, () => calendarOf(deps, roomId).setViewingHours(hours));
}

export async function viewingHours(deps: Deps, roomId: string): Promise<ViewingHours> {
  await listedRoom(deps, roomId);
  const hours = await withTerms(deps, roomId, () => calendarOf(deps, roomId).viewingHours());
  if (!hours) throw new AppError("not_found", "This room has no viewing hours.");
  return hours;
}

export async function viewingSlots(deps: Deps, roomId: string, range: { from: number; to: number }) {
  await listedRoom(deps, roomId);
  const slots = await withTerms(deps, roomId, () => calendarOf(deps, roomId).viewingSlots(range.from, range.to));
  return { slots: slots.map((s) => ({ start: new Date(s.start).toISOString(), end: new Date(s.end).toISOString() })) };
}

/** Books a slot; `requestId` (from the Idempotency-Key) makes a retried request the same viewing. */
export async function bookViewing(deps: Deps, tenant: AuthUser, roomId: string, start: string, requestId: string) {
  await listedRoom(deps, roomId);
  const calendar = calendarOf(deps, roomId);
  const result = await withTerms(
    deps,
    roomId,
    async () =>
      (await calendar.bookViewing(tenant.id, Date.parse(start), requestId)) as BookViewingResult | "terms_missing",
  );
  if (result.ok) return present(result.viewing);
  if (result.code === "not_a_slot")
    throw new AppError("validation_failed", result.detail, { errors: [{ path: "start", message: result.detail }] });
  throw new AppError(result.code === "no_viewing_hours" ? "conflict" : result.code, result.detail);
}

/** A viewing as its room's calendar has it, for its tenant or the room's landlord; 404 for anyone else. */
export async function getViewing(deps: Deps, user: AuthUser, viewingId: string) {
  const roomId = roomOfViewing(viewingId);
  if (!roomId) throw noViewing();
  const viewing = await calendarOf(deps, roomId).getViewing(viewingId);
  if (!viewing || (viewing.tenantId !== user.id && viewing.landlordId !== user.id)) throw noViewing();
  return present(viewing);
}

export async function cancelViewing(deps: Deps, user: AuthUser, viewingId: string) {
  const roomId = roomOfViewing(viewingId);
  const cancelled = roomId ? await calendarOf(deps, roomId).cancelViewing(viewingId, user.id) : null;
  if (!cancelled) throw noViewing();
  return present(cancelled);
}

/** The API's view: the calendar's version counter is its own business. */
function present({ version: _version, ...viewing }: ViewingSnapshot) {
  return viewing;
}

/** The caller's viewings (a tenant's own, a landlord's rooms'), newest booked first, from the read model. */
export async function viewingsPage(deps: Deps, user: AuthUser, q: { limit: number; cursor: string | null }) {
  const as = user.role === "landlord" ? "landlord" : "tenant";
  const page = toPage(await listViewings(deps.db, user.id, as, q.cursor, q.limit), q.limit);
  return { items: page.items.map(view), nextCursor: page.nextCursor };
}

function view(r: ViewingRow) {
  return {
    id: r.id,
    roomId: r.roomId,
    propertyId: r.propertyId,
    tenantId: r.tenantId,
    landlordId: r.landlordId,
    start: r.startAt,
    end: r.endAt,
    status: r.status,
    cancelledBy: r.cancelledBy,
  };
}
