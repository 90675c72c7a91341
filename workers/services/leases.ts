import { eq } from "drizzle-orm";
import Stripe from "stripe";
import { invoices, leases, type LateFeeRule, type PartialPolicy } from "../../schema/pg";
import type { Deps } from "../deps";
import { findBooking } from "../data/bookings";
import { findRoom } from "../data/catalog";
import type { D1Db } from "../data/db";
import { accountBalance, accountLines, findTransaction, openLeaseAccounts, post } from "../data/ledger";
import { findInvoice, findLease, findLeaseByBooking, copyInvoiceActions, insertPayment, lockLease, paymentsOf, voidInvoiceSpanning, voidInvoicesFrom, listInvoices, listLeases as queryLeases, openInvoices, type InvoiceRow, type LeaseRow, type OpenInvoice } from "../data/leases";
import { withPg, type PgDb } from "../data/pg";
import { toPage } from "../domain/cursor";
import { addDays, todayIn } from "../domain/dates";
import { type Posting, accountId, depositHeldPosting, depositReturnPosting, depositWithheldPosting, invoicePosting, paymentPosting, refundPosting, reversalOf } from "../domain/ledger";
import { newId } from "../domain/ids";
import { fullPeriodEnd, periodRent, periodStart } from "../domain/periods";
import type { AuthUser } from "../domain/tokens";
import { cursorParam } from "../http/cursor";
import { AppError } from "../http/errors";
import { liveRefunds, refundedFor } from "../payments/refunds";
import { stripeClient } from "../payments/stripe";

export const DEFAULT_LATE_FEE: LateFeeRule = { graceDays: 5, kind: "percent", percentBps: 500 };
export const DEFAULT_PARTIAL_POLICY: PartialPolicy = "allow_any";

/**
 * A confirmed booking of a monthly room becomes a lease, once per booking. The booking's payment
 * already covered the deposit and the first month: the first invoice is issued and paid, and the
 * deposit is held, in the same Postgres transaction as the lease itself.
 */
export async function createLeaseFromBooking(env: Env, d1: D1Db, bookingId: string, paymentIntentId: string | null): Promise<LeaseRow | null> {
  const booking = await findBooking(d1, bookingId);
  if (!booking) throw new Error(`booking ${bookingId} not in the read model yet`);
  const found = await findRoom(d1, booking.roomId);
  if (!found || found.room.rentalMode !== "monthly") return null;
  const { room, property } = found;
  // The terms the tenant paid for at the hold, not the room's price now (rows from before the snapshot fall back to it).
  const rent = booking.rentAmount ?? room.priceAmount * booking.units;
  const deposit = booking.depositAmount ?? room.depositAmount;
  const lease: typeof leases.$inferInsert = {
    id: newId("lse"), bookingId, tenantId: booking.tenantId, landlordId: booking.landlordId, roomId: room.id, propertyId: property.id,
    startDate: booking.startDate, endDate: booking.endDate, rentAmount: rent, depositAmount: deposit, currency: booking.currency,
    billingDay: Number(booking.startDate.slice(8, 10)), timezone: property.timezone, lateFeeRule: DEFAULT_LATE_FEE, partialPolicy: DEFAULT_PARTIAL_POLICY,
  };
  return withPg(env, (db) => db.transaction(async (tx) => {
    const [created] = await tx.insert(leases).values(lease).onConflictDoNothing({ target: leases.bookingId }).returning();
    if (!created) return (await findLeaseByBooking(tx, bookingId)) ?? null;
    await openLeaseAccounts(tx, created.id, created.currency);
    const terms = { startDate: created.startDate, billingDay: created.billingDay, endDate: created.endDate };
    const [first] = await tx.insert(invoices).values({
      id: newId("inv"), leaseId: created.id, periodStart: created.startDate, periodEnd: minDate(periodStart(terms, 1), created.endDate),
      dueDate: created.startDate, rentAmount: rent, currency: created.currency,
    }).returning();
    const postings = [invoicePosting(created.id, first!.id, rent, created.currency, `${first!.periodStart}…${first!.periodEnd}`)];
    if (paymentIntentId) {
      await insertPayment(tx, { id: newId("pay"), invoiceId: first!.id, leaseId: created.id, amount: rent, currency: created.currency, paymentIntentId, source: "booking" });
      postings.push(paymentPosting(created.id, paymentIntentId, rent, created.currency, "First month, paid with the booking"));
      if (created.depositAmount > 0) postings.push(depositHeldPosting(created.id, created.depositAmount, created.currency));
    }
    await post(tx, postings);
    return created;
  }));
}

