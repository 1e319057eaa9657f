/**
 * Planned names held by something else: an index with another definition (or on another table), or
 * a table. Each is recorded with both definitions and the plan position; buildPlan reports them all
 * at once, and nothing is run. Not Problems: a conflict shows two statements, not one message.
 */
import type { IndexInfo, TableInfo } from '../catalog/types.js';
import { formatProblem, PlanningError } from '../errors.js';
import { isValid } from '../pg/index-state.js';
import { quoteQualified } from '../sql/quote.js';
import { differences } from './diff.js';
import { targetIndex, type IndexTarget, type Intent, type PlanningState } from './intent.js';

/** Records that `existing` has the planned name but is not the planned index. */
export function recordConflict(
  state: PlanningState,
  intent: Intent,
  target: IndexTarget,
  existing: { index: IndexInfo; table: TableInfo },
  plannedSql: string,
): void {
  const diffs =
    existing.table.oid === target.table.oid
      ? differences(state.snapshot, target.table, intent.def, existing.index)
      : [`it is on ${quoteQualified(existing.table)}, planned on ${quoteQualified(target.table)}`];
  state.conflicts.push(
    [
      `${formatProblem({ pos: intent.pos, message: `index ${quoteQualified(targetIndex(target))} already exists with another definition (${diffs.join('; ')})` })}`,
      `  existing: ${oneLine(existing.index.definition)}${isValid(existing.index) ? '' : ' (INVALID)'}`,
      `  planned:  ${plannedSql}`,
    ].join('\n'),
  );
}

/** A table that holds the planned name, dressed as an index so that the conflict can show it. */
export function tableHoldingName(target: IndexTarget): IndexInfo {
  return {
    schema: target.table.schema,
    name: target.name,
    method: '',
    unique: false,
    primary: false,
    valid: true,
    ready: true,
    keys: [],
    include: [],
    predicate: null,
    sizeBytes: 0,
    tablespace: null,
    definition: `a table named ${quoteQualified(targetIndex(target))}`,
    parentIndex: null,
  };
}

/** The one error for every conflict recorded: all of them, and what to do. */
export function conflictsError(conflicts: readonly string[]): PlanningError {
  return new PlanningError(
    `${conflicts.length === 1 ? 'an index name is' : `${conflicts.length} index names are`} already taken by indexes with other definitions; nothing was run.\n` +
      conflicts.join('\n') +
      '\nRename or drop the existing index (or change the plan), then plan again.',
  );
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
