import type { Deps } from "../deps";
import { findBooking, type BookingRow } from "../data/bookings";
import { findRoom, type PropertyRow, type RoomRow } from "../data/catalog";
import type { D1Db } from "../data/d1";
import { copyInvoiceActions } from "../data/invoice-actions";
import {
  insertInvoice,
  keepLateFeeRule,
  voidInvoiceSpanning,
  voidInvoicesFrom,
  type InvoiceRow,
} from "../data/invoices";
import { accountLines, findTransaction, openLeaseAccounts, post } from "../data/ledger";
import {
  findLease,
  findLeaseByBooking,
  insertLease,
  listLeases as queryLeases,
  lockLease,
  updateLease,
  type LeaseRow,
  type NewLease,
  type PartialPolicy,
} from "../data/leases";
import { insertPayment } from "../data/payments";
import { withPg, type PgDb } from "../data/pg";
import { enforceRateLimit } from "../data/rate-limits";
import { toPage } from "../domain/cursor";
import { todayIn } from "../domain/dates";
import { newId } from "../domain/ids";
import { lateFeeRuleProblems, type LateFeeRule } from "../domain/late-fees";
import {
  accountId,
  depositHeldPosting,
  depositReturnPosting,
  invoicePosting,
  paymentPosting,
  refundPosting,
  reversalOf,
} from "../domain/ledger";
import { fullPeriodEnd, periodRent, periodStart } from "../domain/periods";
import type { AuthUser } from "../domain/tokens";
import { AppError } from "../errors";
import { createCardCustomer } from "../payments/customers";

/** The late-fee rule a new lease starts with, until its landlord sets another: 5 % of rent after 5 days. */
export const DEFAULT_LATE_FEE: LateFeeRule = { graceDays: 5, kind: "percent", percentBps: 500 };
/** The partial-payment policy a new lease starts with. */
export const DEFAULT_PARTIAL_POLICY: PartialPolicy = "allow_any";

/**
 * A confirmed booking of a monthly room becomes a lease, once per booking. The booking's payment
 * already covered the deposit and the first month: the first invoice is issued and paid, and the
 * deposit is held, in the same Postgres transaction as the lease itself.
 */
export async function createLeaseFromBooking(
  env: Env,
  d1: D1Db,
  bookingId: string,
  paymentIntentId: string | null,
): Promise<LeaseRow | null> {
  const booking = await findBooking(d1, bookingId);
  if (!booking) throw new Error(`booking ${bookingId} not in the read model yet`);
  const found = await findRoom(d1, booking.roomId);
  if (!found || found.room.rentalMode !== "monthly") return null;
  const lease = leaseOf(booking, found.room, found.property);
  return withPg(env, (db) =>
    db.transaction(async (tx) => {
      const created = await insertLease(tx, lease);
      if (!created) return (await findLeaseByBooking(tx, bookingId)) ?? null;
      await openLeaseAccounts(tx, created.id, created.currency);
      await post(tx, await firstMonth(tx, created, paymentIntentId));
      return created;
    }),
  );
}

/** The lease a booking becomes, on the terms the tenant paid for at the hold, not the room's price now. */
function leaseOf(booking: BookingRow, room: RoomRow, property: PropertyRow): NewLease {
  // Rows from before the booking kept its terms fall back to the room's.
  const rent = booking.rentAmount ?? room.priceAmount * booking.units;
  const deposit = booking.depositAmount ?? room.depositAmount;
  return {
    id: newId("lse"),
    bookingId: booking.id,
    tenantId: booking.tenantId,
    landlordId: booking.landlordId,
    roomId: room.id,
    propertyId: property.id,
    startDate: booking.startDate,
    endDate: booking.endDate,
    rentAmount: rent,
    depositAmount: deposit,
    currency: booking.currency,
    billingDay: Number(booking.startDate.slice(8, 10)),
    timezone: property.timezone,
    lateFeeRule: DEFAULT_LATE_FEE,
    partialPolicy: DEFAULT_PARTIAL_POLICY,
  };
}

/** Issues a new lease's first invoice and, when the booking was paid, records that payment and the deposit held; returns the postings. */
async function firstMonth(tx: PgDb, lease: LeaseRow, paymentIntentId: string | null) {
  const terms = { startDate: lease.startDate, billingDay: lease.billingDay, endDate: lease.endDate };
  const rent = lease.rentAmount;
  const first = await insertInvoice(tx, {
    id: newId("inv"),
    leaseId: lease.id,
    periodStart: lease.startDate,
    periodEnd: minDate(periodStart(terms, 1), lease.endDate),
    dueDate: lease.startDate,
    rentAmount: rent,
    currency: lease.currency,
  });
  const postings = [
    invoicePosting(lease.id, first.id, rent, lease.currency, `${first.periodStart}…${first.periodEnd}`),
  ];
  if (!paymentIntentId) return postings;
  await insertPayment(tx, {
    id: newId("pay"),
    invoiceId: first.id,
    leaseId: lease.id,
    amount: rent,
    currency: lease.currency,
    paymentIntentId,
    source: "booking",
  });
  postings.push(paymentPosting(lease.id, paymentIntentId, rent, lease.currency, "First month, paid with the booking"));
  if (lease.depositAmount > 0) postings.push(depositHeldPosting(lease.id, lease.depositAmount, lease.currency));
  return postings;
}

