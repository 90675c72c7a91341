import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { Client } from "pg";
import { CloudflareSocket } from "pg-cloudflare";
import * as schema from "../../schema/pg";
import { AppError } from "../errors";
import { timed } from "../trace";

export type PgDb = NodePgDatabase<typeof schema>;
/** A connection or a transaction opened on it: data functions take either, so callers choose the transaction. */
export type PgTx = Parameters<Parameters<PgDb["transaction"]>[0]>[0] | PgDb;

/**
 * workerd rejects a read that is pending when the socket is closed, and pg-cloudflare turns that
 * into an `error` event after pg has stopped listening, an unhandled rejection on every clean
 * `client.end()`. Once we chose to end the socket, errors from it are noise: drop them.
 */
class EndingSafeSocket extends CloudflareSocket {
  #ending = false;
  override end(...args: Parameters<CloudflareSocket["end"]>): this {
    this.#ending = true;
    return super.end(...args);
  }
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    return event === "error" && this.#ending ? false : super.emit(event, ...args);
  }
}

/**
 * Runs `work` on a fresh Postgres connection through Hyperdrive and always closes it: Hyperdrive
 * pools the real connections, so a client per unit of work is the intended pattern on Workers.
 */
export function withPg<T>(env: Env, work: (db: PgDb, client: Client) => Promise<T>): Promise<T> {
  return timed("pg", () => onConnection(env, work));
}

async function onConnection<T>(env: Env, work: (db: PgDb, client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: env.PG.connectionString,
    connectionTimeoutMillis: 5000,
    stream: () => new EndingSafeSocket(false) as unknown as import("node:net").Socket,
  });
  await client.connect().catch((err: unknown) => {
    throw new AppError("dependency_unavailable", "The database is unavailable; retry shortly.", {
      cause: err,
      headers: { "retry-after": "5" },
    });
  });
  try {
    return await work(drizzle(client, { schema }), client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
