import { MAX_PHOTO_BYTES, MAX_PHOTOS_PER_PROPERTY } from "../../schema/api/photos";
import type { Deps } from "../deps";
import { findProperty, type PropertyRow } from "../data/catalog";
import { outboxInsert } from "../data/outbox";
import {
  deletePhotoStatement,
  findPhoto,
  insertPhotoUnderCap,
  photosOf,
  updatePhotoStatement,
  type PhotoRow,
} from "../data/photos";
import { newId } from "../domain/ids";
import { ImageRefused, scrubImage, type ImageFacts } from "../domain/image-scrub";
import { photoPath } from "../domain/listing";
import type { AuthUser } from "../domain/tokens";
import { AppError } from "../errors";
import { newEvent, publish } from "../outbox";
import { isListed } from "../domain/listing";

const noPhoto = () => new AppError("not_found", "No such photo.");
const noProperty = () => new AppError("not_found", "No such property.");

/**
 * Stores a photo for a property its owner sends: the body streams through the scrubber (type from
 * the bytes, size from the image, location metadata blanked) straight into R2, never held whole.
 * The length must be declared, since R2 takes a stream of known length and the scrubber keeps it.
 */
export async function uploadPhoto(deps: Deps, owner: AuthUser, propertyId: string, req: Request) {
  const declared = req.headers.get("content-length");
  if (declared === null || !req.body)
    throw new AppError("length_required", "Send the photo's bytes as the body, with its Content-Length.");
  const length = Number(declared);
  // Refused before the body is read, as the 1 MiB limit does: the runtime answers without it.
  if (length > MAX_PHOTO_BYTES)
    throw new AppError("payload_too_large", `A photo is at most ${MAX_PHOTO_BYTES / 1024 / 1024} MiB.`);
  await ownedProperty(deps, owner, propertyId);
  if ((await photosOf(deps.db, propertyId)).length >= MAX_PHOTOS_PER_PROPERTY) throw tooMany();

  const id = newId("pho");
  const objectKey = `photos/${propertyId}/${id}`;
  const facts = await store(deps, objectKey, req.body, length);
  const row = { id, propertyId, objectKey, ...facts, bytes: length, caption: null };
  const event = newEvent("media.uploaded", { photoId: id, propertyId, bytes: length, ...facts });
  if (!(await insertPhotoUnderCap(deps.db, row, event, MAX_PHOTOS_PER_PROPERTY))) {
    await deps.env.MEDIA.delete(objectKey);
    throw tooMany();
  }
  await publish(deps.env, deps.db, [event]);
  const stored = await findPhoto(deps.db, id);
  return view(stored!);
}

/** The scrubbed bytes into R2 under `key`; nothing stays there when the image is refused. */
async function store(deps: Deps, key: string, body: ReadableStream<Uint8Array>, length: number): Promise<ImageFacts> {
  const { output, facts } = scrubImage(body, MAX_PHOTO_BYTES);
  const sized = new FixedLengthStream(length);
  const [put, piped] = await Promise.allSettled([
    deps.env.MEDIA.put(key, sized.readable),
    output.pipeTo(sized.writable),
  ]);
  if (put.status === "fulfilled" && piped.status === "fulfilled") return facts;
  await deps.env.MEDIA.delete(key).catch(() => undefined);
  const reasons = [piped, put].flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  const refused = reasons.find((r): r is ImageRefused => r instanceof ImageRefused);
  if (refused?.reason === "unsupported")
    throw new AppError("unsupported_media_type", "A photo must be a JPEG, PNG or WebP image.");
  if (refused?.reason === "too_large")
    throw new AppError("payload_too_large", `A photo is at most ${MAX_PHOTO_BYTES / 1024 / 1024} MiB.`);
  if (refused || piped.status === "rejected")
    throw new AppError("image_unreadable", "The image is cut short or damaged; nothing was stored.");
  throw reasons[0];
}

/** A property's photos, cover first: anyone for a listed property, only its owner otherwise. */
export async function listPhotos(deps: Deps, viewer: AuthUser | null, propertyId: string) {
  await visibleProperty(deps, viewer, propertyId);
  return { items: (await photosOf(deps.db, propertyId)).map(view) };
}

/**
 * Moves a photo to a place in the order (0 is the cover; the others close up behind it) or
 * captions it; a new cover reaches search through listing.changed.
 */
export async function updatePhoto(
  deps: Deps,
  owner: AuthUser,
  propertyId: string,
  photoId: string,
  change: { position?: number; caption?: string | null },
) {
  await ownedProperty(deps, owner, propertyId);
  const photo = await photoOf(deps, propertyId, photoId);
  const event = newEvent("listing.changed", { propertyId, reason: "photos_changed" });
  const writes = [
    ...(change.caption !== undefined ? [updatePhotoStatement(deps.db, photo.id, { caption: change.caption })] : []),
    ...(change.position !== undefined ? await reorder(deps, propertyId, photo, change.position) : []),
  ];
  await deps.db.batch([outboxInsert(deps.db, event), ...writes]);
  await publish(deps.env, deps.db, [event]);
  return view((await findPhoto(deps.db, photo.id))!);
}

