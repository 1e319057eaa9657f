/**
 * Online redefinition (issue 11, item 2): an `indexes:` entry with an explicit `name` that an index
 * of another definition holds is replaced without a moment without the index:
 *   CREATE INDEX CONCURRENTLY <temp> (the new definition); DROP INDEX CONCURRENTLY <name>;
 *   ALTER INDEX <temp> RENAME TO <name>.
 * On a partitioned table the new definition is built the way pgindex builds partitioned indexes
 * (CREATE INDEX <temp> ON ONLY the parent, each partition's CONCURRENTLY, each attached), and the
 * old one goes with a plain DROP INDEX: PostgreSQL cannot drop a partitioned index CONCURRENTLY, so
 * that DROP takes ACCESS EXCLUSIVE on the table and on every partition, which its reason says.
 * The temporary name is derived from the name alone, so a plan made after an interruption at any
 * point finds where the last run stopped and finishes the job:
 * - temp absent, or INVALID: (drop it, or on a partitioned table complete it,) build it, drop the
 *   old, rename;
 * - temp valid, old present (valid or an interrupted DROP's INVALID): drop the old, rename;
 * - temp valid, old gone: rename.
 * What holds the temporary name is ours only when it has the planned definition: anything else is a
 * conflict, never dropped. The DROP of the old index is a hazard (Step.hazard): apply runs it only
 * with --allow-drop. An index that backs a constraint is not replaced: the plan refuses (a conflict),
 * with the reason and the DDL that would do it; nor one the role may not drop (not the table's owner).
 */
import type { IndexInfo, TableInfo } from '../catalog/types.js';
import { formatPosition } from '../errors.js';
import { isValid } from '../pg/index-state.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { differences, findEquivalentValid, isEquivalent } from './diff.js';
import { tableHoldingName } from './conflicts.js';
import { notOwnerReason } from './hazards.js';
import { cutToBytes, MAX_IDENTIFIER_BYTES, withDisambiguator } from './names.js';
import { partitionedDropLocks, planPartitionTree } from './partitions.js';
import { allTargets, intentLabel, qname, targetIndex, type IndexTarget, type Intent, type PlanningState } from './intent.js';
import { createParentStep, createSql, createStep, dropStep, hazardDropStep, leafEstimate, renameStep } from './steps.js';
import type { ColumnPlan } from './types.js';

const TEMP_SUFFIX = '_pgindex_new';

/** The temporary name of `name`'s new definition: fixed, so that a later plan finds it. */
export function redefinitionTempName(name: string): string {
  return cutToBytes(name, MAX_IDENTIFIER_BYTES - TEMP_SUFFIX.length) + TEMP_SUFFIX;
}

