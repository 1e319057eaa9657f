/**
 * A catalog snapshot: everything the planner needs to know about a database, gathered by a fixed
 * number of batched queries (src/catalog/snapshot.ts). Plain data, so the planner stays pure and
 * tests can build snapshots by hand.
 */

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

export interface OpclassInfo {
  method: string;
  name: string;
  schema: string;
  /** OID of the input type; may be polymorphic (anyarray, anyrange, anyenum, anymultirange…). */
  inputType: number;
  inputTypeName: string;
  isDefault: boolean;
  /** The extension that provides it (btree_gin, pg_trgm…), if any. */
  extension?: string | null;
  /** pg_type.typcategory and typispreferred of the input type: how PostgreSQL picks among several
   * coercible defaults (varchar → text_ops rather than bpchar_ops). */
  inputTypeCategory?: string;
  inputTypePreferred?: boolean;
}

export interface BinaryCoercion {
  source: number;
  target: number;
}

export type TypeKind = 'base' | 'enum' | 'range' | 'multirange' | 'composite' | 'pseudo' | 'domain';

export interface ColumnType {
  /** format_type() of the declared type, e.g. `character varying(20)` or a domain name. */
  declared: string;
  /** The base type after unwrapping domains, e.g. `integer`. */
  base: string;
  baseOid: number;
  /** pg_type.typcategory of the base type (A array, B boolean, D datetime, N numeric, S string, U user…). */
  category: string;
  kind: TypeKind;
  /** For arrays: the element type's name and OID. */
  elementBase?: string;
  elementOid?: number;
  /** Name of the extension that owns the base type (hstore, ltree, cube, citext…), if any. */
  extension?: string;
  /** The declared type is a domain (possibly over other domains) over `base`. */
  isDomain?: boolean;
}

export interface ColumnStats {
  nullFrac: number;
  avgWidth: number;
  nDistinct: number;
  correlation: number | null;
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

export interface IndexKey {
  /** Column name, or null for an expression key. */
  column: string | null;
  /** pg_get_indexdef(indexrelid, k, true) for this key: the column name or the expression. */
  expression: string;
  opclass: string;
  opclassIsDefault: boolean;
  collation: string | null;
  descending: boolean;
  nullsFirst: boolean;
}

export interface IndexInfo {
  schema: string;
  name: string;
  method: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  ready: boolean;
  keys: IndexKey[];
  include: string[];
  /** pg_get_expr of indpred, or null. */
  predicate: string | null;
  sizeBytes: number;
  tablespace: string | null;
  /** pg_get_indexdef: shown in conflict errors. */
  definition: string;
  /** For a partition's index attached to a partitioned index: that parent index. */
  parentIndex: { schema: string; name: string } | null;
}

export interface TableInfo {
  oid: number;
  schema: string;
  name: string;
  kind: 'table' | 'partitioned';
  /** For a partition: its parent. */
  parent: { schema: string; name: string } | null;
  /** For a partitioned table: its direct partitions. */
  partitions: { schema: string; name: string }[];
  /** pg_class.reltuples; -1 when unknown (never vacuumed or analyzed). For a partitioned table whose
   * own value is unknown: the sum over its partitions. */
  reltuples: number;
  /** Heap pages; for a partitioned table (which has none): the sum over its leaf partitions. */
  relpages: number;
  /** pg_table_size; for a partitioned table: the sum over its leaf partitions. */
  sizeBytes: number;
  tablespace: string | null;
  lastAnalyzed: string | null;
  columns: ColumnInfo[];
  indexes: IndexInfo[];
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
}
