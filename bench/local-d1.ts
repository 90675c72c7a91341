/**
 * The bench worker's local D1, from outside the worker: SQL applied with `wrangler d1 execute`
 * (as the seed is), and the SQLite file behind it for read-only counts.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Platform } from "./platform";
import { runWrangler } from "./processes";
import { round } from "./stats";

/** SQL per `wrangler d1 execute --file` (each file is one batch, one transaction, one Miniflare run). */
const FILE_BYTES = 40 * 1024 * 1024;
/** A D1 statement is at most 100 KB. */
const MAX_STATEMENT_BYTES = 100_000;
/** Rows of merged INSERTs per statement, in bytes (the head, a few hundred bytes, comes on top). */
const MERGED_BYTES = 90_000;

/** `wrangler d1 execute DB --local` against the bench's own state, with `args` (`--file f`, `--command …`). */
export function d1Execute(platform: Platform, args: string[]): Promise<string> {
  return runWrangler(
    [
      "d1",
      "execute",
      "DB",
      "--local",
      "--config",
      join(platform.projectDir, "wrangler.toml"),
      "--persist-to",
      join(platform.dir, "wrangler-state"),
      ...args,
    ],
    { CI: "true" },
  );
}

export interface SqlApplied {
  ms: number;
  files: number;
  megabytes: number;
  statements: number;
  largestStatementBytes: number;
}

/**
 * Writes `statements` into files of at most FILE_BYTES (named `<name>-<n>.sql` in the bench's
 * temp dir) and applies them in order. `started` is when the caller began (its own generation
 * time counts in `ms`).
 */
export async function applySql(
  platform: Platform,
  statements: string[],
  name: string,
  say: (line: string) => void,
  started = performance.now(),
): Promise<SqlApplied> {
  const largest = Math.max(...statements.map((s) => Buffer.byteLength(s)));
  if (largest >= MAX_STATEMENT_BYTES)
    throw new Error(`a seed statement is ${largest} bytes, over D1's ${MAX_STATEMENT_BYTES}`);
  const files: string[] = [];
  let chunk: string[] = [];
  let size = 0;
  let bytes = 0;
  const flush = () => {
    if (chunk.length === 0) return;
    const file = join(platform.dir, `${name}-${files.length}.sql`);
    writeFileSync(file, `${chunk.join("\n")}\n`);
    files.push(file);
    bytes += size;
    chunk = [];
    size = 0;
  };
  for (const s of statements) {
    if (size + s.length > FILE_BYTES) flush();
    chunk.push(s);
    size += s.length + 1;
  }
  flush();
  say(
    `  seed SQL: ${statements.length} statements (largest ${round(largest / 1024)} KB) in ${files.length} files, ${round(bytes / 2 ** 20)} MB`,
  );
  for (const [i, file] of files.entries()) {
    const t = performance.now();
    await d1Execute(platform, ["--file", file]);
    say(`    file ${i + 1}/${files.length} applied (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  const ms = performance.now() - started;
  say(`  D1 seeded in ${(ms / 1000).toFixed(1)} s`);
  return {
    ms: round(ms, 0),
    files: files.length,
    megabytes: round(bytes / 2 ** 20),
    statements: statements.length,
    largestStatementBytes: largest,
  };
}

/**
 * Consecutive INSERTs into the same table merged into statements of up to MERGED_BYTES: local D1
 * pays a few milliseconds per statement of a batch, which made 100,000 one-row INSERTs the
 * slowest part of a seed.
 */
export function mergeInserts(statements: string[]): string[] {
  const out: string[] = [];
  let head = "";
  let rows: string[] = [];
  let size = 0;
  const flush = () => {
    if (rows.length) out.push(`${head}\n${rows.join(",\n")};`);
    rows = [];
    size = 0;
  };
  for (const s of statements) {
    const m = /^(INSERT [^\n]*?VALUES)\s*(\([\s\S]*\));$/.exec(s);
    if (!m) {
      flush();
      head = "";
      out.push(s);
      continue;
    }
    const bytes = Buffer.byteLength(m[2]!);
    if (m[1] !== head || size + bytes > MERGED_BYTES) {
      flush();
      head = m[1]!;
    }
    rows.push(m[2]!);
    size += bytes + 2;
  }
  flush();
  return out;
}

/** The SQLite file behind the local D1 database (the only one the bench's wrangler state has). */
export function localD1File(platform: Platform): string {
  const dir = join(platform.dir, "wrangler-state", "v3", "d1", "miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one D1 database in ${dir}, found ${files.join(", ") || "none"}`);
  return join(dir, files[0]!);
}