/** The statements of a redefinition, or null when the intent is not one (the usual paths apply). */
export function planRedefinition(state: PlanningState, intent: Intent): Pick<ColumnPlan, 'action' | 'reason'> | null {
  const { target } = intent;
  if (!target.explicit || intent.duplicateOf) return null;
  const table = target.table;
  const onTable = (name: string): IndexInfo | undefined => {
    const found = state.indexByName.get({ schema: table.schema, name });
    return found && found.table.oid === table.oid ? found.index : undefined;
  };
  const tempName = redefinitionTempName(target.name);
  const tempQualified = { schema: table.schema, name: tempName };
  const old = onTable(target.name);
  const snapshot = state.snapshot;
  // The temporary name is ours only when what holds it has the planned definition: a user's own
  // index of that name is never dropped, built over or renamed.
  const held = onTable(tempName);
  const temp = held && isEquivalent(snapshot, table, intent.def, held) ? held : undefined;
  if (old && isValid(old) && isEquivalent(snapshot, table, intent.def, old)) {
    if (temp) {
      const drop = table.kind === 'partitioned' ? 'DROP INDEX' : 'DROP INDEX CONCURRENTLY';
      state.warnings.push(`${quoteQualified(targetIndex(target))} has its planned definition; ${quoteIdent(tempName)} is left over from a redefinition (${drop} ${quoteQualified({ schema: table.schema, name: tempName })} to remove it)`);
    }
    return null;
  }
  if (!temp) {
    // Only a valid index of another definition is redefined; an INVALID one is an interrupted build's
    // leftover (rebuilt as usual), and an equivalent index elsewhere serves as it always has.
    if (!old || !isValid(old)) return null;
    if (findEquivalentValid(snapshot, table, intent.def, target.name)) return null;
  }
  const diffs = old ? differences(snapshot, table, intent.def, old) : [];
  if (old?.constraint) {
    refuseConstraint(state, intent, old, diffs);
    return { action: 'skip', reason: `backs the constraint ${quoteIdent(old.constraint.name)}: not redefined` };
  }
  const tempTable = state.tablesByKey.get(qualifiedKey(tempQualified));
  const taken = state.indexByName.get(tempQualified) ?? (tempTable ? { index: tableHoldingName({ ...target, name: tempName }), table: tempTable } : undefined);
  if (!temp && taken) {
    refuseTempName(state, intent, taken, diffs);
    return { action: 'skip', reason: `the temporary name ${quoteIdent(tempName)} is taken: not redefined` };
  }
  if (old?.parentIndex) {
    refuse(state, intent, `index ${quoteQualified(targetIndex(target))} has another definition (${diffs.join('; ')}) but it is attached to the partitioned index ${quoteQualified(old.parentIndex)}: it is dropped only with it`, 'declare the new definition on the partitioned table instead');
    return { action: 'skip', reason: `attached to ${quoteQualified(old.parentIndex)}: not redefined` };
  }
  // Every partition's index is built CONCURRENTLY on its own, which needs that partition's owner too.
  const notOwned = allTargets(target).find((t) => t.table.canIndex === false)?.table;
  if (notOwned) {
    refuse(state, intent, `index ${quoteQualified(targetIndex(target))} ${old ? `has another definition (${diffs.join('; ')})` : `was being redefined (${quoteIdent(tempName)} is left)`} but ${notOwnerReason(snapshot.role, notOwned, `can ${notOwned === table ? 'build, drop and rename its indexes' : `build its indexes (a partition of ${quoteQualified(qname(table))})`}`)}: not redefined`, 'connect as its owner, or GRANT the owning role to this one');
    return { action: 'skip', reason: 'not the owner of its table: not redefined' };
  }
  if (temp?.buildingPid && !isValid(temp)) return { action: 'skip', reason: 'being built by another session' };

  const label = intentLabel(intent);
  const tempReady = temp !== undefined && isValid(temp);
  const built = table.kind === 'partitioned' ? buildPartitioned(state, intent, tempName, old, temp) : buildPlain(state, intent, tempName, temp);
  if (old) {
    const locks = table.kind === 'partitioned' ? `; ${partitionedDropLocks(state, table, old)}` : '';
    built.last = [hazardDropStep(state, intent, table, old, built.last, `${label}: replaced by ${quoteIdent(tempName)}, which has the new definition${diffs.length ? ` (${diffs.join('; ')})` : ''}${locks}`)];
  }
  renameStep(state, intent, table, tempName, target.name, built.last, `${label}: ${quoteIdent(tempName)} takes its name`);
  const resumed = !old || temp ? ' (finishing an interrupted redefinition)' : '';
  const reason = old
    ? `${quoteIdent(target.name)} exists with another definition (${diffs.join('; ')}): replaced online${resumed}${built.note}`
    : `the redefinition of ${quoteIdent(target.name)} was interrupted after the old index was dropped: ${tempReady ? '' : `${quoteIdent(tempName)} is finished and `}${quoteIdent(tempName)} is renamed`;
  return { action: 'rebuild', reason };
}

/** What building the new definition planned: the steps after which it is valid, and a note for the reason. */
interface Built {
  last: string[];
  note: string;
}

/** A plain table's new definition: one CONCURRENTLY build (after dropping our INVALID leftover). */
function buildPlain(state: PlanningState, intent: Intent, tempName: string, temp: IndexInfo | undefined): Built {
  const { target } = intent;
  if (temp && isValid(temp)) return { last: [], note: '' };
  const tempTarget: IndexTarget = { ...target, name: tempName, partitions: [] };
  const before = temp
    ? [dropStep(state, intent, tempTarget, `${quoteIdent(tempName)} was left INVALID by an interrupted redefinition of ${quoteIdent(target.name)}: drop it before building again`)]
    : [];
  const create = createStep(state, intent, tempTarget, {
    concurrently: true,
    dependsOn: before,
    reason: `${intentLabel(intent)}: the new definition of ${quoteIdent(target.name)}, built under a temporary name beside the old one`,
    estimate: leafEstimate(target, intent),
  });
  return { last: [create], note: '' };
}

/**
 * A partitioned table's new definition, the way pgindex builds a partitioned index: ON ONLY the
 * parent under the temporary name, each partition's index CONCURRENTLY, each attached. An INVALID
 * temporary parent (an interrupted roll-out) is completed, not built again. The partitions' indexes
 * get their usual names, unless an index of the old definition holds one (it goes only with the
 * old parent): then a name of their own, derived from the redefinition, the same in every plan.
 */
function buildPartitioned(state: PlanningState, intent: Intent, tempName: string, old: IndexInfo | undefined, temp: IndexInfo | undefined): Built {
  const { target } = intent;
  if (temp && isValid(temp)) return { last: [], note: '' };
  const online: Intent = { ...intent, concurrently: true };
  const tempTarget: IndexTarget = { ...target, name: tempName, partitions: partitionNames(target, old, `redefinition of ${quoteQualified(targetIndex(target))}`) };
  if (temp) return { last: planPartitionTree(state, online, tempTarget, null), note: `; ${quoteIdent(tempName)} was left INVALID: its partitions' indexes are completed` };
  const parent = createParentStep(state, online, tempTarget, [], `${intentLabel(intent)}: the new definition of ${quoteIdent(target.name)}, under a temporary name beside the old one (partitioned table: index on the parent only, valid once every partition's index is attached)`);
  return { last: [parent, ...planPartitionTree(state, online, tempTarget, parent)], note: '' };
}

