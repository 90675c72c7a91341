import { createRoute } from "@hono/zod-openapi";
import { Login, RefreshRequest, Register, Session, User } from "../../schema/api/auth";
import { bearer, errors, jsonBody, jsonResponse } from "../../schema/api/common";
import { MfaLogin, ResetConfirm, ResetRequest, TokenBody } from "../../schema/api/account";
import { errorResponse } from "../../schema/api/common";
import { requireAuth } from "../http/auth";
import { clientFacts, clientIp } from "../http/client-ip";
import { router } from "../http/router";
import * as account from "../services/account";
import * as identity from "../services/identity";
import { clearWebSession, isWebClient, refreshTokenOf, sessionFor } from "../http/web-session";
import { AppError } from "../errors";

const tags = ["auth"];

export const auth = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/register",
      tags,
      summary: "Create an account",
      description:
        "Passwords: 12 characters or more, not one of the 10,000 most common, not containing the email. A verification link is emailed.",
      request: jsonBody(Register),
      responses: { 201: jsonResponse(Session, "Signed up and signed in"), ...errors(400, 409, 413, 422, 429) },
    }),
    async (c) =>
      c.json(
        await identity.register(c.var.deps, c.req.valid("json"), clientIp(c.req.raw.headers), clientFacts(c.req.raw)),
        201,
      ),
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/login",
      tags,
      summary: "Sign in with email and password",
      description:
        "With two-factor on, a right password answers 401 `mfa_required` with a `challenge` member: complete it with `POST /v1/auth/mfa`. After 10 failures for one account within 15 minutes, its sign-ins wait (429 with Retry-After: 1 s, doubling, at most 15 minutes) and its owner is emailed.",
      request: jsonBody(Login),
      responses: { 200: jsonResponse(Session, "Signed in"), ...errors(400, 401, 422, 429) },
    }),
    async (c) =>
      c.json(
        sessionFor(
          c,
          await identity.login(c.var.deps, c.req.valid("json"), clientIp(c.req.raw.headers), clientFacts(c.req.raw)),
        ),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/mfa",
      operationId: "completeMfaLogin",
      tags,
      summary: "Complete a two-factor sign-in",
      description:
        "The `challenge` of the 401 `mfa_required` (once, within 5 minutes) and a current code or an unused recovery code.",
      request: jsonBody(MfaLogin),
      responses: { 200: jsonResponse(Session, "Signed in"), ...errors(400, 401, 422, 429) },
    }),
    async (c) => c.json(sessionFor(c, await identity.loginWithMfa(c.var.deps, c.req.valid("json"))), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/verify-email",
      operationId: "verifyEmail",
      tags,
      summary: "Confirm an email address with the emailed token",
      request: jsonBody(TokenBody),
      responses: { 200: jsonResponse(User, "Verified"), ...errors(400, 422) },
    }),
    async (c) => c.json(await account.verifyEmail(c.var.deps, c.req.valid("json").token), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/verify-email/resend",
      operationId: "resendVerification",
      tags,
      summary: "Email a new verification link (rate limited)",
      security: bearer,
      middleware: [requireAuth()] as const,
      responses: {
        202: { description: "Sent" },
        ...errors(401, 429),
        ...errorResponse(409, "`conflict`: verified already"),
      },
    }),
    async (c) => {
      await account.resendVerification(c.var.deps, c.var.user);
      return c.body(null, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/password-reset",
      operationId: "requestPasswordReset",
      tags,
      summary: "Email a password-reset link",
      description:
        "Always 202 with no body, in the same time, whether or not an account has this email (no enumeration). The link works once, for 30 minutes.",
      request: jsonBody(ResetRequest),
      responses: { 202: { description: "If the account exists, the email is on its way" }, ...errors(400, 422, 429) },
    }),
    async (c) => {
      await account.requestPasswordReset(c.var.deps, c.req.valid("json").email, clientIp(c.req.raw.headers));
      return c.body(null, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/password-reset/confirm",
      operationId: "confirmPasswordReset",
      tags,
      summary: "Set a new password with the emailed token; every session is signed out",
      request: jsonBody(ResetConfirm),
      responses: { 204: { description: "Password set" }, ...errors(400, 422) },
    }),
    async (c) => {
      const { token, newPassword } = c.req.valid("json");
      await account.confirmPasswordReset(c.var.deps, token, newPassword);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/confirm-email",
      operationId: "confirmEmailChange",
      tags,
      summary: "Move the account to its new email with the token sent there",
      request: jsonBody(TokenBody),
      responses: { 200: jsonResponse(User, "The account, on its new email"), ...errors(400, 409, 422) },
    }),
    async (c) => c.json(await account.confirmEmailChange(c.var.deps, c.req.valid("json").token), 200),
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/refresh",
      tags,
      summary: "Rotate a refresh token for a new pair",
      request: jsonBody(RefreshRequest),
      responses: { 200: jsonResponse(Session, "New tokens; the old refresh token is spent"), ...errors(400, 401, 422) },
    }),
    async (c) =>
      c.json(sessionFor(c, await identity.refresh(c.var.deps, requiredRefreshToken(c, c.req.valid("json")))), 200),
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/logout",
      tags,
      summary: "Revoke the session of a refresh token",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: jsonBody(RefreshRequest),
      responses: { 204: { description: "Signed out" }, ...errors(401, 422) },
    }),
    async (c) => {
      await identity.logout(c.var.deps, c.var.user, requiredRefreshToken(c, c.req.valid("json")));
      clearWebSession(c);
      return c.body(null, 204);
    },
  );

/** The body's refresh token, or the web app's cookie; 422 naming `refreshToken` when there is neither. */
function requiredRefreshToken(c: Parameters<typeof refreshTokenOf>[0], body: { refreshToken?: string }): string {
  const token = refreshTokenOf(c, body.refreshToken);
  if (!token && isWebClient(c)) throw new AppError("invalid_refresh_token", "No session: sign in.");
  if (!token)
    throw new AppError("validation_failed", "A refresh token is required.", {
      errors: [{ path: "refreshToken", message: "required" }],
    });
  return token;
}
