/**
 * Offline Stripe-compatible fake. Point the real SDK at it:
 *   new Stripe('sk_test_x', { host: '127.0.0.1', port, protocol: 'http', httpClient: Stripe.createFetchHttpClient() })
 * Covers PaymentIntents, Refunds, Customers and Events (lists paged and filtered by `created` as
 * Stripe's are), idempotency and signed webhooks; each resource lives in its own file next to this
 * one, and this file is the HTTP side of them all.
 * Run directly with `tsx fakes/stripe/server.ts` (env: STRIPE_FAKE_PORT, STRIPE_WEBHOOK_URL,
 * STRIPE_WEBHOOK_SECRET, STRIPE_FAKE_AUTO_SUCCEED_MS).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";
import { Charges } from "./charges";
import { Customers } from "./customers";
import { ApiError, invalid } from "./errors";
import { API_VERSION, Events } from "./events";
import { newId } from "./objects";
import type { Ctx, Param, ParamMap } from "./params";
import { PaymentIntents } from "./payment-intents";
import { Refunds } from "./refunds";
import { Timers } from "./timers";
import { Webhooks } from "./webhooks";

export interface StripeFakeOptions {
  /** Defaults to 0 (an ephemeral port; read it back from `StripeFake.port`). */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Where signed events are POSTed; when unset, events are only kept for GET /v1/events. */
  webhookUrl?: string;
  /** The endpoint's subscribed event types, as a Stripe webhook endpoint's `enabled_events` (default: all). */
  enabledEvents?: readonly string[];
  webhookSecret: string;
  /** Succeed PaymentIntents created without `confirm` this many ms later (unless canceled meanwhile). */
  autoSucceedMs?: number;
  /** Defaults to console.log with a `[stripe-fake]` prefix. */
  log?: (line: string) => void;
}
export interface StripeFake {
  url: string;
  port: number;
  close(): Promise<void>;
  /** Same as POST /_fake/payment_intents/:id/succeed. */
  succeed(piId: string): Promise<void>;
  /** Same as POST /_fake/payment_intents/:id/fail. */
  fail(piId: string): Promise<void>;
  /** Same as POST /_fake/refunds/:id/fail: a refund accepted earlier fails at the card. */
  failRefund(refundId: string, failureReason?: string): Promise<void>;
}

type Route = [method: string, pattern: RegExp, handler: (ctx: Ctx) => unknown];
interface Reply {
  status: number;
  body: string;
  replayable: boolean;
}
interface SavedReply {
  endpoint: string;
  fingerprint: string;
  reply: Reply;
  requestId: string;
}

