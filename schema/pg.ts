import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import type { LateFeeRule } from "../workers/domain/late-fees";

const money = (name: string) => bigint(name, { mode: "number" });
const instant = (name: string) => timestamp(name, { withTimezone: true });

/** Who did what to money and contracts; append-only. */
export const auditLog = pgTable("audit_log", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  actorId: text("actor_id"),
  action: text("action").notNull(),
  subject: text("subject").notNull(),
  detail: jsonb("detail").notNull().default({}),
  at: instant("at").notNull().defaultNow(),
});

/** Every Stripe webhook event, once (deduplicated by its `evt_` id), and when it was applied. */
export const stripeEvents = pgTable(
  "stripe_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    payload: jsonb("payload").notNull(),
    receivedAt: instant("received_at").notNull().defaultNow(),
    processedAt: instant("processed_at"),
  },
  (t) => [
    /** The reconciliation cron's candidates: events recorded and never applied, oldest first (a small set). */
    index("stripe_events_unprocessed")
      .on(t.receivedAt, t.id)
      .where(sql`${t.processedAt} IS NULL`),
  ],
);

export type { LateFeeRule };
export type PartialPolicy = "allow_any" | "require_rent" | "require_balance" | "blocked";

/** A monthly room's contract, born from a confirmed booking (one lease per booking). */
export const leases = pgTable(
  "leases",
  {
    id: text("id").primaryKey(),
    bookingId: text("booking_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    landlordId: text("landlord_id").notNull(),
    roomId: text("room_id").notNull(),
    propertyId: text("property_id").notNull(),
    startDate: date("start_date", { mode: "string" }).notNull(),
    /** Null while open-ended; set by notice. The last day of occupancy is the day before. */
    endDate: date("end_date", { mode: "string" }),
    rentAmount: money("rent_amount").notNull(),
    depositAmount: money("deposit_amount").notNull(),
    currency: text("currency").notNull(),
    /** Day of month the period starts (from the start date; short months bill on their last day). */
    billingDay: smallint("billing_day").notNull(),
    timezone: text("timezone").notNull(),
    lateFeeRule: jsonb("late_fee_rule").$type<LateFeeRule>().notNull(),
    partialPolicy: text("partial_policy", {
      enum: ["allow_any", "require_rent", "require_balance", "blocked"],
    }).notNull(),
    status: text("status", { enum: ["active", "ended"] })
      .notNull()
      .default("active"),
    stripeCustomerId: text("stripe_customer_id"),
    stripePaymentMethodId: text("stripe_payment_method_id"),
    createdAt: instant("created_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("leases_booking_unique").on(t.bookingId),
    index("leases_tenant").on(t.tenantId),
    index("leases_landlord").on(t.landlordId),
    index("leases_active").on(t.status),
    check("leases_money_positive", sql`${t.rentAmount} > 0 AND ${t.depositAmount} >= 0`),
  ],
);

/** One invoice per lease per period, whatever runs twice: the unique index is the guarantee. */
export const invoices = pgTable(
  "invoices",
  {
    id: text("id").primaryKey(),
    leaseId: text("lease_id")
      .notNull()
      .references(() => leases.id),
    periodStart: date("period_start", { mode: "string" }).notNull(),
    periodEnd: date("period_end", { mode: "string" }).notNull(),
    dueDate: date("due_date", { mode: "string" }).notNull(),
    rentAmount: money("rent_amount").notNull(),
    currency: text("currency").notNull(),
    issuedAt: instant("issued_at").notNull().defaultNow(),
    /** Set when notice ended the lease before this period began (or a cancellation unwound it); its posting is reversed. */
    voidedAt: instant("voided_at"),
    /**
     * The late-fee rule this invoice fell due under, kept when the landlord changes the lease's rule
     * after that day: a new rule never applies to rent already late. Null: the lease's rule applies.
     */
    lateFeeRule: jsonb("late_fee_rule").$type<LateFeeRule>(),
  },
  (t) => [
    // One live invoice per lease and period; a voided one may be replaced (notice cutting a period short).
    uniqueIndex("invoices_lease_period_live")
      .on(t.leaseId, t.periodStart)
      .where(sql`${t.voidedAt} IS NULL`),
    // The partial index serves only queries that say `voided_at IS NULL`; a lease's invoices are read by lease id too.
    index("invoices_lease").on(t.leaseId, t.periodStart),
    index("invoices_due").on(t.dueDate),
  ],
);

/** Things done once per invoice and step: a reminder, a late-fee step, an off-session charge attempt. */
export const invoiceActions = pgTable(
  "invoice_actions",
  {
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    kind: text("kind", { enum: ["reminder", "late_fee", "charge"] }).notNull(),
    step: integer("step").notNull(),
    amount: money("amount"),
    outcome: text("outcome"),
    at: instant("at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("invoice_actions_once").on(t.invoiceId, t.kind, t.step)],
);

/** Money received against an invoice (Stripe PaymentIntent), recorded once per PaymentIntent. */
export const payments = pgTable(
  "payments",
  {
    id: text("id").primaryKey(),
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    leaseId: text("lease_id")
      .notNull()
      .references(() => leases.id),
    amount: money("amount").notNull(),
    currency: text("currency").notNull(),
    paymentIntentId: text("payment_intent_id").notNull(),
    source: text("source", { enum: ["tenant", "off_session", "booking"] }).notNull(),
    createdAt: instant("created_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("payments_intent_unique").on(t.paymentIntentId)],
);

/**
 * A charge asked of Stripe for an invoice (a tenant paying, or the billing run's off-session
 * charge), written before the call. Its id is the Stripe idempotency key, so every retry reaches
 * the same PaymentIntent. While `pending` (the call is running, or timed out with the outcome
 * unknown) its amount counts as paid in every payment decision, so money that may have moved is
 * never asked for twice; the answer, the webhook or the reconciliation settles it.
 */
export const paymentAttempts = pgTable(
  "payment_attempts",
  {
    id: text("id").primaryKey(),
    leaseId: text("lease_id")
      .notNull()
      .references(() => leases.id),
    invoiceId: text("invoice_id")
      .notNull()
      .references(() => invoices.id),
    source: text("source", { enum: ["tenant", "off_session"] }).notNull(),
    amount: money("amount").notNull(),
    currency: text("currency").notNull(),
    paymentMethod: text("payment_method").notNull(),
    status: text("status", { enum: ["pending", "succeeded", "requires_action", "failed"] })
      .notNull()
      .default("pending"),
    paymentIntentId: text("payment_intent_id"),
    /** Why it failed, in Stripe's words (declines are answered the same way again). */
    outcome: text("outcome"),
    createdAt: instant("created_at").notNull().defaultNow(),
    updatedAt: instant("updated_at").notNull().defaultNow(),
  },
  (t) => [
    /** What is in flight on a lease (every payment decision reads it), and the reconciliation's candidates. */
    index("payment_attempts_pending")
      .on(t.leaseId)
      .where(sql`${t.status} = 'pending'`),
    index("payment_attempts_pending_since")
      .on(t.createdAt)
      .where(sql`${t.status} = 'pending'`),
    index("payment_attempts_intent").on(t.paymentIntentId),
    check("payment_attempts_amount_positive", sql`${t.amount} > 0`),
  ],
);

export const ledgerAccounts = pgTable("ledger_accounts", {
  id: text("id").primaryKey(),
  kind: text("kind", {
    enum: ["tenant_receivable", "landlord_payable", "platform_fees", "deposits_held", "cash_at_stripe"],
  }).notNull(),
  /** The lease whose sub-ledger this is; null for platform-wide accounts. */
  leaseId: text("lease_id"),
  currency: text("currency").notNull(),
});

/**
 * A balanced set of entries. `reference` makes posting idempotent: the same business fact
 * (invoice, payment, fee step, refund) can be posted only once. Corrections reverse, never edit.
 */
export const ledgerTransactions = pgTable(
  "ledger_transactions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    kind: text("kind").notNull(),
    reference: text("reference").notNull(),
    leaseId: text("lease_id"),
    description: text("description").notNull(),
    reversesId: bigint("reverses_id", { mode: "number" }),
    postedAt: instant("posted_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("ledger_transactions_reference").on(t.reference),
    index("ledger_transactions_lease").on(t.leaseId),
  ],
);

/** Signed amounts: debits positive, credits negative; each transaction sums to zero per currency. */
export const ledgerEntries = pgTable(
  "ledger_entries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    transactionId: bigint("transaction_id", { mode: "number" })
      .notNull()
      .references(() => ledgerTransactions.id),
    accountId: text("account_id")
      .notNull()
      .references(() => ledgerAccounts.id),
    amount: money("amount").notNull(),
    currency: text("currency").notNull(),
  },
  (t) => [index("ledger_entries_account").on(t.accountId), index("ledger_entries_transaction").on(t.transactionId)],
);

/** One row per billing run, keyed by the trigger's scheduled time, for replay and audit. */
export const billingRuns = pgTable("billing_runs", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  scheduledFor: instant("scheduled_for").notNull(),
  startedAt: instant("started_at").notNull().defaultNow(),
  finishedAt: instant("finished_at"),
  invoicesCreated: integer("invoices_created").notNull().default(0),
  feesApplied: integer("fees_applied").notNull().default(0),
  remindersSent: integer("reminders_sent").notNull().default(0),
  chargesAttempted: integer("charges_attempted").notNull().default(0),
  leasesEnded: integer("leases_ended").notNull().default(0),
});
