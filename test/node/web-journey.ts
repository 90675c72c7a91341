// The web app in a real Chromium (the binary inside the npm package @sparticuz/chromium, driven by
// playwright-core; nothing is downloaded), against a running `npm start`: start.test.ts runs it
// while the platform is up. Screenshots of the main pages at phone and desktop sizes go to
// docs/screenshots/ (linked from the README).
import { mkdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { crc32, deflateSync } from "node:zlib";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import chromium from "@sparticuz/chromium";
import { chromium as playwright, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { buildDemoData, DEMO_LOGINS, DEMO_PASSWORD, demoRentalRequests } from "../../scripts/seed";

const SHOTS = resolve(import.meta.dirname, "../../docs/screenshots");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;

let contexts = 0;

/**
 * A fresh browser profile. Each comes from its own client address (Cloudflare's header, which the
 * local runtime passes through), as separate people would: sign-ins are rate limited per address.
 */
function newContext(browser: Browser, size: keyof typeof SIZES = "desktop") {
  contexts += 1;
  return browser.newContext({
    viewport: SIZES[size],
    isMobile: size === "phone",
    bypassCSP: true,
    locale: "en-GB",
    extraHTTPHeaders: { "cf-connecting-ip": `198.51.100.${contexts}` },
  });
}

/** Runs the journeys; answers what they listed through the app (the caller's counts of the data allow for it). */
export async function webJourney(api: string): Promise<{ properties: number; rooms: number }> {
  mkdirSync(SHOTS, { recursive: true });
  const browser = await playwright.launch({
    executablePath: await chromium.executablePath(),
    // Made for one page per Lambda; one process per browser would end it with its first closed context.
    args: chromium.args.filter((a) => a !== "--single-process"),
    headless: true,
  });
  try {
    const tenant = await tenantBooks(browser, api);
    const listingUrl = tenant.url();
    const landlord = await landlordSees(browser, api, listingUrl);
    await chatLive(tenant, landlord);
    await phoneShots(browser, api, listingUrl);
    await signupRefused(browser, api);
    await offerAccepted(browser, api);
    const listed = await landlordLists(browser, api);
    await tenantViews(browser, api, listed);
    await leaseShown(browser, api);
    return { properties: 1, rooms: 1 };
  } finally {
    await browser.close();
  }
}

/** Search by a misspelt city, open a result, sign in (a bad form first), book, and see it confirmed. */
async function tenantBooks(browser: Browser, api: string): Promise<Page> {
  const context = await newContext(browser);
  const page = await context.newPage();
  const failures: string[] = [];
  page.on("pageerror", (err) => failures.push(err.message));
  await page.goto(`${api}/`);
  await page.getByLabel("Where, or what").fill("Lisbn");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect.poll(() => page.locator(".cards li").count(), { timeout: 15_000 }).toBeGreaterThan(0);
  expect(await page.locator(".cards li").first().textContent()).toContain("Lisbon");
  await page.getByRole("region", { name: "Map of the results" }).locator("path.leaflet-interactive").first().waitFor();
  // A type facet's count is what pressing it finds (counted over the whole result, not the page).
  const facet = page.getByRole("group", { name: "Type" }).getByRole("button").first();
  const [, kind, count] = /^(.+) \((\d+)\)$/.exec((await facet.textContent())!)!;
  await facet.click();
  await page.waitForURL(/type=/);
  await expect
    .poll(() => page.getByRole("status").allTextContents())
    .toContain(`${count} ${count === "1" ? "place" : "places"}`);
  const kinds = await page.locator(".cards li p.muted").allTextContents();
  expect(kinds.every((k) => k.includes(kind!))).toBe(true);
  await checkAccessible(page, "search");
  await page.screenshot({ path: join(SHOTS, "search-desktop.png"), fullPage: true });

  await page.locator(".cards li h2 a").first().click();
  await page.getByRole("heading", { name: "Book a room" }).waitFor();
  const listingUrl = page.url();
  const listingTitle = (await page.getByRole("heading", { level: 1 }).textContent())!;
  await checkAccessible(page, "listing");
  await page.screenshot({ path: join(SHOTS, "listing-desktop.png"), fullPage: true });

  await page.getByRole("button", { name: "Sign in to book" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  await page.getByLabel("Email").fill("not-an-email");
  await page.getByLabel("Password").fill("whatever");
  await page.getByRole("button", { name: "Sign in" }).click();
  // The API's own words, next to the field.
  await expect.poll(() => page.locator("#email-error").textContent(), { timeout: 10_000 }).toMatch(/email/i);
  await checkAccessible(page, "login");
  await page.getByLabel("Email").fill(DEMO_LOGINS.tenant);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(listingUrl);

  // The form's own dates, moved a random number of weeks ahead: a rerun on the same data finds them free.
  const weeks = 1 + Math.floor(Math.random() * 40);
  for (const label of ["From", "Until"]) {
    const field = page.getByLabel(label);
    const moved = new Date(Date.parse(`${await field.inputValue()}T00:00:00Z`) + weeks * 7 * 86_400_000);
    await field.fill(moved.toISOString().slice(0, 10));
  }
  await page.getByRole("table").first().waitFor(); // the room's availability calendar
  expect(await page.locator(".calendar td.free").count()).toBeGreaterThan(0);
  // Saved (a rerun on the same data finds it saved already).
  const save = page.getByRole("button", { name: /^Saved? [♡♥]$/ });
  if ((await save.textContent()) === "Save ♡") await save.click();
  await page.getByRole("button", { name: "Saved ♥" }).waitFor();
  await page.getByRole("button", { name: "Book", exact: true }).click();
  await expect
    .poll(async () => (await page.getByRole("status").allTextContents()).join(" "), { timeout: 20_000 })
    .toMatch(/Room held for you|Booking confirmed/);
  // The local Stripe stand-in completes the payment by itself; the page follows the booking.
  await expect
    .poll(async () => (await page.getByRole("status").allTextContents()).join(" "), { timeout: 30_000 })
    .toMatch(/Booking confirmed/);
  await page.screenshot({ path: join(SHOTS, "booked-desktop.png"), fullPage: true });
  // The booking's notices reach the header's badge, and the notifications page.
  await page.locator(".badge").waitFor({ timeout: 40_000 });
  await page.getByRole("link", { name: /Notifications/ }).click();
  await page.getByRole("heading", { name: "Booking confirmed" }).first().waitFor({ timeout: 20_000 });
  await checkAccessible(page, "notifications");
  await page.getByRole("link", { name: "Saved" }).click();
  await page.getByRole("heading", { name: "Saved places" }).waitFor();
  await page.locator(".cards li h3", { hasText: listingTitle }).first().waitFor();
  await page.getByRole("heading", { name: "Recommended for you" }).waitFor();
  await page.locator(".cards li em").first().waitFor({ timeout: 15_000 });
  expect(await page.locator(".cards li em").first().textContent()).toMatch(/^Why: /);
  await checkAccessible(page, "saved");
  await page.screenshot({ path: join(SHOTS, "saved-desktop.png"), fullPage: true });
  await page.goto(listingUrl);
  await page.getByRole("heading", { name: "Chat with the landlord" }).waitFor();
  expect(failures).toEqual([]);
  return page;
}

/** landlord1 answers a demo rental request from the pool with an offer; its tenant accepts it from their requests. */
async function offerAccepted(browser: Browser, api: string): Promise<void> {
  const landlord = await newContext(browser);
  const lp = await landlord.newPage();
  await signIn(lp, api, DEMO_LOGINS.landlord, "/pool");
  await lp.getByRole("heading", { name: "Request pool" }).waitFor();
  await lp.locator(".cards li").first().waitFor({ timeout: 15_000 });
  await checkAccessible(lp, "pool");
  await lp.screenshot({ path: join(SHOTS, "pool-desktop.png"), fullPage: true });
  const card = lp.locator(".cards li").first();
  const requestId = (await card.getAttribute("data-request"))!;
  await card.getByRole("button", { name: "Send offer" }).click();
  await lp.getByText("Offer sent").waitFor({ timeout: 15_000 });

  // Whose request it was: the demo seed gives each of six tenants one.
  const demo = buildDemoData();
  const tenantId = demoRentalRequests(demo, Date.now()).find((r) => r.id === requestId)!.tenantId;
  const tenantEmail = demo.users.find((u) => u.id === tenantId)!.email;
  const tenant = await newContext(browser);
  const tp = await tenant.newPage();
  await signIn(tp, api, tenantEmail, "/requests");
  await tp.getByRole("heading", { name: "My rental requests" }).waitFor();
  await tp.getByRole("button", { name: "Accept" }).first().click({ timeout: 15_000 });
  await tp.getByText("Accepted: the room is held for you").waitFor({ timeout: 15_000 });
  await checkAccessible(tp, "requests");
  await tp.screenshot({ path: join(SHOTS, "requests-desktop.png"), fullPage: true });
  await landlord.close();
  await tenant.close();
}

/** landlord1 lists a property with a room and viewing hours, from the web app alone; answers the listing's path. */
async function landlordLists(browser: Browser, api: string): Promise<string> {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, api, DEMO_LOGINS.landlord, "/manage");
  await page.getByRole("heading", { name: "My properties" }).waitFor();
  await page.locator(".cards li").first().waitFor({ timeout: 15_000 });
  await checkAccessible(page, "my properties");
  const title = `Garden flat ${Math.random().toString(36).slice(2, 8)}`;
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByLabel("Description").fill("Quiet flat on a garden, two minutes from the tram.");
  await page.getByLabel("Street address").fill("Rua das Flores 12");
  await page.getByLabel("City").fill("Lisbon");
  await page.getByLabel("Country code").fill("PT");
  await page.getByLabel("Latitude").fill("38.7101");
  await page.getByLabel("Longitude").fill("-9.1424");
  await page.getByRole("button", { name: "List property" }).click();
  await page.waitForURL(/\/manage\/prop_/, { timeout: 15_000 });
  await page.getByRole("heading", { name: title, level: 1 }).waitFor();
  await page
    .getByLabel(/^Add a photo/)
    .setInputFiles({ name: "garden.png", mimeType: "image/png", buffer: pngImage(48, 32) });
  await page.getByText("Cover · 48 × 32").waitFor({ timeout: 15_000 });
  await page.getByLabel("Room name").fill("Garden room");
  await page.getByLabel("Price per month").fill("700");
  await page.getByRole("button", { name: "Add room" }).click();
  await page.getByText("Room added.").waitFor({ timeout: 15_000 });
  const room = page.getByRole("region", { name: "Garden room" });
  await room.getByRole("button", { name: "Add a window" }).click();
  await room.getByRole("button", { name: "Save viewing hours" }).click();
  await room.getByText("Saved.").waitFor({ timeout: 15_000 });
  await room.getByRole("table").waitFor(); // its bookings calendar
  await checkAccessible(page, "manage property");
  await page.screenshot({ path: join(SHOTS, "manage-desktop.png"), fullPage: true });
  const path = `/listings/${new URL(page.url()).pathname.split("/").pop()}`;
  await context.close();
  return path;
}

/** tenant1 books a viewing of that room in its landlord's hours, and finds it among their viewings. */
async function tenantViews(browser: Browser, api: string, listing: string): Promise<void> {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page, api, DEMO_LOGINS.tenant, listing);
  // The landlord's photo, served from R2 and decoded by the browser.
  const cover = page.locator(".gallery img").first();
  await cover.waitFor({ timeout: 15_000 });
  await expect.poll(() => cover.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(48);
  const viewing = page.getByRole("region", { name: "Book a viewing" });
  await viewing.getByRole("button").first().click({ timeout: 15_000 });
  await viewing.getByText("Viewing booked for").waitFor({ timeout: 15_000 });
  await viewing.getByRole("link", { name: "See my viewings" }).click();
  await page.getByRole("heading", { name: "Viewings" }).waitFor();
  await page.locator(".cards li", { hasText: "scheduled" }).first().waitFor({ timeout: 15_000 });
  await checkAccessible(page, "viewings");
  await context.close();
}

/** A monthly stay becomes a lease: its tenant sees it with invoices and statement; its landlord sets late fees. */
async function leaseShown(browser: Browser, api: string): Promise<void> {
  const email = "tenant2@demo.roomline.dev";
  const headers = { "content-type": "application/json", "cf-connecting-ip": "198.51.100.250" };
  const login = await fetch(`${api}/v1/auth/login`, {
    method: "POST",
    headers,
    body: JSON.stringify({ email, password: DEMO_PASSWORD }),
  });
  const { accessToken } = (await login.json()) as { accessToken: string };
  const auth = { ...headers, authorization: `Bearer ${accessToken}` };
  const found = (await (await fetch(`${api}/v1/search?q=lisbon&rentalMode=monthly&limit=20`)).json()) as {
    items: { rooms: { id: string; rentalMode: string }[] }[];
  };
  // A random quarter in one of the monthly rooms: a rerun on the same data may find one taken, so try a few.
  const rooms = found.items.flatMap((h) => h.rooms).filter((r) => r.rentalMode === "monthly");
  let booked: Response | undefined;
  for (const room of rooms.slice(0, 5)) {
    const start = new Date(Date.now() + (30 + Math.floor(Math.random() * 300)) * 86_400_000);
    const end = new Date(start.getTime() + 92 * 86_400_000);
    booked = await fetch(`${api}/v1/bookings`, {
      method: "POST",
      headers: { ...auth, "idempotency-key": crypto.randomUUID() },
      body: JSON.stringify({
        roomId: room.id,
        startDate: start.toISOString().slice(0, 10),
        endDate: end.toISOString().slice(0, 10),
        units: 1,
      }),
    });
    if (booked.status === 201) break;
  }
  expect(booked!.status, await booked!.clone().text()).toBe(201);
  const booking = (await booked!.json()) as { id: string; landlordId: string };
  // The lease follows the booking's confirmation (the local Stripe stand-in pays it, the queue opens the lease).
  let lease: string | undefined;
  for (const deadline = Date.now() + 60_000; !lease && Date.now() < deadline; await sleep(1000)) {
    const list = (await (await fetch(`${api}/v1/leases`, { headers: auth })).json()) as {
      items: { id: string; bookingId: string }[];
    };
    lease = list.items.find((l) => l.bookingId === booking.id)?.id;
  }
  expect(lease, "a lease for the monthly booking").toBeTruthy();

  const tenant = await newContext(browser);
  const tp = await tenant.newPage();
  await signIn(tp, api, email, "/leases");
  await tp.getByRole("heading", { name: "Leases", level: 1 }).waitFor();
  await tp.locator(`a[href="/leases/${lease}"]`).click();
  await tp.getByRole("heading", { name: /^Lease: / }).waitFor();
  await tp.getByRole("heading", { name: "Invoices" }).waitFor();
  await tp.getByRole("heading", { name: "Statement" }).waitFor();
  await checkAccessible(tp, "lease (tenant)");
  await tp.screenshot({ path: join(SHOTS, "lease-desktop.png"), fullPage: true });
  await tenant.close();

  const owner = buildDemoData().users.find((u) => u.id === booking.landlordId)!;
  const landlord = await newContext(browser);
  const lp = await landlord.newPage();
  await signIn(lp, api, owner.email, `/leases/${lease}`);
  await lp.getByRole("heading", { name: "Late fees" }).waitFor({ timeout: 15_000 });
  await lp.getByRole("button", { name: "Save late fees" }).click();
  await lp.getByRole("region", { name: "Late fees" }).getByText("Saved.").waitFor({ timeout: 15_000 });
  await checkAccessible(lp, "lease (landlord)");
  await landlord.close();
}

/** A real, decodable PNG (a colour gradient), made here: the journey uploads it as a landlord's photo. */
function pngImage(width: number, height: number): Buffer {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rows.set([40 + x * 4, 120 + y * 3, 90], y * (width * 3 + 1) + 1 + x * 3);
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    typed.copy(out, 4);
    out.writeUInt32BE(crc32(typed), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

async function signIn(page: Page, api: string, email: string, next: string): Promise<void> {
  await page.goto(`${api}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${api}${next}`);
}

/** Signing up with a common password: the API's rule shows by the password field. */
async function signupRefused(browser: Browser, api: string): Promise<void> {
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${api}/signup`);
  await page.getByLabel("Name").fill("Web Journey");
  await page.getByLabel("Email").fill(`web-journey-${Date.now()}@example.com`);
  await page.getByLabel(/^Password/).fill("qwerty123456");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect.poll(() => page.locator("#password-error").textContent(), { timeout: 10_000 }).toMatch(/common/);
  await checkAccessible(page, "signup");
  await context.close();
}

/** The property's landlord, in a second browser, sees the booking in their list, then opens the listing's messages. */
async function landlordSees(browser: Browser, api: string, listingUrl: string): Promise<Page> {
  const propertyId = listingUrl.split("/").pop()!;
  const property = (await (await fetch(`${api}/v1/properties/${propertyId}`)).json()) as { ownerId: string };
  const owner = buildDemoData().users.find((u) => u.id === property.ownerId)!;
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(`${api}/login?next=/bookings`);
  await page.getByLabel("Email").fill(owner.email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "My bookings" }).waitFor();
  await expect
    .poll(async () => (await page.locator(".cards li").allTextContents()).join(" "), { timeout: 20_000 })
    .toMatch(/confirmed/);
  await checkAccessible(page, "bookings");
  await page.screenshot({ path: join(SHOTS, "bookings-desktop.png"), fullPage: true });
  // Signed in across a reload: the session comes back from the HttpOnly cookie, not from storage.
  await page.reload();
  await page.getByRole("heading", { name: "My bookings" }).waitFor();
  expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(1);
  expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage))).toBe("{}{}");
  expect(await page.evaluate(() => document.cookie)).toBe("");
  await page.goto(listingUrl);
  await page.getByRole("heading", { name: "Messages about this room" }).waitFor();
  return page;
}

/** The tenant writes to the landlord and the landlord answers, each seeing the other's words live. */
async function chatLive(tenant: Page, landlord: Page): Promise<void> {
  const stamp = Math.random().toString(36).slice(2, 8); // unique words, should the data hold older chats
  const question = `Is the room quiet at night? (${stamp})`;
  const answer = `Very quiet: it faces the garden. (${stamp})`;
  await tenant.getByRole("heading", { name: "Chat with the landlord" }).waitFor();
  await tenant.getByLabel("Message", { exact: true }).fill(question);
  await tenant.getByRole("button", { name: "Send" }).click();
  await landlord.locator(".messages li", { hasText: question }).waitFor({ timeout: 15_000 });
  await tenant.locator(".messages li.mine", { hasText: question }).waitFor({ timeout: 15_000 });
  await landlord.getByLabel("Message", { exact: true }).fill(answer);
  await landlord.getByRole("button", { name: "Send" }).click();
  await tenant.locator(".messages li", { hasText: answer }).waitFor({ timeout: 15_000 });
  await checkAccessible(tenant, "listing with chat");
  await tenant.screenshot({ path: join(SHOTS, "chat-desktop.png"), fullPage: true });
  // The landlord's inbox across rooms lists the room; opening it shows the thread.
  await landlord.getByRole("link", { name: "Inbox" }).click();
  await landlord.getByRole("heading", { name: "Inbox" }).waitFor();
  await landlord.locator(".cards li button").first().click({ timeout: 20_000 });
  await landlord.locator(".messages li", { hasText: question }).waitFor({ timeout: 15_000 });
  await checkAccessible(landlord, "inbox");
  await tenant.context().close();
  await landlord.context().close();
}

async function phoneShots(browser: Browser, api: string, listingUrl: string): Promise<void> {
  const context = await newContext(browser, "phone");
  const page = await context.newPage();
  await page.goto(`${api}/?q=lisbn`);
  await expect.poll(() => page.locator(".cards li").count(), { timeout: 15_000 }).toBeGreaterThan(0);
  await page.screenshot({ path: join(SHOTS, "search-phone.png"), fullPage: true });
  await page.goto(listingUrl);
  await page.getByRole("heading", { name: "Book a room" }).waitFor();
  await page.screenshot({ path: join(SHOTS, "listing-phone.png"), fullPage: true });
  // Signed in, on a phone: the tenant's bookings and saved places (the header's links wrap).
  await signIn(page, api, DEMO_LOGINS.tenant, "/bookings");
  await page.getByRole("heading", { name: "My bookings" }).waitFor();
  await page.locator(".cards li").first().waitFor({ timeout: 15_000 });
  await checkAccessible(page, "bookings (phone)");
  await page.screenshot({ path: join(SHOTS, "bookings-phone.png"), fullPage: true });
  await page.goto(`${api}/saved`);
  await page.getByRole("heading", { name: "Saved places" }).waitFor();
  await page.screenshot({ path: join(SHOTS, "saved-phone.png"), fullPage: true });
  await context.close();
}

/** axe-core on the page as it is: no serious or critical violation. */
async function checkAccessible(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }
    ).axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact }));
  });
  expect(
    violations.filter((v) => v.impact === "serious" || v.impact === "critical"),
    `${name}: ${JSON.stringify(violations)}`,
  ).toEqual([]);
}
