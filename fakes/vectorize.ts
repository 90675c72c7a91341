/**
 * An in-memory fake of a Vectorize index binding (`VectorizeIndex` in worker-configuration.d.ts), for tests of
 * workers/vectors/vectorize.ts. Written from Cloudflare's documentation, not from the local index:
 *   https://developers.cloudflare.com/vectorize/reference/client-api/        operations; upsert replaces a vector
 *       in full; insert keeps existing ids; topK defaults to 5, at most 100, at most 20 with `returnValues: true`
 *       or `returnMetadata: "all"`; returnMetadata "none" by default
 *   https://developers.cloudflare.com/vectorize/best-practices/query-vectors/ the result `{ count, matches: [{ id,
 *       score, values?, metadata? }] }`, best score first; cosine scores are similarities (1 = same direction)
 *   https://developers.cloudflare.com/vectorize/reference/metadata-filtering/ $eq $ne $in $nin $lt $lte $gt $gte;
 *       a bare value is $eq; fields are ANDed; a key's dots walk nested metadata; a lower and an upper bound may be
 *       combined on one field, no other operators; ranges on numbers or strings (lexicographic); the filter is a
 *       non-empty object under 2048 bytes of JSON; keys non-empty, without `"`, not starting with `$`, ≤ 512 chars
 *   https://developers.cloudflare.com/vectorize/platform/limits/              1000 vectors per upsert from a
 *       Worker, ids up to 64 bytes, 10 KiB of metadata per vector
 * Not modelled (refused or ignored, said where): namespaces, metadata indexes (every field is filterable here; a
 * real index filters only on properties given `wrangler vectorize create-metadata-index`, strings on their first
 * 64 bytes), `returnMetadata: "indexed"`, null filter operands, asynchronous mutations (real upserts are
 * visible seconds later; here at once), approximate scoring (scores here are exact).
 * Assumed, because the docs do not say (the local index assumes the same; check against a real index): a vector
 * without the filtered field does not match $eq, $in or a range and does match $ne and $nin; equal scores come
 * in id order; a zero vector scores 0. Error messages are the fake's own, not Vectorize's.
 * Every call is recorded in `calls`, so a test can check what the adapter sent (batch sizes, query options).
 */

type Scalar = string | number | boolean;
export type FakeMetadataValue = Scalar | string[];
export type FakeMetadata = Record<string, FakeMetadataValue | Record<string, FakeMetadataValue>>;
export interface FakeVector {
  id: string;
  values: number[] | Float32Array | Float64Array;
  namespace?: string;
  metadata?: FakeMetadata;
}
export type FakeFilter = Record<string, unknown>;
export interface FakeQueryOptions {
  topK?: number;
  namespace?: string;
  returnValues?: boolean;
  returnMetadata?: boolean | "all" | "indexed" | "none";
  filter?: FakeFilter;
}
export interface FakeMatch {
  id: string;
  score: number;
  values?: number[];
  metadata?: FakeMetadata;
}
export type FakeCall =
  | { method: "describe" }
  | { method: "query"; dimensions: number; options: FakeQueryOptions }
  | { method: "insert" | "upsert" | "deleteByIds" | "getByIds"; size: number };

const TOPK_DEFAULT = 5;
const TOPK_MAX = 100;
const TOPK_MAX_WITH_VALUES_OR_METADATA = 20;
const UPSERT_MAX = 1000;
const ID_MAX_BYTES = 64;
const METADATA_MAX_BYTES = 10 * 1024;
const FILTER_MAX_BYTES = 2048;
const OPERATORS = ["$eq", "$ne", "$in", "$nin", "$lt", "$lte", "$gt", "$gte"];

const bytes = (s: string) => new TextEncoder().encode(s).length;
const refuse = (message: string): never => {
  throw new Error(`Vectorize (fake): ${message}`);
};

interface Stored {
  id: string;
  values: Float32Array;
  metadata?: FakeMetadata;
}

export class FakeVectorize {
  readonly calls: FakeCall[] = [];
  readonly #vectors = new Map<string, Stored>();

