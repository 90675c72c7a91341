import { createRoute } from "@hono/zod-openapi";
import {
  ChangeEmail,
  ChangePassword,
  PasswordAndCode,
  RecoveryCodes,
  Revoked,
  SessionList,
  TotpConfirm,
  TotpEnrolment,
  UpdateProfile,
} from "../../schema/api/account";
import { User } from "../../schema/api/auth";
import { AccountExport } from "../../schema/api/account";
import { bearer, errorResponse, errors, idParam, jsonBody, jsonResponse } from "../../schema/api/common";
import { requireAuth } from "../http/auth";
import { router } from "../http/router";
import * as account from "../services/account";
import * as accountData from "../services/account-data";
import * as identity from "../services/identity";
import * as mfa from "../services/mfa";

const tags = ["account"];

/** The caller's own account: /v1/me. */
export const me = router()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "The caller",
      security: bearer,
      middleware: [requireAuth()] as const,
      responses: { 200: jsonResponse(User, "The caller's account"), ...errors(401, 404) },
    }),
    async (c) => c.json(await identity.me(c.var.deps, c.var.user), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/",
      operationId: "updateMe",
      tags,
      summary: "Change my name, phone, language or timezone",
      description: "The role and the email are not changed here (the email: `POST /v1/me/email`).",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: jsonBody(UpdateProfile),
      responses: { 200: jsonResponse(User, "The account"), ...errors(400, 401, 404, 415, 422) },
    }),
    async (c) => c.json(await account.updateProfile(c.var.deps, c.var.user, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/email",
      operationId: "changeMyEmail",
      tags,
      summary: "Change my email: a link goes to the new address, the old one is told",
      description: "Nothing changes until the link is used (`POST /v1/auth/confirm-email`).",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: jsonBody(ChangeEmail),
      responses: {
        202: { description: "Confirmation sent to the new address" },
        ...errors(400, 401, 403, 404, 415, 422),
        ...errorResponse(409, "`email_taken`, or `conflict` (that is the current email)"),
      },
    }),
    async (c) => {
      await account.requestEmailChange(c.var.deps, c.var.user, c.req.valid("json"));
      return c.body(null, 202);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/password",
      operationId: "changeMyPassword",
      tags,
      summary: "Change my password; every other session is signed out",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: jsonBody(ChangePassword),
      responses: { 204: { description: "Changed" }, ...errors(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      await account.changePassword(c.var.deps, c.var.user, c.req.valid("json"));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/sessions",
      operationId: "listMySessions",
      tags,
      summary: "Where I am signed in",
      security: bearer,
      middleware: [requireAuth()] as const,
      responses: { 200: jsonResponse(SessionList, "Live sessions, newest first"), ...errors(401) },
    }),
    async (c) => c.json(await account.listSessions(c.var.deps, c.var.user), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/sessions/{id}",
      operationId: "revokeMySession",
      tags,
      summary: "Sign one session out",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: { params: idParam("fam") },
      responses: { 204: { description: "Signed out" }, ...errors(401, 404, 422) },
    }),
    async (c) => {
      await account.revokeSession(c.var.deps, c.var.user, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/sessions",
      operationId: "revokeMyOtherSessions",
      tags,
      summary: "Sign every other session out",
      security: bearer,
      middleware: [requireAuth()] as const,
      responses: { 200: jsonResponse(Revoked, "How many were signed out"), ...errors(401) },
    }),
    async (c) => c.json(await account.revokeOtherSessions(c.var.deps, c.var.user), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/mfa/totp",
      operationId: "startTotpEnrolment",
      tags,
      summary: "Start two-factor enrolment: a TOTP secret and its otpauth:// URI",
      security: bearer,
      middleware: [requireAuth()] as const,
      responses: {
        201: jsonResponse(TotpEnrolment, "Add it to an authenticator app, then confirm a code"),
        ...errors(401, 404),
        ...errorResponse(409, "`conflict`: two-factor is on already"),
      },
    }),
    async (c) => c.json(await mfa.startTotp(c.var.deps, c.var.user), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/mfa/totp/confirm",
      operationId: "confirmTotpEnrolment",
      tags,
      summary: "Turn two-factor on with a current code; answers 10 single-use recovery codes",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: jsonBody(TotpConfirm),
      responses: {
        200: jsonResponse(RecoveryCodes, "On"),
        ...errors(400, 401, 404, 415, 422),
        ...errorResponse(409, "`conflict`: not started, or on already"),
      },
    }),
    async (c) => c.json(await mfa.confirmTotp(c.var.deps, c.var.user, c.req.valid("json").code), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/mfa",
      operationId: "disableMfa",
      tags,
      summary: "Turn two-factor off (the password and a current code)",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: jsonBody(PasswordAndCode),
      responses: {
        204: { description: "Off" },
        ...errors(400, 401, 403, 404, 415, 422),
        ...errorResponse(409, "`conflict`: two-factor is off"),
      },
    }),
    async (c) => {
      await mfa.disableMfa(c.var.deps, c.var.user, c.req.valid("json"));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/export",
      operationId: "exportMyData",
      tags,
      summary: "Everything Roomline holds about me, as one JSON document",
      description:
        "Profile, sessions, bookings, leases and invoices, reviews written, rental requests, offers, viewings, chat messages (rooms booked, viewed, offered on or owned), searches and views, saves, notifications and notice choices. No secrets (password hash, TOTP secret, token hashes).",
      security: bearer,
      middleware: [requireAuth()] as const,
      responses: { 200: jsonResponse(AccountExport, "The export"), ...errors(401, 404, 503) },
    }),
    async (c) => {
      const body = await accountData.exportAccount(c.var.deps, c.var.user);
      c.header("content-disposition", `attachment; filename="roomline-${c.var.user.id}.json"`);
      return c.json(body, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/",
      operationId: "closeMyAccount",
      tags,
      summary: "Close my account (the password, and a code when two-factor is on)",
      description:
        "Refused with 409 `account_has_obligations` (counts as members) while a lease is active, money is owed on one either way, a booking is live, or a landlord has active properties. Otherwise personal data is erased or anonymised; the ledger keeps its entries. The account cannot sign in again.",
      security: bearer,
      middleware: [requireAuth()] as const,
      request: jsonBody(PasswordAndCode),
      responses: {
        204: { description: "Closed" },
        ...errors(400, 401, 403, 404, 415, 422, 503),
        ...errorResponse(409, "`account_has_obligations`"),
      },
    }),
    async (c) => {
      await accountData.closeAccount(c.var.deps, c.var.user, c.req.valid("json"));
      return c.body(null, 204);
    },
  );
