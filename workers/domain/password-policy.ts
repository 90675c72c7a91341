import { dictionary } from "@zxcvbn-ts/language-common";

/** At least this long; no upper bound below what the API accepts (256), and never truncated. */
export const MIN_PASSWORD_LENGTH = 12;
/** How many of the most common passwords (zxcvbn-ts's ranked list, shipped in the bundle) are refused. */
const COMMON_COUNT = 10_000;

let common: Set<string> | undefined;

/** Whether the password is among the 10,000 most common ones (case-insensitive). */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary["passwords-common"].slice(0, COMMON_COUNT).map((p) => p.toLowerCase()));
  return common.has(password.toLowerCase());
}

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, account: { email?: string } = {}): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (isCommonPassword(password)) return "is one of the most common passwords; choose another";
  const local = account.email?.split("@")[0]?.toLowerCase();
  if (local && local.length >= 4 && password.toLowerCase().includes(local)) return "must not contain your email";
  return null;
}
