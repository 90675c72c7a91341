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
