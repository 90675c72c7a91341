import type { ListingVector, VectorIndex, VectorMatch } from "./types";

/** Vectors per RPC call, as the Vectorize adapter batches its upserts (keeps each message small). */
const BATCH = 1000;

/**
 * The local index (`VECTOR_INDEX = "local"`: `npm start`, the worker tests, the bench): the `VectorIndexLocal`
 * Durable Object, one instance by name. Same semantics as Vectorize (durable-objects/vector-index-local.ts).
 */
export function localVectorIndex(env: Env, name = "listings"): VectorIndex {
  const stub = env.VECTOR_INDEX_LOCAL.getByName(name);
  return {
    async upsert(vectors: ListingVector[]) {
      for (let i = 0; i < vectors.length; i += BATCH) await stub.upsert(vectors.slice(i, i + BATCH));
    },
    async query(vector, options): Promise<VectorMatch[]> {
      return stub.query(vector, options);
    },
    async deleteByIds(ids: string[]) {
      for (let i = 0; i < ids.length; i += BATCH) await stub.deleteByIds(ids.slice(i, i + BATCH));
    },
  };
}
