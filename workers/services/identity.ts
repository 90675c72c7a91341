import type { z } from "zod";
import type { Login, Register, Session, User } from "../../schema/api/auth";
import type { Deps } from "../deps";
import {
  findRefreshToken,
  claimRefreshToken,
  insertFamilyWithToken,
  insertRefreshToken,
  revokeFamily,
  touchFamily,
} from "../data/refresh-tokens";
import {
  clearLoginFailures,
  countLoginFailure,
  findLoginFailures,
  slowLogins,
  type LoginFailureRow,
} from "../data/login-failures";
import { findUser, findUserByEmail, insertUser, updatePasswordHash, type UserRow } from "../data/users";
import { newId, randomToken, sha256Hex } from "../domain/ids";
import { hashPassword, needsRehash, verifyPassword } from "../domain/password";
import { ACCESS_TOKEN_TTL_SECONDS, loadKeyRing, signAccessToken, tokenSettings, type AuthUser } from "../domain/tokens";
import { AppError } from "../errors";
import { enforceRateLimit } from "../data/rate-limits";
import { sendAccountMail, sendVerification, userView } from "./account";
import { completeChallenge, openChallenge, type ClientFacts } from "./mfa";

type SessionView = z.infer<typeof Session>;
const REFRESH_TTL_MS = 30 * 24 * 3600 * 1000;
/** Verified against when the email is unknown, so both failures take the same time. */
let decoyHash: Promise<string> | undefined;

/** Failed sign-ins of one account within this window, past the threshold, slow its sign-ins down. */
export const LOCKOUT = { threshold: 10, windowMs: 15 * 60_000, firstDelayMs: 1000, maxDelayMs: 15 * 60_000 } as const;

/** Creates an account, emails the verification link, and signs it in. */
export async function register(
  deps: Deps,
  input: z.infer<typeof Register>,
  ip: string,
  client: ClientFacts = NO_CLIENT,
): Promise<SessionView> {
  await enforceRateLimit(deps.env.REGISTER_LIMITER, [`ip:${ip}`, `email:${input.email}`]);
  const user = await insertUser(deps.db, {
    id: newId("usr"),
    email: input.email,
    name: input.name,
    role: input.role,
    passwordHash: await hashPassword(input.password),
  });
  if (!user) throw new AppError("email_taken", "An account with this email already exists.");
  await sendVerification(deps, user);
  return openSession(deps, user, undefined, client);
}

const NO_CLIENT: ClientFacts = { userAgent: null, place: null };

/**
 * Checks credentials; unknown email and wrong password answer identically. An account past
 * LOCKOUT.threshold failures in the window waits (doubling, capped) before any password is tried
 * again, across every address; its owner is emailed once per window. With two-factor on, a right
 * password answers 401 `mfa_required` with a challenge for `POST /v1/auth/mfa`.
 */
export async function login(
  deps: Deps,
  input: z.infer<typeof Login>,
  ip: string,
  client: ClientFacts = NO_CLIENT,
): Promise<SessionView> {
  await enforceRateLimit(deps.env.LOGIN_LIMITER, [`ip:${ip}`, `email:${input.email}`]);
  const found = await findUserByEmail(deps.db, input.email);
  const user = found && !found.deletedAt ? found : undefined;
  const failures = user ? await refuseWhileSlowed(deps, user.id) : undefined;
  const ok = await verifyPassword(
    input.password,
    user?.passwordHash ?? (await (decoyHash ??= hashPassword(randomToken()))),
  );
  if (!user || !ok) {
    if (user) await noteFailure(deps, user);
    throw new AppError("invalid_credentials", "Email or password is wrong.");
  }
  // Only an account with failures on record has anything to clear: no write on an ordinary sign-in.
  if (failures) await clearLoginFailures(deps.db, user.id);
  // Told only to whoever knows the password: a suspension is no secret from its owner.
  if (user.suspendedAt) throw suspended();
  if (needsRehash(user.passwordHash)) await updatePasswordHash(deps.db, user.id, await hashPassword(input.password));
  if (user.mfaEnabledAt)
    throw new AppError("mfa_required", "Enter the code from your authenticator app.", {
      members: { challenge: await openChallenge(deps, user, client) },
    });
  return openSession(deps, user, undefined, client);
}

const suspended = () => new AppError("account_suspended", "This account is suspended. Contact support to appeal.");

/** The second step of a two-factor sign-in. */
export async function loginWithMfa(
  deps: Deps,
  input: { challenge: string; code?: string; recoveryCode?: string },
): Promise<SessionView> {
  const { user, client } = await completeChallenge(deps, input);
  if (user.suspendedAt) throw suspended();
  return openSession(deps, user, undefined, client);
}

