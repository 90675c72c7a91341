/**
 * Tenant access tokens minted by the bench itself, exactly as Roomline signs them
 * (workers/domain/tokens.ts): ES256 with the first key of JWT_PRIVATE_KEYS, `kid`, `typ: at+jwt`,
 * issuer and audience from wrangler.toml. Signing up 1,000 tenants would hit the register limiter.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { importJWK, SignJWT, type JSONWebKeySet, type JWK } from "jose";

export interface Tenant {
  id: string;
  token: string;
}
export interface TokenSettings {
  issuer: string;
  audience: string;
}

/** Token lifetime: longer than the product's 15 minutes so a slow run cannot outlive its tokens. */
const TTL_SECONDS = 60 * 60;

/** JWT_ISSUER and JWT_AUDIENCE from the [vars] of wrangler.toml. */
export function tokenSettingsFromWranglerToml(path = "wrangler.toml"): TokenSettings {
  const toml = readFileSync(path, "utf8");
  const read = (name: string) => {
    const value = new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m").exec(toml)?.[1];
    if (!value) throw new Error(`${name} not found in ${path}`);
    return value;
  };
  return { issuer: read("JWT_ISSUER"), audience: read("JWT_AUDIENCE") };
}

/** Mints `count` tenant tokens with distinct `usr_bench…` subjects. */
export async function mintTenants(privateKeysJson: string, settings: TokenSettings, count: number): Promise<Tenant[]> {
  const subjects = Array.from({ length: count }, (_, i) => ({
    id: `usr_bench${String(i).padStart(12, "0")}`,
    role: "tenant" as const,
  }));
  return mintTokens(privateKeysJson, settings, subjects);
}

/** Mints one token per subject, each with its role. */
export async function mintTokens(
  privateKeysJson: string,
  settings: TokenSettings,
  subjects: { id: string; role: "tenant" | "landlord" }[],
): Promise<Tenant[]> {
  const jwk = signingJwk(privateKeysJson);
  const key = await importJWK({ ...jwk, alg: "ES256" }, "ES256");
  const iat = Math.floor(Date.now() / 1000);
  return Promise.all(
    subjects.map(async ({ id, role }) => {
      const token = await new SignJWT({ role })
        .setProtectedHeader({ alg: "ES256", kid: jwk.kid!, typ: "at+jwt" })
        .setSubject(id)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + TTL_SECONDS)
        .setJti(randomUUID())
        .sign(key);
      return { id, token };
    }),
  );
}

/** The public half of every key in JWT_PRIVATE_KEYS, for the baseline server to verify the same tokens. */
export function publicJwks(privateKeysJson: string): JSONWebKeySet {
  const keys = JSON.parse(privateKeysJson) as JWK[];
  return { keys: keys.map(({ kty, crv, kid, x, y }) => ({ kty, crv, kid, x, y, alg: "ES256", use: "sig" })) };
}

function signingJwk(privateKeysJson: string): JWK {
  const first = (JSON.parse(privateKeysJson) as JWK[])[0];
  if (!first?.kid) throw new Error("JWT_PRIVATE_KEYS has no key with a kid");
  return first;
}
