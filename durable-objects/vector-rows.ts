/*
 * The local vector index's rows in memory and its exact top-k search (durable-objects/vector-index-local.ts).
 * Plain TypeScript, no Workers API, so test/node/vector-rows.test.ts runs it against a scan of every row.
 *
 * Search is exact cosine, but does not compute every row's full dot product. Each row keeps its first HEAD
 * dimensions in a separate dense matrix and the norm of the rest (its tail). For query q and row x,
 * q·x = q_head·x_head + q_tail·x_tail ≤ q_head·x_head + ‖q_tail‖‖x_tail‖ (Cauchy–Schwarz), so a row whose bound
 * is below the k-th best score found so far cannot enter the answer and is skipped after HEAD multiplications.
 * A first pass over every SEED_STRIDE-th row sets a good k-th score before the rest are read. Listing vectors
 * put their heaviest blocks first (location, price, mode, type: workers/domain/listing-vector.ts), so most rows
 * stop at the head; any vectors give the same answer, only the speed depends on where their weight lies.
 */

export type RowMetadataValue = string | number | boolean;
export type RowMetadata = Record<string, RowMetadataValue>;

/** Dimensions in the head: the bound's part, read for every row. */
export const HEAD = 8;
/** Every this-many-th row is scored in full first, to set the k-th score the rest are bounded against. */
const SEED_STRIDE = 32;
/** A bound this close to the k-th score is not trusted to prune (float rounding). */
const SLACK = 1e-9;

/** The best `found` slots, best first: higher score, then smaller id. */
export interface TopK {
  slots: Int32Array;
  scores: Float64Array;
  found: number;
}

/**
 * One contiguous float32 matrix (row `slot` is a vector), the heads matrix beside it, norms of rows and tails,
 * ids and metadata by slot. Deleting moves the last row into the hole, so rows stay dense.
 */
export class Rows {
  dims = 0;
  size = 0;
  data = new Float32Array(0);
  norms = new Float64Array(0);
  ids: string[] = [];
  metadata: RowMetadata[] = [];
  slotOf = new Map<string, number>();
  /** Dimensions in the head: HEAD, or all of them for short vectors. */
  readonly head: number;
  #heads = new Float32Array(0);
  #tails = new Float64Array(0);

  constructor(capacity = 0, dims = 0) {
    this.dims = dims;
    this.head = Math.min(HEAD, dims);
    this.#grow(capacity);
  }

  /** Inserts or replaces `id` in full (Vectorize's upsert does not merge). `values` has `dims` entries. */
  put(id: string, values: ArrayLike<number>, metadata: RowMetadata): void {
    let slot = this.slotOf.get(id);
    if (slot === undefined) {
      if (this.size === this.norms.length) this.#grow(Math.max(64, this.size * 2));
      slot = this.size++;
      this.slotOf.set(id, slot);
      this.ids[slot] = id;
    }
    const row = this.data.subarray(slot * this.dims, (slot + 1) * this.dims);
    row.set(values);
    this.#heads.set(row.subarray(0, this.head), slot * this.head);
    let head = 0;
    let tail = 0;
    for (let d = 0; d < this.dims; d++)
      if (d < this.head) head += row[d]! * row[d]!;
      else tail += row[d]! * row[d]!;
    this.norms[slot] = Math.sqrt(head + tail);
    this.#tails[slot] = Math.sqrt(tail);
    this.metadata[slot] = metadata;
  }

  remove(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return;
    const last = --this.size;
    if (slot !== last) {
      this.data.copyWithin(slot * this.dims, last * this.dims, (last + 1) * this.dims);
      this.#heads.copyWithin(slot * this.head, last * this.head, (last + 1) * this.head);
      this.norms[slot] = this.norms[last]!;
      this.#tails[slot] = this.#tails[last]!;
      this.ids[slot] = this.ids[last]!;
      this.metadata[slot] = this.metadata[last]!;
      this.slotOf.set(this.ids[slot]!, slot);
    }
    this.ids.length = last;
    this.metadata.length = last;
    this.slotOf.delete(id);
  }

  /**
   * The `k` rows most similar to `query` by cosine among those `accept` passes (score 0 for a zero vector on
   * either side), best first, equal scores by id ascending: the same list a scan of every row gives.
   */
  search(query: Float32Array, k: number, accept: (slot: number) => boolean): TopK {
    const n = Math.min(k, this.size);
    const top: TopK = { slots: new Int32Array(n), scores: new Float64Array(n), found: 0 };
    if (top.slots.length === 0) return top;
    const { head, dims, size } = this;
    let qq = 0;
    let qTailSq = 0;
    for (let d = 0; d < dims; d++) {
      qq += query[d]! * query[d]!;
      if (d >= head) qTailSq += query[d]! * query[d]!;
    }
    const qNorm = Math.sqrt(qq);
    const qTail = Math.sqrt(qTailSq);
    const stride = size >= SEED_STRIDE * top.slots.length ? SEED_STRIDE : 1;
    for (let slot = 0; slot < size; slot += stride) if (accept(slot)) this.#offer(top, slot, query, qNorm);
    if (stride === 1) return top;
    const heads = this.#heads;
    const tails = this.#tails;
    const norms = this.norms;
    const last = top.slots.length - 1;
    for (let slot = 0; slot < size; slot++) {
      if (slot % stride === 0) continue;
      if (top.found > last) {
        // q·x ≤ q_head·x_head + ‖q_tail‖‖x_tail‖; skip the row if even that is below the k-th score.
        const offset = slot * head;
        let bound = 0;
        for (let d = 0; d < head; d++) bound += query[d]! * heads[offset + d]!;
        bound += qTail * tails[slot]!;
        const denominator = qNorm * norms[slot]!;
        const kth = top.scores[last]!;
        if (denominator > 0 ? bound < (kth - SLACK) * denominator : 0 < kth) continue;
      }
      if (accept(slot)) this.#offer(top, slot, query, qNorm);
    }
    return top;
  }

  #offer(top: TopK, slot: number, q: Float32Array, qNorm: number): void {
    const dims = this.dims;
    const data = this.data;
    const offset = slot * dims;
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += q[d]! * data[offset + d]!;
    const denominator = qNorm * this.norms[slot]!;
    insert(top, slot, denominator > 0 ? dot / denominator : 0, this.ids);
  }

  #grow(capacity: number): void {
    const grown = <T extends Float32Array | Float64Array>(old: T, make: (n: number) => T, width: number): T => {
      const next = make(capacity * width);
      next.set(old.subarray(0, this.size * width));
      return next;
    };
    this.data = grown(this.data, (n) => new Float32Array(n), this.dims);
    this.#heads = grown(this.#heads, (n) => new Float32Array(n), this.head);
    this.norms = grown(this.norms, (n) => new Float64Array(n), 1);
    this.#tails = grown(this.#tails, (n) => new Float64Array(n), 1);
  }
}

/** Puts `slot` into the kept best, if it beats the worst kept: higher score first, then smaller id. */
function insert(top: TopK, slot: number, score: number, ids: string[]): void {
  const k = top.slots.length;
  const { slots, scores } = top;
  if (top.found === k) {
    const worst = scores[k - 1]!;
    if (score < worst || (score === worst && ids[slot]! >= ids[slots[k - 1]!]!)) return;
  }
  let at = top.found < k ? top.found++ : k - 1;
  while (at > 0) {
    const s = scores[at - 1]!;
    if (s > score || (s === score && ids[slots[at - 1]!]! < ids[slot]!)) break;
    scores[at] = s;
    slots[at] = slots[at - 1]!;
    at--;
  }
  scores[at] = score;
  slots[at] = slot;
}
