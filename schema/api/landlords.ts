import { z } from "@hono/zod-openapi";

/** A landlord's contract capacity: contracts running, held for bookings in flight, the cap (null: none). */
export const Capacity = z
  .object({
    activeContracts: z.number().int(),
    reserved: z.number().int(),
    totalCapacity: z.number().int().nullable(),
    available: z.boolean(),
  })
  .openapi("Capacity");

/** How many contracts a landlord can carry at once (null: no cap). */
// 0 is allowed (it closes the landlord to new contracts) but would make a harmful example.
export const SetCapacity = z
  .object({ totalCapacity: z.number().int().min(0).max(100_000).nullable().openapi({ example: 10 }) })
  .strict()
  .openapi("SetCapacity");

export const LandlordProfile = z
  .object({
    id: z.string(),
    name: z.string(),
    score: z
      .number()
      .int()
      .min(0)
      .max(100)
      .openapi({ description: "The landlord score (docs/architecture.md, Request pool)" }),
    available: z.boolean().openapi({ description: "Whether they can take another contract" }),
    rating: z
      .number()
      .nullable()
      .openapi({ description: "Average rating (1–5) of the visible reviews tenants wrote; null with none" }),
    reviewCount: z.number().int(),
    avgFirstResponseMinutes: z
      .number()
      .nullable()
      .openapi({ description: "Average time from a request to this landlord's first offer on it; null with none" }),
    acceptanceRate: z
      .number()
      .nullable()
      .openapi({ description: "Offers accepted / offers sent (0–1); null before the first offer" }),
    offersSent: z.number().int(),
    lastActiveAt: z.string().nullable().openapi({ description: "When they last sent an offer" }),
    listedRooms: z.number().int(),
    memberSince: z.string(),
  })
  .openapi("LandlordProfile");
