/**
 * The chart of accounts and the shape of every posting. Debits are positive, credits negative;
 * each posting's entries sum to zero (the database checks it again at commit).
 */
export type AccountKind =
  "tenant_receivable" | "landlord_payable" | "deposits_held" | "platform_fees" | "cash_at_stripe";

/** The id of a lease's account, or of the platform's account in a currency. */
export function accountId(kind: AccountKind, scope: { leaseId?: string; currency: string }): string {
  return kind === "platform_fees" || kind === "cash_at_stripe"
    ? `platform:${scope.currency}:${kind}`
    : `lease:${scope.leaseId}:${kind}`;
}

export interface Entry {
  accountId: string;
  amount: number;
}
export interface Posting {
  kind: string;
  reference: string;
  leaseId: string;
  currency: string;
  description: string;
  entries: Entry[];
  reversesId?: number;
}

/** Platform commission on rent, in basis points. */
export const PLATFORM_FEE_BPS = 300;

/** The platform's fee on `rent`, rounded down so the landlord never gets less than the rest. */
export function platformFee(rent: number): number {
  return Math.floor((rent * PLATFORM_FEE_BPS) / 10_000);
}

const acct = (kind: AccountKind, leaseId: string, currency: string) => accountId(kind, { leaseId, currency });

/** Rent invoiced: the tenant owes it; the landlord is owed it less the platform's fee. */
export function invoicePosting(
  leaseId: string,
  invoiceId: string,
  rent: number,
  currency: string,
  period: string,
): Posting {
  const fee = platformFee(rent);
  return {
    kind: "invoice",
    reference: `invoice:${invoiceId}`,
    leaseId,
    currency,
    description: `Rent ${period}`,
    entries: [
      { accountId: acct("tenant_receivable", leaseId, currency), amount: rent },
      { accountId: acct("landlord_payable", leaseId, currency), amount: -(rent - fee) },
      { accountId: acct("platform_fees", leaseId, currency), amount: -fee },
    ],
  };
}

/** Money received at Stripe against the tenant's balance (overpayment leaves a credit). */
export function paymentPosting(
  leaseId: string,
  paymentIntentId: string,
  amount: number,
  currency: string,
  description: string,
): Posting {
  return {
    kind: "payment",
    reference: `payment:${paymentIntentId}`,
    leaseId,
    currency,
    description,
    entries: [
      { accountId: acct("cash_at_stripe", leaseId, currency), amount },
      { accountId: acct("tenant_receivable", leaseId, currency), amount: -amount },
    ],
  };
}

/** A late fee charged: the tenant owes it, and all of it goes to the landlord. */
export function lateFeePosting(
  leaseId: string,
  invoiceId: string,
  step: number,
  amount: number,
  currency: string,
): Posting {
  return {
    kind: "late_fee",
    reference: `late_fee:${invoiceId}:${step}`,
    leaseId,
    currency,
    description: `Late fee (step ${step})`,
    entries: [
      { accountId: acct("tenant_receivable", leaseId, currency), amount },
      { accountId: acct("landlord_payable", leaseId, currency), amount: -amount },
    ],
  };
}

/** The deposit is the tenant's money we hold: a liability until it is returned or withheld. */
export function depositHeldPosting(leaseId: string, amount: number, currency: string): Posting {
  return {
    kind: "deposit_held",
    reference: `deposit:${leaseId}`,
    leaseId,
    currency,
    description: "Deposit received",
    entries: [
      { accountId: acct("cash_at_stripe", leaseId, currency), amount },
      { accountId: acct("deposits_held", leaseId, currency), amount: -amount },
    ],
  };
}

/** The deposit (or part of it) paid back to the tenant's card. */
export function depositReturnPosting(leaseId: string, amount: number, currency: string): Posting {
  return {
    kind: "deposit_returned",
    reference: `deposit_return:${leaseId}`,
    leaseId,
    currency,
    description: "Deposit returned",
    entries: [
      { accountId: acct("deposits_held", leaseId, currency), amount },
      { accountId: acct("cash_at_stripe", leaseId, currency), amount: -amount },
    ],
  };
}

/** One itemised deduction from the deposit, paid to the landlord. */
export function depositWithheldPosting(
  leaseId: string,
  index: number,
  amount: number,
  currency: string,
  reason: string,
): Posting {
  return {
    kind: "deposit_withheld",
    reference: `deposit_withheld:${leaseId}:${index}`,
    leaseId,
    currency,
    description: `Deposit withheld: ${reason}`,
    entries: [
      { accountId: acct("deposits_held", leaseId, currency), amount },
      { accountId: acct("landlord_payable", leaseId, currency), amount: -amount },
    ],
  };
}

/** Money sent back to the tenant's card: their balance goes up by what left our account. */
export function refundPosting(
  leaseId: string,
  refundRef: string,
  amount: number,
  currency: string,
  description: string,
): Posting {
  return {
    kind: "refund",
    reference: `refund:${refundRef}`,
    leaseId,
    currency,
    description,
    entries: [
      { accountId: acct("tenant_receivable", leaseId, currency), amount },
      { accountId: acct("cash_at_stripe", leaseId, currency), amount: -amount },
    ],
  };
}

/** A correction: the same entries with their signs flipped, pointing at what it reverses. */
export function reversalOf(original: {
  id: number;
  reference: string;
  leaseId: string;
  currency: string;
  description: string;
  entries: Entry[];
}): Posting {
  return {
    kind: "reversal",
    reference: `reversal:${original.reference}`,
    leaseId: original.leaseId,
    currency: original.currency,
    description: `Reversal: ${original.description}`,
    reversesId: original.id,
    entries: original.entries.map((e) => ({ accountId: e.accountId, amount: -e.amount })),
  };
}
