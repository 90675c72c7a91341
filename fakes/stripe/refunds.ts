/** Refunds: full or partial, against a PaymentIntent's latest charge or a named charge; a test can make one fail later. */
import type { Charges } from "./charges";
import { invalid, missing, paramError, throwError } from "./errors";
import type { Events } from "./events";
import { listPage, type ListPage } from "./lists";
import { newId, now, patch, type Metadata } from "./objects";
import { getEnum, getInt, getRange, getString, inRange, mergeMetadata, type Ctx, type ParamMap } from "./params";
import type { PaymentIntents } from "./payment-intents";

export interface Refund {
  id: string;
  object: "refund";
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Metadata;
  payment_intent: string;
  reason: string | null;
  status: "succeeded" | "failed";
  /** Set when the refund failed: why the card could not take the money back. */
  failure_reason: string | null;
}

/** Stripe's reasons for a refund that failed after it was accepted. */
const FAILURE_REASONS = [
  "lost_or_stolen_card",
  "expired_or_canceled_card",
  "charge_for_pending_refund_disputed",
  "insufficient_funds",
  "declined",
  "merchant_request",
  "unknown",
];

export class Refunds {
  private readonly refunds = new Map<string, Refund>();

  constructor(
    private readonly intents: PaymentIntents,
    private readonly charges: Charges,
    private readonly events: Events,
  ) {}

  /** POST /v1/refunds: succeeds at once, for at most what is left unrefunded on the charge. */
  create(c: Ctx): Refund {
    const p = c.params;
    const piId = getString(p, "payment_intent");
    const chargeId = getString(p, "charge");
    if (!piId && !chargeId) {
      const message = "One of the following params should be provided for this request: payment_intent or charge.";
      throw paramError("payment_intent", message, "parameter_missing");
    }
    const pi = piId ? this.intents.param(piId) : undefined;
    const charge = this.charges.find(chargeId ?? pi?.latest_charge ?? "");
    if (chargeId && !charge) throw missing("charge", chargeId, "charge", 400);
    if (!charge || !charge.captured) {
      throw invalid(`This PaymentIntent does not have a successful charge to refund.`, {
        param: piId ? "payment_intent" : "charge",
      });
    }
    const remaining = charge.amount_captured - charge.amount_refunded;
    if (remaining === 0) {
      throw invalid(`Charge ${charge.id} has already been refunded.`, {
        code: "charge_already_refunded",
        charge: charge.id,
      });
    }
    const amount = getInt(p, "amount", false) ?? remaining;
    if (amount > remaining) {
      throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, {
        code: "amount_too_large",
        param: "amount",
      });
    }
    const reason = getEnum(p, "reason", ["duplicate", "fraudulent", "requested_by_customer"]) ?? null;
    const refund: Refund = {
      id: newId("re"),
      object: "refund",
      amount,
      charge: charge.id,
      created: now(),
      currency: charge.currency,
      metadata: mergeMetadata(p),
      payment_intent: charge.payment_intent,
      reason,
      status: "succeeded",
      failure_reason: null,
    };
    this.refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    this.events.emit("charge.refunded", charge, c);
    this.events.emit("refund.created", refund, c);
    return refund;
  }

  /** GET /v1/refunds/:id. */
  get(id: string): Refund {
    return this.refunds.get(id) ?? throwError(missing("refund", id, "refund"));
  }

  /** Newest first, optionally for one PaymentIntent or charge and by `created`, paged, as Stripe lists them. */
  list(p: ParamMap): ListPage<Refund> {
    const pi = getString(p, "payment_intent");
    const charge = getString(p, "charge");
    const created = getRange(p, "created");
    const items = [...this.refunds.values()]
      .reverse()
      .filter(
        (r) => (!pi || r.payment_intent === pi) && (!charge || r.charge === charge) && inRange(r.created, created),
      );
    return listPage(items, p, "/v1/refunds", "refund");
  }

  /**
   * POST /_fake/refunds/:id/fail: the card could not take the money back (closed, lost), days after
   * the refund was accepted. As at Stripe, the amount returns to the charge (it is no longer
   * refunded) and `charge.refund.updated`, `refund.updated` and `refund.failed` are sent.
   */
  fail(c: Ctx): Refund {
    const refund = this.get(c.id);
    if (refund.status !== "succeeded")
      throw invalid(`Refund ${refund.id} has status ${refund.status} and cannot fail.`);
    const reason = getEnum(c.params, "failure_reason", FAILURE_REASONS) ?? "expired_or_canceled_card";
    patch(refund, { status: "failed", failure_reason: reason });
    const charge = this.charges.find(refund.charge);
    if (charge) {
      charge.amount_refunded -= refund.amount;
      charge.refunded = false;
    }
    for (const type of ["charge.refund.updated", "refund.updated", "refund.failed"]) this.events.emit(type, refund, c);
    return refund;
  }

  reset(): void {
    this.refunds.clear();
  }
}
