import { d1, type D1Db } from "./data/d1";

/** What a use case needs: the bindings and this request's D1 client. */
export interface Deps {
  env: Env;
  db: D1Db;
  /** Work that outlives the response (an email): the request's waitUntil; absent, the caller awaits it. */
  waitUntil?: (work: Promise<unknown>) => void;
}

export function makeDeps(env: Env, waitUntil?: (work: Promise<unknown>) => void): Deps {
  return { env, db: d1(env), ...(waitUntil && { waitUntil }) };
}