/**
 * A cancelled booking whose lease exists: the first invoice is reversed, and what was refunded
 * goes back out of cash (rent first, then the deposit). The lease ends.
 */
export async function unwindLeaseOnCancel(env: Env, bookingId: string, refundedAmount: number): Promise<void> {
  await withPg(env, (db) =>
    db.transaction(async (tx) => {
      const lease = await findLeaseByBooking(tx, bookingId);
      if (!lease) return;
      await updateLease(tx, lease.id, { status: "ended", endDate: lease.startDate });
      if (refundedAmount <= 0) return;
      const postings = [];
      await voidInvoices(tx, await voidInvoicesFrom(tx, lease.id, lease.startDate));
      const rentBack = Math.min(refundedAmount, lease.rentAmount);
      if (rentBack > 0)
        postings.push(
          refundPosting(lease.id, `${bookingId}:rent`, rentBack, lease.currency, "Booking cancelled: rent refunded"),
        );
      const depositBack = Math.min(refundedAmount - rentBack, lease.depositAmount);
      if (depositBack > 0) postings.push(depositReturnPosting(lease.id, depositBack, lease.currency));
      await post(tx, postings);
    }),
  );
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

/**
 * The tenant saves a card for automatic rent: a Stripe customer is created with the card attached,
 * and the billing run charges it off-session.
 */
export async function savePaymentMethod(deps: Deps, tenant: AuthUser, leaseId: string, paymentMethod: string) {
  // Attaching a card verifies it at Stripe: without a limit, a free way to test stolen cards.
  await enforceRateLimit(deps.env.CARD_LIMITER, [`tenant:${tenant.id}`]);
  return withPg(deps.env, async (db) => {
    const lease = await findLease(db, leaseId);
    if (!lease || lease.tenantId !== tenant.id) throw new AppError("not_found", "No such lease.");
    const customer = await createCardCustomer(deps.env, { tenantId: tenant.id, leaseId, paymentMethod });
    const updated = await updateLease(db, leaseId, {
      stripeCustomerId: customer.id,
      stripePaymentMethodId: paymentMethod,
    });
    return leaseView(updated!);
  });
}

/**
 * The landlord sets the late-fee rule, bounded by the lease's rent (`lateFeeRuleProblems`, 422).
 * The billing job applies it from its next run to rent that falls due from today on: invoices
 * already past their due date keep the rule they fell due under, in the same transaction, so a
 * rule is never applied to rent that was late before it existed.
 */
export async function setLateFeeRule(deps: Deps, landlord: AuthUser, leaseId: string, rule: LateFeeRule) {
  return withPg(deps.env, (db) =>
    db.transaction(async (tx) => {
      const lease = await lockLease(tx, leaseId);
      if (!lease || lease.landlordId !== landlord.id) throw new AppError("not_found", "No such lease.");
      const problems = lateFeeRuleProblems(rule, lease.rentAmount);
      if (problems.length > 0)
        throw new AppError("validation_failed", "The late fee is out of bounds for this lease.", { errors: problems });
      await keepLateFeeRule(tx, leaseId, lease.lateFeeRule, todayIn(lease.timezone));
      return leaseView((await updateLease(tx, leaseId, { lateFeeRule: rule }))!);
    }),
  );
}

/**
 * The landlord sets the partial-payment policy; it governs the tenant's next payment. Arrears of
 * an ended lease stay payable under the policy it ended with.
 */
export async function setPaymentPolicy(deps: Deps, landlord: AuthUser, leaseId: string, policy: PartialPolicy) {
  return updateTerms(deps, landlord, leaseId, { partialPolicy: policy });
}

/** A term only the lease's own landlord may change; to anyone else the lease does not exist. */
async function updateTerms(
  deps: Deps,
  landlord: AuthUser,
  leaseId: string,
  terms: Partial<Pick<LeaseRow, "partialPolicy">>,
) {
  return withPg(deps.env, async (db) => {
    const lease = await findLease(db, leaseId);
    if (!lease || lease.landlordId !== landlord.id) throw new AppError("not_found", "No such lease.");
    return leaseView((await updateLease(db, leaseId, terms))!);
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
      checkNotice(lease, endDate);
      const row = await updateLease(tx, leaseId, { endDate });
      // Rent is invoiced a week ahead: a period that now starts after the lease ends was never owed,
      // and the period the end cuts short is billed again for its days only.
      await voidInvoices(tx, await voidInvoicesFrom(tx, leaseId, endDate));
      const [cut] = await voidInvoiceSpanning(tx, leaseId, endDate);
      if (cut) await rebillCutPeriod(tx, lease, cut, endDate);
      return row!;
    });
    // The calendar follows the committed end; shortening is idempotent, so a retried notice finishes it.
    await deps.env.ROOM_CALENDAR.getByName(updated.roomId).shorten(updated.bookingId, endDate);
    return leaseView(updated);
  });
}

