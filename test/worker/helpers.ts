import { env, exports } from "cloudflare:workers";

let counter = 0;
/** A distinct client address per call, so rate limits of one test do not leak into another. */
export function uniqueIp(): string {
  counter++;
  return `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}`;
}

export interface CallOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  ip?: string;
}

/** Calls the worker's own fetch handler, as a client would. */
export async function call(method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const headers = new Headers(opts.headers);
  if (opts.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  // Bytes (a photo) go as they are, with their own content-type.
  if (opts.token) headers.set("authorization", `Bearer ${opts.token}`);
  headers.set("cf-connecting-ip", opts.ip ?? uniqueIp());
  const body =
    opts.body === undefined || typeof opts.body === "string" || opts.body instanceof Uint8Array
      ? opts.body
      : JSON.stringify(opts.body);
  return exports.default.fetch(new Request(`https://api.test${path}`, { method, headers, body }));
}

export async function json<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  role: string;
}

/** Registers a fresh user through the API. */
export async function signUp(role: "tenant" | "landlord" = "tenant"): Promise<TestUser> {
  const email = `${role}-${crypto.randomUUID()}@example.com`;
  const password = "correct horse battery staple";
  const res = await call("POST", "/v1/auth/register", { body: { email, password, name: `Test ${role}`, role } });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const body = await json(res);
  return { id: body.user.id, email, password, accessToken: body.accessToken, refreshToken: body.refreshToken, role };
}

/** An admin: a registered user promoted in D1 (no route makes admins), signed in afresh for a token with the role. */
export async function signUpAdmin(): Promise<TestUser> {
  const user = await signUp("tenant");
  const { env } = await import("cloudflare:workers");
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(user.id).run();
  const res = await call("POST", "/v1/auth/login", { body: { email: user.email, password: user.password } });
  if (res.status !== 200) throw new Error(`admin sign-in failed: ${res.status} ${await res.text()}`);
  const body = await json(res);
  return { ...user, role: "admin", accessToken: body.accessToken, refreshToken: body.refreshToken };
}

export const validProperty = () => ({
  title: "Sunny flat near the river",
  description: "Three rooms, shared kitchen.",
  type: "apartment",
  address: { line1: "Rua Augusta 10", city: "Lisbon", postalCode: "1100-053", country: "PT" },
  location: { lat: 38.7108, lng: -9.1369 },
  amenities: ["wifi", "washer"],
  timezone: "Europe/Lisbon",
});

export const validRoom = () => ({
  name: "Room A",
  capacity: 2,
  rentalMode: "monthly",
  price: { amount: 65000, currency: "EUR" },
  deposit: { amount: 65000, currency: "EUR" },
});

/** A landlord with one property and one room, made through the API. */
export async function landlordWithRoom(room: Record<string, unknown> = {}, property: Record<string, unknown> = {}) {
  const landlord = await signUp("landlord");
  const made = await json(
    await call("POST", "/v1/properties", { token: landlord.accessToken, body: { ...validProperty(), ...property } }),
  );
  const res = await call("POST", `/v1/properties/${made.id}/rooms`, {
    token: landlord.accessToken,
    body: { ...validRoom(), ...room },
  });
  if (res.status !== 201) throw new Error(`room failed: ${res.status} ${await res.text()}`);
  return { landlord, property: made, room: await json(res) };
}

/** A monthly request near the test property (Rua Augusta, Lisbon), within the test room's price (65,000). */
export const fittingRequest = (over: Record<string, unknown> = {}) => ({
  location: { lat: 38.72, lng: -9.14 },
  radiusKm: 5,
  budget: { amount: 70000, currency: "EUR" },
  rentalMode: "monthly",
  moveIn: inDays(40),
  months: 2,
  units: 1,
  ...over,
});

/** A landlord whose room search has indexed (the request pool reads the listings read model). */
export async function listedLandlord(room: Record<string, unknown> = {}) {
  const made = await landlordWithRoom(room);
  await eventually(async () =>
    (await env.DB.prepare("SELECT 1 FROM listings WHERE room_id = ?").bind(made.room.id).first()) ? true : undefined,
  );
  return made;
}

/** Everything of a problem body except the per-request id. */
export function withoutRequestId(body: Record<string, unknown>) {
  const { requestId: _ignored, ...rest } = body;
  return rest;
}

/** A real access token for any user id, signed with the worker's own key. */
export async function tokenFor(id: string, role: "tenant" | "landlord" = "tenant"): Promise<string> {
  const { env } = await import("cloudflare:workers");
  const { loadKeyRing, signAccessToken } = await import("../../workers/domain/tokens");
  return signAccessToken(
    await loadKeyRing(env.JWT_PRIVATE_KEYS),
    { id, role },
    { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE },
  );
}

/** A tenant identity with a real signed access token, without the cost of signing up. */
export async function mintTenant(): Promise<{ id: string; accessToken: string }> {
  const id = `usr_t${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  return { id, accessToken: await tokenFor(id) };
}

/** A date `days` from today (UTC), as YYYY-MM-DD. */
export function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export async function book(token: string, body: Record<string, unknown>, key = crypto.randomUUID()): Promise<Response> {
  return call("POST", "/v1/bookings", { token, body, headers: { "idempotency-key": key } });
}

/**
 * Books and answers the 201's body with its `payment` as the tenant sees it once the PaymentIntent
 * exists (GET /v1/bookings/:id/payment opens it on demand when the outbox has not yet).
 */
export async function bookHeld(token: string, body: Record<string, unknown>, key = crypto.randomUUID()): Promise<any> {
  const res = await book(token, body, key);
  if (res.status !== 201) throw new Error(`booking failed: ${res.status} ${await res.text()}`);
  const booking = await json(res);
  return { ...booking, payment: await json(await call("GET", `/v1/bookings/${booking.id}/payment`, { token })) };
}

/**
 * Polls until `check` returns a value (not undefined), failing after `ms`. The files of a vitest worker
 * share one runtime and its queue, so an event may wait behind another file's backlog: be patient.
 */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