  /** An index as `wrangler vectorize create <name> --dimensions=<n> --metric=cosine` makes it. */
  constructor(
    readonly dimensions: number,
    readonly name = "fake-index",
  ) {}

  async describe() {
    this.calls.push({ method: "describe" });
    return {
      id: `fake-${this.name}`,
      name: this.name,
      config: { dimensions: this.dimensions, metric: "cosine" as const },
      vectorsCount: this.#vectors.size,
    };
  }

  async insert(vectors: FakeVector[]) {
    this.calls.push({ method: "insert", size: vectors.length });
    const fresh = this.#check(vectors).filter((v) => !this.#vectors.has(v.id));
    for (const v of fresh) this.#vectors.set(v.id, v);
    return { ids: fresh.map((v) => v.id), count: fresh.length };
  }

  async upsert(vectors: FakeVector[]) {
    this.calls.push({ method: "upsert", size: vectors.length });
    const checked = this.#check(vectors);
    for (const v of checked) this.#vectors.set(v.id, v);
    return { ids: checked.map((v) => v.id), count: checked.length };
  }

  async deleteByIds(ids: string[]) {
    this.calls.push({ method: "deleteByIds", size: ids.length });
    const deleted = ids.filter((id) => this.#vectors.delete(id));
    return { ids: deleted, count: deleted.length };
  }

  async getByIds(ids: string[]): Promise<FakeVector[]> {
    this.calls.push({ method: "getByIds", size: ids.length });
    return ids.flatMap((id) => {
      const v = this.#vectors.get(id);
      return v
        ? [{ id, values: Array.from(v.values), ...(v.metadata ? { metadata: structuredClone(v.metadata) } : {}) }]
        : [];
    });
  }

  async query(vector: number[] | Float32Array | Float64Array, options: FakeQueryOptions = {}) {
    this.calls.push({ method: "query", dimensions: vector.length, options: structuredClone(options) });
    const { topK = TOPK_DEFAULT, returnValues = false, returnMetadata = "none", filter, namespace } = options;
    if (namespace !== undefined) refuse("namespaces are not modelled by this fake");
    if (returnMetadata === "indexed") refuse('returnMetadata "indexed" is not modelled by this fake');
    const withMetadata = returnMetadata === true || returnMetadata === "all";
    if (!Number.isInteger(topK) || topK < 1) refuse(`topK must be a positive integer, got ${topK}`);
    if (topK > TOPK_MAX) refuse(`topK must be at most ${TOPK_MAX}, got ${topK}`);
    if ((returnValues || withMetadata) && topK > TOPK_MAX_WITH_VALUES_OR_METADATA)
      refuse(
        `topK must be at most ${TOPK_MAX_WITH_VALUES_OR_METADATA} with returnValues or returnMetadata "all", got ${topK}`,
      );
    if (vector.length !== this.dimensions)
      refuse(`query vector has ${vector.length} dimensions, the index ${this.dimensions}`);
    if (filter !== undefined) checkFilter(filter);

    const scored: { v: Stored; score: number }[] = [];
    for (const v of this.#vectors.values())
      if (filter === undefined || passes(filter, v.metadata ?? {})) scored.push({ v, score: cosine(vector, v.values) });
    scored.sort((a, b) => b.score - a.score || (a.v.id < b.v.id ? -1 : a.v.id > b.v.id ? 1 : 0));
    const matches: FakeMatch[] = scored.slice(0, topK).map(({ v, score }) => ({
      id: v.id,
      score,
      ...(returnValues ? { values: Array.from(v.values) } : {}),
      ...(withMetadata ? { metadata: structuredClone(v.metadata ?? {}) } : {}),
    }));
    return { matches, count: matches.length };
  }

  #check(vectors: FakeVector[]): Stored[] {
    if (vectors.length > UPSERT_MAX)
      refuse(`at most ${UPSERT_MAX} vectors per call from a Worker, got ${vectors.length}`);
    return vectors.map((v) => {
      if (typeof v.id !== "string" || v.id.length === 0 || bytes(v.id) > ID_MAX_BYTES)
        refuse(`vector id must be 1 to ${ID_MAX_BYTES} bytes: ${JSON.stringify(v.id)}`);
      if (v.namespace !== undefined) refuse("namespaces are not modelled by this fake");
      if (v.values.length !== this.dimensions)
        refuse(`vector ${v.id} has ${v.values.length} dimensions, the index ${this.dimensions}`);
      if (Array.from(v.values).some((x) => !Number.isFinite(x))) refuse(`vector ${v.id} has a non-finite value`);
      if (v.metadata !== undefined && bytes(JSON.stringify(v.metadata)) > METADATA_MAX_BYTES)
        refuse(`vector ${v.id} has more than ${METADATA_MAX_BYTES} bytes of metadata`);
      return {
        id: v.id,
        values: Float32Array.from(v.values), // Vectorize keeps 32 bits per dimension
        ...(v.metadata !== undefined ? { metadata: structuredClone(v.metadata) } : {}),
      };
    });
  }
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.fround(a[i]!);
    const y = b[i]!;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? dot / (Math.sqrt(aa) * Math.sqrt(bb)) : 0;
}

const isScalar = (x: unknown): x is Scalar =>
  typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && Number.isFinite(x));