/** 429 while the account's sign-ins are slowed; answers its failure record (undefined: none). */
async function refuseWhileSlowed(deps: Deps, userId: string): Promise<LoginFailureRow | undefined> {
  const row = await findLoginFailures(deps.db, userId);
  const wait = row?.slowedUntil ? Date.parse(row.slowedUntil) - Date.now() : 0;
  if (wait > 0)
    throw new AppError("rate_limited", "Too many failed sign-ins to this account; try again shortly.", {
      headers: { "retry-after": String(Math.ceil(wait / 1000)) },
    });
  return row;
}

/** Counts a failure; past the threshold, the next sign-in waits 1 s, 2 s, 4 s … up to 15 minutes. */
async function noteFailure(deps: Deps, user: UserRow): Promise<void> {
  const now = Date.now();
  const row = await countLoginFailure(
    deps.db,
    user.id,
    new Date(now).toISOString(),
    new Date(now - LOCKOUT.windowMs).toISOString(),
  );
  if (row.failures < LOCKOUT.threshold) return;
  const delay = Math.min(LOCKOUT.maxDelayMs, LOCKOUT.firstDelayMs * 2 ** (row.failures - LOCKOUT.threshold));
  const tell = !row.notifiedAt || row.notifiedAt < row.windowStart;
  await slowLogins(
    deps.db,
    user.id,
    new Date(now + delay).toISOString(),
    tell ? new Date(now).toISOString() : undefined,
  );
  if (tell) await sendAccountMail(deps, user.email, "login_slowed");
}

/**
 * Rotates a refresh token. A token seen twice means it leaked (or a client raced itself):
 * the whole family is revoked and every holder must sign in again. Revocation is recorded on the
 * family, so the token a concurrent winner rotates into it afterwards is refused when used.
 */
export async function refresh(deps: Deps, token: string): Promise<SessionView> {
  const now = new Date().toISOString();
  const row = await findRefreshToken(deps.db, await sha256Hex(token));
  const invalid = new AppError("invalid_refresh_token", "The refresh token is not valid; sign in again.");
  if (!row || row.revokedAt || row.familyRevokedAt || row.expiresAt <= now) throw invalid;
  if (!(await claimRefreshToken(deps.db, row.id, now))) {
    await revokeFamily(deps.db, row.familyId, now);
    throw invalid;
  }
  const user = await findUser(deps.db, row.userId);
  if (!user || user.deletedAt) throw invalid;
  if (user.suspendedAt) throw suspended();
  await touchFamily(deps.db, row.familyId, now);
  return openSession(deps, user, row.familyId);
}

/** Revokes the family of the caller's own refresh token; silent for anything else. */
export async function logout(deps: Deps, caller: AuthUser, token: string): Promise<void> {
  const row = await findRefreshToken(deps.db, await sha256Hex(token));
  if (row && row.userId === caller.id) await revokeFamily(deps.db, row.familyId, new Date().toISOString());
}

/** The caller's account. */
export async function me(deps: Deps, caller: AuthUser): Promise<z.infer<typeof User>> {
  const user = await findUser(deps.db, caller.id);
  if (!user || user.deletedAt) throw new AppError("not_found", "This account no longer exists.");
  return userView(user);
}

/** Issues a token pair: into `familyId` when rotating, else into a new family (a new sign-in, described by `client`). */
async function openSession(
  deps: Deps,
  user: UserRow,
  familyId?: string,
  client: ClientFacts = NO_CLIENT,
): Promise<SessionView> {
  const refreshToken = `rt_${randomToken()}`;
  const row = {
    id: newId("rtk"),
    familyId: familyId ?? newId("fam"),
    userId: user.id,
    tokenHash: await sha256Hex(refreshToken),
    expiresAt: new Date(Date.now() + REFRESH_TTL_MS).toISOString(),
  };
  await (familyId ? insertRefreshToken(deps.db, row) : insertFamilyWithToken(deps.db, user.id, row, client));
  const ring = await loadKeyRing(deps.env.JWT_PRIVATE_KEYS);
  const session = { id: user.id, role: user.role, sid: row.familyId };
  const accessToken = await signAccessToken(ring, session, tokenSettings(deps.env));
  return {
    user: userView(user),
    accessToken,
    refreshToken,
    tokenType: "Bearer",
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  };
}

/** The public half of every signing key, so tokens signed by a key being rotated out still verify elsewhere. */
export async function publicKeys(env: Env): Promise<{ keys: Record<string, unknown>[] }> {
  const ring = await loadKeyRing(env.JWT_PRIVATE_KEYS);
  return { keys: ring.publicJwks.keys.map((k) => ({ ...k })) };
}
