import { DurableObject } from "cloudflare:workers";
import { migrate } from "./sqlite-migrations";
import { Rows } from "./vector-rows";

/*
 * The local stand-in for Vectorize (`npm start`, the worker tests, the bench): Vectorize has no local
 * simulator. Production never calls it (VECTOR_INDEX = "vectorize" there). Semantics follow Cloudflare's
 * Vectorize docs, so code written against workers/vectors/index.ts behaves the same on both:
 *   https://developers.cloudflare.com/vectorize/reference/client-api/
 *   https://developers.cloudflare.com/vectorize/reference/metadata-filtering/
 *   https://developers.cloudflare.com/vectorize/platform/limits/
 * test/worker/vector-index.contract.test.ts runs one suite against this and against the Vectorize adapter.
 * The types are spelled out here (structurally those of workers/vectors/index.ts): objects import no adapter.
 */

export type LocalMetadataValue = string | number | boolean;
export type LocalMetadata = Record<string, LocalMetadataValue>;
export interface LocalVector {
  id: string;
  values: number[];
  metadata?: LocalMetadata;
}
/** Vectorize's filter syntax: `{ field: value }` (implicit $eq) or `{ field: { $op: operand } }`, ANDed across fields. */
export type LocalFilter = Record<string, unknown>;
export interface LocalQueryOptions {
  topK: number;
  filter?: LocalFilter;
  returnMetadata?: boolean;
}
export interface LocalMatch {
  id: string;
  score: number;
  metadata?: LocalMetadata;
}

/** Vectorize's largest topK (its limits page); the local index returns metadata at any topK up to it. */
export const LOCAL_TOPK_MAX = 100;
/** Vectorize's limits: vector ids up to 64 bytes, metadata up to 10 KiB per vector, filters under 2048 bytes of JSON. */
const ID_MAX_BYTES = 64;
const METADATA_MAX_BYTES = 10 * 1024;
const FILTER_MAX_BYTES = 2048;
const FILTER_KEY_MAX = 512;

/** Storage steps, in order, never edited. A vector's values are a BLOB of little-endian float32, as Vectorize keeps them. */
const MIGRATIONS = [`CREATE TABLE vectors (id TEXT PRIMARY KEY, vals BLOB NOT NULL, metadata TEXT NOT NULL);`];

const utf8 = new TextEncoder();
const fail = (message: string): never => {
  throw new Error(`vector index: ${message}`);
};

/**
 * One instance, named "listings": every listing's vector and metadata, in SQLite (so `npm start` keeps them
 * across restarts, under .wrangler/state) and, after the first call, in memory for exact cosine search.
 * An empty index takes the dimension of the first vector put into it (a Vectorize index has its dimension from
 * `wrangler vectorize create`); after that a vector or query of another length is refused.
 */
