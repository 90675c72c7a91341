import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { AppError } from "../errors";

export const MAX_BODY_BYTES = 1024 * 1024;
const PHOTO_UPLOAD = /^\/v1\/properties\/[^/]+\/photos$/;

/**
 * Reads the body once, counting real bytes, and refuses it past 1 MiB: a chunked body has no
 * Content-Length and a lying one must not get past by understating it. The bytes are kept so
 * handlers (and the Stripe webhook signature check) read exactly what was counted.
 */
export const bodyLimit = createMiddleware<AppEnv>(async (c, next) => {
  const raw = c.req.raw;
  // A photo streams to storage, counted there against its own 10 MiB (services/photos.ts).
  if (raw.method === "POST" && PHOTO_UPLOAD.test(c.req.path)) return next();
  if (!raw.body) {
    c.set("rawBody", null);
    return next();
  }
  const declared = Number(raw.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = await readAtMost(raw.body, MAX_BODY_BYTES);
  c.set("rawBody", bytes);
  const headers = new Headers(raw.headers);
  headers.set("content-length", String(bytes.byteLength));
  c.req.raw = new Request(raw.url, { method: raw.method, headers, body: bytes });
  await next();
});

async function readAtMost(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

const tooLarge = () => new AppError("payload_too_large", `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
