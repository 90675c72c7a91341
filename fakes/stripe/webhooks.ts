/** Signed webhook deliveries: every event is POSTed to the endpoint, re-signed and retried on failure. */
import { createHmac } from "node:crypto";
import type { StripeEvent } from "./events";
import { now, snapshot } from "./objects";
import type { Timers } from "./timers";

/** Far shorter than Stripe's three days of retries, so a test sees the whole schedule. */
const RETRY_DELAYS_MS = [200, 1000, 3000];

/** `Stripe-Signature` header value: t=<unix>,v1=<hex HMAC-SHA256 of "t.payload">, as constructEvent verifies. */
export function signPayload(payload: string, secret: string, timestamp = now()): string {
  return `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex")}`;
}

export interface WebhookOptions {
  /** Where events are POSTed; when unset, nothing is delivered. */
  url?: string;
  /** Only these types are delivered, as a real endpoint's `enabled_events`; unset: every type. */
  enabledEvents?: readonly string[];
  secret: string;
  log: (line: string) => void;
}

export class Webhooks {
  private readonly abort = new AbortController();
  private closed = false;

  constructor(
    private readonly opts: WebhookOptions,
    private readonly timers: Timers,
  ) {}

  /** Whether an event of `type` has an endpoint to go to (an event's `pending_webhooks`). */
  subscribed(type: string): boolean {
    return Boolean(this.opts.url) && (!this.opts.enabledEvents || this.opts.enabledEvents.includes(type));
  }

  /** Delivers `event` in the background; its `pending_webhooks` drops to 0 once the endpoint answers 2xx. */
  send(event: StripeEvent): void {
    if (!this.subscribed(event.type)) return;
    this.timers.later(0, () => this.deliver(event, snapshot(event), 0));
  }

  /** Stops delivering and aborts the requests in flight. */
  close(): void {
    this.closed = true;
    this.abort.abort();
  }

  private deliver(event: StripeEvent, sent: StripeEvent, attempt: number): void {
    const url = this.opts.url;
    if (!url || this.closed) return;
    const payload = JSON.stringify(sent, null, 2);
    const headers = {
      "Content-Type": "application/json; charset=utf-8",
      "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      "Stripe-Signature": signPayload(payload, this.opts.secret), // re-signed with a fresh timestamp on every attempt
    };
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(10_000)]);
    fetch(url, { method: "POST", headers, body: payload, signal })
      .then(async (res) => {
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        event.pending_webhooks = 0;
      })
      .catch((err: unknown) => {
        if (this.closed) return;
        const delay = RETRY_DELAYS_MS[attempt];
        const reason =
          err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
        const next = delay === undefined ? "giving up" : `retrying in ${delay}ms`;
        this.opts.log(`webhook ${sent.type} ${sent.id} -> ${url} failed (attempt ${attempt + 1}): ${reason}; ${next}`);
        if (delay !== undefined) this.timers.later(delay, () => this.deliver(event, sent, attempt + 1));
      });
  }
}
