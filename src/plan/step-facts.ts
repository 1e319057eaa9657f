/**
 * The facts a step carries for the runner, from what the statement is: pure, and the one place that
 * knows them, so that the scheduler, retries and cleanup only read fields (src/plan/types.ts).
 */
import type { SourcePos } from '../errors.js';
import { ATTACH_PARTITION_INDEX_LOCK, DROP_INDEX_CONCURRENTLY_LOCK, DROP_INDEX_LOCK, RENAME_INDEX_LOCK, indexBuildLock } from '../pg/locks.js';
import type { QualifiedName, Step, StepAction } from './types.js';

export type StepFacts = Pick<Step, 'lock' | 'retrySafe' | 'mayLeaveInvalid' | 'hazard' | 'source'>;

export interface StepShape {
  action: StepAction;
  concurrently: boolean;
  table: QualifiedName | null;
  index: QualifiedName | null;
}

/**
 * - lock: CREATE INDEX takes SHARE on its table (ON ONLY a parent too), CONCURRENTLY builds, DROP
 *   INDEX CONCURRENTLY and ATTACH PARTITION take SHARE UPDATE EXCLUSIVE; a SQL file's other
 *   statements take locks pgindex does not know.
 * - retrySafe: index builds are: a plain CREATE INDEX that failed left nothing behind, and a
 *   CONCURRENTLY one leaves an INVALID index that is dropped first, found by its name or, unnamed, as
 *   the new INVALID index on its table. A SQL file's other statements are never retried: after a
 *   lost connection pgindex cannot know whether they took effect. Nor is a rename (after a lost
 *   connection it may have happened): the next plan sees which name the index has and finishes.
 * - mayLeaveInvalid: a failed CONCURRENTLY build leaves its INVALID index behind, on its table.
 * - hazard: a `drop` removes an index someone may rely on; a `drop-invalid` removes only an INVALID
 *   leftover (no query uses it) that the plan builds again under the same name, so it is none.
 */
export function stepFacts(step: StepShape, source: SourcePos | null): StepFacts {
  return {
    lock: stepLock(step),
    retrySafe: step.action !== 'sql' && step.action !== 'rename' && (!(step.concurrently && step.action === 'create') || step.index !== null || step.table !== null),
    mayLeaveInvalid: step.action === 'create' && step.concurrently && step.table !== null,
    hazard: step.action === 'drop' ? 'drop' : null,
    source,
  };
}

function stepLock(step: StepShape): Step['lock'] {
  switch (step.action) {
    case 'create':
    case 'create-parent':
      return indexBuildLock(step.concurrently);
    case 'drop-invalid':
      return DROP_INDEX_CONCURRENTLY_LOCK;
    case 'drop':
      // A partitioned table's index is dropped without CONCURRENTLY: ACCESS EXCLUSIVE on the table
      // (and on each partition, for its attached index).
      return step.concurrently ? DROP_INDEX_CONCURRENTLY_LOCK : DROP_INDEX_LOCK;
    case 'attach':
      return ATTACH_PARTITION_INDEX_LOCK;
    case 'rename':
      return RENAME_INDEX_LOCK;
    case 'sql':
      return null;
  }
}
