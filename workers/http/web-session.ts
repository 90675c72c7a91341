import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../env";

/**
 * The web app's token mode. A request with `X-Roomline-Client: web` gets its refresh token in an
 * HttpOnly, Secure, SameSite=Strict cookie scoped to the auth routes (never in the body, so no
 * script can read it), and refreshes from that cookie. Without the header nothing changes: mobile
 * clients keep the JSON mode. CSRF: the cookie is SameSite=Strict, and it is honoured only with the
 * custom header, which a cross-site form cannot send and a cross-origin script cannot send without
 * passing CORS.
 */
export const WEB_CLIENT_HEADER = "x-roomline-client";
const COOKIE = "rl_refresh";
const COOKIE_PATH = "/v1/auth";
const MAX_AGE_SECONDS = 30 * 24 * 3600;

export function isWebClient(c: Context<AppEnv>): boolean {
  return c.req.header(WEB_CLIENT_HEADER) === "web";
}

/** A session body as the client asked for it: the web app's refresh token moves into the cookie. */
export function sessionFor<T extends { refreshToken?: string }>(c: Context<AppEnv>, session: T): T {
  if (!isWebClient(c) || !session.refreshToken) return session;
  setCookie(c, COOKIE, session.refreshToken, {
    httpOnly: true,
    secure: true,
    sameSite: "Strict",
    path: COOKIE_PATH,
    maxAge: MAX_AGE_SECONDS,
  });
  const { refreshToken: _inTheCookie, ...rest } = session;
  return rest as T;
}

/** The refresh token of the request: the body's, or the web app's cookie (only with the web header). */
export function refreshTokenOf(c: Context<AppEnv>, fromBody: string | undefined): string | undefined {
  return fromBody ?? (isWebClient(c) ? getCookie(c, COOKIE) : undefined);
}

export function clearWebSession(c: Context<AppEnv>): void {
  if (isWebClient(c)) deleteCookie(c, COOKIE, { path: COOKIE_PATH, secure: true, httpOnly: true, sameSite: "Strict" });
}
