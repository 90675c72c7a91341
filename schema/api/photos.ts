import { z } from "@hono/zod-openapi";
import { idOf, Instant, Text } from "./common";

/** Larger than this (counted on the stream) answers 413. */
export const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
export const MAX_PHOTOS_PER_PROPERTY = 30;

export const Photo = z
  .object({
    id: z.string(),
    propertyId: z.string(),
    url: z.string().openapi({ example: "/v1/photos/pho_0mh2f1a3c5e7k9b2d" }),
    width: z.number().int(),
    height: z.number().int(),
    contentType: z.enum(["image/jpeg", "image/png", "image/webp"]),
    bytes: z.number().int(),
    position: z.number().int().openapi({ description: "Order on the listing; the lowest is the cover" }),
    caption: z.string().nullable(),
    createdAt: Instant,
  })
  .openapi("Photo");

export const PhotoList = z.object({ items: z.array(Photo) }).openapi("PhotoList");

export const UpdatePhoto = z
  .strictObject({
    position: z.number().int().min(0).max(1000).optional(),
    caption: Text({ max: 200 }).nullable().optional(),
  })
  .refine((v) => v.position !== undefined || v.caption !== undefined, { message: "give position or caption" })
  .openapi("UpdatePhoto");

export const PropertyPhotoParams = z.object({ id: idOf("prop"), photoId: idOf("pho") });

export const PhotoQuery = z.object({
  w: z.enum(["320", "640", "1280"]).optional().openapi({
    description:
      "A width in pixels: the photo resized to it (same type, made once and kept), or the original when it is no wider or no resizer (Images binding) is configured",
  }),
});
