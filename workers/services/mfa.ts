import {
  deleteRecoveryCodes,
  findMfaChallenge,
  insertMfaChallenge,
  replaceRecoveryCodes,
  spendMfaChallenge,
  spendRecoveryCode,
} from "../data/mfa";
import { enforceRateLimit } from "../data/rate-limits";
import { advanceTotpStep, findUser, updateUser, type UserRow } from "../data/users";
import { randomToken, sha256Hex } from "../domain/ids";
import { base32Encode, matchTotp, newTotpSecret, otpauthUri } from "../domain/totp";
import type { AuthUser } from "../domain/tokens";
import type { Deps } from "../deps";
import { AppError } from "../errors";
import { checkPassword, ownAccount } from "./account";

/** How long the password step of a two-factor sign-in waits for its code. */
export const MFA_CHALLENGE_MS = 5 * 60_000;
const RECOVERY_CODES = 10;

export interface ClientFacts {
  userAgent: string | null;
  place: string | null;
}

/** Enrolment, step one: a new secret (not yet on) and its otpauth:// URI for an authenticator app. */
export async function startTotp(deps: Deps, caller: AuthUser) {
  const user = await ownAccount(deps, caller);
  if (user.mfaEnabledAt) throw new AppError("conflict", "Two-factor sign-in is on already; turn it off first.");
  const secret = newTotpSecret();
  await updateUser(deps.db, user.id, { totpSecret: secret, totpLastStep: null });
  return { secret, otpauthUri: otpauthUri(secret, user.email) };
}

/** Enrolment, step two: a current code turns it on; answers the 10 recovery codes, shown once. */
export async function confirmTotp(deps: Deps, caller: AuthUser, code: string) {
  const user = await ownAccount(deps, caller);
  if (user.mfaEnabledAt) throw new AppError("conflict", "Two-factor sign-in is on already.");
  if (!user.totpSecret) throw new AppError("conflict", "Start enrolment first (POST /v1/me/mfa/totp).");
  if (!(await acceptCode(deps, user, code)))
    throw new AppError("validation_failed", "That code is not the current one.", {
      errors: [{ path: "code", message: "not the current code" }],
    });
  const codes = Array.from({ length: RECOVERY_CODES }, recoveryCode);
  await replaceRecoveryCodes(deps.db, user.id, await Promise.all(codes.map(hashCode)));
  await updateUser(deps.db, user.id, { mfaEnabledAt: new Date().toISOString() });
  return { recoveryCodes: codes };
}

/** Turning it off needs the password and a current code (or a recovery code). */
export async function disableMfa(
  deps: Deps,
  caller: AuthUser,
  input: { password: string; code?: string; recoveryCode?: string },
) {
  const user = await ownAccount(deps, caller);
  if (!user.mfaEnabledAt) throw new AppError("conflict", "Two-factor sign-in is off.");
  await checkPassword(user, input.password);
  if (!(await verifySecondFactor(deps, user, input)))
    throw new AppError("forbidden", "That code is not valid.", { errors: [{ path: "code", message: "not valid" }] });
  await updateUser(deps.db, user.id, { totpSecret: null, mfaEnabledAt: null, totpLastStep: null });
  await deleteRecoveryCodes(deps.db, user.id);
}

/** The password was right for an account with two-factor on: a challenge to complete with a code. */
export async function openChallenge(deps: Deps, user: UserRow, client: ClientFacts): Promise<string> {
  const challenge = `mfa_${randomToken()}`;
  await insertMfaChallenge(deps.db, {
    idHash: await sha256Hex(challenge),
    userId: user.id,
    expiresAt: new Date(Date.now() + MFA_CHALLENGE_MS).toISOString(),
    userAgent: client.userAgent,
    place: client.place,
  });
  return challenge;
}

/**
 * Completes a two-factor sign-in: the challenge (once, within 5 minutes) and a current code (never
 * one accepted before) or an unused recovery code. Answers the user to open a session for.
 */
export async function completeChallenge(
  deps: Deps,
  input: { challenge: string; code?: string; recoveryCode?: string },
): Promise<{ user: UserRow; client: ClientFacts }> {
  const now = new Date().toISOString();
  const refused = new AppError("invalid_credentials", "The challenge or the code is not valid; sign in again.");
  const idHash = await sha256Hex(input.challenge);
  const challenge = await findMfaChallenge(deps.db, idHash, now);
  if (!challenge) throw refused;
  await enforceRateLimit(deps.env.LOGIN_LIMITER, [`mfa:${challenge.userId}`]);
  const user = await findUser(deps.db, challenge.userId);
  if (!user || user.deletedAt || !user.mfaEnabledAt) throw refused;
  if (!(await verifySecondFactor(deps, user, input))) throw refused;
  if (!(await spendMfaChallenge(deps.db, idHash, now))) throw refused;
  return { user, client: { userAgent: challenge.userAgent, place: challenge.place } };
}

/** A current code (accepted once) or an unused recovery code (spent). */
export async function verifySecondFactor(
  deps: Deps,
  user: UserRow,
  input: { code?: string; recoveryCode?: string },
): Promise<boolean> {
  if (input.code) return acceptCode(deps, user, input.code);
  if (input.recoveryCode)
    return spendRecoveryCode(deps.db, user.id, await hashCode(input.recoveryCode), new Date().toISOString());
  return false;
}

/** A current code, accepted once: its time step must be later than the last one accepted. */
async function acceptCode(deps: Deps, user: UserRow, code: string): Promise<boolean> {
  if (!user.totpSecret) return false;
  const step = await matchTotp(user.totpSecret, code, Date.now(), user.totpLastStep);
  return step !== null && (await advanceTotpStep(deps.db, user.id, step));
}

/** Ten base32 characters in two groups (50 bits), lower case: `abcde-fghij`. */
function recoveryCode(): string {
  const text = base32Encode(crypto.getRandomValues(new Uint8Array(7)))
    .slice(0, 10)
    .toLowerCase();
  return `${text.slice(0, 5)}-${text.slice(5)}`;
}

function hashCode(code: string): Promise<string> {
  return sha256Hex(code.trim().toLowerCase());
}
