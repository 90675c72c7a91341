import { issueAccountToken, spendAccountToken, type Purpose } from "../data/account-tokens";
import { clearLoginFailures } from "../data/login-failures";
import { enforceRateLimit } from "../data/rate-limits";
import { liveFamilies, revokeFamiliesOf, revokeOwnFamily } from "../data/refresh-tokens";
import {
  changeEmail,
  findUser,
  findUserByEmail,
  updatePasswordHash,
  updateUser,
  type UserChanges,
  type UserRow,
} from "../data/users";
import { accountMail, type AccountMailKind } from "../domain/account-mail";
import { newId, randomToken, sha256Hex } from "../domain/ids";
import { hashPassword, verifyPassword } from "../domain/password";
import { passwordProblem } from "../domain/password-policy";
import type { AuthUser } from "../domain/tokens";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { log } from "../log";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** How long each emailed token works. */
export const TOKEN_TTL_MS: Record<Purpose, number> = {
  verify_email: 24 * HOUR,
  reset_password: 30 * MINUTE,
  change_email: 24 * HOUR,
};
const badToken = () => new AppError("invalid_token", "This link is not valid any more; ask for a new one.");

/** The account as its owner sees it. */
export function userView(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    phone: u.phone,
    locale: u.locale,
    timezone: u.timezone,
    emailVerified: u.emailVerifiedAt !== null,
    mfaEnabled: u.mfaEnabledAt !== null,
    createdAt: u.createdAt,
  };
}

export async function ownAccount(deps: Deps, caller: AuthUser): Promise<UserRow> {
  const user = await findUser(deps.db, caller.id);
  if (!user || user.deletedAt) throw new AppError("not_found", "This account no longer exists.");
  return user;
}

/** PATCH /v1/me: name, phone, locale, timezone (the role and the email are not changed here). */
export async function updateProfile(deps: Deps, caller: AuthUser, changes: UserChanges) {
  await ownAccount(deps, caller);
  return userView((await updateUser(deps.db, caller.id, changes))!);
}

/**
 * Sends an account email through the `EMAIL` binding, after the response where the request allows
 * (so a reset request answers in the same time whether or not the account exists). A failed send
 * is logged; the user can ask again.
 */
export async function sendAccountMail(deps: Deps, to: string, kind: AccountMailKind, token?: string): Promise<void> {
  const mail = accountMail(kind, deps.env.APP_URL, token);
  await later(
    deps,
    deps.env.EMAIL.send({ from: deps.env.EMAIL_FROM, to, ...mail }).then(
      () => undefined,
      (err: unknown) => log("warn", "account email not sent", { kind, err: String(err).slice(0, 300) }),
    ),
  );
}

/** Work that need not hold the response: handed to the request's waitUntil, or awaited where there is none. */
async function later(deps: Deps, work: Promise<unknown>): Promise<void> {
  if (deps.waitUntil) deps.waitUntil(work);
  else await work;
}

/** A fresh single-use token of `purpose` for the user (their earlier unused ones stop working). */
async function issueToken(deps: Deps, user: UserRow, purpose: Purpose, newEmail?: string): Promise<string> {
  const token = `${purpose === "reset_password" ? "rst" : "vfy"}_${randomToken()}`;
  const now = Date.now();
  await issueAccountToken(deps.db, {
    id: newId("atk", now),
    userId: user.id,
    purpose,
    tokenHash: await sha256Hex(token),
    newEmail: newEmail ?? null,
    expiresAt: new Date(now + TOKEN_TTL_MS[purpose]).toISOString(),
    createdAt: new Date(now).toISOString(),
  });
  return token;
}

// Verification

/** Emails a verification link, unless the address is verified already. */
export async function sendVerification(deps: Deps, user: UserRow): Promise<void> {
  if (user.emailVerifiedAt) return;
  await sendAccountMail(deps, user.email, "verify_email", await issueToken(deps, user, "verify_email"));
}

export async function resendVerification(deps: Deps, caller: AuthUser): Promise<void> {
  await enforceRateLimit(deps.env.REGISTER_LIMITER, [`verify:${caller.id}`]);
  const user = await ownAccount(deps, caller);
  if (user.emailVerifiedAt) throw new AppError("conflict", "This email is verified already.");
  await sendVerification(deps, user);
}

export async function verifyEmail(deps: Deps, token: string) {
  const now = new Date().toISOString();
  const row = await spendAccountToken(deps.db, await sha256Hex(token), "verify_email", now);
  if (!row) throw badToken();
  return userView((await updateUser(deps.db, row.userId, { emailVerifiedAt: now }))!);
}

/**
 * With `REQUIRE_EMAIL_VERIFICATION` on (production), an unverified landlord cannot publish and an
 * unverified tenant cannot pay: 409 `email_unverified`. Off (npm start's demo), it asks nothing.
 */
