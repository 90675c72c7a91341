import {
  createLocalJWKSet,
  importJWK,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from "jose";
import { z } from "zod";

/**
 * Access tokens: ES256 JWTs with a `kid`, 15 minutes, `typ: at+jwt` (RFC 9068). Verification pins
 * algorithm, issuer, audience and typ, so `alg: none`, HS256-with-the-public-key and foreign tokens
 * all fail the same way.
 */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const ALG = "ES256";
const TYP = "at+jwt";

export const Role = z.enum(["tenant", "landlord", "admin"]);
export type Role = z.infer<typeof Role>;
export interface AuthUser {
  id: string;
  role: Role;
  /** The session (refresh-token family) the access token was issued to. */
  sid?: string;
}

export interface KeyRing {
  /** The first key of JWT_PRIVATE_KEYS signs; every key listed verifies (rotation window). */
  signing: { kid: string; key: CryptoKey };
  verify: JWTVerifyGetKey;
  publicJwks: JSONWebKeySet;
}

const PrivateJwk = z.object({
  kty: z.literal("EC"),
  crv: z.literal("P-256"),
  kid: z.string().min(1),
  d: z.string(),
  x: z.string(),
  y: z.string(),
});
const rings = new Map<string, Promise<KeyRing>>();

/** Parses JWT_PRIVATE_KEYS (a JSON array of private JWKs) once per isolate. */
export function loadKeyRing(privateKeysJson: string): Promise<KeyRing> {
  let ring = rings.get(privateKeysJson);
  if (!ring) {
    ring = buildKeyRing(privateKeysJson);
    rings.set(privateKeysJson, ring);
  }
  return ring;
}

async function buildKeyRing(json: string): Promise<KeyRing> {
  const keys = z.array(PrivateJwk).min(1).parse(JSON.parse(json));
  const first = keys[0]!;
  const key = await importJWK({ ...first, alg: ALG }, ALG);
  if (!(key instanceof CryptoKey)) throw new Error("JWT signing key must be an asymmetric JWK");
  const publicJwks: JSONWebKeySet = {
    keys: keys.map(({ kty, crv, kid, x, y }): JWK => ({ kty, crv, kid, x, y, alg: ALG, use: "sig" })),
  };
  return { signing: { kid: first.kid, key }, verify: createLocalJWKSet(publicJwks), publicJwks };
}

export interface TokenSettings {
  issuer: string;
  audience: string;
}

/** The issuer and audience every token is signed with and pinned to, from `[vars]`. */
export function tokenSettings(env: { JWT_ISSUER: string; JWT_AUDIENCE: string }): TokenSettings {
  return { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
}

/** Signs a short-lived access token for `user`. */
export async function signAccessToken(
  ring: KeyRing,
  user: AuthUser,
  settings: TokenSettings,
  now = Date.now(),
): Promise<string> {
  const iat = Math.floor(now / 1000);
  return new SignJWT({ role: user.role, ...(user.sid && { sid: user.sid }) })
    .setProtectedHeader({ alg: ALG, kid: ring.signing.kid, typ: TYP })
    .setSubject(user.id)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
    .setJti(crypto.randomUUID())
    .sign(ring.signing.key);
}

/** Returns the token's user, or null for any token that is not ours, current and intact. */
export async function verifyAccessToken(
  ring: KeyRing,
  token: string,
  settings: TokenSettings,
): Promise<AuthUser | null> {
  try {
    const { payload } = await jwtVerify(token, ring.verify, {
      algorithms: [ALG],
      issuer: settings.issuer,
      audience: settings.audience,
      typ: TYP,
      requiredClaims: ["sub", "exp", "iat", "nbf"],
    });
    const role = Role.safeParse(payload.role);
    if (!role.success || !payload.sub) return null;
    const sid = typeof payload.sid === "string" ? payload.sid : undefined;
    return { id: payload.sub, role: role.data, ...(sid && { sid }) };
  } catch {
    return null;
  }
}
