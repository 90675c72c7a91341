/**
 * The one interface the code reaches listing vectors through (recommendations, "similar listings").
 * Production implements it with the `LISTINGS_INDEX` Vectorize binding; `npm start` and the tests with
 * a local index of the same semantics (cosine, topK, metadata filters), since Vectorize has no local
 * simulator. The recommendations issue fills in both implementations.
 */
export type MetadataValue = string | number | boolean;
export type MetadataFilter = Record<
  string,
  | MetadataValue
  | {
      $eq?: MetadataValue;
      $ne?: MetadataValue;
      $in?: MetadataValue[];
      $nin?: MetadataValue[];
      $lt?: number;
      $lte?: number;
      $gt?: number;
      $gte?: number;
    }
>;

export interface ListingVector {
  id: string;
  values: number[];
  metadata: Record<string, MetadataValue>;
}

export interface VectorMatch {
  id: string;
  score: number;
  metadata?: Record<string, MetadataValue>;
}

export interface VectorIndex {
  upsert(vectors: ListingVector[]): Promise<void>;
  query(
    vector: number[],
    options: { topK: number; filter?: MetadataFilter; returnMetadata?: boolean },
  ): Promise<VectorMatch[]>;
  deleteByIds(ids: string[]): Promise<void>;
}
