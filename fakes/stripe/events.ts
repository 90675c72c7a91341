/** The account's event log: what GET /v1/events lists and what webhooks deliver. */
import { missing, throwError } from "./errors";
import { newId, now, snapshot } from "./objects";
import { getInt, getString, type Ctx, type ParamMap } from "./params";
import type { Webhooks } from "./webhooks";

export const API_VERSION = "2026-10-28.endive";

export interface StripeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: unknown };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export class Events {
  private events: StripeEvent[] = [];

  constructor(private readonly webhooks: Webhooks) {}

  /** Records a Stripe-shaped event (with a snapshot of the object) and delivers it in the background. */
  emit(type: string, object: unknown, c: Ctx | null): void {
    const event: StripeEvent = {
      id: newId("evt"),
      object: "event",
      api_version: API_VERSION,
      created: now(),
      data: { object: snapshot(object) },
      livemode: false,
      pending_webhooks: this.webhooks.subscribed(type) ? 1 : 0,
      request: { id: c?.requestId ?? null, idempotency_key: c?.idempotencyKey ?? null },
      type,
    };
    this.events.push(event);
    this.webhooks.send(event);
  }

  /** GET /v1/events/:id. */
  get(id: string): StripeEvent {
    return this.events.find((e) => e.id === id) ?? throwError(missing("event", id, "id"));
  }

  /** Newest first, optionally of one type, paged with `starting_after`, as Stripe lists them. */
  list(p: ParamMap): unknown {
    const limit = Math.min(getInt(p, "limit", false) ?? 10, 100);
    const type = getString(p, "type");
    let items = [...this.events].reverse().filter((e) => !type || e.type === type);
    const after = getString(p, "starting_after");
    if (after) items = items.slice(items.findIndex((e) => e.id === after) + 1);
    return { object: "list", data: items.slice(0, limit), has_more: items.length > limit, url: "/v1/events" };
  }

  reset(): void {
    this.events = [];
  }
}
