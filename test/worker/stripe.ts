import { env } from "cloudflare:workers";
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
    method: "POST", headers: { ...auth(), "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(params),
  });
}

/** The customer completes (or fails) payment at Stripe. */
export async function customerPays(paymentIntentId: string, outcome: "succeed" | "fail" = "succeed"): Promise<void> {
  const res = await fetch(`${base()}/_fake/payment_intents/${paymentIntentId}/${outcome}`, { method: "POST", headers: auth() });
  if (!res.ok) throw new Error(`fake ${outcome} failed: ${res.status} ${await res.text()}`);
}

/** The newest event Stripe recorded of `type` for a PaymentIntent. */
export async function stripeEvent(type: string, paymentIntentId: string): Promise<any> {
  const list = await stripeGet(`/v1/events?limit=100`);
  const event = list.data.find((e: any) => e.type === type && (e.data.object.id === paymentIntentId || e.data.object.payment_intent === paymentIntentId));
  if (!event) throw new Error(`no ${type} event for ${paymentIntentId}`);
  return event;
}

/** Stripe's signature scheme: v1 = HMAC-SHA256(secret, `${t}.${payload}`). */
export async function signature(payload: string, secret: string, t = Math.floor(Date.now() / 1000)): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${payload}`));
  return `t=${t},v1=${Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export const currentWebhookSecret = () => env.STRIPE_WEBHOOK_SECRETS.split(",")[0]!;

/** Delivers an event to the worker's webhook route, signed as Stripe would. */
export async function deliver(event: unknown, opts: { secret?: string; t?: number; tamper?: boolean } = {}): Promise<Response> {
  const payload = JSON.stringify(event);
  const sig = await signature(payload, opts.secret ?? currentWebhookSecret(), opts.t);
  return call("POST", "/v1/webhooks/stripe", { body: opts.tamper ? payload.replace("succeeded", "succeedeD") : payload, headers: { "stripe-signature": sig } });
}
