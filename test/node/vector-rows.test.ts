import { describe, expect, it } from "vitest";
import { Rows } from "../../durable-objects/vector-rows";
import { createRng } from "../../scripts/seed";

const DIMS = 16;

/** A deterministic generator (the seed's mulberry32), so a failure reproduces. */
const rng = (seed: number): (() => number) => createRng(seed).next;

/** Vectors in `places` tight groups (as listings group by city and price), some exact copies (ties) and zero vectors. */
function dataset(n: number, seed: number): { id: string; values: number[]; metadata: { place: number } }[] {
  const random = rng(seed);
  const centres = Array.from({ length: 12 }, () => Array.from({ length: DIMS }, () => random() * 2 - 1));
  const out: { id: string; values: number[]; metadata: { place: number } }[] = [];
  for (let i = 0; i < n; i++) {
    const place = Math.floor(random() * centres.length);
    const id = `v${String(Math.floor(random() * 1e9)).padStart(9, "0")}-${i}`;
    let values = centres[place]!.map((x) => x + (random() - 0.5) * 0.3);
    if (i % 97 === 0) values = new Array<number>(DIMS).fill(0);
    else if (i % 13 === 0 && out.length > 0) values = [...out[out.length - 1]!.values];
    out.push({ id, values, metadata: { place } });
  }
  return out;
}

/** What a scan of every row answers: ids best first (score, then id ascending). */
function scan(rows: Rows, query: Float32Array, k: number, accept: (slot: number) => boolean): string[] {
  const scored: { id: string; score: number }[] = [];
  let qq = 0;
  for (const x of query) qq += x * x;
  for (let slot = 0; slot < rows.size; slot++) {
    if (!accept(slot)) continue;
    let dot = 0;
    for (let d = 0; d < DIMS; d++) dot += query[d]! * rows.data[slot * DIMS + d]!;
    const denominator = Math.sqrt(qq) * rows.norms[slot]!;
    scored.push({ id: rows.ids[slot]!, score: denominator > 0 ? dot / denominator : 0 });
  }
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return scored.slice(0, k).map((s) => s.id);
}

function answer(rows: Rows, query: Float32Array, k: number, accept: (slot: number) => boolean): string[] {
  const top = rows.search(query, k, accept);
  return Array.from(top.slots.subarray(0, top.found), (slot) => rows.ids[slot]!);
}

describe("vector rows: exact top-k", () => {
  it("answers as a scan of every row does, with filters, ties, zero vectors, updates and deletes", () => {
    const rows = new Rows(0, DIMS);
    const random = rng(7);
    const data = dataset(6000, 1);
    const check = (round: number) => {
      for (let q = 0; q < 40; q++) {
        const base = data[Math.floor(random() * data.length)]!.values;
        const query = Float32Array.from(
          q % 10 === 9 ? new Array<number>(DIMS).fill(0) : base.map((x) => x + (random() - 0.5) * 0.2),
        );
        const k = 1 + Math.floor(random() * 100);
        const place = q % 3 === 0 ? Math.floor(random() * 12) : -1;
        const accept = (slot: number) => place < 0 || rows.metadata[slot]!.place === place;
        expect(answer(rows, query, k, accept), `round ${round}, query ${q}`).toEqual(scan(rows, query, k, accept));
      }
    };
    for (const v of data.slice(0, 1000)) rows.put(v.id, v.values, v.metadata);
    check(0);
    for (const v of data.slice(1000, 3000)) rows.put(v.id, v.values, v.metadata);
    check(1);
    for (const v of data.slice(0, 800)) rows.put(v.id, data[(data.indexOf(v) + 2500) % 3000]!.values, v.metadata);
    for (const v of data.slice(800, 1400)) rows.remove(v.id);
    check(2); // replaced and deleted rows
    for (const v of data.slice(3000)) rows.put(v.id, v.values, v.metadata);
    check(3);
  });

  it("reads only the heads of rows that cannot enter the answer", () => {
    const rows = new Rows(0, DIMS);
    const data = dataset(20000, 2);
    for (const v of data) rows.put(v.id, v.values, v.metadata);
    let read = 0;
    const top = rows.search(Float32Array.from(data[5]!.values), 20, () => (read++, true));
    expect(top.found).toBe(20);
    expect(read).toBeLessThan(rows.size / 4); // rows scored in full
    const tiny = new Rows(0, 4); // vectors no longer than the head: every row's bound is its score
    for (const v of data.slice(0, 1000)) tiny.put(v.id, v.values.slice(0, 4), v.metadata);
    const query = Float32Array.from(data[5]!.values.slice(0, 4));
    const scanned = scan4(tiny, query, 10);
    expect(Array.from(tiny.search(query, 10, () => true).slots, (s) => tiny.ids[s])).toEqual(scanned);
  });
});

function scan4(rows: Rows, query: Float32Array, k: number): string[] {
  return Array.from({ length: rows.size }, (_, slot) => {
    let dot = 0;
    for (let d = 0; d < 4; d++) dot += query[d]! * rows.data[slot * 4 + d]!;
    const n = Math.hypot(...query) * rows.norms[slot]!;
    return { id: rows.ids[slot]!, score: n > 0 ? dot / n : 0 };
  })
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k)
    .map((s) => s.id);
}