export class VectorIndexLocal extends DurableObject<Env> {
  #sql: SqlStorage;
  #rows: Rows | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => migrate(this.#sql, MIGRATIONS));
  }

  /** Inserts or replaces each vector by id. The whole call is refused (nothing written) if any vector is invalid. */
  upsert(vectors: LocalVector[]): { count: number } {
    if (!Array.isArray(vectors)) fail("upsert takes an array of vectors");
    const rows = this.#load();
    const dims = rows.size > 0 ? rows.dims : (vectors[0]?.values?.length ?? 0);
    const checked = vectors.map((v) => checkVector(v, dims));
    if (checked.length === 0) return { count: 0 };
    if (rows.size === 0 && rows.dims !== dims) this.#rows = new Rows(checked.length, dims);
    const target = this.#rows!;
    this.ctx.storage.transactionSync(() => {
      for (const v of checked)
        this.#sql.exec(
          "INSERT OR REPLACE INTO vectors (id, vals, metadata) VALUES (?, ?, ?)",
          v.id,
          v.values.buffer,
          v.json,
        );
    });
    for (const v of checked) target.put(v.id, v.values, v.metadata);
    return { count: checked.length };
  }

  /** Removes the vectors with these ids; unknown ids are ignored, as Vectorize does. */
  deleteByIds(ids: string[]): { count: number } {
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string")) fail("deleteByIds takes an array of ids");
    const rows = this.#load();
    this.ctx.storage.transactionSync(() => {
      for (const id of ids) this.#sql.exec("DELETE FROM vectors WHERE id = ?", id);
    });
    for (const id of ids) rows.remove(id);
    return { count: ids.length };
  }

  /**
   * The `topK` vectors most similar to `vector` by cosine (score = cosine similarity, best first) among those
   * matching `filter`; equal scores are ordered by id ascending, so the same query always gives the same list.
   */
  query(vector: number[], options: LocalQueryOptions): LocalMatch[] {
    const { topK, filter, returnMetadata = false } = options;
    if (!Number.isInteger(topK) || topK < 1 || topK > LOCAL_TOPK_MAX)
      fail(`topK must be an integer from 1 to ${LOCAL_TOPK_MAX} (got ${String(topK)}), as Vectorize allows`);
    const clauses = compileFilter(filter);
    const rows = this.#load();
    if (!Array.isArray(vector) || vector.some((x) => typeof x !== "number" || !Number.isFinite(x)))
      fail("the query vector must be an array of finite numbers");
    if (rows.size === 0) return [];
    if (vector.length !== rows.dims) fail(`the query vector has ${vector.length} dimensions, the index ${rows.dims}`);

    const { ids, metadata } = rows;
    const accept = clauses.length > 0 ? (slot: number) => matches(clauses, metadata[slot]!) : () => true;
    const { slots, scores, found } = rows.search(Float32Array.from(vector), topK, accept);
    const out: LocalMatch[] = [];
    for (let i = 0; i < found; i++) {
      const slot = slots[i]!;
      out.push(
        returnMetadata
          ? { id: ids[slot]!, score: scores[i]!, metadata: metadata[slot]! }
          : { id: ids[slot]!, score: scores[i]! },
      );
    }
    return out;
  }

  /** What the index holds: its dimension (0 while empty) and vector count. */
  describe(): { dimensions: number; vectorCount: number } {
    const rows = this.#load();
    return { dimensions: rows.size > 0 ? rows.dims : 0, vectorCount: rows.size };
  }

  /** Reads every vector from SQLite once per object lifetime; later calls use memory. */
  #load(): Rows {
    if (this.#rows) return this.#rows;
    const count = this.#sql.exec<{ n: number }>("SELECT count(*) AS n FROM vectors").one().n;
    const first = this.#sql.exec<{ vals: ArrayBuffer }>("SELECT vals FROM vectors LIMIT 1").toArray()[0];
    const rows = new Rows(count, first ? first.vals.byteLength / 4 : 0);
    for (const row of this.#sql.exec<{ id: string; vals: ArrayBuffer; metadata: string }>(
      "SELECT id, vals, metadata FROM vectors",
    ))
      rows.put(row.id, new Float32Array(row.vals), JSON.parse(row.metadata) as LocalMetadata);
    this.#rows = rows;
    return rows;
  }
}

interface CheckedVector {
  id: string;
  values: Float32Array;
  metadata: LocalMetadata;
  json: string;
}

function checkVector(v: LocalVector, dims: number): CheckedVector {
  if (typeof v !== "object" || v === null) fail("each vector must be an object { id, values, metadata? }");
  const { id, values, metadata = {} } = v;
  if (typeof id !== "string" || id.length === 0 || utf8.encode(id).length > ID_MAX_BYTES)
    fail(`a vector id must be a non-empty string of at most ${ID_MAX_BYTES} bytes (got ${JSON.stringify(id)})`);
  if (!Array.isArray(values) || values.some((x) => typeof x !== "number" || !Number.isFinite(x)))
    fail(`vector ${id}: values must be an array of finite numbers`);
  if (values.length === 0 || values.length !== dims)
    fail(`vector ${id} has ${values.length} dimensions, the index ${dims}`);
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
    fail(`vector ${id}: metadata must be an object`);
  for (const [key, value] of Object.entries(metadata))
    if (!isScalar(value)) fail(`vector ${id}: metadata ${key} must be a string, a finite number or a boolean`);
  const json = JSON.stringify(metadata);
  if (utf8.encode(json).length > METADATA_MAX_BYTES)
    fail(`vector ${id}: metadata is over Vectorize's ${METADATA_MAX_BYTES} bytes`);
  return { id, values: Float32Array.from(values), metadata: { ...metadata }, json };
}

function isScalar(value: unknown): value is LocalMetadataValue {
  return (
    typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))
  );
}

