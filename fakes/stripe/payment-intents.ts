/** PaymentIntents: create, update, confirm, cancel, and the outcomes a test drives through /_fake. */
import { randomBytes } from "node:crypto";
import type { Charges } from "./charges";
import type { Customers } from "./customers";
import { ApiError, invalid, missing, paramError, throwError, type ErrorBody } from "./errors";
import type { Events } from "./events";
import { newId, now, patch, snapshot, type Metadata } from "./objects";
import { listPage, type ListPage } from "./lists";
import {
  getBool,
  getCurrency,
  getEnum,
  getInt,
  getRange,
  getString,
  inRange,
  mergeMetadata,
  type Ctx,
  type ParamMap,
} from "./params";
import {
  declineFor,
  GENERIC_DECLINE,
  paymentMethodParam,
  requiresAuthentication,
  type Decline,
} from "./payment-methods";
import type { Timers } from "./timers";

export type PiStatus =
  | "requires_payment_method"
  | "requires_confirmation"
  | "requires_action"
  | "processing"
  | "requires_capture"
  | "canceled"
  | "succeeded";

export interface PaymentIntent {
  id: string;
  object: "payment_intent";
  amount: number;
  amount_capturable: number;
  amount_received: number;
  automatic_payment_methods: { enabled: boolean; allow_redirects?: string } | null;
  canceled_at: number | null;
  cancellation_reason: string | null;
  capture_method: string;
  client_secret: string;
  confirmation_method: "automatic";
  created: number;
  currency: string;
  customer: string | null;
  description: string | null;
  last_payment_error: ErrorBody | null;
  latest_charge: string | null;
  livemode: false;
  metadata: Metadata;
  next_action: { type: string; use_stripe_sdk?: { type: string } } | null;
  payment_method: string | null;
  payment_method_types: string[];
  status: PiStatus;
}

export interface PaymentIntentDeps {
  charges: Charges;
  customers: Customers;
  events: Events;
  timers: Timers;
  /** Succeed PaymentIntents created without `confirm` this many ms later (unless canceled meanwhile). */
  autoSucceedMs?: number;
}

const CONFIRMABLE: PiStatus[] = ["requires_payment_method", "requires_confirmation", "requires_action"];
const CANCELABLE: PiStatus[] = [...CONFIRMABLE, "requires_capture", "processing"];

const CANCELLATION_REASONS = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"];

const unexpectedState = (message: string): ApiError => invalid(message, { code: "payment_intent_unexpected_state" });

export class PaymentIntents {
  private readonly intents = new Map<string, PaymentIntent>();

  constructor(private readonly deps: PaymentIntentDeps) {}

  /** GET /v1/payment_intents/:id. */
  get(id: string): PaymentIntent {
    return this.intents.get(id) ?? throwError(missing("payment_intent", id, "intent"));
  }

  /**
   * GET /v1/payment_intents: newest first, filtered by `created` (an integer or gt/gte/lt/lte) and
   * `customer`, paged with `limit` and `starting_after`/`ending_before`, metadata included, as Stripe lists them.
   */
  list(p: ParamMap): ListPage<PaymentIntent> {
    const created = getRange(p, "created");
    const customer = getString(p, "customer");
    const items = [...this.intents.values()]
      .reverse()
      .filter((pi) => inRange(pi.created, created) && (!customer || pi.customer === customer));
    return listPage(items, p, "/v1/payment_intents", "payment_intent");
  }

  /** The PaymentIntent another resource names in its params; unknown is a 400. */
  param(id: string): PaymentIntent {
    return this.intents.get(id) ?? throwError(missing("payment_intent", id, "payment_intent", 400));
  }

  /** POST /v1/payment_intents, confirming at once with `confirm=true`. */
  create(c: Ctx): PaymentIntent {
    const p = c.params;
    const amount = getInt(p, "amount", true) ?? 0;
    const currency = getCurrency(p, true) ?? "";
    // Stripe's ceiling for a single charge: eight digits in the currency's minor unit.
    if (amount > 99_999_999) {
      throw invalid("Amount must be no more than 99999999 in the smallest currency unit.", {
        code: "amount_too_large",
        param: "amount",
      });
    }
    const customer = this.deps.customers.param(p) ?? null;
    const paymentMethod = paymentMethodParam(p);
    const confirm = getBool(p, "confirm");
    const offSession = getBool(p, "off_session");
    if (p.capture_method === "manual") {
      throw paramError("capture_method", "The Stripe fake does not model manual capture.");
    }
    const apm = p.automatic_payment_methods;
    const id = newId("pi");
    const pi: PaymentIntent = {
      id,
      object: "payment_intent",
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods:
        typeof apm === "object" && !Array.isArray(apm)
          ? {
              enabled: getBool(apm, "enabled"),
              ...(typeof apm.allow_redirects === "string" ? { allow_redirects: apm.allow_redirects } : {}),
            }
          : { enabled: true },
      canceled_at: null,
      cancellation_reason: null,
      capture_method: getEnum(p, "capture_method", ["automatic", "automatic_async"]) ?? "automatic_async",
      client_secret: `${id}_secret_${randomBytes(12).toString("hex")}`,
      confirmation_method: "automatic",
      created: now(),
      currency,
      customer,
      description: getString(p, "description") ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: mergeMetadata(p),
      next_action: null,
      payment_method: paymentMethod ?? null,
      payment_method_types: ["card"],
      status: paymentMethod ? "requires_confirmation" : "requires_payment_method",
    };
    this.intents.set(id, pi);
    this.deps.events.emit("payment_intent.created", pi, c);
    if (confirm) return this.confirmIntent(pi, undefined, c, offSession);
    const { autoSucceedMs } = this.deps;
    if (autoSucceedMs !== undefined) {
      this.deps.timers.later(autoSucceedMs, () => {
        if (CONFIRMABLE.includes(pi.status)) this.completePayment(pi, pi.payment_method ?? "pm_card_visa", null);
      });
    }
    return pi;
  }

