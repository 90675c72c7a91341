import { Hono } from "hono";
import type { AppEnv } from "../env";

/**
 * The API reference at /docs: Scalar's standalone bundle, a static asset of this worker
 * (scripts/assets.ts copies it into public/), so it counts against no script size budget and
 * needs no CDN. Nothing on the page may reach another origin.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // Scalar writes its styles into <style> elements at run time.
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Roomline API reference</title>
<meta name="viewport" content="width=device-width,initial-scale=1"></head>
<body><div id="reference"></div><script src="/docs/scalar.js"></script><script src="/docs/init.js"></script></body></html>`;

/** Scalar's options: what would call scalar.com (fonts, telemetry, agent, hosted client) is off, not merely blocked by the CSP. */
const SCALAR_CONFIG = {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  hideClientButton: true,
  showDeveloperTools: "never",
  agent: { disabled: true },
  mcp: { disabled: true },
  documentDownloadType: "json",
};

// An init script of our own rather than an inline one, so script-src stays 'self'.
const INIT = `Scalar.createApiReference("#reference", ${JSON.stringify(SCALAR_CONFIG)});\n`;

export const docs = new Hono<AppEnv>()
  .get("/", (c) => c.html(PAGE, 200, { "content-security-policy": CSP }))
  .get("/init.js", (c) =>
    c.body(INIT, 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=300" }),
  )
  .get("/scalar.js", async (c) => {
    const asset = await c.env.ASSETS.fetch(c.req.raw);
    // A fetched response's headers are immutable; the request context still adds x-request-id.
    return new Response(asset.body, asset);
  });
