import Stripe from "stripe";
import { AppError } from "../errors";
import { traceHeaders } from "../trace";

const clients = new Map<string, Stripe>();

/**
 * The real Stripe SDK over fetch, built once per isolate per key and base. With STRIPE_API_BASE set
 * (local runs and tests) it talks to the project's Stripe-compatible fake instead of
 * api.stripe.com; nothing else changes.
 */
export function stripeClient(env: Env): Stripe {
  const cacheKey = `${env.STRIPE_SECRET_KEY}|${env.STRIPE_API_BASE}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = buildClient(env);
    clients.set(cacheKey, client);
  }
  return client;
}

function buildClient(env: Env): Stripe {
  const base = env.STRIPE_API_BASE ? new URL(env.STRIPE_API_BASE) : null;
  return new Stripe(env.STRIPE_SECRET_KEY, {
    // The global fetch, looked up at each call rather than captured once: this client outlives the
    // request that built it, and whatever fetch the runtime offers then (tests' included) is the one used.
    // Each call carries the trace of the work that makes it (`traceparent`), so Stripe's request log and ours line up.
    httpClient: Stripe.createFetchHttpClient((input, init) => fetch(input, withTraceHeader(init))),
    maxNetworkRetries: 2,
    // Stripe's own default is 80 s; a booking waits at most 30 s before giving up and compensating.
    timeout: 30_000,
    ...(base && {
      host: base.hostname,
      port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
      protocol: base.protocol === "https:" ? ("https" as const) : ("http" as const),
    }),
  });
}

function withTraceHeader(init: RequestInit | undefined): RequestInit {
  const trace = traceHeaders();
  if (!trace.traceparent) return init ?? {};
  const headers = new Headers(init?.headers);
  headers.set("traceparent", trace.traceparent);
  return { ...init, headers };
}

const crypto = Stripe.createSubtleCryptoProvider();
/** Stripe signs with the timestamp it sends; older than this is a replay (Stripe's own default). */
const TOLERANCE_SECONDS = 300;

/**
 * Verifies a webhook against every configured secret (comma-separated, newest first) so a secret
 * can be rotated without dropping events. Stripe's check ignores timestamps from the future; a
 * signature dated ahead of our clock is refused too.
 */
export async function verifyWebhook(env: Env, rawBody: string, signature: string | undefined): Promise<Stripe.Event> {
  const invalid = new AppError(
    "invalid_signature",
    "The Stripe signature is missing, invalid or outside the time window.",
  );
  if (!signature) throw invalid;
  const timestamp = Number(/(?:^|,)t=(\d+)/.exec(signature)?.[1]);
  if (!Number.isFinite(timestamp) || timestamp > Date.now() / 1000 + 60) throw invalid;
  const stripe = stripeClient(env);
  for (const secret of env.STRIPE_WEBHOOK_SECRETS.split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      return await stripe.webhooks.constructEventAsync(rawBody, signature, secret, TOLERANCE_SECONDS, crypto);
    } catch {
      // try the next secret
    }
  }
  throw invalid;
}
