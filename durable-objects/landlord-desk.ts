import { DurableObject } from "cloudflare:workers";

/** One per landlord: capacity across all of a landlord's rooms (filled in by the booking issue). */
export class LandlordDesk extends DurableObject<Env> {}
