/**
 * Photos as they stream in: the type read from the bytes (JPEG, PNG or WebP, never from a header),
 * the pixel size read from the image's own header, and the metadata that can carry a location
 * (JPEG APP1 Exif/XMP, PNG eXIf and text chunks, WebP EXIF/XMP) blanked in place. Blanking keeps
 * every length, so the output is exactly as long as the input (a store can be told the length up
 * front) and nothing is held but the few header bytes being parsed.
 */
export type ImageType = "image/jpeg" | "image/png" | "image/webp";

export interface ImageFacts {
  contentType: ImageType;
  width: number;
  height: number;
}

/** Why an upload is refused: not an image we take, a broken one, or more bytes than allowed. */
export class ImageRefused extends Error {
  constructor(readonly reason: "unsupported" | "unreadable" | "too_large") {
    super(reason);
  }
}

/**
 * The scrubbed stream and, once its header has gone through, what the image is. `facts` rejects
 * (ImageRefused) if the bytes are no image we take; the stream errors with the same.
 */
export function scrubImage(
  input: ReadableStream<Uint8Array>,
  maxBytes: number,
): { output: ReadableStream<Uint8Array>; facts: Promise<ImageFacts> } {
  let found: (f: ImageFacts) => void = () => undefined;
  let failed: (e: unknown) => void = () => undefined;
  const facts = new Promise<ImageFacts>((res, rej) => {
    found = res;
    failed = rej;
  });
  facts.catch(() => undefined);
  const queue = new ByteQueue(input.getReader(), maxBytes);
  const parts = scrub(queue, found);
  const output = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await parts.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (err) {
        const refused = err instanceof ImageRefused ? err : new ImageRefused("unreadable");
        failed(refused);
        controller.error(refused);
        await queue.cancel();
      }
    },
    async cancel() {
      await queue.cancel();
    },
  });
  return { output, facts };
}

async function* scrub(q: ByteQueue, found: (f: ImageFacts) => void): AsyncGenerator<Uint8Array> {
  const head = await q.peek(12);
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) yield* jpeg(q, found);
  else if (ascii(head, 0, 8) === "\x89PNG\r\n\x1a\n") yield* png(q, found);
  else if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 4) === "WEBP") yield* webp(q, found);
  else throw new ImageRefused("unsupported");
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** JPEG: segments up to the scan; APP1 (Exif, XMP) becomes a comment of zeros; the size from SOFn. */
async function* jpeg(q: ByteQueue, found: (f: ImageFacts) => void): AsyncGenerator<Uint8Array> {
  yield await q.take(2);
  let size: { width: number; height: number } | null = null;
  for (;;) {
    const marker = await q.take(2);
    if (marker[0] !== 0xff) throw new ImageRefused("unreadable");
    const kind = marker[1]!;
    if (kind === 0x01 || (kind >= 0xd0 && kind <= 0xd7) || kind === 0xff) {
      yield marker;
      continue;
    }
    if (kind === 0xda) {
      if (!size) throw new ImageRefused("unreadable");
      found({ contentType: "image/jpeg", ...size });
      yield marker;
      yield* q.rest();
      return;
    }
    const lengthBytes = await q.take(2);
    const length = ((lengthBytes[0]! << 8) | lengthBytes[1]!) - 2;
    if (length < 0) throw new ImageRefused("unreadable");
    if (SOF.has(kind)) {
      const frame = await q.take(length);
      size = { height: (frame[1]! << 8) | frame[2]!, width: (frame[3]! << 8) | frame[4]! };
      yield marker;
      yield lengthBytes;
      yield frame;
    } else if (kind === 0xe1) {
      yield Uint8Array.of(0xff, 0xfe); // a comment now
      yield lengthBytes;
      yield* q.zeros(length);
    } else {
      yield marker;
      yield lengthBytes;
      yield* q.forward(length);
    }
  }
}

const PNG_METADATA = new Set(["eXIf", "tEXt", "iTXt", "zTXt"]);
/** Ancillary, private, reserved-bit clear, safe to copy: decoders skip it. */
const PNG_BLANK = "roMx";

/** PNG: chunk by chunk; metadata chunks become a private chunk of zeros (CRC recomputed); the size from IHDR. */
async function* png(q: ByteQueue, found: (f: ImageFacts) => void): AsyncGenerator<Uint8Array> {
  yield await q.take(8);
  let seenHeader = false;
  for (;;) {
    const header = await q.takeOrEnd(8);
    if (!header) throw new ImageRefused("unreadable"); // no IEND
    const length = readU32BE(header, 0);
    const type = ascii(header, 4, 4);
    if (type === "IHDR") {
      const data = await q.take(length);
      found({ contentType: "image/png", width: readU32BE(data, 0), height: readU32BE(data, 4) });
      seenHeader = true;
      yield header;
      yield data;
      yield await q.take(4);
    } else if (!seenHeader) {
      throw new ImageRefused("unreadable");
    } else if (PNG_METADATA.has(type)) {
      const renamed = Uint8Array.from(header);
      renamed.set(new TextEncoder().encode(PNG_BLANK), 4);
      yield renamed;
      let crc = crc32Update(0xffffffff, renamed.subarray(4, 8));
      for await (const zeros of q.zeros(length)) {
        crc = crc32Update(crc, zeros);
        yield zeros;
      }
      await q.take(4);
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, (crc ^ 0xffffffff) >>> 0);
      yield out;
    } else {
      yield header;
      yield* q.forward(length + 4);
      if (type === "IEND") {
        yield* q.rest();
        return;
      }
    }
  }
}

