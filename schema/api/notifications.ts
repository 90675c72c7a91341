import { z } from "@hono/zod-openapi";
import { NOTIFICATION_KINDS } from "../../workers/domain/notifications";
import { Cursor, Instant, idOf, pageOf, PageQuery } from "./common";

export const NotificationKind = z.enum(NOTIFICATION_KINDS).openapi("NotificationKind");

export const Notification = z
  .object({
    id: z.string(),
    kind: NotificationKind,
    title: z.string(),
    body: z.string(),
    data: z
      .record(z.string(), z.string())
      .openapi({ description: "The ids it is about", example: { bookingId: "bkg_…" } }),
    createdAt: Instant,
    readAt: Instant.nullable(),
  })
  .openapi("Notification");
export const NotificationPage = pageOf(Notification).openapi("NotificationPage");

const Flag = z
  .enum(["true", "false", "1", "0"])
  .transform((v) => v === "true" || v === "1")
  .openapi({ type: "string", enum: ["true", "false", "1", "0"] });

export const NotificationQuery = z.object({
  unread: Flag.optional().default(false).openapi({ description: "Only the unread ones" }),
  limit: PageQuery.shape.limit,
  cursor: Cursor,
});

export const UnreadCount = z.object({ count: z.number().int() }).openapi("UnreadCount");

export const MarkRead = z
  .union([z.strictObject({ ids: z.array(idOf("ntf")).min(1).max(100) }), z.strictObject({ all: z.literal(true) })])
  .openapi("MarkNotificationsRead", { description: "`{ids:[…]}` (at most 100) or `{all:true}`" });
export const MarkedRead = z.object({ marked: z.number().int(), unread: z.number().int() }).openapi("MarkedRead");

export const Preference = z
  .object({
    kind: NotificationKind,
    locked: z.boolean().openapi({ description: "A money or security notice: one channel at least stays on" }),
    in_app: z.boolean(),
    email: z.boolean(),
  })
  .openapi("NotificationPreference");
export const Preferences = z.object({ preferences: z.array(Preference) }).openapi("NotificationPreferences");

export const SetPreferences = z
  .strictObject({
    preferences: z
      .array(z.strictObject({ kind: NotificationKind, in_app: z.boolean().optional(), email: z.boolean().optional() }))
      .min(1)
      .max(NOTIFICATION_KINDS.length)
      .refine((list) => new Set(list.map((p) => p.kind)).size === list.length, "each kind once"),
  })
  .openapi("SetNotificationPreferences");

export const InboxSocketQuery = z.object({ ticket: z.string().min(1).max(100) });
