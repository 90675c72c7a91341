import type { CapacityView } from "../../durable-objects/landlord-desk";
import type { Deps } from "../deps";
import { listedRoomCount, roomIdsOfOwner } from "../data/catalog";
import { statsOf, type LandlordStatsRow } from "../data/landlord-stats";
import { landlordRatings } from "../data/reviews";
import { usersByIds, type UserRow } from "../data/users";
import { landlordScore } from "../domain/match-score";
import type { AuthUser } from "../domain/tokens";
import { AppError } from "../errors";

/** The landlord's contracts: active, reserved, the cap and whether they can take more. */
export async function capacityOf(deps: Deps, landlord: AuthUser): Promise<CapacityView> {
  return deps.env.LANDLORD_DESK.getByName(landlord.id).status();
}

/** Lets contracts the desks keep for offers go (one already gone, or taken over by its booking, changes nothing). */
export async function releaseReservations(deps: Deps, held: { id: string; landlordId: string }[]): Promise<void> {
  await Promise.all(held.map((o) => deps.env.LANDLORD_DESK.getByName(o.landlordId).release(o.id)));
}

/**
 * Sets the landlord's cap (null: none). Calendars ask the desk only for capped landlords, so
 * switching a cap on first tells every room's calendar (each hands over its live bookings for the
 * desk to count; bookings after that reserve for themselves), then sets the cap. Switching it off
 * lifts the cap first. Setting the same state twice is harmless.
 */
export async function setCapacity(deps: Deps, landlord: AuthUser, totalCapacity: number | null): Promise<CapacityView> {
  const desk = deps.env.LANDLORD_DESK.getByName(landlord.id);
  const roomIds = await roomIdsOfOwner(deps.db, landlord.id);
  const tell = (capped: boolean) =>
    Promise.all(roomIds.map((id) => deps.env.ROOM_CALENDAR.getByName(id).setCapped(capped)));
  if (totalCapacity === null) {
    const view = await desk.setCapacity(null);
    await tell(false);
    return view;
  }
  const live = await tell(true);
  await desk.adopt(live.flat());
  return desk.setCapacity(totalCapacity);
}

/** The landlord score: the desk's contracts against the cap, and the performance the offer events keep. */
export function scoreOf(desk: CapacityView, stats: LandlordStatsRow | undefined, now = Date.now()): number {
  const perf = performanceOf(stats);
  return landlordScore({
    activeContracts: desk.activeContracts + desk.reserved,
    totalCapacity: desk.totalCapacity,
    sinceActiveMs: perf.lastActiveAt ? now - Date.parse(perf.lastActiveAt) : null,
    acceptanceRate: perf.acceptanceRate,
    avgFirstResponseMs: perf.avgFirstResponseMs,
  });
}

/** Acceptance rate and first-response time from the counters (null until there is something to count). */
function performanceOf(stats: LandlordStatsRow | undefined) {
  return {
    lastActiveAt: stats?.lastActiveAt ?? null,
    offersSent: stats?.offersSent ?? 0,
    offersAccepted: stats?.offersAccepted ?? 0,
    acceptanceRate: stats && stats.offersSent > 0 ? stats.offersAccepted / stats.offersSent : null,
    avgFirstResponseMs: stats && stats.requestsAnswered > 0 ? stats.responseMsTotal / stats.requestsAnswered : null,
  };
}

/** The landlord's score, for the landlord's own pool. */
export async function ownScore(deps: Deps, landlordId: string, desk: CapacityView): Promise<number> {
  return scoreOf(desk, (await statsOf(deps.db, [landlordId])).get(landlordId));
}

/** Public profiles of landlords (unknown ids are left out): name, score, rating, response time, listings. */
export async function profilesOf(deps: Deps, landlordIds: string[]) {
  const ids = [...new Set(landlordIds)];
  const now = new Date();
  const [people, stats, ratings, desks, rooms] = await Promise.all([
    usersByIds(deps.db, ids),
    statsOf(deps.db, ids),
    landlordRatings(deps.db, ids, now.toISOString()),
    Promise.all(ids.map((id) => deps.env.LANDLORD_DESK.getByName(id).status())),
    Promise.all(ids.map((id) => listedRoomCount(deps.db, id))),
  ]);
  const profiles = new Map<string, ReturnType<typeof profile>>();
  const profile = (i: number, user: UserRow) => {
    const perf = performanceOf(stats.get(user.id));
    const rating = ratings.get(user.id)!;
    return {
      id: user.id,
      name: user.name,
      score: scoreOf(desks[i]!, stats.get(user.id), now.getTime()),
      available: desks[i]!.available,
      rating: rating.average,
      reviewCount: rating.count,
      avgFirstResponseMinutes: perf.avgFirstResponseMs === null ? null : Math.round(perf.avgFirstResponseMs / 60_000),
      acceptanceRate: perf.acceptanceRate === null ? null : Math.round(perf.acceptanceRate * 100) / 100,
      offersSent: perf.offersSent,
      lastActiveAt: perf.lastActiveAt,
      listedRooms: rooms[i]!,
      memberSince: user.createdAt,
    };
  };
  ids.forEach((id, i) => {
    const user = people.get(id);
    // A suspended landlord has no public profile, as their listings have none.
    if (user && user.role === "landlord" && !user.suspendedAt) profiles.set(id, profile(i, user));
  });
  return profiles;
}

/** A landlord's public profile; 404 for anyone who is not a landlord. */
export async function landlordProfile(deps: Deps, landlordId: string) {
  const found = (await profilesOf(deps, [landlordId])).get(landlordId);
  if (!found) throw new AppError("not_found", "No such landlord.");
  return found;
}
