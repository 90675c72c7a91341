import { z } from "@hono/zod-openapi";
import { COUNTRIES } from "../../workers/domain/iso";
import { chargeable, Money, MoneyView, Problem, Text } from "./common";

/** The canonical IANA name of `tz`, or null for anything else. */
function ianaZone(tz: string): string | null {
  try {
    const zone = new Intl.DateTimeFormat("en-US", { timeZone: tz }).resolvedOptions().timeZone;
    // workerd's Intl also takes UTC offsets ("+01:00"); they have no daylight-saving rules, so a
    // lease would bill at the wrong local hour half the year. IANA names never start with a sign.
    return /^[+-]/.test(zone) ? null : zone;
  } catch {
    return null;
  }
}

const Timezone = z
  .string()
  .min(1)
  .max(64)
  .transform((tz, ctx) => {
    const zone = ianaZone(tz);
    if (zone) return zone;
    ctx.addIssue({ code: "custom", message: "must be an IANA timezone such as Europe/Lisbon, or UTC" });
    return z.NEVER;
  })
  .openapi({ example: "Europe/Lisbon" });

const Country = z
  .string()
  .length(2)
  .refine((c) => COUNTRIES.has(c), "must be an ISO 3166-1 alpha-2 code")
  .openapi({ example: "PT" });

export const PropertyType = z.enum(["apartment", "house", "studio", "shared_house", "residence"]);

const PropertyFields = {
  title: Text({ min: 3, max: 200 }),
  description: Text({ max: 5000, multiline: true }),
  type: PropertyType,
  address: z
    .object({
      line1: Text({ min: 1, max: 200 }),
      city: Text({ min: 1, max: 100 }),
      postalCode: Text({ min: 1, max: 20 }).optional(),
      country: Country,
    })
    .strict(),
  location: z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) }).strict(),
  amenities: z.array(Text({ min: 1, max: 50 })).max(50),
  timezone: Timezone,
};

/** Client-writable fields only: `ownerId`, `status` and timestamps are refused (strict). */
export const CreateProperty = z.object(PropertyFields).strict().openapi("CreateProperty");
export const UpdateProperty = z
  .object(PropertyFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, "send at least one field")
  .openapi("UpdateProperty");

export const Property = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    title: z.string(),
    description: z.string(),
    type: PropertyType,
    address: z.object({ line1: z.string(), city: z.string(), postalCode: z.string().nullable(), country: z.string() }),
    location: z.object({ lat: z.number(), lng: z.number() }),
    amenities: z.array(z.string()),
    timezone: z.string(),
    status: z.enum(["active", "archived"]),
    moderation: z
      .object({
        hiddenAt: z.string().nullable(),
        reason: z.string().nullable().openapi({ description: "Why an admin hid it" }),
        ownerSuspended: z.boolean(),
      })
      .optional()
      .openapi({
        description:
          "Present (to its owner and admins: nobody else sees such a property) while it is off search by moderation",
      }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Property");

export const PropertyQuery = z.object({
  city: Text({ max: 100 }).optional(),
  country: z.string().length(2).optional(),
  mine: z
    .enum(["true", "false"])
    .optional()
    .openapi({ description: "landlords: only my properties, archived included" }),
});

/** A room's deposit: may be zero; charged with the first period, so within Stripe's limit too. */
const Deposit = chargeable(0, 65000);

const RoomFields = {
  name: Text({ min: 1, max: 100 }),
  capacity: z.number().int().min(1).max(1000),
  rentalMode: z.enum(["monthly", "nightly"]),
  price: Money,
  deposit: Deposit,
  minNights: z.number().int().min(1).max(3650).optional(),
  maxNights: z.number().int().min(1).max(3650).optional(),
  freeCancellationDays: z.number().int().min(0).max(365).optional(),
};

type RoomInput = {
  price?: { currency: string };
  deposit?: { currency: string };
  minNights?: number;
  maxNights?: number;
};
const roomRules = <T extends z.ZodType<RoomInput>>(schema: T) =>
  schema
    .refine((r) => !r.deposit || !r.price || r.deposit.currency === r.price.currency, {
      message: "deposit currency must equal price currency",
      path: ["deposit", "currency"],
    })
    .refine((r) => !r.minNights || !r.maxNights || r.minNights <= r.maxNights, {
      message: "must be ≥ minNights",
      path: ["maxNights"],
    });

export const CreateRoom = roomRules(z.object(RoomFields).strict()).openapi("CreateRoom");
export const UpdateRoom = roomRules(z.object(RoomFields).partial().strict())
  .refine((v) => Object.keys(v).length > 0, "send at least one field")
  .openapi("UpdateRoom");

export const Room = z
  .object({
    id: z.string(),
    propertyId: z.string(),
    name: z.string(),
    capacity: z.number().int(),
    rentalMode: z.enum(["monthly", "nightly"]),
    price: MoneyView,
    deposit: MoneyView,
    minNights: z.number().int().nullable(),
    maxNights: z.number().int().nullable(),
    freeCancellationDays: z.number().int(),
    status: z.enum(["active", "archived"]),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Room");

/** The 409 of a room update; with `rental_mode_locked`, what still runs on the room's current mode. */
export const RoomConflict = Problem.extend({
  liveBookings: z
    .number()
    .int()
    .optional()
    .openapi({ description: "with `rental_mode_locked`: the room's held or confirmed bookings with nights left" }),
  liveLeases: z
    .number()
    .int()
    .optional()
    .openapi({ description: "with `rental_mode_locked`: the room's leases that have not ended" }),
}).openapi("RoomConflict");

export type CreatePropertyInput = z.infer<typeof CreateProperty>;
export type UpdatePropertyInput = z.infer<typeof UpdateProperty>;
export type CreateRoomInput = z.infer<typeof CreateRoom>;
export type UpdateRoomInput = z.infer<typeof UpdateRoom>;
export type PropertyView = z.infer<typeof Property>;
export type RoomView = z.infer<typeof Room>;
