import type { CapacityView } from "../../durable-objects/landlord-desk";
import type { Deps } from "../deps";
import { listedRoomCount, roomIdsOfOwner } from "../data/catalog";
import { findUser } from "../data/users";
import { landlordScore } from "../domain/match-score";
import type { AuthUser } from "../domain/tokens";
import { AppError } from "../errors";

/** The landlord's contracts: active, reserved, the cap and whether they can take more. */
export async function capacityOf(deps: Deps, landlord: AuthUser): Promise<CapacityView> {
  return deps.env.LANDLORD_DESK.getByName(landlord.id).status();
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

/**
 * The landlord score from what is known so far: the desk's contracts against the cap. Activity,
 * acceptance rate and first-response time are counted once offers exist; until then they add nothing.
 */
export function scoreOf(desk: CapacityView): number {
  return landlordScore({
    activeContracts: desk.activeContracts + desk.reserved,
    totalCapacity: desk.totalCapacity,
    sinceActiveMs: null,
    acceptanceRate: null,
    avgFirstResponseMs: null,
  });
}

/** A landlord's public profile; 404 for anyone who is not a landlord. */
export async function landlordProfile(deps: Deps, landlordId: string) {
  const user = await findUser(deps.db, landlordId);
  if (!user || user.role !== "landlord") throw new AppError("not_found", "No such landlord.");
  const [desk, rooms] = await Promise.all([
    deps.env.LANDLORD_DESK.getByName(landlordId).status(),
    listedRoomCount(deps.db, landlordId),
  ]);
  return {
    id: user.id,
    name: user.name,
    score: scoreOf(desk),
    available: desk.available,
    rating: null,
    reviewCount: 0,
    avgFirstResponseMinutes: null,
    listedRooms: rooms,
    memberSince: user.createdAt,
  };
}
