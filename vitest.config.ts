import { readFileSync } from "node:fs";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig, type Plugin } from "vitest/config";
import { localSecrets } from "./scripts/secrets";

/**
 * Worker tests run inside workerd with the bindings of wrangler.toml. Postgres is the real server
 * started by scripts/test.ts (TEST_DATABASE_URL); secrets are generated fresh for every run.
 */
export default defineConfig(async () => {
  const databaseUrl = process.env.TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error("TEST_DATABASE_URL is not set: run the suite with `npm test`.");
  process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_PG = databaseUrl;
  const stripeUrl = process.env.TEST_STRIPE_URL;
  const webhookSecret = process.env.TEST_STRIPE_WEBHOOK_SECRET;
  if (!stripeUrl || !webhookSecret) throw new Error("TEST_STRIPE_URL is not set: run the suite with `npm test`.");
  const contract = process.env.TEST_OPENAPI_CONTRACT;
  if (!contract) throw new Error("TEST_OPENAPI_CONTRACT is not set: run the suite with `npm test`.");
  const secrets = { ...(await localSecrets()), STRIPE_WEBHOOK_SECRETS: `${webhookSecret},whsec_previous_secret` };
  return {
    plugins: [
      openApiContract(contract),
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            ...secrets,
            STRIPE_API_BASE: stripeUrl,
            HOLD_MINUTES: "15",
            // Tests book many holds per tenant; the hold limit's own test sets it low for its requests.
            MAX_LIVE_HOLDS: "1000",
            // Vectorize has no local simulator: the VectorIndexLocal Durable Object stands in.
            VECTOR_INDEX: "local",
            TEST_MIGRATIONS: await readD1Migrations("migrations/d1"),
            TEST_SECRETS: secrets,
          },
          hyperdrives: { PG: databaseUrl },
        },
      }),
    ],
    test: {
      include: ["test/worker/**/*.test.ts"],
      setupFiles: ["test/worker/setup.ts"],
      // One workerd runtime per vitest worker for all its files: a fresh runtime per file cost ~5 s each
      // (measured). Files share D1, the queue and the objects, so tests use their own users, rooms and
      // ids, never global counts; spies are undone after every test so none leaks into the next file.
      isolate: false,
      restoreMocks: true,
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
});

/**
 * `import ... from "virtual:openapi-contract"`: the validators scripts/contract.ts compiled from the
 * served /openapi.json (test/worker/openapi.contract.test.ts uses them).
 */
function openApiContract(file: string): Plugin {
  const id = "virtual:openapi-contract";
  return {
    name: "roomline-openapi-contract",
    resolveId: (source) => (source === id ? `\0${id}` : undefined),
    load: (resolved) => (resolved === `\0${id}` ? readFileSync(file, "utf8") : undefined),
  };
}
