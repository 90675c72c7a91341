import { hc } from "hono/client";
import type { AppType } from "../../workers/app";

/**
 * The API, through Hono's typed client (`hc<AppType>`): paths, bodies and answers are the worker's
 * own types. The access token lives in memory only; the refresh token is an HttpOnly cookie the
 * browser keeps for /v1/auth (X-Roomline-Client: web), so no script can read either from storage.
 */
let accessToken: string | null = null;
let refreshing: Promise<boolean> | null = null;
const listeners = new Set<() => void>();

export const WEB = { "x-roomline-client": "web" } as const;

export function signedIn(): boolean {
  return accessToken !== null;
}

export function onAuthChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function setAccessToken(token: string | null): void {
  accessToken = token;
  for (const l of listeners) l();
}

/** Trades the cookie for a new access token (once at a time); false when there is no session. */
export function refreshSession(): Promise<boolean> {
  refreshing ??= (async () => {
    const res = await raw.v1.auth.refresh.$post({ json: {} }, { headers: WEB });
    if (res.ok) setAccessToken((await res.json()).accessToken);
    else setAccessToken(null);
    return res.ok;
  })().finally(() => (refreshing = null));
  return refreshing;
}

/**
 * The newest D1 bookmark the API answered (read replication): sent back with every call, so a read
 * after a write is served by a replica that already has it. Bookmarks of one database compare as strings.
 */
let bookmark: string | null = null;

/** fetch with the access token and the bookmark, refreshing the token once on a 401. */
async function authedFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const send = async () => {
    const headers = new Headers(init.headers);
    if (accessToken) headers.set("authorization", `Bearer ${accessToken}`);
    if (bookmark) headers.set("x-d1-bookmark", bookmark);
    const res = await fetch(input, { ...init, headers });
    const next = res.headers.get("x-d1-bookmark");
    if (next && (!bookmark || next > bookmark)) bookmark = next;
    return res;
  };
  const res = await send();
  if (res.status === 401 && accessToken && (await refreshSession())) return send();
  return res;
}

const raw = hc<AppType>(location.origin);
export const api = hc<AppType>(location.origin, { fetch: authedFetch });

/** An API problem (RFC 9457): its stable code, its sentence, and the fields it names. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fields: Record<string, string>,
  ) {
    super(detail);
  }
}

/** The body of a successful answer, or a Problem with the API's own words. */
export async function ok<T>(res: { ok: boolean; status: number; json(): Promise<T> }): Promise<T> {
  if (res.ok) return res.json();
  const body = (await res.json().catch(() => ({}))) as {
    code?: string;
    detail?: string;
    errors?: { path: string; message: string }[];
  };
  const fields = Object.fromEntries((body.errors ?? []).map((e) => [e.path, e.message]));
  throw new Problem(res.status, body.code ?? "error", body.detail ?? "Something went wrong.", fields);
}

/** A success with no body (201/204 without JSON), or a Problem with the API's own words. */
export async function done(res: { ok: boolean; status: number; json(): Promise<unknown> }): Promise<void> {
  if (!res.ok) await ok(res);
}

export { raw as publicApi };
