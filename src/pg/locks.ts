/**
 * PostgreSQL's table-level lock modes and their conflict table (the documentation's "Conflicting
 * Lock Modes"), and the lock each kind of index statement takes on its table: pure. The scheduler,
 * the planning session's lock messages and the run's lock checks all read this one table.
 */

export type LockMode =
  | 'AccessShareLock'
  | 'RowShareLock'
  | 'RowExclusiveLock'
  | 'ShareUpdateExclusiveLock'
  | 'ShareLock'
  | 'ShareRowExclusiveLock'
  | 'ExclusiveLock'
  | 'AccessExclusiveLock';

export const LOCK_MODES: readonly LockMode[] = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
];

const CONFLICTS: Readonly<Record<LockMode, readonly LockMode[]>> = {
  AccessShareLock: ['AccessExclusiveLock'],
  RowShareLock: ['ExclusiveLock', 'AccessExclusiveLock'],
  RowExclusiveLock: ['ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareUpdateExclusiveLock: ['ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareLock: ['RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ShareRowExclusiveLock: ['RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  ExclusiveLock: ['RowShareLock', 'RowExclusiveLock', 'ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock'],
  AccessExclusiveLock: LOCK_MODES,
};

/** The modes that conflict with `mode` (pg_locks.mode spells them this way). */
export function conflictingModes(mode: LockMode): readonly LockMode[] {
  return CONFLICTS[mode];
}

export function lockModesConflict(a: LockMode, b: LockMode): boolean {
  return CONFLICTS[a].includes(b);
}

/**
 * The table lock of index statements: CREATE INDEX takes SHARE; CREATE INDEX CONCURRENTLY, DROP
 * INDEX CONCURRENTLY and ALTER INDEX ATTACH PARTITION take SHARE UPDATE EXCLUSIVE; CREATE INDEX
 * ... ON ONLY a partitioned table takes SHARE on the parent alone.
 */
export function indexBuildLock(concurrently: boolean): LockMode {
  return concurrently ? 'ShareUpdateExclusiveLock' : 'ShareLock';
}
export const DROP_INDEX_CONCURRENTLY_LOCK: LockMode = 'ShareUpdateExclusiveLock';
/** A plain DROP INDEX (a partitioned table's index cannot be dropped CONCURRENTLY): ACCESS EXCLUSIVE. */
export const DROP_INDEX_LOCK: LockMode = 'AccessExclusiveLock';
/** ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE on the index (PostgreSQL 12+). */
export const RENAME_INDEX_LOCK: LockMode = 'ShareUpdateExclusiveLock';
export const ATTACH_PARTITION_INDEX_LOCK: LockMode = 'ShareUpdateExclusiveLock';

/**
 * The table locks of the other statements a pg_dump post-data section holds, as PostgreSQL takes
 * them (tablecmds.c's AlterTableGetLockLevel for ALTER TABLE, each command's own otherwise; checked
 * against pg_locks on 15 and 18).
 */
export const STATEMENT_LOCKS = Object.freeze({
  /** ADD PRIMARY KEY / UNIQUE / EXCLUDE / CHECK / NOT NULL, with or without USING INDEX. */
  addConstraint: 'AccessExclusiveLock',
  /** ADD FOREIGN KEY, on the referencing and the referenced table (NOT VALID too). */
  addForeignKey: 'ShareRowExclusiveLock',
  /** VALIDATE CONSTRAINT on the referencing table; the referenced one gets ROW SHARE only. */
  validateConstraint: 'ShareUpdateExclusiveLock',
  clusterOn: 'ShareUpdateExclusiveLock',
  replicaIdentity: 'AccessExclusiveLock',
  rowSecurity: 'AccessExclusiveLock',
  /** CREATE TRIGGER, ENABLE / DISABLE TRIGGER. */
  trigger: 'ShareRowExclusiveLock',
  /** CREATE RULE, ENABLE / DISABLE RULE. */
  rule: 'AccessExclusiveLock',
  createPolicy: 'AccessExclusiveLock',
  createStatistics: 'ShareUpdateExclusiveLock',
  /** ALTER TABLE … ALTER COLUMN … SET STATISTICS. */
  setStatistics: 'ShareUpdateExclusiveLock',
  /** ALTER PUBLICATION … ADD TABLE, CREATE PUBLICATION … FOR TABLE. */
  publicationTable: 'ShareUpdateExclusiveLock',
  /** COMMENT ON CONSTRAINT / TRIGGER / RULE / POLICY … ON table. */
  commentOnTableObject: 'AccessShareLock',
  /** REINDEX TABLE / INDEX: SHARE on the table (the index itself: ACCESS EXCLUSIVE). */
  reindex: 'ShareLock',
  /** REINDEX … CONCURRENTLY: SHARE UPDATE EXCLUSIVE on the table, like CREATE INDEX CONCURRENTLY. */
  reindexConcurrently: 'ShareUpdateExclusiveLock',
  /** REFRESH MATERIALIZED VIEW on the view (ACCESS SHARE on what its query reads). */
  refreshMatview: 'AccessExclusiveLock',
  /** REFRESH MATERIALIZED VIEW CONCURRENTLY: reads go on, writes and other refreshes wait. */
  refreshMatviewConcurrently: 'ExclusiveLock',
} satisfies Record<string, LockMode>);

/**
 * The weakest mode that conflicts with everything either mode conflicts with: the lock one statement
 * doing both takes, as the scheduler must see it (SHARE and SHARE UPDATE EXCLUSIVE: SHARE ROW EXCLUSIVE).
 */
export function strongerLock(a: LockMode, b: LockMode): LockMode {
  const wanted = new Set([...CONFLICTS[a], ...CONFLICTS[b]]);
  for (const mode of LOCK_MODES) {
    if ([...wanted].every((m) => CONFLICTS[mode].includes(m))) return mode;
  }
  return 'AccessExclusiveLock';
}
