import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FakeVectorize } from "../../fakes/vectorize";
import { VECTOR_DIMENSIONS } from "../../workers/domain/listing-vector";
import { vectorIndex, type ListingVector, type MetadataFilter, type VectorIndex } from "../../workers/vectors/index";
import { localVectorIndex } from "../../workers/vectors/local";
import { vectorizeIndex } from "../../workers/vectors/vectorize";

/*
 * One suite, two implementations of VectorIndex: the local index (the VectorIndexLocal Durable Object, for real)
 * and the Vectorize adapter over fakes/vectorize.ts, an in-memory binding written from Cloudflare's docs. If both
 * pass, code that runs against the local index in `npm start` and the tests behaves the same on Vectorize.
 */

const DIMS = 4;

interface Subject {
  index: VectorIndex;
}
const implementations: [string, () => Subject][] = [
  ["local index (VectorIndexLocal)", () => ({ index: localVectorIndex(env, `test-${crypto.randomUUID()}`) })],
  [
    "Vectorize adapter over the fake binding",
    () => {
      const binding: VectorizeIndex = new FakeVectorize(DIMS);
      return { index: vectorizeIndex(binding) };
    },
  ],
];

const v = (id: string, values: number[], metadata: ListingVector["metadata"] = {}): ListingVector => ({
  id,
  values,
  metadata,
});
const ids = async (index: VectorIndex, vector: number[], filter?: MetadataFilter, topK = 100) =>
  (await index.query(vector, { topK, filter })).map((m) => m.id);
const sorted = (xs: string[]) => [...xs].sort();

/** Rooms with a city, a price and a pets flag; "nopets" has no `pets` field at all. */
const ROOMS = [
  v("a", [1, 0, 0, 0], { city: "lisbon", price: 50, pets: true }),
  v("b", [0.9, 0.1, 0, 0], { city: "lisbon", price: 100, pets: false }),
  v("c", [0.5, 0.5, 0, 0], { city: "porto", price: 150, pets: true }),
  v("d", [0, 1, 0, 0], { city: "porto", price: 200, pets: false }),
  v("e", [0, 0, 1, 0], { city: "faro", price: 250, pets: true }),
  v("nopets", [0, 0, 0, 1], { city: "faro", price: 300 }),
];
const Q = [1, 1, 1, 1];

