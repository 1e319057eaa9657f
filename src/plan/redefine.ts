/**
 * Online redefinition (issue 11, item 2): an `indexes:` entry with an explicit `name` that an index
 * of another definition holds is replaced without a moment without the index:
 *   CREATE INDEX CONCURRENTLY <temp> (the new definition); DROP INDEX CONCURRENTLY <name>;
 *   ALTER INDEX <temp> RENAME TO <name>.
 * The temporary name is derived from the name alone, so a plan made after an interruption at any
 * point finds where the last run stopped and finishes the job:
 * - temp absent, or INVALID (or of another definition): (drop it,) build it, drop the old, rename;
 * - temp valid and of the new definition, old present (valid or an interrupted DROP's INVALID): drop
 *   the old, rename;
 * - temp valid, old gone: rename.
 * The DROP of the old index is a hazard (Step.hazard): apply runs it only with --allow-drop.
 * An index that backs a constraint is not replaced: the plan refuses (a conflict), with the reason
 * and the DDL that would do it.
 */
import type { IndexInfo } from '../catalog/types.js';
import { formatPosition } from '../errors.js';
import { isValid } from '../pg/index-state.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { differences, findEquivalentValid, isEquivalent } from './diff.js';
import { cutToBytes, MAX_IDENTIFIER_BYTES } from './names.js';
import { intentLabel, qname, targetIndex, type IndexTarget, type Intent, type PlanningState } from './intent.js';
import { createSql, createStep, dropStep, hazardDropStep, leafEstimate, renameStep } from './steps.js';
import type { ColumnPlan } from './types.js';

const TEMP_SUFFIX = '_pgindex_new';

/** The temporary name of `name`'s new definition: fixed, so that a later plan finds it. */
export function redefinitionTempName(name: string): string {
  return cutToBytes(name, MAX_IDENTIFIER_BYTES - TEMP_SUFFIX.length) + TEMP_SUFFIX;
}

/** The statements of a redefinition, or null when the intent is not one (the usual paths apply). */
export function planRedefinition(state: PlanningState, intent: Intent): Pick<ColumnPlan, 'action' | 'reason'> | null {
  const { target } = intent;
  if (!target.explicit || target.table.kind === 'partitioned' || intent.duplicateOf) return null;
  const onTable = (name: string): IndexInfo | undefined => {
    const found = state.indexByName.get(qualifiedKey({ schema: target.table.schema, name }));
    return found && found.table.oid === target.table.oid ? found.index : undefined;
  };
  const tempName = redefinitionTempName(target.name);
  const old = onTable(target.name);
  const temp = onTable(tempName);
  const snapshot = state.snapshot;
  if (old && isValid(old) && isEquivalent(snapshot, target.table, intent.def, old)) {
    if (temp) state.warnings.push(`${quoteQualified(targetIndex(target))} has its planned definition; ${quoteIdent(tempName)} is left over from a redefinition (DROP INDEX CONCURRENTLY ${quoteQualified({ schema: target.table.schema, name: tempName })} to remove it)`);
    return null;
  }
  if (!temp) {
    // Only a valid index of another definition is redefined; an INVALID one is an interrupted build's
    // leftover (rebuilt as usual), and an equivalent index elsewhere serves as it always has.
    if (!old || !isValid(old)) return null;
    if (findEquivalentValid(snapshot, target.table, intent.def, target.name)) return null;
  }
  const diffs = old ? differences(snapshot, target.table, intent.def, old) : [];
  if (old?.constraint) {
    refuseConstraint(state, intent, old, diffs);
    return { action: 'skip', reason: `backs the constraint ${quoteIdent(old.constraint.name)}: not redefined` };
  }
  if (temp?.buildingPid && !isValid(temp)) return { action: 'skip', reason: 'being built by another session' };

  const tempTarget: IndexTarget = { ...target, name: tempName, partitions: [] };
  const label = intentLabel(intent);
  const tempReady = temp !== undefined && isValid(temp) && isEquivalent(snapshot, target.table, intent.def, temp);
  let last: string[] = [];
  const done: string[] = [];
  if (!tempReady) {
    if (temp) {
      last = [dropStep(state, intent, tempTarget, `${quoteIdent(tempName)} was left by an interrupted redefinition of ${quoteIdent(target.name)}${isValid(temp) ? ' with another definition' : ' (INVALID)'}: drop it before building again`)];
    }
    last = [
      createStep(state, intent, tempTarget, {
        concurrently: true,
        dependsOn: last,
        reason: `${label}: the new definition of ${quoteIdent(target.name)}, built under a temporary name beside the old one`,
        estimate: leafEstimate(target, intent),
      }),
    ];
    done.push('build');
  }
  if (old) {
    last = [hazardDropStep(state, intent, target.table, old, last, `${label}: replaced by ${quoteIdent(tempName)}, which has the new definition${diffs.length ? ` (${diffs.join('; ')})` : ''}`)];
    done.push('drop the old');
  }
  renameStep(state, intent, target.table, tempName, target.name, last, `${label}: ${quoteIdent(tempName)} takes its name`);
  const resumed = !old || tempReady ? ' (finishing an interrupted redefinition)' : '';
  const reason = old
    ? `${quoteIdent(target.name)} exists with another definition (${diffs.join('; ')}): replaced online${resumed}`
    : `the redefinition of ${quoteIdent(target.name)} was interrupted after the old index was dropped: ${quoteIdent(tempName)} is renamed`;
  return { action: 'rebuild', reason };
}

/** An index a constraint needs is not swapped under it: the conflict says why, and the DDL that would. */
function refuseConstraint(state: PlanningState, intent: Intent, old: IndexInfo, diffs: string[]): void {
  const constraint = old.constraint as NonNullable<IndexInfo['constraint']>;
  const table = qname(intent.target.table);
  const tempName = redefinitionTempName(intent.target.name);
  const build = createSql(intent, { ...intent.target, name: tempName, partitions: [] }, { concurrently: true, only: false });
  const kind = { p: 'PRIMARY KEY', u: 'UNIQUE', x: 'EXCLUDE', f: 'FOREIGN KEY' }[constraint.type];
  const ddl =
    constraint.type === 'p' || constraint.type === 'u'
      ? [
          `${build};`,
          `ALTER TABLE ${quoteQualified(table)} DROP CONSTRAINT ${quoteIdent(constraint.name)}, ADD CONSTRAINT ${quoteIdent(constraint.name)} ${kind} USING INDEX ${quoteIdent(tempName)};`,
        ]
      : [`-- ${kind} constraint ${quoteIdent(constraint.name)}: drop it, replace the index, then add the constraint again (ALTER TABLE ... ADD CONSTRAINT ...)`];
  state.conflicts.push(
    [
      `${formatPosition(intent.pos)}: index ${quoteQualified(targetIndex(intent.target))} has another definition (${diffs.join('; ')}) but ${kind === 'FOREIGN KEY' ? `the FOREIGN KEY constraint ${quoteIdent(constraint.name)} references its table through it` : `it backs the ${kind} constraint ${quoteIdent(constraint.name)}`}: pgindex does not replace it online, as the constraint needs the index at every moment`,
      `  existing: ${old.definition.replace(/\s+/g, ' ').trim()}`,
      '  the DDL that would (the ALTER TABLE takes ACCESS EXCLUSIVE briefly; a constraint made from an index takes its name):',
      ...ddl.map((l) => `    ${l}`),
    ].join('\n'),
  );
}