/** The writes that put `photo` at `position` and number every photo 0, 1, 2… in the new order. */
async function reorder(deps: Deps, propertyId: string, photo: PhotoRow, position: number) {
  const order = (await photosOf(deps.db, propertyId)).filter((p) => p.id !== photo.id);
  order.splice(Math.min(position, order.length), 0, photo);
  return order
    .map((p, i) => ({ p, i }))
    .filter(({ p, i }) => p.position !== i)
    .map(({ p, i }) => updatePhotoStatement(deps.db, p.id, { position: i }));
}

/** Removes a photo: its row and event first, then its bytes in R2. */
export async function deletePhoto(deps: Deps, owner: AuthUser, propertyId: string, photoId: string) {
  await ownedProperty(deps, owner, propertyId);
  const photo = await photoOf(deps, propertyId, photoId);
  const event = newEvent("listing.changed", { propertyId, reason: "photos_changed" });
  await deps.db.batch([deletePhotoStatement(deps.db, photo.id), outboxInsert(deps.db, event)]);
  await deps.env.MEDIA.delete([photo.objectKey, ...WIDTHS.map((w) => variantKey(photo.objectKey, w))]);
  await publish(deps.env, deps.db, [event]);
}

/** The widths a photo is offered at (`?w=`); each is made once, on first request, and kept in R2. */
export const WIDTHS = [320, 640, 1280] as const;
export type PhotoWidth = (typeof WIDTHS)[number];
const variantKey = (objectKey: string, width: PhotoWidth) => `${objectKey}@w${width}`;

/**
 * The R2 key to serve for `photo` at `width`: the original when no width is asked, when it is no
 * wider already, or without an Images binding; otherwise its variant, made now if it is not in R2
 * yet (the Images binding resizes, keeping the type; a concurrent first request makes it twice,
 * harmlessly: the same bytes under the same key).
 */
async function keyAt(env: Env, photo: PhotoRow, width: PhotoWidth | undefined): Promise<string> {
  // Declared in wrangler.toml; a deploy that drops it has none at run time.
  const images: ImagesBinding | undefined = env.IMAGES;
  if (!width || !images || width >= photo.width) return photo.objectKey;
  const key = variantKey(photo.objectKey, width);
  if (await env.MEDIA.head(key)) return key;
  const original = await env.MEDIA.get(photo.objectKey);
  if (!original) return photo.objectKey;
  const resized = await images
    .input(original.body)
    .transform({ width })
    .output({ format: photo.contentType as "image/jpeg" | "image/png" | "image/webp" });
  await env.MEDIA.put(key, await new Response(resized.image()).arrayBuffer(), {
    httpMetadata: { contentType: photo.contentType },
  });
  return key;
}

/**
 * A photo's bytes as R2 has them, honouring If-None-Match (304) and Range (206): public and
 * immutable for a listed property (an id is never reused), private for its owner otherwise.
 */
export async function photoFile(
  deps: Deps,
  viewer: AuthUser | null,
  photoId: string,
  headers: Headers,
  width?: PhotoWidth,
) {
  const photo = await findPhoto(deps.db, photoId);
  if (!photo) throw noPhoto();
  const property = await findProperty(deps.db, photo.propertyId);
  const listed = property !== undefined && isListed(property);
  if (!property || (!listed && viewer?.id !== property.ownerId)) throw noPhoto();
  const object = await deps.env.MEDIA.get(await keyAt(deps.env, photo, width), { onlyIf: headers, range: headers });
  if (!object) throw noPhoto();
  const out = new Headers({
    "content-type": photo.contentType,
    etag: object.httpEtag,
    "cache-control": listed ? "public, max-age=31536000, immutable" : "private, no-cache",
    "accept-ranges": "bytes",
    "x-content-type-options": "nosniff",
    "content-disposition": "inline",
  });
  if (!("body" in object)) {
    out.delete("content-type");
    return { status: 304 as const, body: null, headers: out };
  }
  const range = object.range as { offset?: number; length?: number } | undefined;
  if (range && headers.has("range")) {
    const start = range.offset ?? 0;
    const size = range.length ?? object.size - start;
    out.set("content-range", `bytes ${start}-${start + size - 1}/${object.size}`);
    out.set("content-length", String(size));
    return { status: 206 as const, body: object.body, headers: out };
  }
  out.set("content-length", String(object.size));
  return { status: 200 as const, body: object.body, headers: out };
}

function view(r: PhotoRow) {
  return {
    id: r.id,
    propertyId: r.propertyId,
    url: photoPath(r.id),
    width: r.width,
    height: r.height,
    contentType: r.contentType,
    bytes: r.bytes,
    position: r.position,
    caption: r.caption,
    createdAt: r.createdAt,
  };
}

async function ownedProperty(deps: Deps, owner: AuthUser, id: string): Promise<PropertyRow> {
  const row = await findProperty(deps.db, id);
  if (!row || row.ownerId !== owner.id) throw noProperty();
  return row;
}

async function visibleProperty(deps: Deps, viewer: AuthUser | null, id: string): Promise<PropertyRow> {
  const row = await findProperty(deps.db, id);
  if (!row || (!isListed(row) && viewer?.id !== row.ownerId)) throw noProperty();
  return row;
}

async function photoOf(deps: Deps, propertyId: string, photoId: string): Promise<PhotoRow> {
  const photo = await findPhoto(deps.db, photoId);
  if (!photo || photo.propertyId !== propertyId) throw noPhoto();
  return photo;
}

function tooMany() {
  return new AppError("too_many_photos", `A property has at most ${MAX_PHOTOS_PER_PROPERTY} photos.`);
}
