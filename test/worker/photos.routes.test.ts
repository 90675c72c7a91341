import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { contains, decodablePng, jpeg, png, pngSize, SECRET, webp } from "../fixtures/images";
import { call, eventually, json, landlordWithRoom, signUp, uniqueIp } from "./helpers";

/** Sends image bytes as a photo upload (Content-Length from the bytes, as every client sends it). */
function upload(propertyId: string, token: string, bytes: Uint8Array, contentType = "image/jpeg") {
  return exports.default.fetch(
    new Request(`https://api.test/v1/properties/${propertyId}/photos`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": contentType, "cf-connecting-ip": uniqueIp() },
      body: bytes,
    }),
  );
}

async function objectCount(propertyId: string): Promise<number> {
  return (await env.MEDIA.list({ prefix: `photos/${propertyId}/` })).objects.length;
}

describe("photo sizes (?w=, the Images binding)", () => {
  it("serves a narrower copy made once and kept in R2, the original when no narrower, and deletes both", async () => {
    const { landlord, property } = await landlordWithRoom();
    const original = await decodablePng(800, 400);
    const photo = await json(await upload(property.id, landlord.accessToken, original, "image/png"));

    const small = await call("GET", `${photo.url}?w=320`);
    expect(small.status).toBe(200);
    expect(small.headers.get("content-type")).toBe("image/png");
    expect(small.headers.get("cache-control")).toContain("immutable");
    const bytes = new Uint8Array(await small.arrayBuffer());
    expect(pngSize(bytes)).toEqual({ width: 320, height: 160 });
    expect(Number(small.headers.get("content-length"))).toBe(bytes.byteLength);
    const kept = await env.MEDIA.list({ prefix: `photos/${property.id}/` });
    expect(kept.objects.map((o) => o.key).filter((k) => k.endsWith("@w320"))).toHaveLength(1);
    // the second request is the kept copy: same ETag, revalidates to 304, ranges work on it
    const again = await call("GET", `${photo.url}?w=320`, { headers: { "if-none-match": small.headers.get("etag")! } });
    expect(again.status).toBe(304);
    expect((await call("GET", `${photo.url}?w=320`, { headers: { range: "bytes=0-7" } })).status).toBe(206);

    // wider than the photo: the original itself
    const wide = await call("GET", `${photo.url}?w=1280`);
    expect(new Uint8Array(await wide.arrayBuffer())).toEqual(original);
    expect((await call("GET", `${photo.url}?w=999`)).status).toBe(422);

    expect(
      (await call("DELETE", `/v1/properties/${property.id}/photos/${photo.id}`, { token: landlord.accessToken }))
        .status,
    ).toBe(204);
    expect((await env.MEDIA.list({ prefix: `photos/${property.id}/` })).objects).toHaveLength(0);
  });
});

