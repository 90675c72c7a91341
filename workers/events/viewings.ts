import type { EventOf } from "../../schema/events";
import type { D1Db } from "../data/d1";
import { keepViewing } from "../data/viewings";

/** Keeps the D1 viewings read model in step with the room's calendar; a late, older event changes nothing. */
export async function projectViewing(
  event: EventOf<"viewing.booked" | "viewing.cancelled" | "viewing.reminder">,
  _env: Env,
  db: D1Db,
): Promise<void> {
  await keepViewing(db, event.data.viewing);
}
