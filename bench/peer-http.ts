/**
 * What the bench's two Node peers (bench/pg-baseline, bench/pg-fair-peer) share: their config from
 * the environment, the access-token check Roomline also makes, the booking body, reading a body.
 * NOT product code.
 */
import type { IncomingMessage } from "node:http";
import { jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from "jose";

export interface PeerConfig {
  port: number;
  databaseUrl: string;
  schema: string;
  jwks: JSONWebKeySet;
  issuer: string;
  audience: string;
  poolSize: number;
}

export interface BookingInput {
  roomId: string;
  startDate: string;
  endDate: string;
  units: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** An environment variable the peer cannot start without. */
export function need(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** PORT, DATABASE_URL, BENCH_SCHEMA, JWT_PUBLIC_JWKS, JWT_ISSUER, JWT_AUDIENCE and POOL_SIZE (20). */
export function peerConfigFromEnv(env: NodeJS.ProcessEnv): PeerConfig {
  return {
    port: Number(need(env, "PORT")),
    databaseUrl: need(env, "DATABASE_URL"),
    schema: need(env, "BENCH_SCHEMA"),
    jwks: JSON.parse(need(env, "JWT_PUBLIC_JWKS")) as JSONWebKeySet,
    issuer: need(env, "JWT_ISSUER"),
    audience: need(env, "JWT_AUDIENCE"),
    poolSize: Number(env.POOL_SIZE ?? 20),
  };
}

/** The environment a peer reads with peerConfigFromEnv, for the bench that starts it. */
export function peerEnv(o: {
  port: number;
  pgUrl: string;
  schema: string;
  /** The public JWKS Roomline's access tokens verify against. */
  jwks: unknown;
  tokens: { issuer: string; audience: string };
  poolSize: number;
}): Record<string, string> {
  return {
    PORT: String(o.port),
    DATABASE_URL: o.pgUrl,
    BENCH_SCHEMA: o.schema,
    JWT_PUBLIC_JWKS: JSON.stringify(o.jwks),
    JWT_ISSUER: o.tokens.issuer,
    JWT_AUDIENCE: o.tokens.audience,
    POOL_SIZE: String(o.poolSize),
  };
}

/** The tenant's id from the same ES256 access token Roomline accepts (algorithm, issuer, audience, typ pinned); null otherwise. */
export async function tenantOf(
  req: IncomingMessage,
  verify: JWTVerifyGetKey,
  config: Pick<PeerConfig, "issuer" | "audience">,
): Promise<string | null> {
  const token = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(req.headers.authorization ?? "")?.[1];
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, verify, {
      algorithms: ["ES256"],
      issuer: config.issuer,
      audience: config.audience,
      typ: "at+jwt",
    });
    return payload.role === "tenant" && payload.sub ? payload.sub : null;
  } catch {
    return null;
  }
}

/** A booking body as Roomline's schema takes it (dates, end after start, 1–100 units); null otherwise. */
export function parseBooking(text: string): BookingInput | null {
  try {
    const b = JSON.parse(text) as Partial<BookingInput>;
    const ok =
      typeof b.roomId === "string" &&
      typeof b.startDate === "string" &&
      DATE.test(b.startDate) &&
      typeof b.endDate === "string" &&
      DATE.test(b.endDate) &&
      b.endDate > b.startDate &&
      Number.isInteger(b.units) &&
      b.units! >= 1 &&
      b.units! <= 100;
    return ok ? (b as BookingInput) : null;
  } catch {
    return null;
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString()));
    req.on("error", reject);
  });
}