export async function requireVerifiedEmail(deps: Deps, caller: AuthUser, forWhat: string): Promise<void> {
  if (deps.env.REQUIRE_EMAIL_VERIFICATION !== "true") return;
  const user = await ownAccount(deps, caller);
  if (!user.emailVerifiedAt)
    throw new AppError("email_unverified", `Confirm your email address to ${forWhat} (see the link we sent you).`);
}

// Password

/**
 * Starts a reset. Answers the same, in the same time, whether or not the account exists: the
 * lookup, the token and the email all run after the response.
 */
export async function requestPasswordReset(deps: Deps, email: string, ip: string): Promise<void> {
  await enforceRateLimit(deps.env.REGISTER_LIMITER, [`reset:ip:${ip}`, `reset:email:${email}`]);
  await later(
    deps,
    (async () => {
      const user = await findUserByEmail(deps.db, email);
      if (!user || user.deletedAt) return;
      await sendAccountMail(deps, user.email, "reset_password", await issueToken(deps, user, "reset_password"));
    })().catch((err: unknown) => log("warn", "password reset not sent", { err: String(err).slice(0, 300) })),
  );
}

/** Sets the new password from a reset link and signs every session out. */
export async function confirmPasswordReset(deps: Deps, token: string, newPassword: string): Promise<void> {
  const now = new Date().toISOString();
  const row = await spendAccountToken(deps.db, await sha256Hex(token), "reset_password", now);
  if (!row) throw badToken();
  const user = await findUser(deps.db, row.userId);
  if (!user || user.deletedAt) throw badToken();
  await setPassword(deps, user, newPassword, "newPassword");
  await revokeFamiliesOf(deps.db, user.id, now);
  await clearLoginFailures(deps.db, user.id);
}

/** Changes the password with the current one, and signs every other session out. */
export async function changePassword(
  deps: Deps,
  caller: AuthUser,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const user = await ownAccount(deps, caller);
  await checkPassword(user, input.currentPassword);
  await setPassword(deps, user, input.newPassword, "newPassword");
  await revokeFamiliesOf(deps.db, user.id, new Date().toISOString(), caller.sid);
  await sendAccountMail(deps, user.email, "password_changed");
}

/** 403 unless `password` is the account's. */
export async function checkPassword(user: UserRow, password: string): Promise<void> {
  if (!(await verifyPassword(password, user.passwordHash)))
    throw new AppError("forbidden", "The password is wrong.", {
      errors: [{ path: "password", message: "is wrong" }],
    });
}

async function setPassword(deps: Deps, user: UserRow, password: string, path: string): Promise<void> {
  const why = passwordProblem(password, { email: user.email });
  if (why) throw new AppError("validation_failed", `The new password ${why}.`, { errors: [{ path, message: why }] });
  await updatePasswordHash(deps.db, user.id, await hashPassword(password));
}

// Email change

/**
 * Asks to move the account to `newEmail`: the new address gets a confirmation link, the old one is
 * told. Nothing changes until the link is used.
 */
export async function requestEmailChange(deps: Deps, caller: AuthUser, input: { newEmail: string; password: string }) {
  const user = await ownAccount(deps, caller);
  await checkPassword(user, input.password);
  if (input.newEmail === user.email) throw new AppError("conflict", "That is your email already.");
  if (await findUserByEmail(deps.db, input.newEmail))
    throw new AppError("email_taken", "An account with this email already exists.");
  const token = await issueToken(deps, user, "change_email", input.newEmail);
  await sendAccountMail(deps, input.newEmail, "change_email", token);
  await sendAccountMail(deps, user.email, "email_changed");
}

export async function confirmEmailChange(deps: Deps, token: string) {
  const now = new Date().toISOString();
  const row = await spendAccountToken(deps.db, await sha256Hex(token), "change_email", now);
  if (!row?.newEmail) throw badToken();
  if (!(await changeEmail(deps.db, row.userId, row.newEmail, now)))
    throw new AppError("email_taken", "An account with this email already exists.");
  return userView((await findUser(deps.db, row.userId))!);
}

// Sessions

/** The caller's live sessions, newest first; `current` marks the one this access token came from. */
export async function listSessions(deps: Deps, caller: AuthUser) {
  const rows = await liveFamilies(deps.db, caller.id);
  return {
    items: rows.map((f) => ({
      id: f.id,
      createdAt: f.createdAt,
      lastUsedAt: f.lastUsedAt ?? f.createdAt,
      userAgent: f.userAgent,
      place: f.place,
      current: f.id === caller.sid,
    })),
  };
}

export async function revokeSession(deps: Deps, caller: AuthUser, sessionId: string): Promise<void> {
  if (!(await revokeOwnFamily(deps.db, caller.id, sessionId, new Date().toISOString())))
    throw new AppError("not_found", "No such session.");
}

export async function revokeOtherSessions(deps: Deps, caller: AuthUser): Promise<{ revoked: number }> {
  return { revoked: await revokeFamiliesOf(deps.db, caller.id, new Date().toISOString(), caller.sid) };
}
