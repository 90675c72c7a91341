import { createRoute, z } from "@hono/zod-openapi";
import {
  bearer,
  errorResponse,
  errors,
  idParam,
  jsonBody,
  jsonResponse,
  optionalBearer,
} from "../../schema/api/common";
import { Photo, PhotoList, PhotoQuery, PropertyPhotoParams, UpdatePhoto } from "../../schema/api/photos";
import { optionalUser, requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as photos from "../services/photos";

const tags = ["photos"];
const image = z.string().openapi({ type: "string", format: "binary" });
const imageContent = {
  "image/jpeg": { schema: image },
  "image/png": { schema: image },
  "image/webp": { schema: image },
};

/** A property's photos: `/v1/properties/{id}/photos…`. */
export const propertyPhotoRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/photos",
      tags,
      summary: "Add a photo to a property you own (the body is the image)",
      description:
        "The body is the image itself (JPEG, PNG or WebP, told by its bytes, not by Content-Type), at most 10 MiB, with its Content-Length; it streams to storage, and metadata that can carry a location (Exif, XMP, PNG text) is blanked on the way. At most 30 photos a property.",
      security: bearer,
      middleware: [requireAuth("landlord")] as const,
      request: {
        params: idParam("prop"),
        body: {
          required: true,
          content: imageContent,
        },
      },
      responses: {
        201: jsonResponse(Photo, "Stored"),
        ...errors(401, 403, 404),
        ...errorResponse(409, "`too_many_photos`: the property has 30"),
        ...errorResponse(411, "`length_required`: no Content-Length"),
        ...errorResponse(413, "`payload_too_large`: over 10 MiB"),
        ...errorResponse(415, "`unsupported_media_type`: not a JPEG, PNG or WebP image"),
        ...errorResponse(422, "`image_unreadable`: cut short or damaged; `validation_failed`: a bad id"),
      },
    }),
    async (c) => c.json(await photos.uploadPhoto(c.var.deps, c.var.user, c.req.valid("param").id, c.req.raw), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/photos",
      tags,
      summary: "A property's photos, cover first",
      security: optionalBearer,
      request: { params: idParam("prop") },
      responses: { 200: jsonResponse(PhotoList, "Its photos"), ...errors(401, 404, 422) },
    }),
    async (c) => c.json(await photos.listPhotos(c.var.deps, await optionalUser(c), c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}/photos/{photoId}",
      tags,
      summary: "Move a photo (position: the lowest is the cover) or caption it",
      security: bearer,
      middleware: [requireAuth("landlord")] as const,
      request: { params: PropertyPhotoParams, ...jsonBody(UpdatePhoto) },
      responses: { 200: jsonResponse(Photo, "Updated"), ...errors(400, 401, 403, 404, 422) },
    }),
    async (c) => {
      const { id, photoId } = c.req.valid("param");
      return c.json(await photos.updatePhoto(c.var.deps, c.var.user, id, photoId, c.req.valid("json")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/photos/{photoId}",
      tags,
      summary: "Delete a photo (its stored bytes too)",
      security: bearer,
      middleware: [requireAuth("landlord")] as const,
      request: { params: PropertyPhotoParams },
      responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404, 422) },
    }),
    async (c) => {
      const { id, photoId } = c.req.valid("param");
      await photos.deletePhoto(c.var.deps, c.var.user, id, photoId);
      return c.body(null, 204);
    },
  );

/** `/v1/photos/{id}`: the bytes. */
export const photoRoutes = router().openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    tags,
    summary: "A photo's bytes (ETag, Range, immutable caching)",
    security: optionalBearer,
    request: { params: idParam("pho"), query: PhotoQuery },
    responses: {
      200: { description: "The image", content: imageContent },
      206: { description: "The requested range (Content-Range)", content: imageContent },
      304: { description: "Not modified (If-None-Match)" },
      ...errors(401, 404, 422),
    },
  }),
  async (c) => {
    const { w } = c.req.valid("query");
    const file = await photos.photoFile(
      c.var.deps,
      await optionalUser(c),
      c.req.valid("param").id,
      c.req.raw.headers,
      w ? (Number(w) as photos.PhotoWidth) : undefined,
    );
    const headers = Object.fromEntries(file.headers);
    return file.status === 304 ? c.body(null, 304, headers) : c.body(file.body, file.status, headers);
  },
);
