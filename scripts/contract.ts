/**
 * The OpenAPI contract, as served: boots the real worker (wrangler's test harness: the same bundle,
 * wrangler.toml bindings and static assets as `wrangler dev`, in workerd), takes GET /openapi.json,
 * and writes into OUT_DIR
 *   openapi.json           the document, for `redocly lint` and `spectral lint` (npm test runs both next);
 *   openapi-contract.js    ajv validators for every documented response, precompiled here because
 *                          workerd forbids the `new Function` ajv compiles with; the worker suite
 *                          (test/worker/openapi.contract.test.ts) checks real responses with them.
 *
 * Usage: tsx scripts/contract.ts OUT_DIR
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { _ } from "ajv";
import Ajv2020 from "ajv/dist/2020.js";
import standaloneCode from "ajv/dist/standalone/index.js";
import addFormats from "ajv-formats";
import { createTestHarness } from "wrangler";
import { localSecrets } from "./secrets";

type Json = any;
interface Header {
  name: string;
  required: boolean;
  pattern?: string;
}
interface ContractResponse {
  headers: Header[];
  content: Record<string, string> | null;
}
interface ContractOperation {
  operationId: string;
  method: string;
  path: string;
  responses: Record<string, ContractResponse>;
}

const METHODS = ["get", "put", "post", "delete", "patch"];

const outDir = process.argv[2];
if (!outDir) throw new Error("usage: tsx scripts/contract.ts OUT_DIR");
mkdirSync(outDir, { recursive: true });
const doc = await servedDocument();
writeFileSync(join(outDir, "openapi.json"), `${JSON.stringify(doc, null, 2)}\n`);
const { code, operations } = compileContract(doc);
writeFileSync(join(outDir, "openapi-contract.js"), code);
console.log(`contract: ${operations} operations in ${join(outDir, "openapi.json")}, validators in openapi-contract.js`);

/** GET /openapi.json from the worker as wrangler runs it. */
async function servedDocument(): Promise<Json> {
  // /openapi.json touches no store; Hyperdrive only needs a connection string to start.
  process.env.CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_PG ??=
    process.env.TEST_DATABASE_URL ?? "postgres://roomline:unused@127.0.0.1:9/roomline";
  const server = createTestHarness({ workers: [{ configPath: "./wrangler.toml", secrets: await localSecrets() }] });
  try {
    await server.listen();
    const res = await server.fetch("http://127.0.0.1/openapi.json");
    if (res.status !== 200) {
      const logs = server
        .getLogs()
        .map((l) => JSON.stringify(l))
        .join("\n");
      throw new Error(`GET /openapi.json answered ${res.status}: ${(await res.text()).slice(0, 500)}\n${logs}`);
    }
    const body = await res.json();
    // The reference page's bundle is a static asset: see that the real asset routing serves it.
    const bundle = await server.fetch("http://127.0.0.1/docs/scalar.js");
    if (bundle.status !== 200)
      throw new Error(`GET /docs/scalar.js answered ${bundle.status}: run tsx scripts/assets.ts`);
    await bundle.body?.cancel();
    return body;
  } finally {
    await server.close();
  }
}

/**
 * One ES module: `documentHash` (of the document without `servers`, which follow the request),
 * `operations` (each documented status: its headers and, per media type, a validator name) and
 * `validators`. Response schemas are closed (no undocumented properties) so drift shows both ways.
 */
