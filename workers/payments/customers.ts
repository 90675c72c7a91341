import Stripe from "stripe";
import { AppError } from "../errors";
import { stripeClient } from "./stripe";

/**
 * Creates a Stripe customer with the tenant's card attached and made its default
 * (`customers.create` attaches `payment_method`), once per lease and card. A card Stripe refuses
 * is a validation error on `paymentMethod`.
 */
export async function createCardCustomer(
  env: Env,
  input: { tenantId: string; leaseId: string; paymentMethod: string },
): Promise<Stripe.Customer> {
  const { tenantId, leaseId, paymentMethod } = input;
  return stripeClient(env)
    .customers.create(
      {
        payment_method: paymentMethod,
        invoice_settings: { default_payment_method: paymentMethod },
        metadata: { tenantId, leaseId },
      },
      { idempotencyKey: `lease-${leaseId}-customer-${paymentMethod}` },
    )
    .catch((err: unknown) => {
      if (err instanceof Stripe.errors.StripeInvalidRequestError)
        throw new AppError("validation_failed", err.message, {
          errors: [{ path: "paymentMethod", message: err.message }],
        });
      throw new AppError("payment_provider_error", "The payment provider could not be reached.", { cause: err });
    });
}
