/**
 * `npm run check:deploy` (also run by `npm test`): builds the worker exactly as `wrangler deploy`
 * would (`--dry-run --outdir`, offline) and fails if the bundle is over Workers' 3 MiB (gzip) limit
 * for a free-plan script, reporting its size raw and gzipped. It also estimates the worker's startup
 * CPU time: the bundle's parse and top-level evaluation in V8 (Node 22, the engine workerd embeds),
 * with Cloudflare's own modules stubbed, median of 3 fresh processes, less an empty script's. Workers
 * refuse a script whose startup is over their limit; this fails the check past 400 ms, the
 * strictest the limit has been (it is higher today), to keep room.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

const LIMIT_GZIP = 3 * 1024 * 1024;
const LIMIT_STARTUP_MS = 400;

/** Cloudflare's own modules, as empty stand-ins: only the script's own startup is measured. */
const STUB_HOOKS = `export async function resolve(specifier, context, next) {
  if (!specifier.startsWith("cloudflare:")) return next(specifier, context);
  const stub = "export class DurableObject {} export class WorkerEntrypoint {} export const env = {}; export function connect() {}";
  return { url: "data:text/javascript," + encodeURIComponent(stub), shortCircuit: true };
}`;
const PROBE = `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(process.env.STUB_HOOKS));
const before = process.cpuUsage();
await import(process.argv[1]);
const used = process.cpuUsage(before);
console.log((used.user + used.system) / 1000);`;

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
  const startup = startupCpuMs(join(out, "index.js"));
  console.log(`startup CPU (parse + top-level evaluation, V8): ~${startup} ms; limit ${LIMIT_STARTUP_MS} ms`);
  if (startup > LIMIT_STARTUP_MS) {
    console.error("the worker's startup is over Workers' limit");
    process.exit(1);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

function startupCpuMs(bundle: string): number {
  const script = bundle.replace(/\.js$/, ".mjs");
  copyFileSync(bundle, script);
  // The Node built-ins the bundle imports cost the baseline too: an empty script importing them.
  const imports = [...readFileSync(script, "utf8").matchAll(/^import \w+ from "([\w:/]+)";$/gm)].map((m) => m[1]);
  const empty = join(out, "empty.mjs");
  writeFileSync(empty, imports.map((m) => `import ${JSON.stringify(m)};`).join("\n"));
  const median = (file: string) => {
    const runs = [0, 1, 2].map(() => {
      const probe = spawnSync(process.execPath, ["--input-type=module", "-e", PROBE, file], {
        encoding: "utf8",
        env: { ...process.env, STUB_HOOKS },
      });
      if (probe.status !== 0) throw new Error(`startup probe failed: ${probe.stderr}`);
      return Number(probe.stdout.trim());
    });
    return runs.sort((a, b) => a - b)[1]!;
  };
  return Math.round(median(script) - median(empty));
}
