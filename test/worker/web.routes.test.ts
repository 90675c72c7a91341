import { describe, expect, it } from "vitest";
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
    }
  });

  it("leaves every other path to the API's 404", async () => {
    const res = await call("GET", "/not-a-page");
    expect(res.status).toBe(404);
    expect((await json(res)).code).toBe("not_found");
  });

  it("lets map tiles through only from an https origin named by MAP_TILE_URL", () => {
    expect(tileOrigin("https://tile.openstreetmap.org/{z}/{x}/{y}.png")).toBe("https://tile.openstreetmap.org");
    expect(tileOrigin("https://{s}.tiles.example/{z}/{x}/{y}.png")).toBe(null);
    expect(tileOrigin("http://tiles.example/{z}/{x}/{y}.png")).toBe(null);
    expect(tileOrigin("not a url")).toBe(null);
    expect(tileOrigin("")).toBe(null);
  });
});
