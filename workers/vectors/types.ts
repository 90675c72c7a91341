/**
 * The types of the listing-vector index (re-exported by index.ts, which is where callers import them from).
 * Their own module so that vectorize.ts and local.ts, which index.ts imports, do not import index.ts back.
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
