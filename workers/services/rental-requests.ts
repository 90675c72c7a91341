import {
  withdrawOpenRequest,
  findRequest,
  insertRequestUnderLimit,
  poolMatches,
  requestsByIds,
  requestsOf,
  type PoolMatch,
  type RentalRequestRow,
} from "../data/rental-requests";
import { closePendingOffers, hasOffered } from "../data/offers";
import { decodeKeyCursor, encodeKeyCursor, toPage } from "../domain/cursor";
import { addDays, addMonths } from "../domain/dates";
import { newId } from "../domain/ids";
import { fitOf, matchReason, matchScore } from "../domain/match-score";
import type { AuthUser } from "../domain/tokens";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { ownScore, releaseReservations } from "./landlords";

/** How long a request stays open unless accepted or withdrawn. */
export const REQUEST_OPEN_DAYS = 14;
export const MAX_OPEN_REQUESTS = 5;

export interface NewRentalRequest {
  location: { lat: number; lng: number };
  radiusKm: number;
  city?: string;
  budget: { amount: number; currency: string };
  rentalMode: "monthly" | "nightly";
  moveIn: string;
  nights?: number;
  months?: number;
  units: number;
  note?: string;
}

const notFound = () => new AppError("not_found", "No such rental request.");

export async function createRequest(deps: Deps, tenant: AuthUser, input: NewRentalRequest) {
  const now = new Date();
  const today = now.toISOString().slice(0, 10);
  if (input.moveIn < today)
    throw new AppError("validation_failed", "The move-in date has passed.", {
      errors: [{ path: "moveIn", message: "must be today or later" }],
    });
  const at = now.toISOString();
  const row: RentalRequestRow = {
    id: newId("rrq"),
    tenantId: tenant.id,
    lat: input.location.lat,
    lng: input.location.lng,
    radiusKm: input.radiusKm,
    city: input.city ?? null,
    budgetAmount: input.budget.amount,
    currency: input.budget.currency,
    rentalMode: input.rentalMode,
    moveIn: input.moveIn,
    moveOut: input.nights ? addDays(input.moveIn, input.nights) : addMonths(input.moveIn, input.months!),
    nights: input.nights ?? null,
    months: input.months ?? null,
    units: input.units,
    note: input.note ?? null,
    status: "open",
    expiresAt: new Date(now.getTime() + REQUEST_OPEN_DAYS * 86_400_000).toISOString(),
    acceptedOfferId: null,
    createdAt: at,
    updatedAt: at,
  };
  if (!(await insertRequestUnderLimit(deps.db, row, MAX_OPEN_REQUESTS)))
    throw new AppError("too_many_open_requests", `You have ${MAX_OPEN_REQUESTS} open requests; withdraw one first.`);
  return view(row);
}

export async function myRequests(deps: Deps, tenant: AuthUser, q: { limit: number; cursor: string | null }) {
  const page = toPage(await requestsOf(deps.db, tenant.id, q.cursor, q.limit), q.limit);
  return { items: page.items.map(view), nextCursor: page.nextCursor };
}

/** Its tenant sees a request; so does a landlord whose pool it is in. Anyone else: 404. */
export async function getRequest(deps: Deps, user: AuthUser, id: string) {
  const row = await findRequest(deps.db, id);
  if (!row) throw notFound();
  if (await maySee(deps, user, row)) return view(row);
  throw notFound();
}

/** Its tenant; a landlord who has offered on it, or whose pool it is in. */
export async function maySee(deps: Deps, user: AuthUser, row: RentalRequestRow): Promise<boolean> {
  if (row.tenantId === user.id) return true;
  return user.role === "landlord" && (await landlordsView(deps, user.id, row)).visible;
}

/**
 * How a landlord stands to a request: whether they offered on it before, which of their rooms fit
 * it now (empty while their desk is full: the pool shows them nothing then), and so whether they
 * may see it.
 */
export async function landlordsView(deps: Deps, landlordId: string, row: RentalRequestRow) {
  const offered = await hasOffered(deps.db, row.id, landlordId);
  const open = (await available(deps, landlordId)).available;
  const fits = open ? await poolMatches(deps.db, landlordId, new Date().toISOString(), row.id) : [];
  return { offered, fits, visible: offered || fits.length > 0 };
}

