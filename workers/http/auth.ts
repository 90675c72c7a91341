import { createMiddleware } from "hono/factory";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { loadKeyRing, verifyAccessToken, type AuthUser, type Role } from "../domain/tokens";
import { tokenSettings } from "../services/identity";
import { AppError } from "./errors";

/** One answer for every bad token, so a client cannot probe why a token failed. */
const unauthorized = () => new AppError("unauthorized", "A valid access token is required.", { headers: { "www-authenticate": 'Bearer realm="roomline"' } });

/** Requires a valid access token; with roles, also one of those roles (403 otherwise). */
export function requireAuth(...roles: Role[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const user = await authenticate(c);
    if (!user) throw unauthorized();
    if (roles.length > 0 && !roles.includes(user.role)) throw new AppError("forbidden", `This needs the ${roles.join(" or ")} role.`);
    c.set("user", user);
    await next();
  });
}

/** Reads the caller when a valid token is present; public routes use it to show owners more. */
export async function optionalUser(c: Context<AppEnv>): Promise<AuthUser | null> {
  if (!c.req.header("authorization")) return null;
  const user = await authenticate(c);
  if (!user) throw unauthorized();
  return user;
}

async function authenticate(c: Context<AppEnv>): Promise<AuthUser | null> {
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(c.req.header("authorization") ?? "");
  if (!match?.[1]) return null;
  const ring = await loadKeyRing(c.env.JWT_PRIVATE_KEYS);
  return verifyAccessToken(ring, match[1], tokenSettings(c.env));
}