  /** POST /v1/payment_intents/:id. */
  update(c: Ctx): PaymentIntent {
    const pi = this.get(c.id);
    const p = c.params;
    // Stripe lets metadata/description change in any state, but amount, currency and payment method only before confirmation.
    for (const field of ["amount", "currency", "payment_method"] as const) {
      if (p[field] !== undefined && !CONFIRMABLE.includes(pi.status)) {
        throw unexpectedState(
          `This PaymentIntent's ${field} could not be updated because it has a status of ${pi.status}. ` +
            `You may only update the ${field} of a PaymentIntent with one of the following statuses: ${CONFIRMABLE.join(", ")}.`,
        );
      }
    }
    const paymentMethod = paymentMethodParam(p);
    const changes: Partial<PaymentIntent> = {
      amount: getInt(p, "amount", false) ?? pi.amount,
      currency: getCurrency(p, false) ?? pi.currency,
      customer: this.deps.customers.param(p) ?? pi.customer,
      description: getString(p, "description") ?? pi.description,
      metadata: mergeMetadata(p, pi.metadata),
      ...(paymentMethod ? { payment_method: paymentMethod, status: "requires_confirmation" } : {}),
    };
    return patch(pi, changes);
  }

  /** POST /v1/payment_intents/:id/confirm. */
  confirm(c: Ctx): PaymentIntent {
    return this.confirmIntent(this.get(c.id), paymentMethodParam(c.params), c, getBool(c.params, "off_session"));
  }

  /** POST /v1/payment_intents/:id/cancel. */
  cancel(c: Ctx): PaymentIntent {
    const pi = this.get(c.id);
    const reason = getEnum(c.params, "cancellation_reason", CANCELLATION_REASONS);
    if (!CANCELABLE.includes(pi.status)) {
      throw unexpectedState(
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. ` +
          `Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(", ")}.`,
      );
    }
    patch(pi, { status: "canceled", canceled_at: now(), cancellation_reason: reason ?? null });
    this.deps.events.emit("payment_intent.canceled", pi, c);
    return pi;
  }

  /** POST /_fake/payment_intents/:id/succeed: the customer paid. */
  succeed(id: string): PaymentIntent {
    const pi = this.get(id);
    if (!CONFIRMABLE.includes(pi.status)) {
      throw unexpectedState(`PaymentIntent ${id} has status ${pi.status} and cannot succeed.`);
    }
    return this.completePayment(pi, pi.payment_method ?? "pm_card_visa", null);
  }

  /** POST /_fake/payment_intents/:id/fail: the card was declined. */
  fail(id: string): PaymentIntent {
    const pi = this.get(id);
    if (!CONFIRMABLE.includes(pi.status)) {
      throw unexpectedState(`PaymentIntent ${id} has status ${pi.status} and cannot fail.`);
    }
    this.declinePayment(pi, "pm_card_chargeDeclined", GENERIC_DECLINE, null);
    return pi;
  }

  reset(): void {
    this.intents.clear();
  }

  private confirmIntent(
    pi: PaymentIntent,
    paymentMethod: string | undefined,
    c: Ctx | null,
    offSession = false,
  ): PaymentIntent {
    if (!CONFIRMABLE.includes(pi.status)) {
      throw unexpectedState(`You cannot confirm this PaymentIntent because it has a status of ${pi.status}.`);
    }
    const pm = paymentMethod ?? pi.payment_method;
    if (!pm) throw unexpectedState("You cannot confirm this PaymentIntent because it's missing a payment method.");
    if (requiresAuthentication(pm) && !offSession) {
      patch(pi, {
        status: "requires_action",
        payment_method: pm,
        next_action: { type: "use_stripe_sdk", use_stripe_sdk: { type: "three_d_secure_redirect" } },
      });
      this.deps.events.emit("payment_intent.requires_action", pi, c);
      return pi;
    }
    const decline = declineFor(pm);
    if (!decline) return this.completePayment(pi, pm, c);
    const error = this.declinePayment(pi, pm, decline, c);
    throw new ApiError(402, { ...error, payment_intent: snapshot(pi) });
  }

  /** The customer paid: a succeeded charge exists and the PI is succeeded with amount_received = amount. */
  private completePayment(pi: PaymentIntent, pm: string, c: Ctx | null): PaymentIntent {
    const charge = this.deps.charges.create(pi, pm, "succeeded");
    patch(pi, {
      status: "succeeded",
      amount_received: pi.amount,
      payment_method: charge.payment_method,
      latest_charge: charge.id,
      last_payment_error: null,
      next_action: null,
    });
    this.deps.events.emit("payment_intent.succeeded", pi, c);
    return pi;
  }

  /** A failed attempt leaves the PI in requires_payment_method with last_payment_error, like Stripe. */
  private declinePayment(pi: PaymentIntent, pm: string, decline: Decline, c: Ctx | null): ErrorBody {
    const charge = this.deps.charges.create(pi, pm, "failed");
    const error: ErrorBody = {
      type: "card_error",
      ...decline,
      charge: charge.id,
      doc_url: `https://stripe.com/docs/error-codes/${decline.code.replace(/_/g, "-")}`,
      payment_method: { id: charge.payment_method, object: "payment_method", type: "card" },
    };
    patch(pi, {
      status: "requires_payment_method",
      payment_method: null,
      latest_charge: charge.id,
      last_payment_error: error,
      next_action: null,
    });
    this.deps.events.emit("payment_intent.payment_failed", pi, c);
    return error;
  }
}
