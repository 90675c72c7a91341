/** Charges: one per payment attempt on a PaymentIntent, succeeded or failed; refunds draw on them. */
import { missing, throwError } from "./errors";
import { newId, now, type Metadata } from "./objects";
import type { PaymentIntent } from "./payment-intents";

export interface Charge {
  id: string;
  object: "charge";
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  created: number;
  currency: string;
  customer: string | null;
  failure_code: string | null;
  livemode: false;
  metadata: Metadata;
  paid: boolean;
  payment_intent: string;
  payment_method: string;
  refunded: boolean;
  status: "succeeded" | "failed";
}

export class Charges {
  private readonly charges = new Map<string, Charge>();

  /** Records an attempt to charge `pi` to `pm`. */
  create(pi: PaymentIntent, pm: string, status: "succeeded" | "failed"): Charge {
    const paid = status === "succeeded";
    const charge: Charge = {
      id: newId("ch"),
      object: "charge",
      amount: pi.amount,
      amount_captured: paid ? pi.amount : 0,
      amount_refunded: 0,
      captured: paid,
      created: now(),
      currency: pi.currency,
      customer: pi.customer,
      failure_code: paid ? null : "card_declined",
      livemode: false,
      metadata: { ...pi.metadata },
      paid,
      payment_intent: pi.id,
      refunded: false,
      status,
      // Test tokens like pm_card_visa become a fresh PaymentMethod id on real Stripe.
      payment_method: pm.startsWith("pm_card_") ? newId("pm") : pm,
    };
    this.charges.set(charge.id, charge);
    return charge;
  }

  /** GET /v1/charges/:id. */
  get(id: string): Charge {
    return this.charges.get(id) ?? throwError(missing("charge", id, "id"));
  }

  find(id: string): Charge | undefined {
    return this.charges.get(id);
  }

  reset(): void {
    this.charges.clear();
  }
}
