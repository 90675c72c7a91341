import { z } from "@hono/zod-openapi";
import { isIsoDate } from "../../workers/domain/dates";
import { MAX_LATE_FEE_BPS } from "../../workers/domain/late-fees";
import { STRIPE_MAX_AMOUNT_ANY_CURRENCY } from "../../workers/domain/stripe-limits";
import { leases } from "../pg";
import { Money, MoneyView, Text } from "./common";

/** How much of an invoice a tenant may pay at once; the values are the table's own. */
const PartialPolicy = z.enum(leases.partialPolicy.enumValues).openapi({
  description:
    "allow_any: any amount; require_rent: at least the invoice's rent (or what is left of it); " +
    "require_balance: at least everything owed on the lease; blocked: no partial payments, only the invoice's whole outstanding amount",
});

/** Minor units of a fee; the lease's own bound (at most one period's rent) is checked against the lease (422). */
const FeeAmount = (description: string) =>
  z.number().int().positive().max(STRIPE_MAX_AMOUNT_ANY_CURRENCY).optional().openapi({ description });

export const LateFeeRuleBody = z
  .object({
    graceDays: z.number().int().min(0).max(60),
    kind: z.enum(["fixed", "percent", "daily"]),
    amount: FeeAmount(
      "fixed: the fee; daily: the fee per day late. At most one period's rent of the lease (and, daily, at most `cap`), else 422",
    ),
    percentBps: z
      .number()
      .int()
      .min(1)
      .max(MAX_LATE_FEE_BPS)
      .optional()
      .openapi({ description: "percent: basis points of the invoice's rent, at most 2000 (20 %)" }),
    cap: FeeAmount(
      "daily: the most the fees of one invoice add up to. At most one period's rent of the lease, else 422",
    ),
  })
  .strict()
  .refine((r) => r.kind !== "fixed" || r.amount !== undefined, { message: "fixed fees need amount", path: ["amount"] })
  .refine((r) => r.kind !== "percent" || r.percentBps !== undefined, {
    message: "percent fees need percentBps",
    path: ["percentBps"],
  })
  .refine((r) => r.kind !== "daily" || (r.amount !== undefined && r.cap !== undefined), {
    message: "daily fees need amount and cap",
    path: ["cap"],
  })
  .openapi("LateFeeRule");

export const Lease = z
  .object({
    id: z.string(),
    bookingId: z.string(),
    tenantId: z.string(),
    landlordId: z.string(),
    roomId: z.string(),
    propertyId: z.string(),
    startDate: z.string(),
    endDate: z.string().nullable(),
    rent: MoneyView,
    deposit: MoneyView,
    billingDay: z.number().int(),
    timezone: z.string(),
    lateFeeRule: z.object({
      graceDays: z.number(),
      kind: z.string(),
      amount: z.number().optional(),
      percentBps: z.number().optional(),
      cap: z.number().optional(),
    }),
    partialPolicy: PartialPolicy,
    status: z.enum(["active", "ended"]),
    autopay: z.boolean().openapi({ description: "a saved card is charged off-session when rent is due" }),
  })
  .openapi("Lease");

export const PaymentPolicyBody = z.object({ policy: PartialPolicy }).strict().openapi("PaymentPolicy");

/**
 * A Stripe PaymentMethod id. Checked here because the SDK puts it in a URL: an unpaired surrogate
 * makes it throw (URIError) before anything is sent, and anything else that is not an id is
 * refused by Stripe after a round trip.
 */
const PaymentMethodId = z
  .string()
  .regex(/^pm_[A-Za-z0-9_]{1,250}$/, "must be a Stripe PaymentMethod id: pm_ and 1–250 of A-Z a-z 0-9 _")
  .openapi({ example: "pm_card_visa" });

export const SavePaymentMethod = z.object({ paymentMethod: PaymentMethodId }).strict().openapi("SavePaymentMethod");

export const Invoice = z
  .object({
    id: z.string(),
    leaseId: z.string(),
    periodStart: z.string(),
    periodEnd: z.string(),
    dueDate: z.string(),
    rent: MoneyView,
    total: MoneyView,
    outstanding: MoneyView,
    status: z.enum(["open", "paid", "void"]).openapi({
      description: "void: the lease ended (notice, cancellation) before this period began; its charge is reversed",
    }),
    overdue: z.boolean(),
  })
  .openapi("Invoice");

export const PayInvoice = z
  .object({
    amount: Money,
    paymentMethod: PaymentMethodId,
  })
  .strict()
  .openapi("PayInvoice");

export const InvoicePayment = z
  .object({
    paymentId: z.string(),
    status: z.string(),
    clientSecret: z.string().optional().openapi({
      description: "present when status is requires_action: the client completes authentication with Stripe.js",
    }),
    amount: MoneyView,
    invoice: Invoice,
  })
  .openapi("InvoicePayment");

export const InvoicePaymentPending = z
  .object({
    status: z.literal("pending"),
    code: z.literal("payment_pending"),
    detail: z.string(),
    paymentId: z
      .string()
      .optional()
      .openapi({ description: "the PaymentIntent, when Stripe answered that it is still processing" }),
    amount: MoneyView,
    invoice: Invoice,
  })
  .openapi("InvoicePaymentPending", {
    description:
      "Sent to Stripe, outcome not known yet (a timeout, a dropped connection, a Stripe 5xx, or a payment still processing). " +
      "It is never reported as failed: the webhook or the reconciliation records it, and a retry with the same Idempotency-Key " +
      "asks Stripe again for the same PaymentIntent (never a second charge). Until then the amount counts as paid.",
  });

export const Statement = z
  .object({
    leaseId: z.string(),
    currency: z.string(),
    balance: z.number().int(),
    lines: z.array(
      z.object({
        postedAt: z.string(),
        kind: z.string(),
        description: z.string(),
        amount: z.number().int(),
        balance: z.number().int(),
      }),
    ),
  })
  .openapi("Statement");

export const Notice = z
  .object({ endDate: z.string().refine(isIsoDate, "must be YYYY-MM-DD").openapi({ example: "2027-08-31" }) })
  .strict()
  .openapi("Notice");

export const SettleDeposit = z
  .object({
    withheld: z
      .array(z.object({ reason: Text({ min: 3, max: 200 }), amount: z.number().int().positive() }).strict())
      .max(20),
  })
  .strict()
  .openapi("SettleDeposit");

export const DepositSettlement = z
  .object({
    leaseId: z.string(),
    held: z.number().int(),
    returned: z.number().int(),
    currency: z.string(),
    creditReturned: z
      .number()
      .int()
      .openapi({ description: "the tenant's remaining credit (paid ahead) refunded with the settlement" }),
    withheld: z.array(z.object({ reason: z.string(), amount: z.number().int() })),
  })
  .openapi("DepositSettlement");
