import type { OfferSnapshot } from "../../schema/events";
import {
  claimRequest,
  closePendingOffers,
  expireOffers,
  findOffer,
  insertOffer,
  offersOfRequest,
  releaseClaim,
  roomFreeFor,
  settleOffer,
  type OfferRow,
} from "../data/offers";
import { findRequest, type PoolMatch, type RentalRequestRow } from "../data/rental-requests";
import { findRoom } from "../data/catalog";
import { newId, sha256Hex } from "../domain/ids";
import type { AuthUser } from "../domain/tokens";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { announce, newEvent } from "../outbox";
import { createBooking } from "./bookings";
import { profilesOf, releaseReservations } from "./landlords";
import { landlordsView, maySee } from "./rental-requests";

export interface NewOffer {
  roomId: string;
  price: { amount: number; currency: string };
  startDate?: string;
  endDate?: string;
  message?: string;
  expiresInHours: number;
}

const HOUR = 3_600_000;
const offerNotFound = () => new AppError("not_found", "No such offer.");
const requestNotFound = () => new AppError("not_found", "No such rental request.");
const invalid = (path: string, message: string) =>
  new AppError("validation_failed", message, { errors: [{ path, message }] });

/**
 * A landlord answers a request with one of their rooms. The room must fit the request as the pool
 * sees it (radius, currency, mode, capacity, budget, free nights), the price must be within the
 * tenant's budget in its currency, and the landlord's desk keeps one contract for the offer until
 * it expires (never past the request's own expiry). One live offer per landlord per request.
 */
export async function createOffer(deps: Deps, landlord: AuthUser, requestId: string, input: NewOffer) {
  const request = await findRequest(deps.db, requestId);
  const view = request && request.tenantId !== landlord.id ? await landlordsView(deps, landlord.id, request) : null;
  if (!request || !view?.visible) throw requestNotFound();
  const now = new Date();
  const at = now.toISOString();
  if (request.status !== "open" || request.expiresAt <= at)
    throw new AppError("request_closed", `The request is ${request.status === "open" ? "expired" : request.status}.`);
  const stay = { startDate: input.startDate ?? request.moveIn, endDate: input.endDate ?? request.moveOut };
  await checkOfferFits(deps, view.fits, request, input, stay, at);
  const found = (await findRoom(deps.db, input.roomId))!;
  const expiresAt = new Date(Math.min(now.getTime() + input.expiresInHours * HOUR, Date.parse(request.expiresAt)));
  const first = !view.offered;
  const row: OfferRow = {
    id: newId("ofr", now.getTime()),
    requestId: request.id,
    landlordId: landlord.id,
    tenantId: request.tenantId,
    roomId: input.roomId,
    propertyId: found.property.id,
    priceAmount: input.price.amount,
    currency: input.price.currency,
    ...stay,
    message: input.message ?? null,
    status: "pending",
    expiresAt: expiresAt.toISOString(),
    bookingId: null,
    createdAt: at,
    updatedAt: at,
  };
  if (!(await insertOffer(deps.db, row)))
    throw new AppError("offer_exists", "You already have a live offer on this request; withdraw it to send another.");
  const reserved = await deps.env.LANDLORD_DESK.getByName(landlord.id).reserve(row.id, expiresAt.getTime());
  if (!reserved.ok) {
    await settleOffer(deps.db, row.id, "withdrawn", at);
    throw new AppError("landlord_at_capacity", "Your contracts are all taken or reserved; free one to make an offer.");
  }
  const responseMs = first ? now.getTime() - Date.parse(request.createdAt) : null;
  await announce(deps.env, deps.db, [newEvent("offer.sent", { offer: snapshot(row), responseMs })]);
  return (await viewsOf(deps, [row]))[0]!;
}