/** Parses Stripe's form encoding with bracket notation (a[b][c]=1, a[]=x, a[0]=x) into nested params. */
export function parseForm(text: string): ParamMap {
  const root: ParamMap = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const [head = "", ...rest] = rawKey.split("[");
    const path = [head, ...rest.map((s) => s.replace(/\]$/, ""))];
    if (path.includes("__proto__")) continue;
    let node = root;
    path.forEach((segment, i) => {
      const key = segment === "" ? String(Object.keys(node).length) : segment;
      if (i === path.length - 1) {
        node[key] = value;
        return;
      }
      const next = node[key];
      if (typeof next === "object" && !Array.isArray(next)) {
        node = next;
        return;
      }
      const child: ParamMap = {};
      node[key] = child;
      node = child;
    });
  }
  return arrayify(root, "") as ParamMap;
}
function arrayify(value: Param, parentKey: string): Param {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((k) => [k, arrayify(value[k] ?? "", k)] as const);
  // metadata keys may be numeric strings; everything else indexed 0..n-1 is an array.
  const indexed = keys.length > 0 && parentKey !== "metadata" && keys.every((k, i) => k === String(i));
  return indexed ? entries.map(([, v]) => v) : Object.fromEntries(entries);
}
/** The params with keys sorted, so an idempotent retry matches however its form was ordered. */
function canonical(value: Param): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const fields = Object.keys(value)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(value[k] ?? "")}`);
  return `{${fields.join(",")}}`;
}

class FakeStripe {
  private readonly timers = new Timers();
  private readonly webhooks: Webhooks;
  private readonly events: Events;
  private readonly customers: Customers;
  private readonly charges = new Charges();
  readonly intents: PaymentIntents;
  readonly refunds: Refunds;
  private readonly idempotency = new Map<string, SavedReply>();
  private readonly routes: Route[];
  private readonly log: (line: string) => void;
  private closed = false;

  constructor(opts: StripeFakeOptions) {
    this.log = opts.log ?? ((line) => console.log(`[stripe-fake] ${line}`));
    this.webhooks = new Webhooks(
      { url: opts.webhookUrl, enabledEvents: opts.enabledEvents, secret: opts.webhookSecret, log: this.log },
      this.timers,
    );
    this.events = new Events(this.webhooks);
    this.customers = new Customers(this.events);
    const { charges, customers, events, timers } = this;
    this.intents = new PaymentIntents({ charges, customers, events, timers, autoSucceedMs: opts.autoSucceedMs });
    this.refunds = new Refunds(this.intents, charges, events);
    this.routes = [
      ["POST", /^\/v1\/payment_intents$/, (c) => this.intents.create(c)],
      ["GET", /^\/v1\/payment_intents$/, (c) => this.intents.list(c.params)],
      ["GET", /^\/v1\/payment_intents\/([^/]+)$/, (c) => this.intents.get(c.id)],
      ["POST", /^\/v1\/payment_intents\/([^/]+)$/, (c) => this.intents.update(c)],
      ["POST", /^\/v1\/payment_intents\/([^/]+)\/confirm$/, (c) => this.intents.confirm(c)],
      ["POST", /^\/v1\/payment_intents\/([^/]+)\/cancel$/, (c) => this.intents.cancel(c)],
      ["GET", /^\/v1\/charges\/([^/]+)$/, (c) => this.charges.get(c.id)],
      ["POST", /^\/v1\/refunds$/, (c) => this.refunds.create(c)],
      ["GET", /^\/v1\/refunds$/, (c) => this.refunds.list(c.params)],
      ["GET", /^\/v1\/refunds\/([^/]+)$/, (c) => this.refunds.get(c.id)],
      ["POST", /^\/v1\/customers$/, (c) => this.customers.create(c)],
      ["GET", /^\/v1\/customers\/([^/]+)$/, (c) => this.customers.get(c.id)],
      ["GET", /^\/v1\/events$/, (c) => this.events.list(c.params)],
      ["GET", /^\/v1\/events\/([^/]+)$/, (c) => this.events.get(c.id)],
      ["POST", /^\/_fake\/payment_intents\/([^/]+)\/succeed$/, (c) => this.intents.succeed(c.id)],
      ["POST", /^\/_fake\/payment_intents\/([^/]+)\/fail$/, (c) => this.intents.fail(c.id)],
      ["POST", /^\/_fake\/refunds\/([^/]+)\/fail$/, (c) => this.refunds.fail(c)],
      ["POST", /^\/_fake\/reset$/, () => this.reset()],
    ];
  }

  /** Handles one HTTP request: auth, routing, idempotency, JSON response. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newId("req");
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://fake.local");
    const body = await readBody(req);
    const idempotencyKey = method === "POST" ? headerValue(req, "idempotency-key") : null;
    const headers: Record<string, string> = {
      "Request-Id": requestId,
      "Stripe-Version": headerValue(req, "stripe-version") ?? API_VERSION,
    };
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    let reply: Reply;
    try {
      const isControl = url.pathname.startsWith("/_fake/");
      const apiKey = isControl ? "" : authenticate(req);
      const [handler, id] = this.match(method, url.pathname);
      const params = parseForm(method === "GET" ? url.search.slice(1) : body);
      const run = (): Reply => execute(() => handler({ params, id, requestId, idempotencyKey }));
      if (isControl || !idempotencyKey) reply = run();
      else {
        // Keys are scoped per API key. Check-then-store is synchronous, so concurrent requests with one key can't both execute.
        const slot = `${apiKey}\n${idempotencyKey}`;
        const endpoint = `${method} ${url.pathname}`;
        const fingerprint = canonical(params);
        const saved = this.replay(slot, endpoint, fingerprint, idempotencyKey);
        if (saved) Object.assign(headers, { "Idempotent-Replayed": "true", "Original-Request": saved.requestId });
        reply = saved?.reply ?? run();
        if (!saved && reply.replayable) this.idempotency.set(slot, { endpoint, fingerprint, reply, requestId });
      }
    } catch (err) {
      reply = errorReply(err);
    }
    this.log(`${method} ${url.pathname} -> ${reply.status}${headers["Idempotent-Replayed"] ? " (replayed)" : ""}`);
    res.writeHead(reply.status, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(reply.body),
      ...headers,
    });
    res.end(reply.body);
  }

  async close(server: ReturnType<typeof createServer>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.webhooks.close();
    this.timers.clear();
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }

  private match(method: string, path: string): [(ctx: Ctx) => unknown, string] {
    for (const [m, pattern, handler] of this.routes) {
      const found = pattern.exec(path);
      if (found && m === method) return [handler, decodeURIComponent(found[1] ?? "")];
    }
    const message = `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`;
    throw invalid(message, {}, 404);
  }

  /** Stripe replays a saved response for the same key, but rejects reuse with another endpoint or other params. */
  private replay(slot: string, endpoint: string, fingerprint: string, key: string): SavedReply | undefined {
    const saved = this.idempotency.get(slot);
    if (!saved) return undefined;
    const mismatch =
      saved.endpoint !== endpoint
        ? "for the same endpoint"
        : saved.fingerprint !== fingerprint
          ? "with the same parameters"
          : null;
    if (mismatch) {
      const message =
        `Keys for idempotent requests can only be used ${mismatch} they were first used with. ` +
        `Try using a key other than '${key}' if you meant to execute a different request.`;
      throw new ApiError(400, { type: "idempotency_error", message }, false);
    }
    return saved;
  }

  private reset(): { ok: true } {
    for (const resource of [this.intents, this.charges, this.refunds, this.customers]) resource.reset();
    this.idempotency.clear();
    this.events.reset();
    this.timers.clear();
    return { ok: true };
  }
}

function execute(fn: () => unknown): Reply {
  try {
    return { status: 200, body: JSON.stringify(fn(), null, 2), replayable: true };
  } catch (err) {
    return errorReply(err);
  }
}
function errorReply(err: unknown): Reply {
  if (err instanceof ApiError) {
    return { status: err.status, body: JSON.stringify({ error: err.body }, null, 2), replayable: err.replayable };
  }
  const message = err instanceof Error ? err.message : String(err);
  const body = JSON.stringify({ error: { type: "api_error", message: `Fake internal error: ${message}` } });
  return { status: 500, body, replayable: false };
}
function headerValue(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}
/** Accepts `Bearer sk_test_...` (and Basic with the key as username, like curl -u). */
function authenticate(req: IncomingMessage): string {
  const header = headerValue(req, "authorization") ?? "";
  if (!header) {
    const message =
      "You did not provide an API key. You need to provide your API key in the Authorization header, " +
      "using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
    throw new ApiError(401, { type: "invalid_request_error", message }, false);
  }
  const [scheme = "", value = ""] = header.split(" ");
  const key =
    scheme === "Basic"
      ? (Buffer.from(value, "base64").toString().split(":")[0] ?? "")
      : scheme === "Bearer"
        ? value
        : "";
  if (!key.startsWith("sk_test_")) {
    const masked = key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}` : key;
    throw new ApiError(401, { type: "invalid_request_error", message: `Invalid API Key provided: ${masked}` }, false);
  }
  return key;
}
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the fake on `opts.port` (default 0 = ephemeral) and `opts.host` (default 127.0.0.1). */
export async function startStripeFake(opts: StripeFakeOptions): Promise<StripeFake> {
  const fake = new FakeStripe(opts);
  const server = createServer((req, res) => {
    void fake.handle(req, res).catch(() => res.destroy());
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : (opts.port ?? 0);
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    close: () => fake.close(server),
    succeed: async (piId) => {
      fake.intents.succeed(piId);
    },
    fail: async (piId) => {
      fake.intents.fail(piId);
    },
    failRefund: async (refundId, failureReason) => {
      const params: ParamMap = failureReason ? { failure_reason: failureReason } : {};
      fake.refunds.fail({ params, id: refundId, requestId: null, idempotencyKey: null });
    },
  };
}

async function main(): Promise<void> {
  const env = process.env;
  const autoSucceed = env.STRIPE_FAKE_AUTO_SUCCEED_MS ? Number(env.STRIPE_FAKE_AUTO_SUCCEED_MS) : undefined;
  if (env.STRIPE_WEBHOOK_URL && !env.STRIPE_WEBHOOK_SECRET) {
    console.warn('[stripe-fake] STRIPE_WEBHOOK_SECRET is unset; webhooks are signed with "whsec_fake"');
  }
  const fake = await startStripeFake({
    port: Number(env.STRIPE_FAKE_PORT ?? 12111),
    webhookUrl: env.STRIPE_WEBHOOK_URL || undefined,
    webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? "whsec_fake",
    autoSucceedMs: Number.isFinite(autoSucceed) ? autoSucceed : undefined,
  });
  console.log(`[stripe-fake] listening on ${fake.url}; webhooks -> ${env.STRIPE_WEBHOOK_URL || "(memory only)"}`);
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