/** WebP: RIFF chunks; EXIF and XMP become JUNK of zeros (and VP8X stops announcing them); the size from VP8X, VP8 or VP8L. */
async function* webp(q: ByteQueue, found: (f: ImageFacts) => void): AsyncGenerator<Uint8Array> {
  yield await q.take(12);
  let told = false;
  const tell = (width: number, height: number) => {
    if (!told) found({ contentType: "image/webp", width, height });
    told = true;
  };
  for (;;) {
    const header = await q.takeOrEnd(8);
    if (!header) {
      if (!told) throw new ImageRefused("unreadable");
      return;
    }
    const fourcc = ascii(header, 0, 4);
    const size = readU32LE(header, 4);
    const padded = size + (size & 1);
    if (fourcc === "VP8X") {
      const data = Uint8Array.from(await q.take(padded));
      data[0] = data[0]! & ~0x0c; // no EXIF (0x08) nor XMP (0x04) any more
      tell(1 + readU24LE(data, 4), 1 + readU24LE(data, 7));
      yield header;
      yield data;
    } else if (fourcc === "VP8 ") {
      const frame = await q.take(10);
      tell(readU16LE(frame, 6) & 0x3fff, readU16LE(frame, 8) & 0x3fff);
      yield header;
      yield frame;
      yield* q.forward(padded - 10);
    } else if (fourcc === "VP8L") {
      const frame = await q.take(5);
      const bits = readU32LE(frame, 1);
      tell((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
      yield header;
      yield frame;
      yield* q.forward(padded - 5);
    } else if (fourcc === "EXIF" || fourcc === "XMP ") {
      const junk = Uint8Array.from(header);
      junk.set(new TextEncoder().encode("JUNK"), 0);
      yield junk;
      yield* q.zeros(padded);
    } else {
      yield header;
      yield* q.forward(padded);
    }
  }
}

/** Bytes from a reader, counted against a ceiling, taken exactly or passed on as they come. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private total = 0;
  private ended = false;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    private readonly maxBytes: number,
  ) {}

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }

  /** Reads one more chunk into the buffer; false at the end. */
  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const { done, value } = await this.reader.read();
    if (done) {
      this.ended = true;
      return false;
    }
    this.total += value.byteLength;
    if (this.total > this.maxBytes) throw new ImageRefused("too_large");
    this.chunks.push(value);
    this.buffered += value.byteLength;
    return true;
  }

  /** The first `n` bytes without consuming them (fewer at a short end). */
  async peek(n: number): Promise<Uint8Array> {
    while (this.buffered < n && (await this.fill()));
    return this.concat(Math.min(n, this.buffered), false);
  }

  /** Exactly `n` bytes, or unreadable when the stream ends first. */
  async take(n: number): Promise<Uint8Array> {
    while (this.buffered < n) if (!(await this.fill())) throw new ImageRefused("unreadable");
    return this.concat(n, true);
  }

  /** `n` bytes, or null when the stream ended cleanly right here. */
  async takeOrEnd(n: number): Promise<Uint8Array | null> {
    if (this.buffered === 0 && !(await this.fill())) return null;
    return this.take(n);
  }

  /** Passes `n` bytes on as they arrive. */
  async *forward(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.fill())) throw new ImageRefused("unreadable");
      const piece = this.next(left);
      left -= piece.byteLength;
      yield piece;
    }
  }

  /** Consumes `n` bytes and answers as many zeros. */
  async *zeros(n: number): AsyncGenerator<Uint8Array> {
    for await (const piece of this.forward(n)) yield new Uint8Array(piece.byteLength);
  }

  /** Everything left. */
  async *rest(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.buffered === 0 && !(await this.fill())) return;
      yield this.next(this.buffered);
    }
  }

  /** Up to `max` bytes from the head of the buffer, consumed. */
  private next(max: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.byteLength <= max) {
      this.chunks.shift();
      this.buffered -= first.byteLength;
      return first;
    }
    this.chunks[0] = first.subarray(max);
    this.buffered -= max;
    return first.subarray(0, max);
  }

  private concat(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    const kept = [...this.chunks];
    while (at < n) {
      const piece = this.next(n - at);
      out.set(piece, at);
      at += piece.byteLength;
    }
    if (!consume) {
      this.chunks = kept;
      this.buffered += n;
    }
    return out;
  }
}

function ascii(bytes: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + n));
}
const readU32BE = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at);
const readU32LE = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const readU16LE = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint16(at, true);
const readU24LE = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);

let CRC_TABLE: Uint32Array | undefined;

/** CRC-32 (PNG's), continued over more bytes; start at 0xffffffff, finish by xor with it. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  CRC_TABLE ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = crc;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}