/** A notice needs a running lease and can only bring its end forward, to a day after today and the start. */
function checkNotice(lease: LeaseRow, endDate: string): void {
  if (lease.status !== "active") throw new AppError("conflict", "The lease has already ended.");
  const today = todayIn(lease.timezone);
  if (endDate <= today || endDate <= lease.startDate)
    throw new AppError("validation_failed", "The end date must be after today and the start.", {
      errors: [{ path: "endDate", message: "must be in the future" }],
    });
  if (lease.endDate && endDate > lease.endDate)
    throw new AppError("validation_failed", "Notice can only bring the end forward.", {
      errors: [{ path: "endDate", message: `must be ≤ ${lease.endDate}` }],
    });
}

/** Reverses the invoice a notice cut short and issues one for the days up to `endDate` instead. */
async function rebillCutPeriod(tx: PgDb, lease: LeaseRow, cut: InvoiceRow, endDate: string): Promise<void> {
  await voidInvoices(tx, [cut]);
  const fullEnd = fullPeriodEnd(
    { startDate: lease.startDate, billingDay: lease.billingDay, endDate: null },
    cut.periodStart,
  );
  const rent = periodRent(lease.rentAmount, { start: cut.periodStart, end: endDate, fullEnd });
  const replacement = await insertInvoice(tx, {
    id: newId("inv"),
    leaseId: lease.id,
    periodStart: cut.periodStart,
    periodEnd: endDate,
    dueDate: cut.dueDate,
    rentAmount: rent,
    currency: cut.currency,
    lateFeeRule: cut.lateFeeRule,
  });
  await post(tx, [
    invoicePosting(lease.id, replacement.id, rent, cut.currency, `${cut.periodStart}…${endDate} (ends early)`),
  ]);
  // Late fees and charge attempts already made stay with the period: never charged twice.
  await copyInvoiceActions(tx, cut.id, replacement.id);
}

/** A lease, to its tenant or its landlord. */
export async function getLease(deps: Deps, user: AuthUser, id: string) {
  return withPg(deps.env, async (db) => leaseView(await visibleLease(db, user, id)));
}

/** A page of the caller's leases, as tenant or landlord, newest first. */
export async function listLeases(deps: Deps, user: AuthUser, q: { limit: number; cursor: string | null }) {
  return withPg(deps.env, async (db) => {
    const page = toPage(await queryLeases(db, user.id, q.cursor, q.limit), q.limit);
    return { items: page.items.map(leaseView), nextCursor: page.nextCursor };
  });
}

/** The tenant's ledger for a lease: every line with the running balance (positive: owed). */
export async function statement(deps: Deps, user: AuthUser, leaseId: string) {
  return withPg(deps.env, async (db) => {
    const lease = await visibleLease(db, user, leaseId);
    const lines = await accountLines(db, accountId("tenant_receivable", { leaseId, currency: lease.currency }));
    return {
      leaseId,
      currency: lease.currency,
      lines: lines.map((l) => ({
        postedAt: l.postedAt,
        kind: l.kind,
        description: l.description,
        amount: l.amount,
        balance: l.balance,
      })),
      balance: lines.at(-1)?.balance ?? 0,
    };
  });
}

/** The lease if `user` is its tenant or landlord; to anyone else it does not exist. */
export async function visibleLease(db: PgDb, user: AuthUser, id: string): Promise<LeaseRow> {
  const lease = await findLease(db, id);
  if (!lease || (lease.tenantId !== user.id && lease.landlordId !== user.id))
    throw new AppError("not_found", "No such lease.");
  return lease;
}

const minDate = (a: string, b: string | null) => (b !== null && b < a ? b : a);

/** A lease as the API shows it. */
export function leaseView(l: LeaseRow) {
  return {
    id: l.id,
    bookingId: l.bookingId,
    tenantId: l.tenantId,
    landlordId: l.landlordId,
    roomId: l.roomId,
    propertyId: l.propertyId,
    startDate: l.startDate,
    endDate: l.endDate,
    rent: { amount: l.rentAmount, currency: l.currency },
    deposit: { amount: l.depositAmount, currency: l.currency },
    billingDay: l.billingDay,
    timezone: l.timezone,
    lateFeeRule: l.lateFeeRule,
    partialPolicy: l.partialPolicy,
    status: l.status,
    autopay: l.stripePaymentMethodId !== null,
  };
}
