import type { CapacityView } from "../../durable-objects/landlord-desk";
import type { Deps } from "../deps";
import { roomIdsOfOwner } from "../data/catalog";
import type { AuthUser } from "../domain/tokens";

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
