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