/** Room, price and dates of an offer against the request; 422 naming the field that does not fit. */
async function checkOfferFits(
  deps: Deps,
  fits: PoolMatch[],
  request: RentalRequestRow,
  input: NewOffer,
  stay: { startDate: string; endDate: string },
  at: string,
): Promise<void> {
  if (input.price.currency !== request.currency)
    throw invalid("price.currency", `The request is in ${request.currency}.`);
  if (input.price.amount > request.budgetAmount)
    throw invalid("price.amount", "Above the tenant's budget for a period.");
  if (stay.startDate < at.slice(0, 10)) throw invalid("startDate", "The stay cannot start in the past.");
  if (stay.endDate <= stay.startDate) throw invalid("endDate", "must be after startDate");
  if (!fits.some((m) => m.roomId === input.roomId))
    throw invalid("roomId", "This room of yours does not fit the request (place, price, mode, capacity or dates).");
  if (!(await roomFreeFor(deps.db, input.roomId, stay.startDate, stay.endDate, request.units)))
    throw new AppError("room_unavailable", "The room is not free for those dates.");
}

/** A request's offers: its tenant sees all of them, ranked; a landlord sees their own. */
export async function requestOffers(deps: Deps, user: AuthUser, requestId: string) {
  const request = await findRequest(deps.db, requestId);
  if (!request || !(await maySee(deps, user, request))) throw requestNotFound();
  const mine = request.tenantId === user.id;
  const rows = await offersOfRequest(deps.db, requestId, mine ? undefined : user.id);
  return { items: rank(await viewsOf(deps, rows)) };
}

type OfferView = Awaited<ReturnType<typeof viewsOf>>[number];

/** Live offers first, then by landlord score (higher first) and price (lower first). */
function rank(views: OfferView[]): OfferView[] {
  const live = (v: OfferView) => (v.status === "pending" ? 0 : 1);
  return views.sort(
    (a, b) =>
      live(a) - live(b) ||
      (b.landlord?.score ?? 0) - (a.landlord?.score ?? 0) ||
      a.price.amount - b.price.amount ||
      a.id.localeCompare(b.id),
  );
}

/**
 * The tenant accepts an offer: the request is claimed for it (one conditional write, so of two
 * accepts on one request exactly one goes on), then the booking saga holds the room at the offered
 * price, keyed by the offer (a retried accept replays the same booking). Every other pending offer
 * is declined and its reservation released. A room taken meanwhile lapses the offer and gives the
 * request back to the pool.
 */
export async function acceptOffer(deps: Deps, tenant: AuthUser, offerId: string) {
  const offer = await findOffer(deps.db, offerId);
  if (!offer || offer.tenantId !== tenant.id) throw offerNotFound();
  const at = new Date().toISOString();
  if (offer.status !== "accepted" && statusOf(offer, at) !== "pending")
    throw new AppError("offer_closed", `The offer is ${statusOf(offer, at)}.`);
  const request = await claimRequest(deps.db, offer.requestId, offer.id, at);
  if (!request) throw new AppError("request_closed", "The request was accepted, withdrawn or has expired.");
  let booked: Awaited<ReturnType<typeof createBooking>>;
  try {
    booked = await createBooking(
      deps,
      tenant,
      { roomId: offer.roomId, startDate: offer.startDate, endDate: offer.endDate, units: request.units },
      { key: `offer:${offer.id}`, requestHash: await sha256Hex(`offer\n${offer.id}`) },
      { id: offer.id, rentAmount: offer.priceAmount },
    );
  } catch (err) {
    await undoAccept(deps, offer, err, at);
    throw err;
  }
  if (offer.status === "pending") await finishAccept(deps, offer, booked.view.id, at);
  return booked;
}

/**
 * An accept that did not make a booking gives the request back, unless the same accept is still
 * running elsewhere (the calendar said so). A room taken meanwhile lapses the offer for good.
 */
async function undoAccept(deps: Deps, offer: OfferRow, err: unknown, at: string): Promise<void> {
  const code = err instanceof AppError ? err.code : null;
  if (code === "idempotency_in_progress") return;
  await releaseClaim(deps.db, offer.requestId, offer.id, at);
  if (code === "room_unavailable" || code === "not_found") {
    await settleOffer(deps.db, offer.id, "lapsed", at);
    await releaseReservations(deps, [offer]);
  }
}