// ---------------------------------------------------------------------------------------------
// Metadata filters, as Vectorize documents them (metadata-filtering page): $eq $ne $in $nin $lt $lte $gt $gte;
// a bare value is $eq; several fields are ANDed; on one field an upper bound ($lt/$lte) may be combined with a
// lower bound ($gt/$gte) and no other operators may be combined; range operands are numbers or strings (strings
// ordered lexicographically). Values compare by type and value (1 is not "1"). A vector without the field does
// not match $eq, $in or a range, and does match $ne and $nin. Null operands (which Vectorize accepts) are refused
// here: MetadataFilter has no null and what it would match is not documented.

type Clause = (value: LocalMetadataValue | undefined) => boolean;
interface FieldClause {
  key: string;
  test: Clause;
}

const LOWER = new Set(["$gt", "$gte"]);
const UPPER = new Set(["$lt", "$lte"]);
const OPERATORS = new Set(["$eq", "$ne", "$in", "$nin", ...LOWER, ...UPPER]);

function compileFilter(filter: LocalFilter | undefined): FieldClause[] {
  if (filter === undefined || filter === null) return [];
  if (typeof filter !== "object" || Array.isArray(filter)) fail("filter must be an object");
  if (utf8.encode(JSON.stringify(filter)).length >= FILTER_MAX_BYTES)
    fail(`filter must be under ${FILTER_MAX_BYTES} bytes of JSON, as Vectorize requires`);
  const clauses: FieldClause[] = [];
  for (const [key, condition] of Object.entries(filter)) {
    if (key.length === 0 || key.length > FILTER_KEY_MAX || key.startsWith("$") || key.includes('"'))
      fail(
        `filter key ${JSON.stringify(key)} is not allowed (empty, over ${FILTER_KEY_MAX} characters, $-prefixed or with a quote)`,
      );
    if (isScalar(condition)) {
      clauses.push({ key, test: (v) => v === condition });
      continue;
    }
    if (typeof condition !== "object" || condition === null || Array.isArray(condition))
      fail(`filter ${key}: expected a string, number or boolean, or an object of operators`);
    const ops = Object.entries(condition as Record<string, unknown>);
    if (ops.length === 0) fail(`filter ${key}: no operator`);
    for (const [op] of ops) if (!OPERATORS.has(op)) fail(`filter ${key}: unknown operator ${op}`);
    const names = ops.map(([op]) => op);
    const isRange = names.length === 2 && names.some((op) => LOWER.has(op)) && names.some((op) => UPPER.has(op));
    if (names.length > 1 && !isRange)
      fail(`filter ${key}: only a lower bound ($gt/$gte) and an upper bound ($lt/$lte) may be combined`);
    for (const [op, operand] of ops) clauses.push({ key, test: operatorClause(key, op, operand) });
  }
  return clauses;
}

function operatorClause(key: string, op: string, operand: unknown): Clause {
  if (op === "$in" || op === "$nin") {
    if (!Array.isArray(operand) || !operand.every(isScalar))
      fail(`filter ${key}: ${op} takes an array of strings, numbers or booleans`);
    const set = new Set<LocalMetadataValue>(operand as LocalMetadataValue[]);
    return op === "$in" ? (v) => v !== undefined && set.has(v) : (v) => v === undefined || !set.has(v);
  }
  if (op === "$eq" || op === "$ne") {
    if (!isScalar(operand)) fail(`filter ${key}: ${op} takes a string, a number or a boolean`);
    return op === "$eq" ? (v) => v === operand : (v) => v !== operand;
  }
  if (typeof operand !== "number" && typeof operand !== "string")
    fail(`filter ${key}: ${op} takes a number or a string`);
  if (typeof operand === "number" && !Number.isFinite(operand)) fail(`filter ${key}: ${op} takes a finite number`);
  const bound = operand as number | string;
  const same = (v: LocalMetadataValue | undefined): v is number | string => typeof v === typeof bound;
  switch (op) {
    case "$lt":
      return (v) => same(v) && v < bound;
    case "$lte":
      return (v) => same(v) && v <= bound;
    case "$gt":
      return (v) => same(v) && v > bound;
    default:
      return (v) => same(v) && v >= bound;
  }
}

function matches(clauses: FieldClause[], metadata: LocalMetadata): boolean {
  for (const { key, test } of clauses)
    if (!test(Object.hasOwn(metadata, key) ? metadata[key] : undefined)) return false;
  return true;
}
