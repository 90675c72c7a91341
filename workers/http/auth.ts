import { createMiddleware } from "hono/factory";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { loadKeyRing, tokenSettings, verifyAccessToken, type AuthUser, type Role } from "../domain/tokens";
import { d1 } from "../data/d1";
import { accessState } from "../data/users";
import { AppError, BEARER_CHALLENGE } from "../errors";

/** One answer for every bad token, so a client cannot probe why a token failed. */
const unauthorized = () =>
  new AppError("unauthorized", "A valid access token is required.", {
    headers: { "www-authenticate": BEARER_CHALLENGE },
  });

/** The roles of each `requireAuth` middleware, so the OpenAPI document can say who may call a route. */
const requiredRoles = new WeakMap<object, readonly Role[]>();

/** Requires a valid access token; with roles, also one of those roles (403 otherwise). */
export function requireAuth(...roles: Role[]) {
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    const user = (await authenticate(c))?.user;
    if (!user) throw unauthorized();
    if (roles.length > 0 && !roles.includes(user.role))
      throw new AppError("forbidden", `This needs the ${roles.join(" or ")} role.`);
    c.set("user", user);
    await next();
  });
  requiredRoles.set(middleware, roles);
  return middleware;
}

/** The roles a `requireAuth` middleware asks for (empty: any signed-in user); undefined for any other handler. */
export function rolesRequiredBy(handler: unknown): readonly Role[] | undefined {
  return typeof handler === "function" ? requiredRoles.get(handler) : undefined;
}

/**
 * Admin routes: a valid token of an admin, or 404 for everyone else (signed in or not), so the
 * routes do not reveal they exist.
 */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const caller = c.req.header("authorization") ? await authenticate(c).catch(suspendedAsNobody) : null;
  // The role as the database has it now, not as the token claimed it: a demoted admin stops at once.
  if (caller?.user.role !== "admin" || caller.role !== "admin") throw new AppError("not_found", "No such route.");
  c.set("user", caller.user);
  await next();
});
requiredRoles.set(requireAdmin, ["admin"]);

/** A suspended caller is nobody to the admin routes (404 like anyone else); other failures stand. */
function suspendedAsNobody(err: unknown): null {
  if (err instanceof AppError && err.code === "account_suspended") return null;
  throw err;
}

/** Reads the caller when a valid token is present; public routes use it to show owners more. */
export async function optionalUser(c: Context<AppEnv>): Promise<AuthUser | null> {
  if (!c.req.header("authorization")) return null;
  const caller = await authenticate(c);
  if (!caller) throw unauthorized();
  return caller.user;
}

/** The token's user and their role as stored now; null for no or a bad token; 403 when suspended. */
async function authenticate(c: Context<AppEnv>): Promise<{ user: AuthUser; role: string | undefined } | null> {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(c.req.header("authorization") ?? "");
  if (!match?.[1]) return null;
  const ring = await loadKeyRing(c.env.JWT_PRIVATE_KEYS);
  const user = await verifyAccessToken(ring, match[1], tokenSettings(c.env));
  if (!user) return null;
  // A signature proves who, not whether they may still act: a suspension or a closed account ends
  // every token at once, not when it expires. (Rows are never deleted, closing anonymises; only our
  // own key mints tokens, so a token without a row is one the test suite minted.) Read at the
  // primary, not the request's replica: a replica may not have the suspension yet.
  const state = await accessState(d1(c.env), user.id);
  if (state?.deletedAt) return null;
  if (state?.suspendedAt)
    throw new AppError("account_suspended", "This account is suspended. Contact support to appeal.");
  return { user, role: state?.role };
}
