/**
 * Builds the worker's static assets (wrangler.toml `[assets]`, folder public/): today Scalar's
 * standalone API reference for /docs, copied from node_modules so nothing is fetched from a CDN.
 * `npm start`, `npm test` and `npm run deploy` run it first; run alone: `tsx scripts/assets.ts`.
 */
import { copyFileSync, mkdirSync, statSync } from "node:fs";
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

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const written = buildAssets();
  console.log(written.length ? `assets: wrote ${written.join(", ")}` : "assets: up to date");
}
