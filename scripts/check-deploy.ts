/**
 * `npm run check:deploy` (also run by `npm test`): builds the worker exactly as `wrangler deploy`
 * would (`--dry-run --outdir`, offline) and fails if the bundle is over Workers' 3 MiB (gzip) limit
 * for a free-plan script, reporting its size raw and gzipped.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const LIMIT_GZIP = 3 * 1024 * 1024;
const root = resolve(import.meta.dirname, "..");
const out = mkdtempSync(join(tmpdir(), "roomline-deploy-"));
try {
  const wrangler = join(root, "node_modules", ".bin", "wrangler");
  const run = spawnSync(wrangler, ["deploy", "--dry-run", "--outdir", out], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  });
  if (run.status !== 0) {
    console.error(run.stdout, run.stderr);
    throw new Error(`wrangler deploy --dry-run failed (exit ${run.status})`);
  }
  const files = readdirSync(out).filter((f) => /\.(js|mjs|wasm)$/.test(f));
  const raw = files.reduce((n, f) => n + readFileSync(join(out, f)).byteLength, 0);
  const gzip = files.reduce((n, f) => n + gzipSync(readFileSync(join(out, f)), { level: 9 }).byteLength, 0);
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
  console.log(`deploy bundle (${files.join(", ")}): ${mib(raw)} raw, ${mib(gzip)} gzip; limit ${mib(LIMIT_GZIP)} gzip`);
  if (gzip > LIMIT_GZIP) {
    console.error(`the worker's bundle is over the limit by ${mib(gzip - LIMIT_GZIP)}`);
    process.exit(1);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