describe.each(implementations)("VectorIndex contract: %s", (_name, make) => {
  it("ranks by cosine similarity, best first, with the cosine as the score", async () => {
    const { index } = make();
    await index.upsert([
      v("same", [2, 0, 0, 0]),
      v("close", [1, 1, 0, 0]),
      v("orthogonal", [0, 1, 0, 0]),
      v("opposite", [-3, 0, 0, 0]),
    ]);
    const matches = await index.query([1, 0, 0, 0], { topK: 10 });
    expect(matches.map((m) => m.id)).toEqual(["same", "close", "orthogonal", "opposite"]);
    expect(matches[0]!.score).toBeCloseTo(1, 6); // length does not matter, direction does
    expect(matches[1]!.score).toBeCloseTo(Math.SQRT1_2, 6);
    expect(matches[2]!.score).toBeCloseTo(0, 6);
    expect(matches[3]!.score).toBeCloseTo(-1, 6);
    for (const m of matches) expect(m).not.toHaveProperty("metadata");
  });

  it("returns at most topK matches, and metadata only when asked", async () => {
    const { index } = make();
    await index.upsert(ROOMS);
    expect(await ids(index, [1, 0, 0, 0], undefined, 2)).toEqual(["a", "b"]);
    expect(await ids(index, Q, undefined, 100)).toHaveLength(ROOMS.length);
    const [first] = await index.query([1, 0, 0, 0], { topK: 1, returnMetadata: true });
    expect(first).toEqual({ id: "a", score: expect.any(Number), metadata: { city: "lisbon", price: 50, pets: true } });
  });

  it("returns metadata at any topK up to 100", async () => {
    const { index } = make();
    await index.upsert(Array.from({ length: 30 }, (_, i) => v(`r${String(i).padStart(2, "0")}`, [1, i, 0, 0], { i })));
    const matches = await index.query([1, 0, 0, 0], { topK: 100, returnMetadata: true });
    expect(matches).toHaveLength(30);
    expect(matches.map((m) => m.metadata?.i)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it.each<[string, MetadataFilter, string[]]>([
    ["a bare value (implicit $eq)", { city: "lisbon" }, ["a", "b"]],
    ["$eq", { city: { $eq: "porto" } }, ["c", "d"]],
    ["$eq on a boolean", { pets: true }, ["a", "c", "e"]],
    ["$eq on a number", { price: 150 }, ["c"]],
    ["$ne", { city: { $ne: "lisbon" } }, ["c", "d", "e", "nopets"]],
    ["$in", { city: { $in: ["porto", "faro"] } }, ["c", "d", "e", "nopets"]],
    ["$nin", { city: { $nin: ["porto", "faro"] } }, ["a", "b"]],
    ["$lt", { price: { $lt: 150 } }, ["a", "b"]],
    ["$lte", { price: { $lte: 150 } }, ["a", "b", "c"]],
    ["$gt", { price: { $gt: 200 } }, ["e", "nopets"]],
    ["$gte", { price: { $gte: 200 } }, ["d", "e", "nopets"]],
    ["a lower and an upper bound", { price: { $gt: 50, $lte: 200 } }, ["b", "c", "d"]],
    ["several fields (AND)", { city: "porto", pets: false }, ["d"]],
    ["values by type: the string 100 is not the number 100", { price: { $in: ["100"] } }, []],
    ["no field at all", {}, ["a", "b", "c", "d", "e", "nopets"]],
  ])("filters with %s", async (_what, filter, expected) => {
    const { index } = make();
    await index.upsert(ROOMS);
    expect(sorted(await ids(index, Q, filter))).toEqual(expected);
  });

  it("applies the filter before topK (topK results come from the filtered set)", async () => {
    const { index } = make();
    await index.upsert(ROOMS);
    expect(await ids(index, [1, 0, 0, 0], { city: "porto" }, 1)).toEqual(["c"]);
  });

  it.each<[string, MetadataFilter, boolean]>([
    ["$eq", { pets: true }, false],
    ["$in", { pets: { $in: [true, false] } }, false],
    ["a range", { pets: { $gte: 0 } }, false],
    ["$ne", { pets: { $ne: true } }, true],
    ["$nin", { pets: { $nin: [true] } }, true],
  ])("a vector without the field: %s matches it: %s", async (_op, filter, included) => {
    const { index } = make();
    await index.upsert(ROOMS);
    expect((await ids(index, Q, filter)).includes("nopets")).toBe(included);
  });

  it("replaces a vector in full on upsert by the same id (values and metadata, no merge)", async () => {
    const { index } = make();
    await index.upsert([v("x", [1, 0, 0, 0], { city: "lisbon", old: true }), v("y", [0, 1, 0, 0])]);
    await index.upsert([v("x", [0, 0, 0, 1], { city: "porto" })]);
    const matches = await index.query([0, 0, 0, 1], { topK: 10, returnMetadata: true });
    expect(matches.map((m) => m.id)).toEqual(["x", "y"]);
    expect(matches[0]).toEqual({ id: "x", score: expect.closeTo(1, 6), metadata: { city: "porto" } });
    expect(await ids(index, Q, { city: "lisbon" })).toEqual([]);
  });

  it("removes vectors with deleteByIds, ignoring unknown ids", async () => {
    const { index } = make();
    await index.upsert(ROOMS);
    await index.deleteByIds(["a", "c", "never-there"]);
    expect(sorted(await ids(index, Q))).toEqual(["b", "d", "e", "nopets"]);
    await index.upsert([v("a", [1, 0, 0, 0])]);
    expect(await ids(index, [1, 0, 0, 0], undefined, 1)).toEqual(["a"]);
  });

  it("orders equal scores by id ascending, every time", async () => {
    const { index } = make();
    const twins = ["m", "c", "x", "a", "k"].map((id) => v(id, [0, 1, 0, 0]));
    await index.upsert([...twins, v("best", [0, 1, 0.01, 0])]);
    for (let i = 0; i < 3; i++) expect(await ids(index, [0, 1, 0, 0], undefined, 4)).toEqual(["a", "c", "k", "m"]);
    expect(await ids(index, [0, 1, 0.02, 0], undefined, 3)).toEqual(["best", "a", "c"]);
  });

  it("refuses vectors and queries of another dimension", async () => {
    const { index } = make();
    await index.upsert(ROOMS);
    await expect(index.upsert([v("short", [1, 0, 0])])).rejects.toThrow(/dimension/);
    await expect(index.query([1, 0, 0], { topK: 5 })).rejects.toThrow(/dimension/);
    await expect(index.query([1, 0, 0, 0, 0], { topK: 5 })).rejects.toThrow(/dimension/);
    expect(await ids(index, Q)).toHaveLength(ROOMS.length); // the refused upsert wrote nothing
  });

  it("refuses topK above 100, with or without metadata", async () => {
    const { index } = make();
    await index.upsert(ROOMS);
    await expect(index.query(Q, { topK: 101 })).rejects.toThrow(/topK/);
    await expect(index.query(Q, { topK: 101, returnMetadata: true })).rejects.toThrow(/topK/);
    expect(await index.query(Q, { topK: 100 })).toHaveLength(ROOMS.length);
  });

  it("refuses operator combinations Vectorize refuses", async () => {
    const { index } = make();
    await index.upsert(ROOMS);
    await expect(index.query(Q, { topK: 5, filter: { price: { $eq: 100, $gt: 50 } } })).rejects.toThrow();
    await expect(index.query(Q, { topK: 5, filter: { price: { $lt: 100, $lte: 50 } } })).rejects.toThrow();
  });

  it("takes more than one batch of vectors per call (1000 per Vectorize upsert)", async () => {
    const { index } = make();
    const many = Array.from({ length: 2500 }, (_, i) => v(`n${i}`, [1, i / 2500, 0, 0], { i }));
    await index.upsert(many);
    expect(await index.query([1, 0, 0, 0], { topK: 1, returnMetadata: true })).toEqual([
      { id: "n0", score: expect.closeTo(1, 6), metadata: { i: 0 } },
    ]);
    await index.deleteByIds(many.map((x) => x.id).slice(1));
    expect(await ids(index, Q)).toEqual(["n0"]);
  });
});

describe("local index (VectorIndexLocal)", () => {
  it("keeps its vectors across an eviction (SQLite), and reads them back into memory", async () => {
    const name = `test-${crypto.randomUUID()}`;
    const index = localVectorIndex(env, name);
    await index.upsert(ROOMS);
    await index.deleteByIds(["e"]);
    await index.upsert([v("b", [0, 0, 1, 1], { city: "braga" })]);
    const before = await index.query(Q, { topK: 10, returnMetadata: true });
    await evictDurableObject(env.VECTOR_INDEX_LOCAL.getByName(name));
    const after = await localVectorIndex(env, name).query(Q, { topK: 10, returnMetadata: true });
    expect(after).toEqual(before);
    expect(sorted(after.map((m) => m.id))).toEqual(["a", "b", "c", "d", "nopets"]);
    expect(after.find((m) => m.id === "b")?.metadata).toEqual({ city: "braga" });
    expect(await env.VECTOR_INDEX_LOCAL.getByName(name).describe()).toEqual({ dimensions: DIMS, vectorCount: 5 });
    // and it still refuses another dimension after the restart
    await expect(index.query([1, 0], { topK: 1 })).rejects.toThrow(/dimension/);
  });

  it("answers a large index of listing-sized vectors as the fake binding does (its bounded scan is exact)", async () => {
    // Enough rows for the bounded path (more than 32 × topK), in groups as listings are, some exact copies (ties).
    let seed = 11;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const centres = Array.from({ length: 8 }, () => Array.from({ length: VECTOR_DIMENSIONS }, () => random() - 0.4));
    const vectors = Array.from({ length: 4000 }, (_, i) => {
      const group = i % centres.length;
      const values = centres[group]!.map((x) => x + (random() - 0.5) * 0.4);
      return v(`r${String(Math.floor(random() * 1e6)).padStart(6, "0")}-${i}`, values, { group, i });
    });
    for (let i = 13; i < vectors.length; i += 13) vectors[i] = { ...vectors[i]!, values: vectors[i - 1]!.values };
    const local = localVectorIndex(env, `test-${crypto.randomUUID()}`);
    const fake = vectorizeIndex(new FakeVectorize(VECTOR_DIMENSIONS));
    await local.upsert(vectors);
    await fake.upsert(vectors);
    for (let q = 0; q < 12; q++) {
      const query = centres[q % centres.length]!.map((x) => x + (random() - 0.5) * 0.3);
      const filter: MetadataFilter | undefined = q % 3 === 0 ? { group: { $in: [q % 8, (q + 1) % 8] } } : undefined;
      const topK = [10, 20, 100][q % 3]!;
      const [a, b] = await Promise.all([local.query(query, { topK, filter }), fake.query(query, { topK, filter })]);
      expect(a.map((m) => m.id)).toEqual(b.map((m) => m.id));
      a.forEach((m, i) => expect(m.score).toBeCloseTo(b[i]!.score, 6));
    }
  });

  it("is what vectorIndex(env) gives when VECTOR_INDEX is local (the worker tests' setting)", async () => {
    expect(env.VECTOR_INDEX).toBe("local");
    const index = vectorIndex(env);
    const id = `probe-${crypto.randomUUID()}`;
    // The shared index holds the other files' listing vectors: the probe has their dimensions.
    const probe = Array.from({ length: VECTOR_DIMENSIONS }, (_, i) => (i + 1) / VECTOR_DIMENSIONS);
    await index.upsert([v(id, probe, { probe: id })]);
    expect(await ids(index, probe, { probe: id }, 1)).toEqual([id]);
    await index.deleteByIds([id]);
    expect(await ids(index, probe, { probe: id }, 1)).toEqual([]);
  });
});

describe("Vectorize adapter and the fake binding", () => {
  it("the fake refuses what Vectorize documents it refuses", async () => {
    const fake = new FakeVectorize(DIMS);
    const vectors = Array.from({ length: 1001 }, (_, i) => ({ id: `v${i}`, values: [1, 0, 0, 0] }));
    await expect(fake.upsert(vectors)).rejects.toThrow(/1000/);
    await fake.upsert(vectors.slice(0, 30));
    await expect(fake.query(Q, { topK: 101 })).rejects.toThrow(/topK/);
    await expect(fake.query(Q, { topK: 21, returnMetadata: "all" })).rejects.toThrow(/topK/);
    await expect(fake.query(Q, { topK: 21, returnValues: true })).rejects.toThrow(/topK/);
    await expect(fake.query(Q, { topK: 5, filter: {} })).rejects.toThrow(/non-empty/);
    const res = await fake.query(Q, { topK: 100 });
    expect(res.count).toBe(30);
    expect(res.matches[0]).toEqual({ id: "v0", score: expect.closeTo(0.5, 6) });
    expect(await fake.query(Q)).toMatchObject({ count: 5 }); // topK defaults to 5
  });

  it("batches upserts and deletes by 1000 and sends Vectorize's query options", async () => {
    const fake = new FakeVectorize(DIMS);
    const index = vectorizeIndex(fake);
    await index.upsert(Array.from({ length: 2500 }, (_, i) => v(`n${i}`, [1, i, 0, 0], { i })));
    await index.deleteByIds(Array.from({ length: 1200 }, (_, i) => `n${i}`));
    expect(fake.calls).toEqual([
      { method: "upsert", size: 1000 },
      { method: "upsert", size: 1000 },
      { method: "upsert", size: 500 },
      { method: "deleteByIds", size: 1000 },
      { method: "deleteByIds", size: 200 },
    ]);
    fake.calls.length = 0;
    const filter: MetadataFilter = { i: { $gte: 1300, $lt: 2000 } };
    await index.query(Q, { topK: 10, filter });
    await index.query(Q, { topK: 20, returnMetadata: true });
    await index.query(Q, { topK: 100, returnMetadata: true, filter: {} });
    expect(fake.calls).toEqual([
      { method: "query", dimensions: DIMS, options: { topK: 10, returnMetadata: "none", filter } },
      { method: "query", dimensions: DIMS, options: { topK: 20, returnMetadata: "all" } },
      { method: "query", dimensions: DIMS, options: { topK: 100, returnMetadata: "none" } },
      { method: "getByIds", size: 100 },
    ]);
  });
});
