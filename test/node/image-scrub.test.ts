import { describe, expect, it } from "vitest";
import { ImageRefused, scrubImage } from "../../workers/domain/image-scrub";
import { contains, jpeg, png, pngChunks, SECRET, webp } from "../fixtures/images";

/** The bytes as a stream cut into `piece`-byte chunks (headers split across chunks on purpose). */
function streamOf(bytes: Uint8Array, piece = 7): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.byteLength) return c.close();
      c.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

async function scrubbed(bytes: Uint8Array, max = 1 << 20, piece = 7) {
  const { output, facts } = scrubImage(streamOf(bytes, piece), max);
  const out = new Uint8Array(await new Response(output).arrayBuffer());
  return { out, facts: await facts };
}

describe("the photo scrubber", () => {
  it.each([
    ["JPEG", jpeg(1600, 1200), "image/jpeg"],
    ["PNG", png(800, 600), "image/png"],
    ["WebP", webp(1024, 768), "image/webp"],
  ] as const)(
    "reads a %s's type and size from its bytes and blanks its location, keeping its length",
    async (_, bytes, type) => {
      for (const piece of [1, 7, 4096]) {
        expect(contains(bytes, SECRET)).toBe(true);
        const { out, facts } = await scrubbed(bytes, 1 << 20, piece);
        expect(facts.contentType).toBe(type);
        expect([facts.width, facts.height]).toEqual(
          type === "image/jpeg" ? [1600, 1200] : type === "image/png" ? [800, 600] : [1024, 768],
        );
        expect(out.byteLength).toBe(bytes.byteLength);
        expect(contains(out, SECRET)).toBe(false);
      }
    },
  );

  it("keeps a PNG valid: metadata chunks renamed to a private chunk with a correct CRC", async () => {
    const { out } = await scrubbed(png(10, 10));
    expect(pngChunks(out)).toEqual([
      { type: "IHDR", crcOk: true },
      { type: "roMx", crcOk: true },
      { type: "roMx", crcOk: true },
      { type: "IDAT", crcOk: true },
      { type: "IEND", crcOk: true },
    ]);
  });

  it("leaves a JPEG's image data alone and turns APP1 into a comment; a WebP stops announcing EXIF", async () => {
    const source = jpeg(4, 4);
    const { out } = await scrubbed(source);
    expect([...out.subarray(out.byteLength - 66)]).toEqual([...source.subarray(source.byteLength - 66)]);
    expect(out.indexOf(0xe1, 2) === -1 || out[out.indexOf(0xe1) - 1] !== 0xff).toBe(true);
    const w = (await scrubbed(webp(8, 8))).out;
    expect(w[20]! & 0x0c).toBe(0);
    expect(new TextDecoder().decode(w.subarray(12)).includes("EXIF")).toBe(false);
  });

  it.each([
    ["a GIF", new TextEncoder().encode("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "unsupported"],
    ["text claiming nothing", new TextEncoder().encode("hello, I am a photo, trust me"), "unsupported"],
    ["a JPEG cut before its frame", jpeg(10, 10).subarray(0, 30), "unreadable"],
    ["a PNG without IEND", png(10, 10).subarray(0, 60), "unreadable"],
  ] as const)("refuses %s", async (_, bytes, reason) => {
    const { output } = scrubImage(streamOf(bytes), 1 << 20);
    await expect(new Response(output).arrayBuffer()).rejects.toEqual(new ImageRefused(reason));
  });

  it("refuses more bytes than allowed, counted on the stream", async () => {
    const { output } = scrubImage(streamOf(jpeg(10, 10, 5000), 512), 2000);
    await expect(new Response(output).arrayBuffer()).rejects.toEqual(new ImageRefused("too_large"));
  });
});
