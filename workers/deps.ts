import { d1, type D1Db } from "./data/d1";

/** What a use case needs: the bindings and this request's D1 client. */
export interface Deps {
  env: Env;
  db: D1Db;
}

export function makeDeps(env: Env): Deps {
  return { env, db: d1(env) };
}
