import { env } from "cloudflare:workers";
import { base64url, createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { describe, expect, it } from "vitest";
import { loadKeyRing, signAccessToken, verifyAccessToken, type KeyRing } from "../../workers/domain/tokens";
import { hashPassword, PBKDF2_MAX_ITERATIONS, verifyPassword } from "../../workers/domain/password";
import { call, json, signUp, withoutRequestId } from "./helpers";

const settings = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
const privateKeys = JSON.parse(env.JWT_PRIVATE_KEYS) as (JWK & { kid: string })[];
const signingKey = privateKeys[0]!;

async function newPrivateJwk(kid: string) {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid };
}

/** Signs arbitrary claims with our real signing key, to vary one property at a time. */
async function forge(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const { importJWK } = await import("jose");
  const key = await importJWK({ ...signingKey, alg: "ES256" }, "ES256");
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: "tenant", ...claims })
    .setProtectedHeader({ alg: "ES256", kid: signingKey.kid, typ: "at+jwt", ...header })
    .setSubject(String(claims.sub ?? "usr_x"))
    .setIssuer(String(claims.iss ?? settings.issuer))
    .setAudience(String(claims.aud ?? settings.audience))
    .setIssuedAt(Number(claims.iat ?? now))
    .setNotBefore(Number(claims.nbf ?? now))
    .setExpirationTime(Number(claims.exp ?? now + 900))
    .sign(key);
}

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
const decode = (part: string) => JSON.parse(new TextDecoder().decode(base64url.decode(part)));

describe("access tokens on the wire", () => {
  it("reject every kind of bad token with 401 and one identical body", async () => {
    const user = await signUp();
    const [header, payload, signature] = user.accessToken.split(".");
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!)));
    const now = Math.floor(Date.now() / 1000);
    const publicJwk = { kty: "EC", crv: "P-256", x: signingKey.x, y: signingKey.y };
    const hmacKey = new TextEncoder().encode(JSON.stringify(publicJwk));
    const stranger = await newPrivateJwk("unknown-kid");
    const { importJWK } = await import("jose");

    const bad: Record<string, string> = {
      algNone: `${encode({ alg: "none", typ: "at+jwt", kid: signingKey.kid })}.${payload}.`,
      hs256WithPublicKey: await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: signingKey.kid })
        .sign(hmacKey),
      expired: await forge({ sub: user.id, iat: now - 3600, nbf: now - 3600, exp: now - 60 }),
      notYetValid: await forge({ sub: user.id, nbf: now + 600, exp: now + 1200 }),
      wrongIssuer: await forge({ sub: user.id, iss: "https://evil.example" }),
      wrongAudience: await forge({ sub: user.id, aud: "someone-else" }),
      wrongTyp: await forge({ sub: user.id }, { typ: "JWT" }),
      unknownKid: await new SignJWT(claims)
        .setProtectedHeader({ alg: "ES256", kid: "unknown-kid", typ: "at+jwt" })
        .sign(await importJWK({ ...stranger, alg: "ES256" }, "ES256")),
      tamperedPayload: `${header}.${encode({ ...claims, role: "admin" })}.${signature}`,
      garbage: "not-a-jwt",
    };
    // the genuine token works, so the failures below are about the token alone
    expect((await call("GET", "/v1/me", { token: user.accessToken })).status).toBe(200);
    const bodies = new Set<string>();
    for (const [name, token] of Object.entries(bad)) {
      const res = await call("GET", "/v1/me", { token });
      expect(res.status, name).toBe(401);
      bodies.add(JSON.stringify(withoutRequestId(await json(res))));
    }
    bodies.add(JSON.stringify(withoutRequestId(await json(await call("GET", "/v1/me")))));
    expect(bodies.size).toBe(1);
  });
});

describe("access token shape", () => {
  it("lives 15 minutes and names its key and algorithm", async () => {
    const user = await signUp();
    const [header, payload] = user.accessToken.split(".");
    expect(decode(header!)).toEqual({ alg: "ES256", kid: signingKey.kid, typ: "at+jwt" });
    const claims = decode(payload!);
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.sub).toBe(user.id);
  });
});

describe("algorithm pin", () => {
  it("refuses a correctly signed ES384 token even when its key set would verify it", async () => {
    // A key set whose JWK carries no `alg` lets jose pick the key by kid and curve alone, so the
    // signature below is valid; only `algorithms: [ALG]` in verifyAccessToken stands in the way.
    const { publicKey, privateKey } = await generateKeyPair("ES384", { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid: "p384" };
    const ring = {
      ...(await loadKeyRing(env.JWT_PRIVATE_KEYS)),
      verify: createLocalJWKSet({ keys: [publicJwk] }),
    } satisfies KeyRing;
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ role: "admin" })
      .setProtectedHeader({ alg: "ES384", kid: "p384", typ: "at+jwt" })
      .setSubject("usr_es384")
      .setIssuer(settings.issuer)
      .setAudience(settings.audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 900)
      .sign(privateKey);
    expect(await verifyAccessToken(ring, token, settings)).toBeNull();
  });
});

describe("key rotation", () => {
  it("keeps accepting the old key until it is removed from the ring", async () => {
    const oldKey = await newPrivateJwk("old");
    const newKey = await newPrivateJwk("new");
    const user = { id: "usr_rotation", role: "tenant" as const };
    const beforeRotation = await loadKeyRing(JSON.stringify([oldKey]));
    const token = await signAccessToken(beforeRotation, user, settings);

    const during = await loadKeyRing(JSON.stringify([newKey, oldKey]));
    expect(await verifyAccessToken(during, token, settings)).toEqual(user);
    const fresh = await signAccessToken(during, user, settings);
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(fresh.split(".")[0]!))).kid).toBe("new");
    expect(during.publicJwks.keys.map((k) => k.kid)).toEqual(["new", "old"]);
    expect(during.publicJwks.keys.every((k) => !("d" in k))).toBe(true);

    const after = await loadKeyRing(JSON.stringify([newKey]));
    expect(await verifyAccessToken(after, token, settings)).toBeNull();
    expect(await verifyAccessToken(after, fresh, settings)).toEqual(user);
  });

  it("publishes the public keys at /.well-known/jwks.json", async () => {
    const res = await call("GET", "/.well-known/jwks.json");
    expect(res.status).toBe(200);
    const { keys } = await json(res);
    expect(keys).toEqual([
      { kty: "EC", crv: "P-256", kid: signingKey.kid, x: signingKey.x, y: signingKey.y, alg: "ES256", use: "sig" },
    ]);
  });
});

describe("password hashing", () => {
  it("refuses more PBKDF2 iterations than Workers production allows", async () => {
    await expect(hashPassword("pw", PBKDF2_MAX_ITERATIONS + 1)).rejects.toThrow(RangeError);
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
  });

  it("verifies the right password only, and never a hash claiming too many iterations", async () => {
    const hash = await hashPassword("s3cret-password");
    expect(await verifyPassword("s3cret-password", hash)).toBe(true);
    expect(await verifyPassword("s3cret-passwore", hash)).toBe(false);
    expect(await verifyPassword("s3cret-password", hash.replace("$100000$", "$200000$"))).toBe(false);
  });
});
