import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "../../schema/d1";

export type D1Db = DrizzleD1Database<typeof schema>;

const clients = new WeakMap<D1Database, D1Db>();

/** The drizzle client over the D1 binding, built once per binding per isolate. */
export function d1(env: Env): D1Db {
  let db = clients.get(env.DB);
  if (!db) {
    db = drizzle(env.DB, { schema });
    clients.set(env.DB, db);
  }
  return db;
}