function checkFilter(filter: FakeFilter): void {
  if (typeof filter !== "object" || filter === null || Array.isArray(filter)) refuse("filter must be an object");
  if (Object.keys(filter).length === 0) refuse("filter must be a non-empty object");
  if (bytes(JSON.stringify(filter)) >= FILTER_MAX_BYTES)
    refuse(`filter must be under ${FILTER_MAX_BYTES} bytes of JSON`);
  for (const [key, condition] of Object.entries(filter)) {
    if (key === "" || key.includes('"') || key.startsWith("$") || key.length > 512)
      refuse(`invalid filter key ${JSON.stringify(key)}`);
    if (condition === null) refuse("null filter values are not modelled by this fake");
    if (isScalar(condition)) continue;
    if (typeof condition !== "object" || Array.isArray(condition)) refuse(`invalid filter value for ${key}`);
    const ops = Object.keys(condition as object);
    if (ops.length === 0 || ops.some((op) => !OPERATORS.includes(op))) refuse(`invalid operators for ${key}: ${ops}`);
    const lower = ops.filter((op) => op === "$gt" || op === "$gte").length;
    const upper = ops.filter((op) => op === "$lt" || op === "$lte").length;
    if (ops.length > 1 && !(ops.length === 2 && lower === 1 && upper === 1))
      refuse(`${key}: only an upper-bound and a lower-bound range operator may be combined, got ${ops}`);
    for (const [op, operand] of Object.entries(condition as Record<string, unknown>)) {
      if (operand === null) refuse("null filter values are not modelled by this fake");
      const ok =
        op === "$in" || op === "$nin"
          ? Array.isArray(operand) && operand.every(isScalar)
          : op === "$eq" || op === "$ne"
            ? isScalar(operand)
            : typeof operand === "string" || (typeof operand === "number" && Number.isFinite(operand));
      if (!ok) refuse(`invalid operand for ${key}.${op}: ${JSON.stringify(operand)}`);
    }
  }
}

/** The field at a dotted path ("pandas.nice" looks in { pandas: { nice } }), or undefined. */
function field(metadata: FakeMetadata, key: string): unknown {
  let at: unknown = metadata;
  for (const part of key.split(".")) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function passes(filter: FakeFilter, metadata: FakeMetadata): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    const value = field(metadata, key);
    const ops = isScalar(condition) ? { $eq: condition } : (condition as Record<string, unknown>);
    return Object.entries(ops).every(([op, operand]) => {
      const present = isScalar(value);
      switch (op) {
        case "$eq":
          return present && value === operand;
        case "$ne":
          return !present || value !== operand;
        case "$in":
          return present && (operand as Scalar[]).includes(value);
        case "$nin":
          return !present || !(operand as Scalar[]).includes(value);
        default: {
          if (!present || typeof value !== typeof operand) return false;
          const [v, o] = [value as number | string, operand as number | string];
          return op === "$lt" ? v < o : op === "$lte" ? v <= o : op === "$gt" ? v > o : v >= o;
        }
      }
    });
  });
}
