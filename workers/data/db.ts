import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "../../schema/d1";

export type D1Db = DrizzleD1Database<typeof schema>;

/** One drizzle client over the D1 binding; cheap, made per request. */
export function d1(env: Env): D1Db {
  return drizzle(env.DB, { schema });
}
