/**
 * Stripe's largest amount for one charge, in the currency's minor units: "up to eight digits"
 * (99,999,999: 999,999.99 EUR, or ¥99,999,999 in zero-decimal JPY), twelve for IDR
 * (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). Amounts over it are
 * refused by Stripe, so the API refuses them first, as a 422 rather than a 502 after the call.
 */
const DEFAULT_MAX = 99_999_999;
const MAX_BY_CURRENCY: Readonly<Record<string, number>> = { IDR: 999_999_999_999 };

/** The most Stripe charges at once in `currency` (ISO 4217, upper case), in minor units. */
export function stripeMaxAmount(currency: string): number {
  return MAX_BY_CURRENCY[currency] ?? DEFAULT_MAX;
}

/** The largest per-currency maximum: the one bound a schema can state for every currency. */
export const STRIPE_MAX_AMOUNT_ANY_CURRENCY = Math.max(DEFAULT_MAX, ...Object.values(MAX_BY_CURRENCY));