/**
 * A cancelled booking whose lease exists: the first invoice is reversed, and what was refunded
 * goes back out of cash (rent first, then the deposit). The lease ends.
 */
export async function unwindLeaseOnCancel(env: Env, bookingId: string, refundedAmount: number): Promise<void> {
  await withPg(env, (db) => db.transaction(async (tx) => {
    const lease = await findLeaseByBooking(tx, bookingId);
    if (!lease) return;
    await tx.update(leases).set({ status: "ended", endDate: lease.startDate }).where(eq(leases.id, lease.id));
    if (refundedAmount <= 0) return;
    const postings = [];
    await voidInvoices(tx, await voidInvoicesFrom(tx, lease.id, lease.startDate));
    const rentBack = Math.min(refundedAmount, lease.rentAmount);
    if (rentBack > 0) postings.push(refundPosting(lease.id, `${bookingId}:rent`, rentBack, lease.currency, "Booking cancelled: rent refunded"));
    const depositBack = Math.min(refundedAmount - rentBack, lease.depositAmount);
    if (depositBack > 0) postings.push(depositReturnPosting(lease.id, depositBack, lease.currency));
    await post(tx, postings);
  }));
}

/** A refund Stripe refused or could not be asked for: the settlement is abandoned, nothing posted. */
function refundFailed(what: string) {
  return (err: unknown): never => { throw new AppError("payment_provider_error", `${what} could not be refunded; nothing was settled.`, { cause: err }); };
}

/** Refunds `returned` of a deposit once; a refund already at Stripe for this lease must be the same amount. */
async function refundDeposit(env: Env, leaseId: string, paymentIntentId: string, held: number, returned: number): Promise<void> {
  const failed = refundFailed("The deposit");
  const already = await refundedFor(env, paymentIntentId, { leaseId, purpose: "deposit" }).catch(failed);
  if (already !== null && already !== returned) {
    throw new AppError("conflict", `${already} of the deposit was already refunded at Stripe; settle with deductions totalling ${held - already}.`);
  }
  if (already !== null || returned === 0) return;
  await stripeClient(env).refunds.create(
    { payment_intent: paymentIntentId, amount: returned, metadata: { leaseId, purpose: "deposit" } },
    { idempotencyKey: `lease-${leaseId}-deposit-return-${returned}` },
  ).catch(failed);
}

/**
 * Refunds a tenant's remaining credit to the cards that paid the lease, newest payment first, and
 * returns the postings. A refund an earlier attempt made before losing its commit (found at Stripe
 * by metadata) is posted instead of made again; one already posted is not counted twice.
 */
async function returnCredit(env: Env, tx: PgDb, lease: LeaseRow, credit: number): Promise<{ returned: number; postings: Posting[] }> {
  const stripe = stripeClient(env);
  const failed = refundFailed("The tenant's credit");
  const postings: Posting[] = [];
  let left = credit;
  for (const { paymentIntentId } of await paymentsOf(tx, lease.id)) {
    if (left <= 0) break;
    const reference = `credit:${paymentIntentId}`;
    if (await findTransaction(tx, `refund:${reference}`)) continue;
    const refunds = await liveRefunds(env, paymentIntentId).catch(failed);
    const earlier = refunds.find((r) => r.metadata?.leaseId === lease.id && r.metadata?.purpose === "credit");
    let amount = earlier?.amount ?? 0;
    if (!earlier) {
      const pi = await stripe.paymentIntents.retrieve(paymentIntentId).catch(failed);
      amount = Math.min(left, pi.amount_received - refunds.reduce((sum, r) => sum + r.amount, 0));
      if (amount <= 0) continue;
      await stripe.refunds.create(
        { payment_intent: paymentIntentId, amount, metadata: { leaseId: lease.id, purpose: "credit" } },
        { idempotencyKey: `lease-${lease.id}-credit-${paymentIntentId}-${amount}` },
      ).catch(failed);
    }
    postings.push(refundPosting(lease.id, reference, amount, lease.currency, "Credit returned at lease end"));
    left -= amount;
  }
  return { returned: credit - left, postings };
}

