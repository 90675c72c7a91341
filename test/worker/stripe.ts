import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { call } from "./helpers";

/** Test-side view of the Stripe fake the worker talks to. */
const base = () => env.STRIPE_API_BASE;
const auth = () => ({ authorization: `Bearer ${env.STRIPE_SECRET_KEY}` });

export async function stripeGet(path: string): Promise<any> {
  const res = await fetch(`${base()}${path}`, { headers: auth() });
  return res.json();
}

/** A POST straight to Stripe (form-encoded, as the API takes it), as the dashboard or another system would make it. */
export async function stripePost(path: string, params: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base()}${path}`, {
    method: "POST",
    headers: { ...auth(), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params),
  });
}

/** The customer completes (or fails) payment at Stripe. */
export async function customerPays(paymentIntentId: string, outcome: "succeed" | "fail" = "succeed"): Promise<void> {
  const res = await fetch(`${base()}/_fake/payment_intents/${paymentIntentId}/${outcome}`, {
    method: "POST",
    headers: auth(),
  });
  if (!res.ok) throw new Error(`fake ${outcome} failed: ${res.status} ${await res.text()}`);
}

/** The newest event Stripe recorded of `type` for a PaymentIntent. */
export async function stripeEvent(type: string, paymentIntentId: string): Promise<any> {
  const list = await stripeGet(`/v1/events?limit=100`);
  const event = list.data.find(
    (e: any) =>
      e.type === type && (e.data.object.id === paymentIntentId || e.data.object.payment_intent === paymentIntentId),
  );
  if (!event) throw new Error(`no ${type} event for ${paymentIntentId}`);
  return event;
}

/** Stripe's signature scheme: v1 = HMAC-SHA256(secret, `${t}.${payload}`). */
export async function signature(payload: string, secret: string, t = Math.floor(Date.now() / 1000)): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${payload}`));
  return `t=${t},v1=${Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export const currentWebhookSecret = () => env.STRIPE_WEBHOOK_SECRETS.split(",")[0]!;

/** Delivers an event to the worker's webhook route, signed as Stripe would. */
export async function deliver(
  event: unknown,
  opts: { secret?: string; t?: number; tamper?: boolean } = {},
): Promise<Response> {
  const payload = JSON.stringify(event);
  const sig = await signature(payload, opts.secret ?? currentWebhookSecret(), opts.t);
  return call("POST", "/v1/webhooks/stripe", {
    body: opts.tamper ? payload.replace("succeeded", "succeedeD") : payload,
    headers: { "stripe-signature": sig },
  });
}

/**
 * Makes Stripe's answers to PaymentIntent creates get lost, the way a flaky network does, until
 * the returned `restore()`: `timeout` and `5xx` let the request reach Stripe (which charges) and
 * then time out or answer 500; `unreachable` never sends it. The worker's Stripe client looks up
 * the global fetch at each call, so it goes through this; everything else passes untouched.
 */
export function loseStripeAnswers(mode: "timeout" | "5xx" | "unreachable") {
  const real = globalThis.fetch;
  let lost = 0;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? (input instanceof Request ? input.method : "GET");
    if (method !== "POST" || !url.startsWith(base()) || new URL(url).pathname !== "/v1/payment_intents")
      return real(input, init);
    lost++;
    if (mode === "unreachable") throw new TypeError("Network connection lost.");
    await (await real(input, init)).text();
    if (mode === "5xx") {
      return new Response(JSON.stringify({ error: { type: "api_error", message: "An unknown error occurred" } }), {
        status: 500,
        headers: { "content-type": "application/json", "request-id": "req_lost" },
      });
    }
    // What the SDK's own timer raises when the answer does not come in time.
    throw Object.assign(new TypeError("ETIMEDOUT"), { code: "ETIMEDOUT" });
  });
  return { restore: () => spy.mockRestore(), lost: () => lost };
}

/** The PaymentIntents Stripe made for an invoice (created in the last hour). */
export async function intentsFor(invoiceId: string): Promise<any[]> {
  const since = Math.floor(Date.now() / 1000) - 3600;
  const found: any[] = [];
  let after = "";
  for (;;) {
    const page = await stripeGet(
      `/v1/payment_intents?limit=100&created[gte]=${since}${after ? `&starting_after=${after}` : ""}`,
    );
    found.push(...page.data.filter((pi: any) => pi.metadata?.invoiceId === invoiceId));
    if (!page.has_more) return found;
    after = page.data.at(-1).id;
  }
}
