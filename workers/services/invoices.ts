import type { Deps } from "../deps";
import { findInvoice, listInvoices, openInvoices, type InvoiceRow, type OpenInvoice } from "../data/invoices";
import type { LeaseRow, PartialPolicy } from "../data/leases";
import { recordInvoicePayment } from "../data/payments";
import { withPg, type PgDb } from "../data/pg";
import { toPage } from "../domain/cursor";
import { addDays, todayIn } from "../domain/dates";
import type { AuthUser } from "../domain/tokens";
import { AppError } from "../errors";
import { chargeTenantCard } from "../payments/rent-charges";
import { visibleLease } from "./leases";

/**
 * The tenant pays all or part of an invoice, within the lease's partial-payment policy. The card
 * is charged through Stripe at once; the webhook for the same PaymentIntent changes nothing more.
 */
export async function payInvoice(deps: Deps, tenant: AuthUser, invoiceId: string, input: { amount: number; currency: string; paymentMethod: string }, paymentId: string) {
  return withPg(deps.env, async (db) => {
    const invoice = await visibleInvoice(db, tenant, invoiceId);
    if (invoice.lease.tenantId !== tenant.id) throw new AppError("not_found", "No such invoice.");
    if (invoice.voidedAt) throw new AppError("conflict", "This invoice is void: the lease ended before its period.");
    if (input.currency !== invoice.currency) throw new AppError("validation_failed", `Pay in ${invoice.currency}.`, { errors: [{ path: "amount.currency", message: `must be ${invoice.currency}` }] });
    const open = await openInvoices(db, { leaseId: invoice.leaseId });
    const outstanding = open.find((o) => o.id === invoice.id)?.outstanding ?? 0;
    const leaseBalance = open.reduce((s, o) => s + o.outstanding, 0);
    checkPolicy(invoice.lease.partialPolicy, input.amount, { outstanding, rent: invoice.rentAmount, leaseBalance });
    const pi = await chargeTenantCard(deps.env, {
      invoiceId: invoice.id, leaseId: invoice.leaseId, tenantId: tenant.id, amount: input.amount, currency: invoice.currency, paymentMethod: input.paymentMethod,
    }, paymentId);
    if (pi.status === "succeeded") await recordInvoicePayment(db, invoice, pi.id, pi.amount_received, "tenant");
    // A card that needs authentication (3-D Secure) is finished by the client with Stripe.js,
    // which needs the client secret; the webhook then records the payment.
    const clientSecret = pi.status === "requires_action" && pi.client_secret ? { clientSecret: pi.client_secret } : {};
    return {
      paymentId: pi.id, status: pi.status, ...clientSecret, amount: { amount: input.amount, currency: invoice.currency },
      invoice: invoiceView(invoice, await openInvoices(db, { leaseId: invoice.leaseId })),
    };
  });
}

/** Refuses a payment below what the lease's partial-payment policy asks for here. */
function checkPolicy(policy: PartialPolicy, amount: number, due: { outstanding: number; rent: number; leaseBalance: number }): void {
  if (due.outstanding === 0 && policy !== "allow_any") throw new AppError("conflict", "This invoice is already paid.");
  const minimum = { allow_any: 1, require_rent: Math.min(due.rent, due.outstanding), require_balance: due.leaseBalance, blocked: due.outstanding }[policy];
  if (amount < minimum) {
    throw new AppError("validation_failed", `This lease's policy (${policy}) needs at least ${minimum} here.`, { errors: [{ path: "amount.amount", message: `must be ≥ ${minimum}` }] });
  }
}

/** A page of a lease's invoices, to its tenant or its landlord. */
export async function listLeaseInvoices(deps: Deps, user: AuthUser, leaseId: string, q: { limit: number; cursor: string | null }) {
  return withPg(deps.env, async (db) => {
    const lease = await visibleLease(db, user, leaseId);
    const page = toPage(await listInvoices(db, leaseId, q.cursor, q.limit), q.limit);
    const open = await openInvoices(db, { leaseId });
    return { items: page.items.map((i) => invoiceView({ ...i, lease }, open)), nextCursor: page.nextCursor };
  });
}

/** An invoice, to its lease's tenant or landlord. */
export async function getInvoice(deps: Deps, user: AuthUser, id: string) {
  return withPg(deps.env, async (db) => {
    const invoice = await visibleInvoice(db, user, id);
    return invoiceView(invoice, await openInvoices(db, { leaseId: invoice.leaseId }));
  });
}

/** The invoice with its lease if `user` is the lease's tenant or landlord; to anyone else it does not exist. */
async function visibleInvoice(db: PgDb, user: AuthUser, id: string) {
  const invoice = await findInvoice(db, id);
  if (!invoice || (invoice.lease.tenantId !== user.id && invoice.lease.landlordId !== user.id)) throw new AppError("not_found", "No such invoice.");
  return invoice;
}

/** An invoice with what is still owed on it, from its lease's open-invoice allocation. */
function invoiceView(invoice: InvoiceRow & { lease: LeaseRow }, leaseOpen: OpenInvoice[]) {
  const open = leaseOpen.find((o) => o.id === invoice.id);
  const charge = open?.charge ?? invoice.rentAmount;
  const outstanding = open?.outstanding ?? 0;
  return {
    id: invoice.id, leaseId: invoice.leaseId, periodStart: invoice.periodStart, periodEnd: invoice.periodEnd, dueDate: invoice.dueDate,
    rent: { amount: invoice.rentAmount, currency: invoice.currency }, total: { amount: charge, currency: invoice.currency },
    outstanding: { amount: outstanding, currency: invoice.currency }, status: invoice.voidedAt ? "void" as const : outstanding === 0 ? "paid" as const : "open" as const,
    overdue: outstanding > 0 && addDays(invoice.dueDate, invoice.lease.lateFeeRule.graceDays) < todayIn(invoice.lease.timezone),
  };
}
