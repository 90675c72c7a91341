/**
 * PaymentMethods are not stored: any `pm_` id is accepted, and Stripe's documented test
 * PaymentMethods decide how a payment with them ends.
 */
import { missing } from "./errors";
import { getString, type ParamMap } from "./params";

export interface Decline {
  code: string;
  decline_code?: string;
  message: string;
}

export const GENERIC_DECLINE: Decline = {
  code: "card_declined",
  decline_code: "generic_decline",
  message: "Your card was declined.",
};
// Stripe's documented test PaymentMethods that decline; any other pm_ succeeds.
const DECLINES: Record<string, Decline | undefined> = {
  pm_card_chargeDeclined: GENERIC_DECLINE,
  pm_card_chargeDeclinedInsufficientFunds: {
    code: "card_declined",
    decline_code: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
  pm_card_chargeDeclinedExpiredCard: { code: "expired_card", message: "Your card has expired." },
};
// Stripe's test PaymentMethods whose issuer asks for 3-D Secure: on-session the PI waits in
// requires_action for the customer; off-session it fails with authentication_required.
const AUTHENTICATION_REQUIRED = new Set(["pm_card_authenticationRequired", "pm_card_threeDSecure2Required"]);
const AUTHENTICATION_DECLINE: Decline = {
  code: "authentication_required",
  decline_code: "authentication_required",
  message: "Your card was declined. This transaction requires authentication.",
};

/** The `payment_method` param: anything but a `pm_` id is an unknown PaymentMethod. */
export function paymentMethodParam(p: ParamMap): string | undefined {
  const id = getString(p, "payment_method");
  if (id !== undefined && !id.startsWith("pm_")) throw missing("PaymentMethod", id, "payment_method", 400);
  return id;
}

/** Whether the issuer of `pm` asks for 3-D Secure. */
export function requiresAuthentication(pm: string): boolean {
  return AUTHENTICATION_REQUIRED.has(pm);
}

/** How a charge to `pm` is declined (off-session, for the 3-D Secure ones), or undefined when it succeeds. */
export function declineFor(pm: string): Decline | undefined {
  return AUTHENTICATION_REQUIRED.has(pm) ? AUTHENTICATION_DECLINE : DECLINES[pm];
}