function compileContract(document: Json): { code: string; operations: number } {
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    code: { source: true, esm: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  });
  addFormats(ajv);
  // OpenAPI's own schema keywords: annotations here.
  ajv.addVocabulary(["example", "discriminator", "xml", "externalDocs"]);
  const defs = document.components?.schemas ?? {};
  const resolve = (value: Json): Json => (value?.$ref ? pointer(document, value.$ref) : value);
  ajv.addSchema({ $id: "roomline", $defs: mapValues(defs, (s) => closed(s, defs)) });

  const names = new Map<string, string>();
  const operations: ContractOperation[] = [];
  for (const [path, item] of Object.entries<Json>(document.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const responses: Record<string, ContractResponse> = {};
      for (const [status, raw] of Object.entries<Json>(op.responses)) {
        const response = resolve(raw);
        const headers = Object.entries<Json>(response.headers ?? {}).map(([name, h]) => {
          const header = resolve(h);
          return { name: name.toLowerCase(), required: header.required === true, pattern: header.schema?.pattern };
        });
        const content = response.content
          ? mapValues(response.content, (media: Json) => validatorFor(media.schema ?? {}))
          : null;
        responses[status] = { headers, content };
      }
      operations.push({ operationId: op.operationId, method, path, responses });
    }
  }

  function validatorFor(schema: Json): string {
    const closedSchema = closed(schema, defs);
    const key = JSON.stringify(closedSchema);
    let name = names.get(key);
    if (!name) {
      name = `v${names.size}`;
      names.set(key, name);
      ajv.addSchema({ $id: name, ...closedSchema });
    }
    return name;
  }

  const exported = Object.fromEntries([...names.values()].map((n) => [n, n]));
  const validatorCode = inlineRuntime(standaloneCode(ajv, exported));
  const { servers: _servers, ...stable } = document;
  const hash = createHash("sha256").update(JSON.stringify(stable)).digest("hex");
  const code = [
    "// Generated by scripts/contract.ts from the served /openapi.json. Do not edit.",
    validatorCode,
    `export const documentHash = ${JSON.stringify(hash)};`,
    `export const operations = ${JSON.stringify(operations)};`,
    `export const validators = { ${[...names.values()].join(", ")} };`,
    "",
  ].join("\n");
  return { code, operations: operations.length };
}

/**
 * A schema whose objects accept only their documented properties: `allOf` of objects merged into one
 * object (so closing a member cannot reject its siblings' properties), refs pointed at the shared `$defs`.
 */
function closed(schema: Json, defs: Record<string, Json>): Json {
  if (Array.isArray(schema)) return schema.map((s) => closed(s, defs));
  if (!schema || typeof schema !== "object") return schema;
  if (typeof schema.$ref === "string")
    return { ...schema, $ref: schema.$ref.replace("#/components/schemas/", "roomline#/$defs/") };
  let out: Json = schema;
  if (Array.isArray(schema.allOf) && schema.allOf.every((m: Json) => isObjectSchema(m, defs))) {
    const members = schema.allOf.map((m: Json) => (m.$ref ? defs[m.$ref.split("/").pop()] : m));
    const { allOf: _allOf, ...rest } = schema;
    out = {
      ...rest,
      type: "object",
      properties: Object.assign({}, ...members.map((m: Json) => m.properties ?? {})),
      required: [...new Set(members.flatMap((m: Json) => m.required ?? []))],
    };
  }
  out = Object.fromEntries(
    Object.entries(out).map(([k, v]) => [
      k,
      k === "properties" ? mapValues(v as Json, (p) => closed(p, defs)) : closed(v, defs),
    ]),
  );
  if (out.properties && out.additionalProperties === undefined && out.unevaluatedProperties === undefined)
    out.additionalProperties = false;
  return out;
}

function isObjectSchema(schema: Json, defs: Record<string, Json>): boolean {
  const target = schema.$ref ? defs[schema.$ref.split("/").pop()] : schema;
  return (
    !!target && (target.type === "object" || !!target.properties) && !target.allOf && !target.anyOf && !target.oneOf
  );
}

/**
 * ajv's standalone code still `require`s its small runtime helpers (string length, deep equality);
 * workerd's module runner has no `require`, and these helpers are self-contained functions, so
 * their source goes inline. Anything else required (a format that is code, not a regex) fails here.
 */
function inlineRuntime(code: string): string {
  const require = createRequire(import.meta.url);
  const helpers = new Map<string, { name: string; code: string }>();
  const replaced = code.replace(/require\("([^"]+)"\)\.default/g, (_match, id: string) => {
    if (!id.startsWith("ajv/dist/runtime/")) return _match;
    const known = helpers.get(id);
    if (known) return known.name;
    const fn = (require(id) as { default: unknown }).default;
    if (typeof fn !== "function") throw new Error(`contract: cannot inline ${id}`);
    const name = `runtime_${helpers.size}`;
    helpers.set(id, { name, code: `const ${name} = ${fn.toString()};` });
    return name;
  });
  if (/require\(/.test(replaced))
    throw new Error(
      `contract: generated validators need ${/require\("[^"]+"\)/.exec(replaced)?.[0]}; inline it in scripts/contract.ts`,
    );
  return `${[...helpers.values()].map((h) => h.code).join("\n")}\n${replaced}`;
}

function pointer(document: Json, ref: string): Json {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .reduce((node: Json, key) => node?.[key.replaceAll("~1", "/").replaceAll("~0", "~")], document);
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}
