import { Hono } from "hono";
import { WEB_PAGES } from "../../schema/web-pages";
import type { AppEnv } from "../env";

/**
 * The web app (web/, built by scripts/assets.ts into public/app/), served from this worker's static
 * assets at the API's origin: its files under /app/, and its page for every path the app routes
 * (the API's own routes come first and keep precedence). Nothing on it may reach another origin,
 * save the map's tile server when MAP_TILE_URL names one (images only), and Stripe (its script,
 * API and frames) when STRIPE_PUBLISHABLE_KEY is set for its Payment Element.
 */
function contentSecurityPolicy(tileOrigin: string | null, stripe: boolean): string {
  const js = stripe ? " https://js.stripe.com" : "";
  return [
    "default-src 'none'",
    `script-src 'self'${js}`,
    "style-src 'self'",
    `connect-src 'self'${stripe ? " https://api.stripe.com" : ""}`,
    `img-src 'self' data: blob:${tileOrigin ? ` ${tileOrigin}` : ""}`,
    ...(stripe ? [`frame-src${js} https://hooks.stripe.com`] : []),
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The origin of an XYZ tile template (`https://tile.example.org/{z}/{x}/{y}.png`), or null when
 * unset, not https, or spread over `{s}` subdomains (one origin only, for the CSP).
 */
export function tileOrigin(template: string): string | null {
  if (!template || template.includes("{s}")) return null;
  try {
    const url = new URL(template.replace(/\{[a-z]\}/g, "0"));
    return url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

export const web = new Hono<AppEnv>().get("/app/*", (c) => c.env.ASSETS.fetch(c.req.raw));
for (const path of WEB_PAGES) {
  web.get(path, async (c) => {
    const page = await c.env.ASSETS.fetch(new Request(new URL("/app/index.html", c.req.url)));
    if (!page.ok)
      return c.text("The web app is not built: run `npm start` (or `tsx scripts/assets.ts`).", 503, {
        "retry-after": "30",
      });
    const tiles = tileOrigin(c.env.MAP_TILE_URL) ? c.env.MAP_TILE_URL : "";
    // Publishable keys only (pk_…): never a secret key in a page.
    const stripeKey = /^pk_(live|test)_[A-Za-z0-9]+$/.test(c.env.STRIPE_PUBLISHABLE_KEY)
      ? c.env.STRIPE_PUBLISHABLE_KEY
      : "";
    const configured = new HTMLRewriter().on("head", {
      element(head) {
        head.append(`<meta name="roomline-map-tiles" content="${escapeAttribute(tiles)}">`, { html: true });
        head.append(`<meta name="roomline-map-attribution" content="${escapeAttribute(c.env.MAP_TILE_ATTRIBUTION)}">`, {
          html: true,
        });
        head.append(`<meta name="roomline-stripe-key" content="${escapeAttribute(stripeKey)}">`, { html: true });
      },
    });
    return configured.transform(
      new Response(page.body, {
        status: 200,
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-cache",
          "content-security-policy": contentSecurityPolicy(tileOrigin(tiles), stripeKey !== ""),
          "x-content-type-options": "nosniff",
          "referrer-policy": "same-origin",
        },
      }),
    );
  });
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
