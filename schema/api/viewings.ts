import { z } from "@hono/zod-openapi";
import { Cursor, idOf, Instant, pageOf, PageQuery } from "./common";

const HHMM = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "HH:MM, 00:00 to 24:00")
  .openapi({ example: "10:00" });

export const ViewingWindow = z
  .strictObject({
    weekday: z.number().int().min(0).max(6).openapi({ description: "0 = Sunday … 6 = Saturday", example: 6 }),
    start: HHMM,
    end: HHMM.openapi({ example: "13:00" }),
  })
  .refine((w) => w.start < w.end, { message: "start must be before end", path: ["end"] })
  .openapi("ViewingWindow");

export const ViewingHours = z
  .strictObject({
    slotMinutes: z.number().int().min(15).max(120).openapi({ example: 30 }),
    bufferMinutes: z.number().int().min(0).max(120).default(0).openapi({ example: 10 }),
    minNoticeHours: z.number().int().min(0).max(720).default(24).openapi({
      example: 24,
      description: "No viewing sooner than this after booking (a sitting tenant's right to notice)",
    }),
    horizonDays: z.number().int().min(1).max(180).default(30).openapi({ example: 30 }),
    windows: z.array(ViewingWindow).max(50),
  })
  .openapi("ViewingHours", { description: "Weekly viewing windows, in the property's timezone" });

/** A slot range: ISO days or instants; at most 31 days. */
const When = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z)?$/, "a day (YYYY-MM-DD) or a UTC instant")
  .refine((v) => !Number.isNaN(Date.parse(v)), "not a real date")
  .transform((v) => Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v))
  .openapi({ type: "string", example: "2027-03-01" });

export const SlotsQuery = z
  .object({ from: When, to: When.openapi({ example: "2027-03-08" }) })
  .superRefine((q, ctx) => {
    if (q.to <= q.from) ctx.addIssue({ code: "custom", path: ["to"], message: "must be after from" });
    else if (q.to - q.from > 31 * 86_400_000)
      ctx.addIssue({ code: "custom", path: ["to"], message: "at most 31 days after from" });
  });

export const ViewingSlots = z
  .object({ slots: z.array(z.object({ start: Instant, end: Instant })) })
  .openapi("ViewingSlots");

export const BookViewing = z
  .strictObject({
    start: Instant.openapi({ description: "The start of a free slot, as `viewing-slots` answers it" }),
  })
  .openapi("BookViewing");

export const Viewing = z
  .object({
    id: z.string(),
    roomId: z.string(),
    propertyId: z.string(),
    tenantId: z.string(),
    landlordId: z.string(),
    start: Instant,
    end: Instant,
    status: z.enum(["scheduled", "cancelled"]),
    cancelledBy: z.string().nullable(),
  })
  .openapi("Viewing");
export const ViewingPage = pageOf(Viewing).openapi("ViewingPage");
export const ViewingParams = z.object({ id: idOf("vwg") });
export const ViewingListQuery = z.object({ limit: PageQuery.shape.limit, cursor: Cursor });
