/**
 * What a Citus coordinator knows of its cluster, as the snapshot carries it (src/catalog/citus.ts
 * reads it, src/catalog/citus-overlay.ts puts it into the tables): plain data, so the planner stays pure.
 */

/** pg_dist_partition: hash-distributed, reference (a copy on every node), or Citus-local (on the coordinator). */
export type CitusTableKind = 'distributed' | 'reference' | 'local';

/** One node's share of a table: its shard placements and their size. */
export interface CitusNodeShare {
  /** host:port as pg_dist_node names it. */
  node: string;
  shards: number;
  /** Heap pages of those placements (pg_class.relpages on the node, or size / block size). */
  pages: number;
  sizeBytes: number;
}

export interface CitusTableInfo {
  kind: CitusTableKind;
  /** The distribution column of a distributed table; null for reference and Citus-local tables. */
  distributionColumn: string | null;
  /** Shards of the table (a reference or Citus-local table has one). */
  shards: number;
  /** Where the placements are, busiest (most pages) first. */
  nodes: CitusNodeShare[];
}

/** A column's statistics gathered from its shards' own pg_stats (the coordinator's table has none). */
export interface ShardStatsSource {
  /** Shards whose statistics were read. */
  sampled: number;
  /** Shards of the table. */
  total: number;
}

/** An index whose copy on some shard placements is INVALID (a failed or cancelled CONCURRENTLY build). */
export interface InvalidShardIndexes {
  /** Placements whose copy is INVALID or not ready. */
  invalid: number;
  /** Placements of the table. */
  placements: number;
}

export interface CitusClusterInfo {
  /** citus extension version. */
  version: string;
  /** Primary nodes that hold shards, with each one's max_parallel_workers (its DBA's allowance for parallel work: the coordinator cannot see a node's CPUs). */
  nodes: { node: string; cores: number }[];
}
