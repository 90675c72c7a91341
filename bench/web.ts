/**
 * Web app benchmark: the JavaScript the app ships (its build, gzipped) and the largest contentful
 * paint of the search and listing pages in the same Chromium the tests use (@sparticuz/chromium via
 * playwright-core), BENCH_WEB_RUNS times each: cold (a fresh browser context, empty cache) and warm
 * (the same context, loaded again). One listing is made through the API first, so both pages show
 * real content; the search page waits for its results, the listing page for its booking form.
 */
import chromium from "@sparticuz/chromium";
import { chromium as playwright, type BrowserContext } from "playwright-core";
import { httpClient, sendJson } from "./http";
import type { Platform } from "./platform";
import { sleep } from "./processes";
import { latency, round, table, type Latency } from "./stats";

export interface WebOptions {
  runs: number;
}

export interface WebResult {
  jsGzipKB: number;
  pages: { page: string; cold: Latency; warm: Latency }[];
}

const LCP = `new Promise((done) => new PerformanceObserver((list) => {
  const entries = list.getEntries();
  done(entries[entries.length - 1].startTime);
}).observe({ type: "largest-contentful-paint", buffered: true }))`;

export async function runWebBench(
  platform: Platform,
  o: WebOptions,
  jsGzipBytes: number,
  say: (line: string) => void,
): Promise<WebResult> {
  const listingId = await makeListing(platform.api);
  say(`  a listing to show: ${listingId}`);
  const browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args.filter((a) => a !== "--single-process"),
    headless: true,
  });
  try {
    const pages = [
      { page: "search (?q=Lisbn)", url: `${platform.api}/?q=Lisbn`, ready: ".cards li" },
      { page: "listing", url: `${platform.api}/listings/${listingId}`, ready: "#book-title" },
    ];
    const out: WebResult["pages"] = [];
    for (const p of pages) {
      const cold: number[] = [];
      const warm: number[] = [];
      for (let i = 0; i < o.runs; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-GB" });
        cold.push(await load(context, p.url, p.ready));
        warm.push(await load(context, p.url, p.ready));
        await context.close();
      }
      out.push({ page: p.page, cold: latency(cold), warm: latency(warm) });
      say(`  ${p.page}: LCP cold p50 ${round(latency(cold).p50)} ms, warm p50 ${round(latency(warm).p50)} ms`);
    }
    return { jsGzipKB: round(jsGzipBytes / 1024), pages: out };
  } finally {
    await browser.close();
  }
}

/** Loads the page until its content is there; answers its largest contentful paint (ms). */
async function load(context: BrowserContext, url: string, ready: string): Promise<number> {
  const page = await context.newPage();
  await page.goto(url);
  await page.locator(ready).first().waitFor({ timeout: 30_000 });
  const lcp = (await page.evaluate(LCP)) as number;
  await page.close();
  return lcp;
}

/** A landlord, a property in Lisbon and a room, through the API; answers the property id once search has it. */
async function makeListing(api: string): Promise<string> {
  const client = httpClient(1);
  try {
    const landlord = await sendJson<{ accessToken: string }>(client, "POST", `${api}/v1/auth/register`, 201, {
      body: {
        email: `web-bench-${Date.now()}@bench.roomline.dev`,
        password: "web bench landlord passphrase",
        name: "Web Bench Landlord",
        role: "landlord",
      },
    });
    const headers = { authorization: `Bearer ${landlord.accessToken}` };
    const property = await sendJson<{ id: string }>(client, "POST", `${api}/v1/properties`, 201, {
      headers,
      body: {
        title: "Bright flat with balcony in Lisbon (web bench)",
        description: "Two rooms, a balcony over the river, close to the metro.",
        type: "apartment",
        address: { line1: "Rua Augusta 10", city: "Lisbon", postalCode: "1100-053", country: "PT" },
        location: { lat: 38.7108, lng: -9.1369 },
        amenities: ["wifi", "balcony"],
        timezone: "Europe/Lisbon",
      },
    });
    await sendJson(client, "POST", `${api}/v1/properties/${property.id}/rooms`, 201, {
      headers,
      body: {
        name: "Room A",
        capacity: 2,
        rentalMode: "nightly",
        price: { amount: 9000, currency: "EUR" },
        deposit: { amount: 0, currency: "EUR" },
      },
    });
    for (let i = 0; i < 60; i++) {
      const found = await sendJson<{ items: { property: { id: string } }[] }>(
        client,
        "GET",
        `${api}/v1/search?q=Lisbn`,
        200,
      );
      if (found.items.some((h) => h.property.id === property.id)) return property.id;
      await sleep(500);
    }
    throw new Error("the bench listing never reached search");
  } finally {
    client.close();
  }
}

export function webTables(r: WebResult): string {
  return table(
    ["page", "runs", "LCP cold p50 ms", "cold p95", "LCP warm p50 ms", "warm p95", "JS gzip (build)"],
    r.pages.map((p) => [p.page, p.cold.n, p.cold.p50, p.cold.p95, p.warm.p50, p.warm.p95, `${r.jsGzipKB} KB`]),
  );
}
