/**
 * Builds the worker's static assets (wrangler.toml `[assets]`, folder public/): Scalar's standalone
 * API reference for /docs, copied from node_modules so nothing is fetched from a CDN, and the web
 * app (web/, Vite) into public/app/. `npm start`, `npm test` and `npm run deploy` run it first; run
 * alone: `tsx scripts/assets.ts`.
 */
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const COPIES: [from: string, to: string][] = [
  ["node_modules/@scalar/api-reference/dist/browser/standalone.js", "public/docs/scalar.js"],
];

/** Copies every asset into public/ (a file already up to date is left alone); returns the paths written. */
export function buildAssets(root = ROOT): string[] {
  const written: string[] = [];
  for (const [from, to] of COPIES) {
    const source = resolve(root, from);
    const target = resolve(root, to);
    if (upToDate(source, target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    written.push(to);
  }
  return written;
}

function upToDate(source: string, target: string): boolean {
  try {
    const [s, t] = [statSync(source), statSync(target)];
    return s.size === t.size && s.mtimeMs <= t.mtimeMs;
  } catch {
    return false;
  }
}

/** Builds the web app (web/vite.config.ts) into public/app/; answers the size of its JavaScript, gzipped. */
export async function buildWeb(root = ROOT): Promise<{ jsGzipBytes: number }> {
  const { build } = await import("vite");
  const out = await build({ configFile: resolve(root, "web/vite.config.ts"), logLevel: "warn" });
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((o) => ("output" in o ? o.output : []));
  const js = outputs.filter((o) => o.type === "chunk").map((o) => gzipSync((o as { code: string }).code).length);
  return { jsGzipBytes: js.reduce((a, b) => a + b, 0) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = buildAssets();
  console.log(written.length ? `assets: wrote ${written.join(", ")}` : "assets: up to date");
  const { jsGzipBytes } = await buildWeb();
  console.log(`web app: built into public/app (${(jsGzipBytes / 1024).toFixed(1)} KB of JavaScript, gzip)`);
}
