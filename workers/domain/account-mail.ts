import { escapeHtml } from "./email";

export type AccountMailKind =
  "verify_email" | "reset_password" | "change_email" | "email_changed" | "login_slowed" | "password_changed";

const WORDS: Record<AccountMailKind, { subject: string; body: string; action?: string }> = {
  verify_email: {
    subject: "Confirm your email for Roomline",
    body: "Confirm this address to publish listings and pay. The link works once, for 24 hours.",
    action: "Confirm my email",
  },
  reset_password: {
    subject: "Reset your Roomline password",
    body: "Someone (we hope you) asked to reset your password. The link works once, for 30 minutes. If it was not you, ignore this email.",
    action: "Choose a new password",
  },
  change_email: {
    subject: "Confirm your new email for Roomline",
    body: "Confirm this address as your new sign-in email. The link works once, for 24 hours.",
    action: "Use this address",
  },
  email_changed: {
    subject: "Your Roomline email is changing",
    body: "A change of your sign-in email to another address was asked for. If it was not you, change your password now.",
  },
  login_slowed: {
    subject: "Failed sign-ins to your Roomline account",
    body: "There were many failed attempts to sign in to your account; sign-ins are slowed for a while. If it was not you, your password held: consider two-factor sign-in.",
  },
  password_changed: {
    subject: "Your Roomline password was changed",
    body: "Your password was changed and every other session was signed out. If it was not you, reset your password now.",
  },
};

/**
 * An account email: plain text and minimal HTML. `link` carries a single-use token in its fragment
 * (`#token=`), which browsers never send to a server or put in a Referer.
 */
export function accountMail(kind: AccountMailKind, appUrl: string, token?: string) {
  const w = WORDS[kind];
  const base = appUrl.replace(/\/$/, "");
  const path = { verify_email: "/verify-email", reset_password: "/reset-password", change_email: "/confirm-email" };
  const link = token && w.action ? `${base}${path[kind as keyof typeof path]}#token=${token}` : null;
  const text = link ? `${w.body}\n\n${w.action}: ${link}\n` : `${w.body}\n`;
  const html = `<!doctype html><html><body><h1 style="font-size:18px">${escapeHtml(w.subject)}</h1><p>${escapeHtml(w.body)}</p>${
    link ? `<p><a href="${escapeHtml(link)}">${escapeHtml(w.action!)}</a></p>` : ""
  }</body></html>`;
  return { subject: w.subject, text, html };
}
