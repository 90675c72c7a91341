/**
 * `npm test`: type checks; the OpenAPI document as the worker serves it, linted by Redocly and
 * Spectral; then the Node tests and the workerd suite against a real PostgreSQL (embedded in a
 * throw-away folder, or DATABASE_URL), stopping everything it started.
 * `npm test -- --worker-only [files…]` runs only the workerd suite (or those files of it), for a quick loop.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStripeFake } from "../fakes/stripe/server";
import { buildAssets, buildWeb } from "./assets";
import { freePort } from "./ports";
import { migratePostgres, startPostgres } from "./postgres";

const scratch = mkdtempSync(join(tmpdir(), "roomline-test-"));
const reports = [join(scratch, "node-tests.json"), join(scratch, "worker-tests.json")];
const json = (file: string) => ["--reporter=default", "--reporter=json", `--outputFile.json=${file}`];
// The served OpenAPI document and the validators the worker suite checks responses with (scripts/contract.ts).
const contract = join(scratch, "contract");
const servedDocument = join(contract, "openapi.json");
const workerOnly = process.argv.includes("--worker-only");
const vitestArgs = process.argv.slice(2).filter((a) => a !== "--worker-only");
const ALL_STEPS: [string, string[]][] = [
  ["prettier", ["--check", "--log-level", "warn", "."]],
  ["depcruise", ["workers", "durable-objects", "schema", "--config", ".dependency-cruiser.cjs"]],
  ["tsx", ["scripts/schema-drift.ts"]],
  ["wrangler", ["types", "--strict-vars=false", "--check"]],
  ["tsc", ["-p", "tsconfig.json"]],
  ["tsc", ["-p", "tsconfig.node.json"]],
  ["tsx", ["scripts/web-types.ts"]],
  ["tsx", ["scripts/check-deploy.ts"]],
  ["tsx", ["scripts/contract.ts", contract]],
  ["redocly", ["lint", servedDocument, "--config", "redocly.yaml"]],
  ["spectral", ["lint", servedDocument, "--ruleset", ".spectral.yaml", "--fail-severity", "warn"]],
  ["vitest", ["run", "-c", "vitest.node.config.ts", ...json(reports[0]!)]],
  ["vitest", ["run", ...json(reports[1]!), ...vitestArgs]],
];
const STEPS = workerOnly
  ? ALL_STEPS.filter(([cmd, args]) => args[0] === "scripts/contract.ts" || (cmd === "vitest" && args[1] !== "-c"))
  : ALL_STEPS;

const pg = await startPostgres({ dataDir: join(scratch, "pg"), port: await freePort(), persistent: false });
// Stripe's servers are out of reach: the worker's SDK talks to the project's fake instead.
// Tests deliver webhooks themselves (the worker under test listens on no port).
const webhookSecret = `whsec_test_${Date.now()}`;
const stripe = await startStripeFake({ port: await freePort(), webhookSecret, log: () => undefined });
const env = {
  TEST_DATABASE_URL: pg.url,
  TEST_STRIPE_URL: stripe.url,
  TEST_STRIPE_WEBHOOK_SECRET: webhookSecret,
  TEST_OPENAPI_CONTRACT: join(contract, "openapi-contract.js"),
  // Offline: no usage reports, no update checks.
  REDOCLY_TELEMETRY: "off",
  REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
  WRANGLER_SEND_METRICS: "false",
};
let code = 0;
try {
  await migratePostgres(pg.url);
  buildAssets();
  await buildWeb();
  for (const [cmd, args] of STEPS) {
    code = await run(cmd, args, env);
    if (code !== 0) break;
  }
} finally {
  await stripe.close();
  await pg.stop();
}
printTotals();
process.exit(code);

/** One closing line over both suites, in the plain form CI tools read. */
function printTotals(): void {
  let passed = 0;
  let failed = 0;
  for (const file of reports.filter((f) => existsSync(f))) {
    const report = JSON.parse(readFileSync(file, "utf8")) as { numPassedTests: number; numFailedTests: number };
    passed += report.numPassedTests;
    failed += report.numFailedTests;
  }
  console.log(`\nTests: ${passed} passed, ${failed} failed`);
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<number> {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: "inherit",
      env: { ...process.env, ...env, CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    });
    child.on("exit", (c) => resolve(c ?? 1));
  });
}
