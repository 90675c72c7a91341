import { z } from "zod";

/**
 * Domain events carried by the EVENTS queue. Every event has a unique id (consumers deduplicate on
 * it) and the instant it happened. Later issues add their families to `DomainEvent`.
 */
const envelope = { id: z.string().min(1), occurredAt: z.iso.datetime() };

export const ListingChanged = z.object({
  ...envelope,
  type: z.literal("listing.changed"),
  data: z.object({ propertyId: z.string(), reason: z.enum(["created", "updated", "archived", "room_added", "room_updated"]) }),
});

export const DomainEvent = z.discriminatedUnion("type", [ListingChanged]);
export type DomainEvent = z.infer<typeof DomainEvent>;
export type EventType = DomainEvent["type"];
export type EventOf<T extends EventType> = Extract<DomainEvent, { type: T }>;
