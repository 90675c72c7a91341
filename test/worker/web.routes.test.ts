import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../workers/index";
import { WEB_PAGES } from "../../schema/web-pages";
import { tileOrigin } from "../../workers/routes/web";
import { call, json } from "./helpers";

describe("the web app's pages", () => {
  it("serves the app's page on each of its paths, with a CSP that reaches no other origin and no tiles configured", async () => {
    for (const path of WEB_PAGES) {
      const page = await call("GET", path.replace(":id", "x1"));
      expect(page.status, path).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      const csp = page.headers.get("content-security-policy")!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/https?:|\*/);
      const html = await page.text();
      expect(html).toContain('<div id="app">');
      expect(html).toContain('<meta name="roomline-map-tiles" content="">');
      expect(html).toContain('<meta name="roomline-stripe-key" content="">');
    }
  });

  it("leaves every other path to the API's 404", async () => {
    const res = await call("GET", "/not-a-page");
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe("not_found");
  });

  it("opens the CSP to the tile server and to Stripe only when they are configured, and never puts a secret key in a page", async () => {
    const page = (vars: Partial<Env>) =>
      worker.fetch(new Request("https://api.test/"), { ...env, ...vars } as Env, createExecutionContext());
    const configured = await page({
      MAP_TILE_URL: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
      MAP_TILE_ATTRIBUTION: "© OpenStreetMap contributors",
      STRIPE_PUBLISHABLE_KEY: "pk_test_51Abc",
    });
    const csp = configured.headers.get("content-security-policy")!;
    expect(csp).toContain("img-src 'self' data: blob: https://tile.openstreetmap.org;");
    expect(csp).toContain("script-src 'self' https://js.stripe.com;");
    expect(csp).toContain("frame-src https://js.stripe.com https://hooks.stripe.com;");
    const html = await configured.text();
    expect(html).toContain('content="https://tile.openstreetmap.org/{z}/{x}/{y}.png"');
    expect(html).toContain('<meta name="roomline-stripe-key" content="pk_test_51Abc">');
    const secret = await page({ STRIPE_PUBLISHABLE_KEY: "sk_live_oops" });
    expect(secret.headers.get("content-security-policy")).not.toContain("stripe");
    expect(await secret.text()).not.toContain("sk_live_oops");
  });

  it("lets map tiles through only from an https origin named by MAP_TILE_URL", () => {
    expect(tileOrigin("https://tile.openstreetmap.org/{z}/{x}/{y}.png")).toBe("https://tile.openstreetmap.org");
    expect(tileOrigin("https://{s}.tiles.example/{z}/{x}/{y}.png")).toBe(null);
    expect(tileOrigin("http://tiles.example/{z}/{x}/{y}.png")).toBe(null);
    expect(tileOrigin("not a url")).toBe(null);
    expect(tileOrigin("")).toBe(null);
  });
});
