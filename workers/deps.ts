import { d1, d1Session, type D1Db } from "./data/d1";

/** What a use case needs: the bindings and this request's D1 client. */
export interface Deps {
  env: Env;
  db: D1Db;
  /** Work that outlives the response (an email): the request's waitUntil; absent, the caller awaits it. */
  waitUntil?: (work: Promise<unknown>) => void;
}

/** A request's dependencies; with `session`, its D1 reads go through that Sessions API session. */
export function makeDeps(env: Env, waitUntil?: (work: Promise<unknown>) => void, session?: D1DatabaseSession): Deps {
  return { env, db: session ? d1Session(session) : d1(env), ...(waitUntil && { waitUntil }) };
}
