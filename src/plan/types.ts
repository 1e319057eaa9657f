/**
 * The Plan: plain data computed from a plan file and a catalog snapshot. `pgindex plan` prints it,
 * `pgindex apply` executes exactly it. Nothing in here refers to a connection or a clock.
 */
import type { MethodName } from '../planfile/types.js';
import type { TableKind } from '../catalog/types.js';
import type { SourcePos } from '../errors.js';
import type { LockMode } from '../pg/locks.js';
import type { WorkloadAdvice } from '../advisor/workload/advice.js';

export interface QualifiedName {
  schema: string;
  name: string;
}

export type StepAction =
  /** CREATE INDEX [CONCURRENTLY] on a plain table or a partition. */
  | 'create'
  /** DROP INDEX CONCURRENTLY IF EXISTS of an INVALID leftover, before its `create` runs again. */
  | 'drop-invalid'
  /** CREATE INDEX ... ON ONLY a partitioned table (instant, leaves the parent index invalid until attached). */
  | 'create-parent'
  /** ALTER INDEX parent ATTACH PARTITION child. */
  | 'attach'
  /**
   * DROP INDEX of an index the plan does not declare (`prune`): CONCURRENTLY, except a partitioned
   * table's index, which PostgreSQL drops only with a plain DROP INDEX. Always a hazard.
   */
  | 'drop'
  /** ALTER INDEX ... RENAME TO: the last step of an online redefinition (src/plan/redefine.ts). */
  | 'rename'
  /** A statement from a SQL file (`pgindex run`). */
  | 'sql';

export interface Step {
  /** Stable and unique within the plan; dependencies refer to it. */
  id: string;
  action: StepAction;
  sql: string;
  /** Why this statement exists, one line; printed as a comment above it. */
  reason: string;
  /** The table whose lock this statement takes, or null when unknown (`pgindex run`). */
  table: QualifiedName | null;
  index: QualifiedName | null;
  /** For `attach`: the partition's index that the statement attaches to `index`. */
  attachChild?: QualifiedName;
  method: MethodName | null;
  columns: string[];
  /** CONCURRENTLY: must run outside a transaction block; at most one per table at a time. */
  concurrently: boolean;
  /** The server can build this index with parallel maintenance workers. */
  parallelCapable: boolean;
  /** Step ids that must finish (done or skipped) before this one starts. */
  dependsOn: string[];
  /**
   * Step ids that must have ended, in any state, before this one starts: an order without a need (a
   * statement of a SQL file that pgindex does not understand runs where psql would run it, and
   * runs even when one before it failed). Absent: none.
   */
  after?: string[];
  /** Inputs of the scheduler: relation pages and a method factor give a relative cost. */
  estimate: { pages: number; cost: number; sizeBytes: number };
  /** An index build's settings and predicted time, from the cost model (src/cost/plan-builds.ts). */
  build?: PlannedBuild;
  /** The operator class of the leading key when the plan names one: the build's kind (src/cost/kinds.ts). */
  opclass?: string;
  // The facts the runner acts on, set by the planner that made the step (src/plan/step-facts.ts):
  // the scheduler, retries and cleanup read them and never re-derive them from the SQL or the action.
  /** The lock the statement takes on `table`, or null when unknown (a statement of a SQL file). */
  lock: LockMode | null;
  /** Running it again after a transient failure cannot do harm (see stepFacts). */
  retrySafe: boolean;
  /** A failure can leave an INVALID index on `table` that the run must drop (CONCURRENTLY builds). */
  mayLeaveInvalid: boolean;
  /**
   * 'drop': the statement removes an index a user may rely on (a pruned index, a replaced definition),
   * and apply runs it only with --allow-drop. Null for everything else, the DROP of an INVALID leftover
   * before its rebuild included: no query uses an INVALID index, and the plan builds the same name
   * again right after.
   */
  hazard: 'drop' | null;
  /** Where the step comes from: the plan file entry or the SQL file statement; null when made by hand. */
  source: SourcePos | null;
  /**
   * Session settings (name → value, as set_config takes it) the statement must run with, set on its
   * session right before it: a SQL file's SET further down applies to the statements after it,
   * whichever session runs them. Absent: the session's own.
   */
  settings?: Record<string, string>;
}