/** Reverses the ledger posting of each invoice just voided (the reversal is unique per invoice, so a repeat posts nothing). */
async function voidInvoices(tx: PgDb, voided: InvoiceRow[]): Promise<void> {
  const postings = [];
  for (const invoice of voided) {
    const original = await findTransaction(tx, `invoice:${invoice.id}`);
    if (original) postings.push(reversalOf(original));
  }
  if (postings.length) await post(tx, postings);
}

/** Records money received for an invoice, once per PaymentIntent, with its ledger posting. */
export async function recordInvoicePayment(db: PgDb, invoice: Pick<InvoiceRow, "id" | "leaseId" | "currency">, paymentIntentId: string, amount: number, source: "tenant" | "off_session"): Promise<void> {
  await db.transaction(async (tx) => {
    const fresh = await insertPayment(tx, { id: newId("pay"), invoiceId: invoice.id, leaseId: invoice.leaseId, amount, currency: invoice.currency, paymentIntentId, source });
    if (fresh) await post(tx, [paymentPosting(invoice.leaseId, paymentIntentId, amount, invoice.currency, `Payment for ${invoice.id}`)]);
  });
}

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
    const pi = await stripeClient(deps.env).paymentIntents.create({
      amount: input.amount, currency: invoice.currency.toLowerCase(), payment_method: input.paymentMethod, confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
      metadata: { kind: "rent", invoiceId: invoice.id, leaseId: invoice.leaseId, tenantId: tenant.id },
    }, { idempotencyKey: `invoice-payment-${paymentId}` }).catch((err: unknown) => {
      if (err instanceof Stripe.errors.StripeCardError) throw new AppError("payment_declined", err.message);
      throw new AppError("payment_provider_error", "The payment provider could not be reached; nothing was charged.", { cause: err });
    });
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

function checkPolicy(policy: PartialPolicy, amount: number, due: { outstanding: number; rent: number; leaseBalance: number }): void {
  if (due.outstanding === 0 && policy !== "allow_any") throw new AppError("conflict", "This invoice is already paid.");
  const minimum = { allow_any: 1, require_rent: Math.min(due.rent, due.outstanding), require_balance: due.leaseBalance, blocked: due.outstanding }[policy];
  if (amount < minimum) {
    throw new AppError("validation_failed", `This lease's policy (${policy}) needs at least ${minimum} here.`, { errors: [{ path: "amount.amount", message: `must be ≥ ${minimum}` }] });
  }
}

/**
 * The tenant saves a card for automatic rent: a Stripe customer is created with the card attached
 * (`customers.create` attaches `payment_method`), and the billing run charges it off-session.
 */
export async function savePaymentMethod(deps: Deps, tenant: AuthUser, leaseId: string, paymentMethod: string) {
  return withPg(deps.env, async (db) => {
    const lease = await findLease(db, leaseId);
    if (!lease || lease.tenantId !== tenant.id) throw new AppError("not_found", "No such lease.");
    const customer = await stripeClient(deps.env).customers.create(
      { payment_method: paymentMethod, invoice_settings: { default_payment_method: paymentMethod }, metadata: { tenantId: tenant.id, leaseId } },
      { idempotencyKey: `lease-${leaseId}-customer-${paymentMethod}` },
    ).catch((err: unknown) => {
      if (err instanceof Stripe.errors.StripeInvalidRequestError) throw new AppError("validation_failed", err.message, { errors: [{ path: "paymentMethod", message: err.message }] });
      throw new AppError("payment_provider_error", "The payment provider could not be reached.", { cause: err });
    });
    const [updated] = await db.update(leases).set({ stripeCustomerId: customer.id, stripePaymentMethodId: paymentMethod }).where(eq(leases.id, leaseId)).returning();
    return leaseView(updated!);
  });
}

/** The landlord sets the late-fee rule; the billing job applies it from its next run. */
export async function setLateFeeRule(deps: Deps, landlord: AuthUser, leaseId: string, rule: LateFeeRule) {
  return updateTerms(deps, landlord, leaseId, { lateFeeRule: rule });
}

/**
 * The landlord sets the partial-payment policy; it governs the tenant's next payment. Arrears of
 * an ended lease stay payable under the policy it ended with.
 */
export async function setPaymentPolicy(deps: Deps, landlord: AuthUser, leaseId: string, policy: PartialPolicy) {
  return updateTerms(deps, landlord, leaseId, { partialPolicy: policy });
}

