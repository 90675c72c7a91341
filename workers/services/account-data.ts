import { anonymise, chatRoomsOf, EXPORT_ROWS, liveObligations, personalRows } from "../data/account-data";
import { listInvoices, openInvoices } from "../data/invoices";
import { listLeases } from "../data/leases";
import { withPg } from "../data/pg";
import { liveFamilies } from "../data/refresh-tokens";
import type { AuthUser } from "../domain/tokens";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { checkPassword, ownAccount, userView } from "./account";
import { messages, threads } from "./chat";
import { releaseReservations } from "./landlords";
import { verifySecondFactor } from "./mfa";

/** Chat rooms an export reads (each is one object call); the rooms a user has are far fewer. */
const EXPORT_CHAT_ROOMS = 50;

/**
 * Everything Roomline holds about the caller, as one JSON document: profile and sessions, bookings,
 * leases with their invoices (Postgres), reviews written, rental requests and offers, viewings,
 * chat messages (rooms booked, viewed, offered on, or owned), searches and views, saves,
 * notifications and notice choices. Secrets (password hash, TOTP secret, token hashes) are not in it.
 */
export async function exportAccount(deps: Deps, caller: AuthUser) {
  const user = await ownAccount(deps, caller);
  const [rows, sessions, money, chat] = await Promise.all([
    personalRows(deps.db, user.id),
    liveFamilies(deps.db, user.id),
    withPg(deps.env, async (db) => {
      const leases = await listLeases(db, user.id, null, EXPORT_ROWS);
      const invoices = (await Promise.all(leases.map((l) => listInvoices(db, l.id, null, EXPORT_ROWS)))).flat();
      return { leases, invoices };
    }),
    chatOf(deps, caller),
  ]);
  return {
    exportedAt: new Date().toISOString(),
    profile: userView(user),
    sessions: sessions.map((s) => ({
      id: s.id,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      userAgent: s.userAgent,
      place: s.place,
    })),
    ...rows,
    leases: money.leases,
    invoices: money.invoices,
    chat,
  };
}

async function chatOf(deps: Deps, caller: AuthUser) {
  const rooms = await chatRoomsOf(deps.db, caller.id, EXPORT_CHAT_ROOMS);
  const perRoom = await Promise.all(
    rooms.map(async (roomId) => {
      const list = await threads(deps, caller, roomId, { limit: 100, cursor: null }).catch(() => null);
      if (!list) return [];
      return Promise.all(
        list.items.map(async (t) => ({
          roomId,
          threadId: t.id,
          messages: (await messages(deps, caller, roomId, t.id, { limit: 100, before: null })).items,
        })),
      );
    }),
  );
  return perRoom.flat().filter((t) => t.messages.length > 0);
}

/**
 * Closes the caller's account (the password, and a code when two-factor is on). Refused with 409
 * `account_has_obligations` while a lease is active, money is owed on one either way, a booking is
 * live, or a landlord still has active properties. Otherwise personal data is erased or anonymised
 * in D1; the ledger and leases in Postgres keep their entries (accounting law), referring to an id
 * that no longer names anybody. The account cannot sign in again.
 */
export async function closeAccount(
  deps: Deps,
  caller: AuthUser,
  input: { password: string; code?: string; recoveryCode?: string },
): Promise<void> {
  const user = await ownAccount(deps, caller);
  await checkPassword(user, input.password);
  if (user.mfaEnabledAt && !(await verifySecondFactor(deps, user, input)))
    throw new AppError("forbidden", "Two-factor sign-in is on: give a current code.", {
      errors: [{ path: "code", message: "required and current" }],
    });
  const now = new Date();
  const [d1Ties, owed] = await Promise.all([
    liveObligations(deps.db, user.id, now.toISOString().slice(0, 10)),
    withPg(deps.env, async (db) => {
      const leases = await listLeases(db, user.id, null, EXPORT_ROWS);
      const active = leases.filter((l) => l.status === "active").length;
      const open = (await Promise.all(leases.map((l) => openInvoices(db, { leaseId: l.id })))).flat();
      return { activeLeases: active, openInvoices: open.filter((i) => i.outstanding > 0).length };
    }),
  ]);
  const ties = { ...d1Ties, ...owed };
  if (Object.values(ties).some((n) => n > 0))
    throw new AppError(
      "account_has_obligations",
      "The account still has an active lease, money owed, a live booking or active properties; settle them first.",
      { members: ties },
    );
  await releaseReservations(deps, await anonymise(deps.db, user.id, now.toISOString()));
}
