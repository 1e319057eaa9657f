/**
 * A catalog snapshot: everything the planner needs to know about a database, gathered by a fixed
 * number of batched queries (src/catalog/snapshot.ts). Plain data, so the planner stays pure and
 * tests can build snapshots by hand.
 */
import type { ColumnType, IndexInfo, OpclassInfo, BinaryCoercion } from '../pg/types.js';
import type { CitusClusterInfo, CitusTableInfo, ShardStatsSource } from './citus-types.js';

export type { BinaryCoercion, ColumnType, ConstraintType, IndexInfo, IndexKey, OpclassInfo, TypeKind } from '../pg/types.js';


export interface ServerSettings {
  maxParallelMaintenanceWorkers: number;
  maxWorkerProcesses: number;
  maxParallelWorkers: number;
  /** Bytes. */
  maintenanceWorkMem: number;
  maxConnections: number;
}

export interface ExtensionInfo {
  name: string;
  /** Installed version, or null when only available. */
  installed: string | null;
  available: string | null;
  schema: string | null;
}

export interface ColumnStats {
  nullFrac: number;
  avgWidth: number;
  nDistinct: number;
  correlation: number | null;
  /**
   * pg_stats' most common values (as text) and their shares of the rows, in the same order; read
   * only for columns of few distinct values (queries.ts MCV_MAX_DISTINCT).
   */
  mostCommon?: { values: string[]; freqs: number[] };
  /** Read from a Citus table's shards (src/catalog/citus-overlay.ts); absent: the table's own pg_stats. */
  shards?: ShardStatsSource;
}

export interface ColumnInfo {
  attnum: number;
  name: string;
  type: ColumnType;
  notNull: boolean;
  /** '' ordinary, 's' stored generated, 'v' virtual generated (PostgreSQL 18+). */
  generated: '' | 's' | 'v';
  collation: string | null;
  stats: ColumnStats | null;
}

/** What can carry an index: a table, a partitioned table, a materialized view. */
export type { TableKind } from '../pg/relkinds.js';
import type { TableKind } from '../pg/relkinds.js';

export interface TableInfo {
  oid: number;
  schema: string;
  name: string;
  kind: TableKind;
  /** For a partition: its parent. */
  parent: { schema: string; name: string } | null;
  /** For a partitioned table: its direct partitions. */
  partitions: { schema: string; name: string }[];
  /** pg_class.reltuples; -1 when unknown (never vacuumed or analyzed). For a partitioned table whose
   * own value is unknown: the sum over its partitions. */
  reltuples: number;
  /** Heap pages; for a partitioned table (which has none): the sum over its leaf partitions. */
  relpages: number;
  /** (heap + TOAST relpages) × block_size, read without a lock (pg_table_size would wait behind an
   * ACCESS EXCLUSIVE lock); for a partitioned table: the sum over its leaf partitions. */
  sizeBytes: number;
  tablespace: string | null;
  lastAnalyzed: string | null;
  columns: ColumnInfo[];
  indexes: IndexInfo[];
  /** The owning role. */
  owner?: string;
  /** The current role may create indexes on it: it has the owner's privileges (pg_has_role USAGE:
   * the owner, a member of the owning role, or a superuser). MAINTAIN is not enough for CREATE INDEX.
   * Absent: not known, assumed allowed. */
  canIndex?: boolean;
  /** For a partitioned table: its partition key columns in order, null for an expression. */
  partitionKey?: (string | null)[];
  /** A Citus coordinator's distributed, reference or Citus-local table (src/catalog/citus-overlay.ts). */
  citus?: CitusTableInfo;
}

/** A relation a plan names that cannot carry an index (a view, a sequence, a foreign table…). */
export interface OtherRelation {
  schema: string;
  name: string;
  /** pg_class.relkind. */
  relkind: string;
}

export interface CatalogSnapshot {
  server: {
    versionNum: number;
    version: string;
    settings: ServerSettings;
  };
  database: string;
  /** Effective search_path, schemas that exist, in order. */
  searchPath: string[];
  extensions: ExtensionInfo[];
  accessMethods: string[];
  opclasses: OpclassInfo[];
  binaryCoercions: BinaryCoercion[];
  tablespaces: string[];
  /** Every table the plan's names and globs matched, plus the partitions of matched partitioned tables. */
  tables: TableInfo[];
  /** Relations of other kinds that the plan's exact names matched, so resolution can say what they are. */
  otherRelations?: OtherRelation[];
  /**
   * When an exact table name of the plan matched nothing: the tables, partitioned tables and
   * materialized views of the schemas it could have meant, for "did you mean" in the problem.
   */
  nearbyTables?: { schema: string; name: string }[];
  /** current_user of the planning session, for permission messages. */
  role?: string;
  /** The Citus cluster, when the citus extension is installed (src/catalog/citus.ts). */
  citus?: CitusClusterInfo;
}
