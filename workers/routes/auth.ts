import { createRoute } from "@hono/zod-openapi";
import { Login, RefreshRequest, Register, Session, User } from "../../schema/api/auth";
import { bearer, errors, jsonBody, jsonResponse } from "../../schema/api/common";
import { requireAuth } from "../http/auth";
import { clientIp } from "../http/client-ip";
import { router } from "../http/router";
import * as identity from "../services/identity";

const tags = ["auth"];

export const auth = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/register",
      tags,
      summary: "Create an account",
      request: jsonBody(Register),
      responses: { 201: jsonResponse(Session, "Signed up and signed in"), ...errors(400, 409, 413, 422, 429) },
    }),
    async (c) => c.json(await identity.register(c.var.deps, c.req.valid("json"), clientIp(c.req.raw.headers)), 201),
  )

  .openapi(
    createRoute({
      method: "post",
      path: "/login",
      tags,
      summary: "Sign in with email and password",
      request: jsonBody(Login),
      responses: { 200: jsonResponse(Session, "Signed in"), ...errors(400, 401, 422, 429) },
    }),
    async (c) => c.json(await identity.login(c.var.deps, c.req.valid("json"), clientIp(c.req.raw.headers)), 200),
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
    async (c) => c.json(await identity.refresh(c.var.deps, c.req.valid("json").refreshToken), 200),
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
      await identity.logout(c.var.deps, c.var.user, c.req.valid("json").refreshToken);
      return c.body(null, 204);
    },
  );

export const me = router().openapi(
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
);
