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
  /** relpages × block_size: the size as of the last VACUUM, ANALYZE or CREATE INDEX (read without a lock). */
  sizeBytes: number;
  tablespace: string | null;
  /** The definition as CREATE INDEX would write it, built from the catalog: shown in conflict errors. */
  definition: string;
  /** For a partition's index attached to a partitioned index: that parent index. */
  parentIndex: { schema: string; name: string } | null;
}

/** What can carry an index: a table, a partitioned table, a materialized view. */
export type TableKind = 'table' | 'partitioned' | 'matview';

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
  /** current_user of the planning session, for permission messages. */
  role?: string;
}
