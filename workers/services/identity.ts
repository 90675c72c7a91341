import type { z } from "zod";
import type { Login, Register, Session, User } from "../../schema/api/auth";
import type { Deps } from "../deps";
import {
  findRefreshToken,
  claimRefreshToken,
  insertFamilyWithToken,
  insertRefreshToken,
  revokeFamily,
} from "../data/refresh-tokens";
import { findUser, findUserByEmail, insertUser, updatePasswordHash, type UserRow } from "../data/users";
import { newId, randomToken, sha256Hex } from "../domain/ids";
import { hashPassword, needsRehash, verifyPassword } from "../domain/password";
import { ACCESS_TOKEN_TTL_SECONDS, loadKeyRing, signAccessToken, tokenSettings, type AuthUser } from "../domain/tokens";
import { AppError } from "../errors";
import { enforceRateLimit } from "../data/rate-limits";

type SessionView = z.infer<typeof Session>;
const REFRESH_TTL_MS = 30 * 24 * 3600 * 1000;
/** Verified against when the email is unknown, so both failures take the same time. */
let decoyHash: Promise<string> | undefined;

/** Creates an account and signs it in. */
export async function register(deps: Deps, input: z.infer<typeof Register>, ip: string): Promise<SessionView> {
  await enforceRateLimit(deps.env.REGISTER_LIMITER, [`ip:${ip}`, `email:${input.email}`]);
  const user = await insertUser(deps.db, {
    id: newId("usr"),
    email: input.email,
    name: input.name,
    role: input.role,
    passwordHash: await hashPassword(input.password),
  });
  if (!user) throw new AppError("email_taken", "An account with this email already exists.");
  return openSession(deps, user);
}

/** Checks credentials; unknown email and wrong password answer identically. */
export async function login(deps: Deps, input: z.infer<typeof Login>, ip: string): Promise<SessionView> {
  await enforceRateLimit(deps.env.LOGIN_LIMITER, [`ip:${ip}`, `email:${input.email}`]);
  const user = await findUserByEmail(deps.db, input.email);
  const ok = await verifyPassword(
    input.password,
    user?.passwordHash ?? (await (decoyHash ??= hashPassword(randomToken()))),
  );
  if (!user || !ok) throw new AppError("invalid_credentials", "Email or password is wrong.");
  if (needsRehash(user.passwordHash)) await updatePasswordHash(deps.db, user.id, await hashPassword(input.password));
  return openSession(deps, user);
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
  if (!user) throw invalid;
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
  if (!user) throw new AppError("not_found", "This account no longer exists.");
  return toUserView(user);
}

/** Issues a token pair: into `familyId` when rotating, else into a new family (a new sign-in). */
async function openSession(deps: Deps, user: UserRow, familyId?: string): Promise<SessionView> {
  const refreshToken = `rt_${randomToken()}`;
  const row = {
    id: newId("rtk"),
    familyId: familyId ?? newId("fam"),
    userId: user.id,
    tokenHash: await sha256Hex(refreshToken),
    expiresAt: new Date(Date.now() + REFRESH_TTL_MS).toISOString(),
  };
  await (familyId ? insertRefreshToken(deps.db, row) : insertFamilyWithToken(deps.db, user.id, row));
  const ring = await loadKeyRing(deps.env.JWT_PRIVATE_KEYS);
  const accessToken = await signAccessToken(ring, { id: user.id, role: user.role }, tokenSettings(deps.env));
  return {
    user: toUserView(user),
    accessToken,
    refreshToken,
    tokenType: "Bearer",
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  };
}

function toUserView(u: UserRow): z.infer<typeof User> {
  return { id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt };
}

/** The public half of every signing key, so tokens signed by a key being rotated out still verify elsewhere. */
export async function publicKeys(env: Env): Promise<{ keys: Record<string, unknown>[] }> {
  const ring = await loadKeyRing(env.JWT_PRIVATE_KEYS);
  return { keys: ring.publicJwks.keys.map((k) => ({ ...k })) };
}
