import Stripe from "stripe";
import { AppError } from "../errors";
import { stripeClient } from "./stripe";

export interface SavedCardCharge { invoiceId: string; leaseId: string; amount: number; currency: string; customerId: string; paymentMethodId: string }
export interface TenantCharge { invoiceId: string; leaseId: string; tenantId: string; amount: number; currency: string; paymentMethod: string }

/**
 * Charges a tenant's saved card off-session for an invoice. The idempotency key is the invoice
 * and the attempt (`step`), so a billing run that repeats never charges twice.
 */
export async function chargeSavedCard(env: Env, charge: SavedCardCharge, step: number): Promise<Stripe.PaymentIntent> {
  return stripeClient(env).paymentIntents.create({
    amount: charge.amount, currency: charge.currency.toLowerCase(), customer: charge.customerId, payment_method: charge.paymentMethodId,
    off_session: true, confirm: true, metadata: { kind: "rent", invoiceId: charge.invoiceId, leaseId: charge.leaseId },
  }, { idempotencyKey: `invoice-${charge.invoiceId}-charge-${step}` });
}

/**
 * Charges the card a tenant paying an invoice gave, at once, once per payment id. A declined card
 * is the tenant's to fix (402); anything else from Stripe means nothing was charged (502).
 */
export async function chargeTenantCard(env: Env, charge: TenantCharge, paymentId: string): Promise<Stripe.PaymentIntent> {
  return stripeClient(env).paymentIntents.create({
    amount: charge.amount, currency: charge.currency.toLowerCase(), payment_method: charge.paymentMethod, confirm: true,
    automatic_payment_methods: { enabled: true, allow_redirects: "never" },
    metadata: { kind: "rent", invoiceId: charge.invoiceId, leaseId: charge.leaseId, tenantId: charge.tenantId },
  }, { idempotencyKey: `invoice-payment-${paymentId}` }).catch((err: unknown) => {
    if (err instanceof Stripe.errors.StripeCardError) throw new AppError("payment_declined", err.message);
    throw new AppError("payment_provider_error", "The payment provider could not be reached; nothing was charged.", { cause: err });
  });
}