describe("property photos", () => {
  it("stores a JPEG, PNG and WebP with their sizes, serves them without the location they carried", async () => {
    const { landlord, property } = await landlordWithRoom();
    for (const [bytes, type, w, h] of [
      [jpeg(1600, 1200), "image/jpeg", 1600, 1200],
      [png(800, 600), "image/png", 800, 600],
      [webp(1024, 768), "image/webp", 1024, 768],
    ] as const) {
      const res = await upload(property.id, landlord.accessToken, bytes, "application/octet-stream");
      expect(res.status).toBe(201);
      const photo = await json(res);
      expect(photo).toMatchObject({ contentType: type, width: w, height: h, bytes: bytes.byteLength });
      expect(photo.url).toBe(`/v1/photos/${photo.id}`);
      const served = await call("GET", photo.url);
      expect(served.status).toBe(200);
      expect(served.headers.get("content-type")).toBe(type);
      expect(served.headers.get("cache-control")).toContain("immutable");
      const body = new Uint8Array(await served.arrayBuffer());
      expect(body.byteLength).toBe(bytes.byteLength);
      expect(contains(body, SECRET)).toBe(false);
    }
    const list = await json(await call("GET", `/v1/properties/${property.id}/photos`));
    expect(list.items.map((p: { position: number }) => p.position)).toEqual([0, 1, 2]);
  });

  it("answers 304 to its ETag and 206 to a range", async () => {
    const { landlord, property } = await landlordWithRoom();
    const photo = await json(await upload(property.id, landlord.accessToken, png(20, 20)));
    const first = await call("GET", photo.url);
    const etag = first.headers.get("etag")!;
    await first.arrayBuffer();
    const again = await call("GET", photo.url, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);
    const part = await call("GET", photo.url, { headers: { range: "bytes=0-7" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 0-7/${photo.bytes}`);
    expect([...new Uint8Array(await part.arrayBuffer())]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it("trusts the bytes, not the header: text sent as image/png is refused 415 and nothing is stored", async () => {
    const { landlord, property } = await landlordWithRoom();
    const res = await upload(
      property.id,
      landlord.accessToken,
      new TextEncoder().encode("<svg>not a png</svg>"),
      "image/png",
    );
    expect(res.status).toBe(415);
    expect((await json(res)).code).toBe("unsupported_media_type");
    const cut = await upload(property.id, landlord.accessToken, jpeg(10, 10).subarray(0, 40));
    expect(cut.status).toBe(422);
    expect((await json(cut)).code).toBe("image_unreadable");
    expect(await objectCount(property.id)).toBe(0);
    expect((await json(await call("GET", `/v1/properties/${property.id}/photos`))).items).toEqual([]);
  });

  it("refuses over 10 MiB with 413, by the declared length and by the bytes", async () => {
    const { landlord, property } = await landlordWithRoom();
    const big = jpeg(10, 10, 10 * 1024 * 1024 + 10);
    const res = await upload(property.id, landlord.accessToken, big);
    expect(res.status).toBe(413);
    expect((await json(res)).code).toBe("payload_too_large");
    expect(await objectCount(property.id)).toBe(0);
  });

  it("answers 404 to another landlord and 403 to a tenant; nothing is stored", async () => {
    const { property } = await landlordWithRoom();
    const other = await signUp("landlord");
    const tenant = await signUp("tenant");
    expect((await upload(property.id, other.accessToken, jpeg(4, 4))).status).toBe(404);
    expect((await upload(property.id, tenant.accessToken, jpeg(4, 4))).status).toBe(403);
    expect(await objectCount(property.id)).toBe(0);
  });

  it("reorders, captions and deletes (its R2 object too); the first photo becomes the listing's cover", async () => {
    const { landlord, property, room } = await landlordWithRoom();
    const a = await json(await upload(property.id, landlord.accessToken, jpeg(8, 8)));
    const b = await json(await upload(property.id, landlord.accessToken, png(8, 8)));
    const cover = () =>
      env.DB.prepare("SELECT photo_url FROM listings WHERE room_id = ?")
        .bind(room.id)
        .first<{ photo_url: string | null }>();
    await eventually(async () => ((await cover())?.photo_url === `/v1/photos/${a.id}?w=640` ? true : undefined));
    const moved = await call("PATCH", `/v1/properties/${property.id}/photos/${b.id}`, {
      token: landlord.accessToken,
      body: { position: 0, caption: "The garden" },
    });
    expect(moved.status).toBe(200);
    expect(await json(moved)).toMatchObject({ position: 0, caption: "The garden" });
    await call("PATCH", `/v1/properties/${property.id}/photos/${a.id}`, {
      token: landlord.accessToken,
      body: { position: 1 },
    });
    await eventually(async () => ((await cover())?.photo_url === `/v1/photos/${b.id}?w=640` ? true : undefined));
    const gone = await call("DELETE", `/v1/properties/${property.id}/photos/${b.id}`, { token: landlord.accessToken });
    expect(gone.status).toBe(204);
    expect(await env.MEDIA.head(`photos/${property.id}/${b.id}`)).toBeNull();
    expect((await call("GET", `/v1/photos/${b.id}`)).status).toBe(404);
    await eventually(async () => ((await cover())?.photo_url === `/v1/photos/${a.id}?w=640` ? true : undefined));
  });

  it("holds at most 30 photos a property, even when uploads race", async () => {
    const { landlord, property } = await landlordWithRoom();
    const answers = await Promise.all(
      Array.from({ length: 34 }, () => upload(property.id, landlord.accessToken, jpeg(4, 4))),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(30);
    expect(statuses.filter((s) => s === 409)).toHaveLength(4);
    expect(await objectCount(property.id)).toBe(30);
  });
});