/**
 * What the cost model chose for one index build. The runner sets the memory as planned; workers are
 * decided again when the build starts (src/cost/budget.ts, the same rule the plan simulated), up to
 * the ones the model found worth having.
 */
export interface PlannedBuild {
  /** The build kind's key (method/opclass/major) and whether its curve is calibrated. */
  kind: string;
  calibrated: boolean;
  /** maintenance_work_mem for the build with no worker. */
  memoryBytes: number;
  /** Parallel workers worth having by the model, whatever the other builds take. */
  usefulWorkers: number;
  /** As the plan's schedule gives them: the workers and the maintenance_work_mem SET with them. */
  workers: number;
  maintenanceWorkMemBytes: number;
  /** Predicted duration with those settings. */
  seconds: number;
}

export type ColumnAction = 'create' | 'rebuild' | 'exists' | 'attach' | 'skip';

/** One line of `--explain`: what happens to one column of one table, and why. */
export interface ColumnPlan {
  table: QualifiedName;
  column: string;
  type: string;
  action: ColumnAction;
  method: MethodName | null;
  opclass: string | null;
  index: QualifiedName | null;
  reason: string;
  suggestion?: string;
  /** The extension the chosen operator class comes from (btree_gin, pg_trgm…), if any. */
  extension?: string;
}

export interface RunSettings {
  parallelism: number;
  concurrently: boolean;
  /** Total maintenance_work_mem shared by concurrent builds, bytes. */
  maintenanceWorkMemBytes: number;
  /** Builds plus parallel workers may not exceed this. */
  cores: number;
  /**
   * Where `cores` comes from: the machine the server runs on (pgindex runs there too), the plan's
   * `cores:`, or assumed (one per session) for a server elsewhere. Absent in plans saved before.
   */
  coresFrom?: 'machine' | 'plan' | 'assumed';
  /**
   * The cost model the builds were priced with (src/cost): calibrated on this server or the
   * defaults, and the predicted duration of all the builds as the plan schedules them. Absent in
   * plans saved before.
   */
  costModel?: { source: 'calibrated' | 'default'; calibratedAt?: string; predictedSeconds: number };
  /** Max parallel maintenance workers per build, as the server allows. */
  maxWorkersPerBuild: number;
  /** Bounds only the wait for a table lock (src/runner/build-waits.ts). */
  lockTimeoutMs: number;
  /** How long a CONCURRENTLY build may wait for older transactions, ms; null: as long as they last. */
  snapshotWaitTimeoutMs?: number | null;
  statementTimeoutMs: number;
  retries: number;
  /**
   * On a Citus coordinator with builds on its tables (src/plan/citus.ts): shard builds at once per
   * node, and the citus.max_adaptive_executor_pool_size every session sets to keep within it.
   */
  citus?: { perNode: number; poolSize: number; from: 'plan' | 'machine' | 'nodes' };
}

/** Size facts of a table the plan covers, for the explain output's headings. */
export interface TableSummary {
  table: QualifiedName;
  kind: TableKind;
  rows: number;
  pages: number;
  sizeBytes: number;
  /** Number of direct partitions (partitioned tables). */
  partitions: number;
  analyzed: boolean;
}

/** An index `prune` leaves in place although the plan does not declare it, and why (src/plan/prune.ts). */
export interface KeptIndex {
  table: QualifiedName;
  index: QualifiedName;
  reason: string;
}

export interface Plan {
  version: 1;
  source: string;
  server: { version: string; versionNum: number };
  settings: RunSettings;
  columns: ColumnPlan[];
  steps: Step[];
  warnings: string[];
  /** The tables of `columns`, in the same order (set by buildPlan; absent in plans of `pgindex run`). */
  tables?: TableSummary[];
  /**
   * The plan's entries, all together, matched no table (globs that matched nothing): no statement, but
   * not because the indexes exist. Often the wrong database; the CLI fails unless --allow-empty.
   * Set by buildPlan; absent in plans of `pgindex run`.
   */
  matchedNoTable?: boolean;
  /** With `prune`: the undeclared indexes that are not dropped, and why. Absent: none (or no prune). */
  kept?: KeptIndex[];
  /** With `indexes: auto`: the workload advisor's verdict, each index's queries and every candidate dropped. */
  auto?: WorkloadAdvice;
}
