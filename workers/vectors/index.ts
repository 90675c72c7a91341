/**
 * The one interface the code reaches listing vectors through (recommendations, "similar listings").
 * Production implements it with the `LISTINGS_INDEX` Vectorize binding; `npm start` and the tests with
 * a local index of the same semantics (cosine, topK, metadata filters), since Vectorize has no local
 * simulator: vectorize.ts is the adapter over the binding, local.ts the `VectorIndexLocal` Durable Object's.
 */
import { localVectorIndex } from "./local";
import type { VectorIndex } from "./types";
import { vectorizeIndex } from "./vectorize";

export type { ListingVector, MetadataFilter, MetadataValue, VectorIndex, VectorMatch } from "./types";

/**
 * The index this environment uses: the local Durable Object when `VECTOR_INDEX` is "local" (set by `npm start`,
 * the worker tests and the bench), otherwise Vectorize over `LISTINGS_INDEX` (wrangler.toml: "vectorize").
 */
export function vectorIndex(env: Env): VectorIndex {
  return env.VECTOR_INDEX === "local" ? localVectorIndex(env) : vectorizeIndex(env.LISTINGS_INDEX);
}