/** The partition targets below `parent`, renamed where an index attached to the old definition holds the name. */
function partitionNames(parent: IndexTarget, oldParent: IndexInfo | undefined, seed: string): IndexTarget[] {
  return parent.partitions.map((p) => {
    const oldChild = oldParent ? p.table.indexes.find((ix) => ix.parentIndex !== null && ix.parentIndex.schema === parent.table.schema && ix.parentIndex.name === oldParent.name) : undefined;
    const renamed: IndexTarget = { ...p, name: oldChild?.name === p.name ? withDisambiguator(p.parts, seed) : p.name };
    return { ...renamed, partitions: partitionNames(p, oldChild, seed) };
  });
}

/** A redefinition pgindex cannot do: a problem at the plan position, nothing run. */
function refuse(state: PlanningState, intent: Intent, message: string, hint: string): void {
  state.problems.push({ pos: intent.pos, message, hint });
}

/** The temporary name is held by something pgindex did not make (another definition, or not an index). */
function refuseTempName(state: PlanningState, intent: Intent, holder: { index: IndexInfo; table: TableInfo }, diffs: string[]): void {
  const { target } = intent;
  const tempName = redefinitionTempName(target.name);
  const what = holder.index.method === '' ? 'a table' : holder.table.oid === target.table.oid ? `an index of another definition (${differences(state.snapshot, target.table, intent.def, holder.index).join('; ')})` : `an index on ${quoteQualified(qname(holder.table))}`;
  state.conflicts.push(
    [
      `${formatPosition(intent.pos)}: index ${quoteQualified(targetIndex(target))} has another definition (${diffs.join('; ')}) and would be replaced online under the temporary name ${quoteIdent(tempName)}, but ${quoteQualified({ schema: target.table.schema, name: tempName })} is ${what}: pgindex takes it for its own only when it has the planned definition`,
      `  existing: ${holder.index.definition.replace(/\s+/g, ' ').trim()}${isValid(holder.index) || holder.index.method === '' ? '' : ' (INVALID)'}`,
    ].join('\n'),
  );
}

/** An index a constraint needs is not swapped under it: the conflict says why, and the DDL that would. */
function refuseConstraint(state: PlanningState, intent: Intent, old: IndexInfo, diffs: string[]): void {
  const constraint = old.constraint as NonNullable<IndexInfo['constraint']>;
  const table = qname(intent.target.table);
  const tempName = redefinitionTempName(intent.target.name);
  const build = createSql(intent, { ...intent.target, name: tempName, partitions: [] }, { concurrently: true, only: false });
  const kind = { p: 'PRIMARY KEY', u: 'UNIQUE', x: 'EXCLUDE', f: 'FOREIGN KEY' }[constraint.type];
  const keyed = constraint.type === 'p' || constraint.type === 'u';
  const partitioned = intent.target.table.kind === 'partitioned';
  // ADD CONSTRAINT ... USING INDEX is not supported on partitioned tables: the constraint builds its
  // own index (every partition's), under ACCESS EXCLUSIVE, when its keys are plain columns.
  const columns = intent.def.keys.every((k) => k.column !== null && k.opclass === null && !k.descending && k.nullsFirst === undefined && k.collation === undefined) && intent.def.where === null
    ? intent.def.keys.map((k) => quoteIdent(k.column as string)).join(', ')
    : null;
  const include = intent.def.include.length > 0 ? ` INCLUDE (${intent.def.include.map(quoteIdent).join(', ')})` : '';
  const alter = `ALTER TABLE ${quoteQualified(table)} DROP CONSTRAINT ${quoteIdent(constraint.name)}, ADD CONSTRAINT ${quoteIdent(constraint.name)} ${kind}`;
  const ddl = !keyed
    ? [`-- ${kind} constraint ${quoteIdent(constraint.name)}: drop it, replace the index, then add the constraint again (ALTER TABLE ... ADD CONSTRAINT ...)`]
    : !partitioned
      ? [`${build};`, `${alter} USING INDEX ${quoteIdent(tempName)};`]
      : columns !== null
        ? [`${alter} (${columns})${include};`]
        : [`-- a ${kind} constraint holds only plain columns: drop ${quoteIdent(constraint.name)}, then add it again on the columns it should have`];
  const takes = partitioned ? 'the ALTER TABLE builds the index of the partitioned table and of each partition under ACCESS EXCLUSIVE: reads and writes wait until it ends' : 'the ALTER TABLE takes ACCESS EXCLUSIVE briefly; a constraint made from an index takes its name';
  state.conflicts.push(
    [
      `${formatPosition(intent.pos)}: index ${quoteQualified(targetIndex(intent.target))} has another definition (${diffs.join('; ')}) but ${kind === 'FOREIGN KEY' ? `the FOREIGN KEY constraint ${quoteIdent(constraint.name)} references its table through it` : `it backs the ${kind} constraint ${quoteIdent(constraint.name)}`}: pgindex does not replace it online, as the constraint needs the index at every moment`,
      `  existing: ${old.definition.replace(/\s+/g, ' ').trim()}`,
      `  the DDL that would (${takes}):`,
      ...ddl.map((l) => `    ${l}`),
    ].join('\n'),
  );
}
