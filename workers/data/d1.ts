import { is, SQL } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import * as schema from "../../schema/d1";

/** The client is the binding (queues, cron) or a request's session: only `prepare` and `batch` are on both. */
export type D1Db = DrizzleD1Database<typeof schema> & { $client: D1Database | D1DatabaseSession };

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

/**
 * The drizzle client over one request's D1 Sessions API session (read replication): its queries go
 * to a replica at least as fresh as the session's bookmark, writes to the primary.
 */
export function d1Session(session: D1DatabaseSession): D1Db {
  return drizzle(sessionClient(session), { schema });
}

/**
 * A session in the binding's shape, which is the only client drizzle's D1 driver types admit. The driver
 * calls only `prepare` and `batch` (drizzle-orm/d1/session.js), which a session has; what a session lacks
 * throws, and `D1Db` types its client as binding or session, so no code here can reach for it.
 */
function sessionClient(session: D1DatabaseSession): D1Database {
  const absent = (what: string) => () => {
    throw new Error(`a D1 session has no ${what}()`);
  };
  return {
    prepare: (query) => session.prepare(query),
    batch: <T>(statements: D1PreparedStatement[]) => session.batch<T>(statements),
    exec: absent("exec"),
    dump: absent("dump"),
    withSession: absent("withSession"),
  };
}

const dialect = new SQLiteSyncDialect();

/**
 * Runs raw `sql` statements (and drizzle builders) as one D1 batch, in order and all or nothing,
 * answering each statement's rows. drizzle's own batch takes only its builders; search's
 * statements are hand-written SQL over a virtual table drizzle does not model.
 */
export async function batchSql<T extends unknown[][]>(
  db: D1Db,
  statements: (SQL | { toSQL(): { sql: string; params: unknown[] } })[],
): Promise<T> {
  const client = db.$client;
  const prepared = statements.map((s) => {
    const { sql, params } = is(s, SQL) ? dialect.sqlToQuery(s) : s.toSQL();
    return client.prepare(sql).bind(...params);
  });
  const results = await client.batch(prepared);
  return results.map((r) => r.results) as T;
}

/** Whether a D1 error is a UNIQUE (or PRIMARY KEY) refusal: the row, or the key it claims, exists already. */
export function isUniqueViolation(err: unknown): boolean {
  return String((err as Error | undefined)?.cause ?? err).includes("UNIQUE constraint failed");
}
