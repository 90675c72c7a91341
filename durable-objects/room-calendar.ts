import { DurableObject } from "cloudflare:workers";

/** One per room: the authority for the room's capacity units per day (filled in by the booking issue). */
export class RoomCalendar extends DurableObject<Env> {}
