import { z } from "@hono/zod-openapi";
import { Email, NewPassword } from "./auth";
import { Instant, Text } from "./common";

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};
const isLocale = (tag: string) => {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
};

export const UpdateProfile = z
  .strictObject({
    name: Text({ min: 1, max: 100 }).optional(),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, "an E.164 number: + and 7 to 15 digits")
      .nullable()
      .optional()
      .openapi({ example: "+351912345678" }),
    locale: z
      .string()
      .max(35)
      .refine(isLocale, "a BCP 47 language tag")
      .nullable()
      .optional()
      .openapi({ example: "es-ES" }),
    timezone: z
      .string()
      .max(64)
      .refine(isTimeZone, "an IANA timezone")
      .nullable()
      .optional()
      .openapi({ example: "Europe/Lisbon" }),
  })
  .openapi("UpdateProfile", { description: "Only the fields given change; null clears phone, locale or timezone." });

export const ChangePassword = z
  .strictObject({ currentPassword: z.string().min(1).max(256), newPassword: NewPassword })
  .openapi("ChangePassword");
export const ChangeEmail = z
  .strictObject({ newEmail: Email, password: z.string().min(1).max(256) })
  .openapi("ChangeEmail");
const EmailedToken = z
  .string()
  .min(10)
  .max(200)
  .openapi({ example: "vfy_3q2x7lH0pQ9sWcZt1yA4bE8nR6uK5mJd", description: "From the emailed link (after `#token=`)" });
export const TokenBody = z.strictObject({ token: EmailedToken }).openapi("EmailedToken");
export const ResetRequest = z.strictObject({ email: Email }).openapi("PasswordResetRequest");
export const ResetConfirm = z
  .strictObject({ token: EmailedToken, newPassword: NewPassword })
  .openapi("PasswordResetConfirm");

const Code = z
  .string()
  .regex(/^\d{6}$/, "6 digits")
  .openapi({ example: "123456" });
const RecoveryCode = z.string().min(10).max(20).openapi({ example: "abcde-fghij" });

export const TotpEnrolment = z
  .object({ secret: z.string(), otpauthUri: z.string() })
  .openapi("TotpEnrolment", { description: "Add the secret to an authenticator app (or scan the URI as a QR code)." });
export const TotpConfirm = z.strictObject({ code: Code }).openapi("TotpConfirm");
export const RecoveryCodes = z
  .object({ recoveryCodes: z.array(z.string()) })
  .openapi("RecoveryCodes", { description: "Shown once: each works once in place of a code." });
export const MfaLogin = z
  .strictObject({
    challenge: z.string().min(10).max(200),
    code: Code.optional(),
    recoveryCode: RecoveryCode.optional(),
  })
  .refine((b) => (b.code === undefined) !== (b.recoveryCode === undefined), {
    message: "give a code or a recovery code",
    path: ["code"],
  })
  .openapi("MfaLogin", { example: { challenge: "mfa_Zx81pQ2wLk7sVb3nTy6uRc0eHj4mAd9f", code: "123456" } });
export const PasswordAndCode = z
  .strictObject({ password: z.string().min(1).max(256), code: Code.optional(), recoveryCode: RecoveryCode.optional() })
  .openapi("PasswordAndCode");

export const SessionItem = z
  .object({
    id: z.string(),
    createdAt: Instant,
    lastUsedAt: Instant,
    userAgent: z.string().nullable(),
    place: z.string().nullable().openapi({ description: "Coarse: city and country as Cloudflare saw the sign-in" }),
    current: z.boolean(),
  })
  .openapi("SessionItem");
export const SessionList = z.object({ items: z.array(SessionItem) }).openapi("SessionList");
export const Revoked = z.object({ revoked: z.number().int() }).openapi("Revoked");

const Rows = z.array(z.record(z.string(), z.unknown()));
export const AccountExport = z
  .object({
    exportedAt: Instant,
    profile: z.record(z.string(), z.unknown()),
    sessions: Rows,
    bookings: Rows,
    leases: Rows,
    invoices: Rows,
    reviews: Rows,
    requests: Rows,
    offers: Rows,
    viewings: Rows,
    chat: z.array(z.object({ roomId: z.string(), threadId: z.string(), messages: Rows })),
    interactions: Rows,
    favourites: Rows,
    notifications: Rows,
    preferences: Rows,
  })
  .openapi("AccountExport");
