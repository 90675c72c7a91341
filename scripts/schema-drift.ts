/**
 * Fails when schema/d1.ts or schema/pg.ts says something the migrations do not: drizzle-kit
 * generates against a scratch copy of each migrations folder, and any new file is drift.
 * (`drizzle-kit check` only checks the migrations against each other, not against the schema.)
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const STORES = [
  { dialect: "sqlite", schema: "schema/d1.ts", out: "migrations/d1" },
  { dialect: "postgresql", schema: "schema/pg.ts", out: "migrations/pg" },
];

// drizzle-kit reads `out` relative to the working directory, so the scratch copy lives in the (git-ignored) tree.
mkdirSync(".dev-tmp", { recursive: true });
const scratch = mkdtempSync(join(".dev-tmp", "drift-"));
let drift = 0;
try {
  for (const store of STORES) {
    const out = join(scratch, store.dialect);
    cpSync(store.out, out, { recursive: true });
    const before = new Set(readdirSync(out));
    const config = join(scratch, `${store.dialect}.config.ts`);
    const settings = { dialect: store.dialect, schema: resolve(store.schema), out: relative(process.cwd(), out) };
    writeFileSync(config, `export default ${JSON.stringify(settings)};\n`);
    const run = spawnSync("drizzle-kit", ["generate", "--config", config], { encoding: "utf8" });
    const added = readdirSync(out).filter((f) => !before.has(f));
    // drizzle-kit exits 0 even when it fails to read the folder: only its own "no changes" line counts as clean.
    if (run.status !== 0 || (!/No schema changes/.test(run.stdout) && added.length === 0)) {
      throw new Error(`drizzle-kit generate failed for ${store.schema}:\n${run.stdout}${run.stderr}`);
    }
    if (added.length > 0) {
      drift++;
      console.error(
        `${store.schema} has changes no migration holds (${added.join(", ")}): run \`npm run db:generate\`.`,
      );
    } else console.log(`${store.schema}: migrations up to date`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(drift > 0 ? 1 : 0);
