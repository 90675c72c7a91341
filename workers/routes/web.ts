import { Hono } from "hono";
import { WEB_PAGES } from "../../schema/web-pages";
import type { AppEnv } from "../env";

/**
 * The web app (web/, built by scripts/assets.ts into public/app/), served from this worker's static
 * assets at the API's origin: its files under /app/, and its page for every path the app routes
 * (the API's own routes come first and keep precedence). Nothing on it may reach another origin.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const web = new Hono<AppEnv>().get("/app/*", (c) => c.env.ASSETS.fetch(c.req.raw));
for (const path of WEB_PAGES) {
  web.get(path, async (c) => {
    const page = await c.env.ASSETS.fetch(new Request(new URL("/app/index.html", c.req.url)));
    if (!page.ok)
      return c.text("The web app is not built: run `npm start` (or `tsx scripts/assets.ts`).", 503, {
        "retry-after": "30",
      });
    return new Response(page.body, {
      status: 200,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
      },
    });
  });
}