/** A term only the lease's own landlord may change; to anyone else the lease does not exist. */
async function updateTerms(deps: Deps, landlord: AuthUser, leaseId: string, terms: Partial<Pick<LeaseRow, "lateFeeRule" | "partialPolicy">>) {
  return withPg(deps.env, async (db) => {
    const lease = await findLease(db, leaseId);
    if (!lease || lease.landlordId !== landlord.id) throw new AppError("not_found", "No such lease.");
    const [updated] = await db.update(leases).set(terms).where(eq(leases.id, leaseId)).returning();
    return leaseView(updated!);
  });
}

/**
 * Notice: the lease ends on `endDate` (exclusive). The room's calendar frees the days from then
 * on at once; the landlord's contract is returned by the billing job when the day comes.
 */
export async function giveNotice(deps: Deps, user: AuthUser, leaseId: string, endDate: string) {
  return withPg(deps.env, async (db) => {
    await visibleLease(db, user, leaseId);
    const updated = await db.transaction(async (tx) => {
      // Checked against the locked row: two notices at once (or a billing run) apply one after the other.
      const lease = (await lockLease(tx, leaseId))!;
      if (lease.status !== "active") throw new AppError("conflict", "The lease has already ended.");
      const today = todayIn(lease.timezone);
      if (endDate <= today || endDate <= lease.startDate) throw new AppError("validation_failed", "The end date must be after today and the start.", { errors: [{ path: "endDate", message: "must be in the future" }] });
      if (lease.endDate && endDate > lease.endDate) throw new AppError("validation_failed", "Notice can only bring the end forward.", { errors: [{ path: "endDate", message: `must be ≤ ${lease.endDate}` }] });
      const [row] = await tx.update(leases).set({ endDate }).where(eq(leases.id, leaseId)).returning();
      // Rent is invoiced a week ahead: a period that now starts after the lease ends was never owed,
      // and the period the end cuts short is billed again for its days only.
      await voidInvoices(tx, await voidInvoicesFrom(tx, leaseId, endDate));
      const [cut] = await voidInvoiceSpanning(tx, leaseId, endDate);
      if (cut) {
        await voidInvoices(tx, [cut]);
        const fullEnd = fullPeriodEnd({ startDate: lease.startDate, billingDay: lease.billingDay, endDate: null }, cut.periodStart);
        const rent = periodRent(lease.rentAmount, { start: cut.periodStart, end: endDate, fullEnd });
        const [replacement] = await tx.insert(invoices).values({
          id: newId("inv"), leaseId, periodStart: cut.periodStart, periodEnd: endDate, dueDate: cut.dueDate, rentAmount: rent, currency: cut.currency,
        }).returning();
        await post(tx, [invoicePosting(leaseId, replacement!.id, rent, cut.currency, `${cut.periodStart}…${endDate} (ends early)`)]);
        // Late fees and charge attempts already made stay with the period: never charged twice.
        await copyInvoiceActions(tx, cut.id, replacement!.id);
      }
      return row!;
    });
    // The calendar follows the committed end; shortening is idempotent, so a retried notice finishes it.
    await deps.env.ROOM_CALENDAR.getByName(updated.roomId).shorten(updated.bookingId, endDate);
    return leaseView(updated);
  });
}

/**
 * At the end of a lease the deposit is returned, less itemised deductions that go to the
 * landlord, and any credit the tenant still has (paid ahead, or for a period notice voided) goes
 * back too. Each part is refunded to the card that paid it.
 */
