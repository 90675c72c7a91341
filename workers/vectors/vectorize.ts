import type { ListingVector, MetadataFilter, MetadataValue, VectorIndex, VectorMatch } from "./types";

/**
 * Vectorize's limits (https://developers.cloudflare.com/vectorize/platform/limits/ and
 * https://developers.cloudflare.com/vectorize/reference/client-api/#topk): at most 1000 vectors per upsert from a
 * Worker; topK at most 100, but at most 20 when the query returns values or `returnMetadata: "all"` (newer
 * revisions of the limits page say 50; 20 holds under both). Deletes are batched like upserts.
 */
export const VECTORIZE_UPSERT_BATCH = 1000;
export const VECTORIZE_DELETE_BATCH = 1000;
export const VECTORIZE_TOPK_WITH_METADATA = 20;

/**
 * `VectorIndex` over the `LISTINGS_INDEX` Vectorize binding (production). The filter goes through as given:
 * MetadataFilter is Vectorize's own filter syntax. A query asking for metadata with topK up to 20 is one call
 * with `returnMetadata: "all"`; above that (where Vectorize refuses "all") it asks for ids and scores only and
 * reads the metadata of those ids with `getByIds`, so the interface's topK ≤ 100 holds either way. Vectorize
 * refuses topK > 100 itself. Mutations are asynchronous in Vectorize: an upsert is visible to queries seconds later.
 */
export function vectorizeIndex(binding: VectorizeIndex): VectorIndex {
  return {
    async upsert(vectors: ListingVector[]) {
      for (let i = 0; i < vectors.length; i += VECTORIZE_UPSERT_BATCH)
        await binding.upsert(
          vectors
            .slice(i, i + VECTORIZE_UPSERT_BATCH)
            .map((v) => ({ id: v.id, values: v.values, metadata: v.metadata })),
        );
    },

    async query(vector, { topK, filter, returnMetadata = false }): Promise<VectorMatch[]> {
      const inline = returnMetadata && topK <= VECTORIZE_TOPK_WITH_METADATA;
      const options: VectorizeQueryOptions = { topK, returnMetadata: inline ? "all" : "none" };
      const vectorizeFilter = toVectorizeFilter(filter);
      if (vectorizeFilter) options.filter = vectorizeFilter;
      const { matches } = await binding.query(vector, options);
      let out: VectorMatch[] = matches.map((m) =>
        inline ? { id: m.id, score: m.score, metadata: metadataOf(m.metadata) } : { id: m.id, score: m.score },
      );
      if (returnMetadata && !inline && out.length > 0) {
        const stored = new Map((await binding.getByIds(out.map((m) => m.id))).map((v) => [v.id, v.metadata]));
        // A vector deleted between the two calls is left out rather than returned without its metadata.
        out = out.filter((m) => stored.has(m.id)).map((m) => ({ ...m, metadata: metadataOf(stored.get(m.id)) }));
      }
      // Vectorize does not document an order among equal scores; the interface promises id ascending.
      return out.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },

    async deleteByIds(ids: string[]) {
      for (let i = 0; i < ids.length; i += VECTORIZE_DELETE_BATCH)
        await binding.deleteByIds(ids.slice(i, i + VECTORIZE_DELETE_BATCH));
    },
  };
}

/** Vectorize refuses an empty filter object ("filter must be non-empty"); no field means no filter. */
function toVectorizeFilter(filter: MetadataFilter | undefined): VectorizeVectorMetadataFilter | undefined {
  if (!filter || Object.keys(filter).length === 0) return undefined;
  // Same syntax; Vectorize's type splits the operator object into two unions that MetadataFilter does not.
  return filter as VectorizeVectorMetadataFilter;
}

/** The metadata this index writes is flat (MetadataValue per key), so that is what it reads back. */
function metadataOf(metadata: Record<string, VectorizeVectorMetadata> | undefined): Record<string, MetadataValue> {
  return (metadata ?? {}) as Record<string, MetadataValue>;
}