export async function withdrawRequest(deps: Deps, tenant: AuthUser, id: string) {
  const row = await findRequest(deps.db, id);
  if (!row || row.tenantId !== tenant.id) throw notFound();
  const at = new Date().toISOString();
  const after = await withdrawOpenRequest(deps.db, id, at);
  if (after!.status !== "withdrawn")
    throw new AppError("conflict", `The request is ${after!.status}; only an open request can be withdrawn.`);
  await releaseReservations(deps, await closePendingOffers(deps.db, id, "withdrawn", at));
  return view(after!);
}

/** Whether the landlord's desk can take another contract, with what the score needs of it. */
function available(deps: Deps, landlordId: string) {
  return deps.env.LANDLORD_DESK.getByName(landlordId).status();
}

/**
 * The landlord's request pool: open requests that fit at least one of their active rooms, best
 * match first. A landlord whose desk is full sees none, and is told why.
 */
export async function requestPool(deps: Deps, landlord: AuthUser, q: { limit: number; cursor?: string }) {
  const after = q.cursor === undefined ? null : decodeKeyCursor(q.cursor);
  if (q.cursor !== undefined && (!after || after.sort !== "match" || typeof after.key !== "number"))
    throw new AppError("validation_failed", "The cursor is not one this list gave.", {
      errors: [{ path: "cursor", message: "use the nextCursor of a previous page" }],
    });
  const desk = await available(deps, landlord.id);
  const score = await ownScore(deps, landlord.id, desk);
  if (!desk.available)
    return {
      available: false,
      reason: `All ${desk.totalCapacity} contracts are taken or reserved: free one to see requests.`,
      landlordScore: score,
      items: [],
      nextCursor: null,
    };
  const matches = await poolMatches(deps.db, landlord.id, new Date().toISOString());
  const requests = await requestsByIds(deps.db, [...new Set(matches.map((m) => m.requestId))]);
  const ranked = rank(matches, requests, score);
  const start = after
    ? ranked.findIndex(
        (r) => r.matchScore < (after.key as number) || (r.matchScore === after.key && r.request.id > after.id),
      )
    : 0;
  const page = start < 0 ? [] : ranked.slice(start, start + q.limit);
  const more = start >= 0 && ranked.length > start + q.limit;
  const last = page.at(-1);
  return {
    available: true,
    reason: null,
    landlordScore: score,
    items: page,
    nextCursor: more && last ? encodeKeyCursor({ sort: "match", key: last.matchScore, id: last.request.id }) : null,
  };
}

/** One item per request: its fitting rooms best first, the match score of the best, highest first (ties by id). */
function rank(matches: PoolMatch[], requests: Map<string, RentalRequestRow>, score: number) {
  const byRequest = new Map<string, PoolMatch[]>();
  for (const m of matches) byRequest.set(m.requestId, [...(byRequest.get(m.requestId) ?? []), m]);
  const items = [];
  for (const [id, ms] of byRequest) {
    const r = requests.get(id);
    if (!r) continue;
    const fits = ms
      .map((m) => ({
        m,
        fit: { distanceKm: m.distanceKm, radiusKm: r.radiusKm, price: m.price, budget: r.budgetAmount },
      }))
      .sort((a, b) => fitOf(b.fit) - fitOf(a.fit) || a.m.roomId.localeCompare(b.m.roomId));
    const best = fits[0]!;
    items.push({
      request: view(r),
      roomIds: fits.map((f) => f.m.roomId),
      matchScore: matchScore(score, fitOf(best.fit)),
      matchReason: matchReason(best.fit, fits.length),
    });
  }
  return items.sort((a, b) => b.matchScore - a.matchScore || a.request.id.localeCompare(b.request.id));
}

export function view(r: RentalRequestRow) {
  return {
    id: r.id,
    status: r.status,
    location: { lat: r.lat, lng: r.lng },
    radiusKm: r.radiusKm,
    city: r.city,
    budget: { amount: r.budgetAmount, currency: r.currency },
    rentalMode: r.rentalMode,
    moveIn: r.moveIn,
    moveOut: r.moveOut,
    nights: r.nights,
    months: r.months,
    units: r.units,
    note: r.note,
    expiresAt: r.expiresAt,
    acceptedOfferId: r.acceptedOfferId,
    createdAt: r.createdAt,
  };
}