export async function settleDeposit(deps: Deps, landlord: AuthUser, leaseId: string, withheld: { reason: string; amount: number }[]) {
  return withPg(deps.env, async (db) => db.transaction(async (tx) => {
    // The row lock makes a second settlement wait for the first and then see nothing held:
    // without it both would read the same balance and both post.
    const lease = await lockLease(tx, leaseId);
    if (!lease || lease.landlordId !== landlord.id) throw new AppError("not_found", "No such lease.");
    if (lease.status !== "ended") throw new AppError("conflict", "The deposit is settled after the lease ends.");
    const held = -(await accountBalance(tx, accountId("deposits_held", { leaseId, currency: lease.currency })));
    const credit = Math.max(0, -(await accountBalance(tx, accountId("tenant_receivable", { leaseId, currency: lease.currency }))));
    if (held <= 0 && credit <= 0) throw new AppError("conflict", "Nothing is held for this lease: it was settled or returned already.");
    const deducted = withheld.reduce((s, w) => s + w.amount, 0);
    if (deducted > held) throw new AppError("validation_failed", `Deductions exceed the ${held} held.`, { errors: [{ path: "withheld", message: "more than the deposit" }] });
    const returned = held - deducted;
    // The refund goes out before the books say so, inside the lock: if Stripe fails nothing is
    // posted and the landlord can retry. If an earlier attempt refunded and then lost its commit,
    // that refund is found at Stripe and the books follow it; another amount is refused.
    const paymentIntentId = (await findBooking(deps.db, lease.bookingId))?.paymentIntentId;
    if (paymentIntentId && held > 0) await refundDeposit(deps.env, leaseId, paymentIntentId, held, returned);
    const postings = withheld.map((w, i) => depositWithheldPosting(leaseId, i, w.amount, lease.currency, w.reason));
    if (returned > 0) postings.push(depositReturnPosting(leaseId, returned, lease.currency));
    const creditBack = credit > 0 ? await returnCredit(deps.env, tx, lease, credit) : { returned: 0, postings: [] };
    await post(tx, [...postings, ...creditBack.postings]);
    const creditReturned = creditBack.returned;
    return { leaseId, held: Math.max(0, held), withheld, returned: Math.max(0, returned), creditReturned, currency: lease.currency };
  }));
}


export async function getLease(deps: Deps, user: AuthUser, id: string) {
  return withPg(deps.env, async (db) => leaseView(await visibleLease(db, user, id)));
}

export async function listLeases(deps: Deps, user: AuthUser, q: { limit: number; cursor?: string }) {
  return withPg(deps.env, async (db) => {
    const page = toPage(await queryLeases(db, user.id, cursorParam(q.cursor), q.limit), q.limit);
    return { items: page.items.map(leaseView), nextCursor: page.nextCursor };
  });
}

export async function listLeaseInvoices(deps: Deps, user: AuthUser, leaseId: string, q: { limit: number; cursor?: string }) {
  return withPg(deps.env, async (db) => {
    const lease = await visibleLease(db, user, leaseId);
    const page = toPage(await listInvoices(db, leaseId, cursorParam(q.cursor), q.limit), q.limit);
    const open = await openInvoices(db, { leaseId });
    return { items: page.items.map((i) => invoiceView({ ...i, lease }, open)), nextCursor: page.nextCursor };
  });
}

export async function getInvoice(deps: Deps, user: AuthUser, id: string) {
  return withPg(deps.env, async (db) => {
    const invoice = await visibleInvoice(db, user, id);
    return invoiceView(invoice, await openInvoices(db, { leaseId: invoice.leaseId }));
  });
}

/** The tenant's ledger for a lease: every line with the running balance (positive: owed). */
export async function statement(deps: Deps, user: AuthUser, leaseId: string) {
  return withPg(deps.env, async (db) => {
    const lease = await visibleLease(db, user, leaseId);
    const lines = await accountLines(db, accountId("tenant_receivable", { leaseId, currency: lease.currency }));
    return {
      leaseId, currency: lease.currency,
      lines: lines.map((l) => ({ postedAt: l.postedAt, kind: l.kind, description: l.description, amount: l.amount, balance: l.balance })),
      balance: lines.at(-1)?.balance ?? 0,
    };
  });
}

async function visibleLease(db: PgDb, user: AuthUser, id: string): Promise<LeaseRow> {
  const lease = await findLease(db, id);
  if (!lease || (lease.tenantId !== user.id && lease.landlordId !== user.id)) throw new AppError("not_found", "No such lease.");
  return lease;
}

async function visibleInvoice(db: PgDb, user: AuthUser, id: string) {
  const invoice = await findInvoice(db, id);
  if (!invoice || (invoice.lease.tenantId !== user.id && invoice.lease.landlordId !== user.id)) throw new AppError("not_found", "No such invoice.");
  return invoice;
}


const minDate = (a: string, b: string | null) => (b !== null && b < a ? b : a);

export function leaseView(l: LeaseRow) {
  return {
    id: l.id, bookingId: l.bookingId, tenantId: l.tenantId, landlordId: l.landlordId, roomId: l.roomId, propertyId: l.propertyId,
    startDate: l.startDate, endDate: l.endDate, rent: { amount: l.rentAmount, currency: l.currency }, deposit: { amount: l.depositAmount, currency: l.currency },
    billingDay: l.billingDay, timezone: l.timezone, lateFeeRule: l.lateFeeRule, partialPolicy: l.partialPolicy, status: l.status,
    autopay: l.stripePaymentMethodId !== null,
  };
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
