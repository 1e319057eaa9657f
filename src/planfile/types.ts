/** Where a value came from in a plan file, so errors can point at it. 1-based. */
import type { SourcePos } from '../errors.js';

export type { SourcePos } from '../errors.js';

export type MethodName = 'btree' | 'hash' | 'gin' | 'gist' | 'spgist' | 'brin' | (string & {});

/** Thresholds of the access-method advisor; every one can be set in the plan's `rules:` section. */
export interface Rules {
  /** |correlation| at or above this on a large enough table → brin. */
  brinMinCorrelation: number;
  /** brin only pays off on tables of at least this many pages. */
  brinMinPages: number;
  /** Low-cardinality band for gin through btree_gin: distinct count within [min, max] … */
  ginMinDistinct: number;
  ginMaxDistinct: number;
  /** … and distinct count / rows at most this. */
  ginMaxDistinctRatio: number;
  /** avg_width (bytes) at or above this → hash, because btree keys are capped near 2.7 kB. */
  hashMinAvgWidth: number;
  /** Operator class for jsonb columns. */
  jsonbOpclass: 'jsonb_path_ops' | 'jsonb_ops';
  /** A column of at most this many distinct values is skipped (evenly spread) or gets a partial index (rare values). */
  fewValues: number;
  /** A value of such a column that fewer than this share of the rows hold is rare (most_common_freqs). */
  rareShare: number;
}

export const DEFAULT_RULES: Readonly<Rules> = Object.freeze({
  brinMinCorrelation: 0.9,
  brinMinPages: 1000,
  ginMinDistinct: 100,
  ginMaxDistinct: 100_000,
  ginMaxDistinctRatio: 1 / 10_000,
  hashMinAvgWidth: 1000,
  jsonbOpclass: 'jsonb_path_ops',
  fewValues: 10,
  rareShare: 0.05,
});

/** One column entry of a plan, normalised: a bare name becomes `{ name }`. */
export interface ColumnSpec {
  name: string;
  method?: MethodName;
  opclass?: string;
  /** Raw SQL predicate for a partial index; documented as such, never quoted. */
  where?: string;
  include?: string[];
  unique?: boolean;
  tablespace?: string;
  pos: SourcePos;
}

/** One key of an `indexes:` entry: a column or an expression (raw SQL), with its options. */
export interface IndexKeySpec {
  /** The column, as written (folded like every name of the plan); absent for an expression. */
  name?: string;
  /** Raw SQL, documented as such: written into the statement inside parentheses, never quoted. */
  expression?: string;
  opclass?: string;
  /** Exactly as pg_collation names it (written quoted into the statement). */
  collation?: string;
  order?: 'asc' | 'desc';
  nulls?: 'first' | 'last';
  pos: SourcePos;
}

/** A storage parameter of `with:`, in plan order. */
export interface StorageParamSpec {
  name: string;
  value: number | boolean | string;
  pos: SourcePos;
}

/** One entry of a table's `indexes:`, normalised: bare key names become `{ name }`. */
export interface IndexSpec {
  keys: IndexKeySpec[];
  method?: MethodName;
  unique?: boolean;
  nullsNotDistinct?: boolean;
  include?: string[];
  /** Raw SQL predicate for a partial index. */
  where?: string;
  with?: StorageParamSpec[];
  tablespace?: string;
  concurrently?: boolean;
  /** An explicit index name, as written (folded like every name of the plan). */
  name?: string;
  /** Set only on the indexes `indexes: auto` plans (src/plan/auto.ts): why the workload needs it. */
  advised?: string;
  pos: SourcePos;
}

export interface TableSpec {
  /** As written: `schema.table`, `table` (resolved through search_path), globs `*` and `?` allowed. */
  name: string;
  /** An entry with only `indexes:` has an empty list here. */
  columns: 'all' | ColumnSpec[];
  /** Complete index definitions (`indexes:`); absent or empty when the entry has none. */
  indexes?: IndexSpec[];
  /** `indexes: auto`: the indexes the recorded workload needs, decided at planning (src/plan/auto.ts). */
  auto?: true;
  exclude: string[];
  tablespace?: string;
  concurrently?: boolean;
  /** Overrides the plan's `prune` for the tables this entry matches. */
  prune?: boolean;
  pos: SourcePos;
}

/** The plan's `connection`, as written: its `${VAR}`s are replaced only when it is the connection used. */
export interface PlanConnection {
  text: string;
  pos: SourcePos;
  /** Each variable it names, once, where it is first written. */
  variables: { name: string; pos: SourcePos }[];
}

/** A validated plan file with defaults applied. Pure data. */
export interface PlanFile {
  file: string;
  version: 1;
  connection?: PlanConnection;
  parallelism: number;
  tablespace?: string;
  concurrently: boolean;
  analyze: boolean;
  /**
   * Drop the indexes of the matched tables that the plan does not declare (src/plan/prune.ts). Each
   * drop is a hazard: apply runs it only with --allow-drop. Absent: false.
   */
  prune?: boolean;
  /** Total maintenance_work_mem budget shared by the builds running at one moment, in bytes. */
  maintenanceWorkMemBytes?: number;
  /** Total CPU budget (builds plus their parallel workers); default from the server. */
  cores?: number;
  /** Citus: shard builds at once per node (src/plan/citus.ts); absent: detected from the nodes. */
  citus?: { perNode?: number };
  /** Milliseconds; 0 disables. */
  lockTimeoutMs: number;
  /** How long a CONCURRENTLY build may wait for older transactions, ms; null: as long as they last. */
  snapshotWaitTimeoutMs?: number | null;
  statementTimeoutMs: number;
  retries: number;
  rules: Rules;
  tables: TableSpec[];
}
