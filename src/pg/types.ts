/**
 * PostgreSQL's catalog objects as pgindex describes them: operator classes, types, index keys and
 * indexes. The rules in src/pg/ read these; src/catalog/ fills them from a server.
 */

export interface OpclassInfo {
  /** pg_opclass.oid: how an index's keys (pg_index.indclass) name it. */
  oid: number;
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
  /**
   * For an index that is not valid and ready: a live backend that may be building it right now (its
   * CREATE INDEX CONCURRENTLY's progress row, or a client session holding SHARE UPDATE EXCLUSIVE on
   * the table), so that it is not taken for an interrupted build's leftover. Null or absent: none.
   */
  buildingPid?: number | null;
  /** For a partition's index attached to a partitioned index: that parent index. */
  parentIndex: { schema: string; name: string } | null;
  /** UNIQUE NULLS NOT DISTINCT (PostgreSQL 15+); absent: false. */
  nullsNotDistinct?: boolean;
  /** pg_class.reloptions: the storage parameters as the server keeps them (`fillfactor=70`); absent: none. */
  storage?: string[];
  /**
   * A constraint that needs the index (pg_constraint.conindid): the PRIMARY KEY, UNIQUE or EXCLUDE
   * constraint it backs, else a FOREIGN KEY that references its table through it. Such an index is
   * never pruned: DROP INDEX refuses it. Absent: none.
   */
  constraint?: { name: string; type: ConstraintType };
  /** Citus: the copies of this index on shard placements that are INVALID (then `valid` is false). */
  invalidShards?: { invalid: number; placements: number };
}

/** pg_constraint.contype of a constraint that needs an index: p, u, x, or f (a referencing foreign key). */
export type ConstraintType = 'p' | 'u' | 'x' | 'f';