async function finishAccept(deps: Deps, offer: OfferRow, bookingId: string, at: string): Promise<void> {
  const accepted = await settleOffer(deps.db, offer.id, "accepted", at, bookingId);
  if (accepted?.status !== "accepted") return; // a concurrent retry of this accept finished it
  const others = await closePendingOffers(deps.db, offer.requestId, "declined", at, offer.id);
  // The booking took the offer's reservation over where the desk caps contracts; elsewhere it is let go.
  await releaseReservations(deps, [offer, ...others]);
  await announce(deps.env, deps.db, [
    newEvent("offer.accepted", { offer: snapshot(offer), bookingId }),
    ...others.map((o) => newEvent("offer.declined", { offer: snapshot(o), because: "accepted_another" as const })),
  ]);
}

export async function declineOffer(deps: Deps, tenant: AuthUser, offerId: string) {
  const offer = await findOffer(deps.db, offerId);
  if (!offer || offer.tenantId !== tenant.id) throw offerNotFound();
  const after = await closeOne(deps, offer, "declined");
  await announce(deps.env, deps.db, [newEvent("offer.declined", { offer: snapshot(after), because: "declined" })]);
  return (await viewsOf(deps, [after]))[0]!;
}

export async function withdrawOffer(deps: Deps, landlord: AuthUser, offerId: string) {
  const offer = await findOffer(deps.db, offerId);
  if (!offer || offer.landlordId !== landlord.id) throw offerNotFound();
  return (await viewsOf(deps, [await closeOne(deps, offer, "withdrawn")]))[0]!;
}

export async function getOffer(deps: Deps, user: AuthUser, offerId: string) {
  const offer = await findOffer(deps.db, offerId);
  if (!offer || (offer.tenantId !== user.id && offer.landlordId !== user.id)) throw offerNotFound();
  return (await viewsOf(deps, [offer]))[0]!;
}

async function closeOne(deps: Deps, offer: OfferRow, status: "declined" | "withdrawn"): Promise<OfferRow> {
  const at = new Date().toISOString();
  if (statusOf(offer, at) !== "pending") throw new AppError("offer_closed", `The offer is ${statusOf(offer, at)}.`);
  const after = (await settleOffer(deps.db, offer.id, status, at))!;
  if (after.status !== status) throw new AppError("offer_closed", `The offer is ${after.status}.`);
  await releaseReservations(deps, [after]);
  return after;
}

/** The expiry run (cron): offers past their time and offers of closed requests; their reservations go too. */
export async function expireStaleOffers(deps: Deps, now: Date): Promise<number> {
  const expired = await expireOffers(deps.db, now.toISOString());
  await releaseReservations(deps, expired);
  return expired.length;
}

/** A pending offer past its time reads as expired before the cron has written it so. */
function statusOf(o: OfferRow, at: string): OfferRow["status"] {
  return o.status === "pending" && o.expiresAt <= at ? "expired" : o.status;
}

function snapshot(o: OfferRow): OfferSnapshot {
  return {
    id: o.id,
    requestId: o.requestId,
    landlordId: o.landlordId,
    tenantId: o.tenantId,
    roomId: o.roomId,
    propertyId: o.propertyId,
    priceAmount: o.priceAmount,
    currency: o.currency,
    startDate: o.startDate,
    endDate: o.endDate,
    createdAt: o.createdAt,
  };
}

async function viewsOf(deps: Deps, rows: OfferRow[]) {
  const profiles = await profilesOf(
    deps,
    rows.map((r) => r.landlordId),
  );
  const at = new Date().toISOString();
  return rows.map((o) => ({
    id: o.id,
    requestId: o.requestId,
    roomId: o.roomId,
    propertyId: o.propertyId,
    landlordId: o.landlordId,
    price: { amount: o.priceAmount, currency: o.currency },
    startDate: o.startDate,
    endDate: o.endDate,
    message: o.message,
    status: statusOf(o, at),
    expiresAt: o.expiresAt,
    bookingId: o.bookingId,
    createdAt: o.createdAt,
    landlord: profiles.get(o.landlordId) ?? null,
  }));
}
