/** How much of an invoice a tenant may pay at once: the lease's partial-payment policy. */
export type PaymentPolicy = "allow_any" | "require_rent" | "require_balance" | "blocked";

/** What is owed where a tenant pays, with payments still in flight counted as paid. */
export interface Owed {
  /** Still owed on this invoice. */
  outstanding: number;
  /** The invoice's rent. */
  rent: number;
  /** Everything still owed on the lease. */
  leaseBalance: number;
  /** One period's rent of the lease: the most credit a payment may leave behind. */
  periodRent: number;
}

export type PaymentRefusal =
  { code: "nothing_owed" } | { code: "below_policy"; minimum: number } | { code: "amount_too_large"; maximum: number };

/**
 * Why the tenant may not pay `amount` here, or null when they may. Nothing is taken for an invoice
 * with nothing owed (a paid invoice is not a wallet), no less than the policy asks, and no more
 * than everything owed on the lease plus one period's rent: a payment ahead becomes credit for the
 * next invoice, but a mistyped amount (or a stolen card being tested) is not charged.
 */
export function paymentRefusal(policy: PaymentPolicy, amount: number, owed: Owed): PaymentRefusal | null {
  if (owed.outstanding <= 0) return { code: "nothing_owed" };
  const minimum = {
    allow_any: 1,
    require_rent: Math.min(owed.rent, owed.outstanding),
    require_balance: owed.leaseBalance,
    blocked: owed.outstanding,
  }[policy];
  if (amount < minimum) return { code: "below_policy", minimum };
  const maximum = Math.max(owed.leaseBalance, owed.outstanding) + owed.periodRent;
  if (amount > maximum) return { code: "amount_too_large", maximum };
  return null;
}
