/**
 * Partitioned tables. A partitioned table's index is a tree of IndexTargets, one per partition at
 * every level. With `concurrently`, its statements are `CREATE INDEX ... ON ONLY` the parent, one
 * CONCURRENTLY build per partition and `ALTER INDEX ... ATTACH PARTITION` for each, recursively
 * through sub-partitioned partitions; a partition that already has an equivalent index gets it
 * attached, not rebuilt; an interrupted roll-out is completed. Without `concurrently`, one plain
 * CREATE INDEX on the parent (PostgreSQL recurses and attaches itself).
 */
import type { IndexInfo, TableInfo } from '../catalog/types.js';
import type { Problem, SourcePos } from '../errors.js';
import { isValid } from '../pg/index-state.js';
import { quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { recordConflict } from './conflicts.js';
import { findEquivalentValid, isEquivalent } from './diff.js';
import { intentLabel, qname, targetIndex, type IndexTarget, type Intent, type PlanningState } from './intent.js';
import { indexName, type NameParts } from './names.js';
import { isBeingBuilt } from './checks.js';
import { attachStep, createParentStep, createSql, createStep, dropStep, leafEstimate, treeEstimate } from './steps.js';
import type { ColumnPlan } from './types.js';

/**
 * The targets below a partitioned table, named after each partition, in a fixed order. A partition
 * the snapshot lacks (dropped while it was taken) is a problem at the plan position.
 */
export function partitionTargets(tablesByKey: Map<string, TableInfo>, table: TableInfo, parts: NameParts, pos: SourcePos, problems: Problem[]): IndexTarget[] {
  if (table.kind !== 'partitioned') return [];
  const partitions = [...table.partitions].sort((a, b) => compareText(qualifiedKey(a), qualifiedKey(b)));
  return partitions.flatMap((p) => {
    const child = tablesByKey.get(qualifiedKey(p));
    if (!child) {
      problems.push({ pos, message: `partition ${quoteQualified(p)} of ${quoteQualified(table)} is missing from the catalog snapshot` });
      return [];
    }
    const childParts = { ...parts, table: child.name };
    return [{ table: child, parts: childParts, name: indexName(childParts), partitions: partitionTargets(tablesByKey, child, childParts, pos, problems) }];
  });
}

/** The partitioned tables above a partition, nearest first. */
export function ancestors(table: TableInfo, tablesByKey: Map<string, TableInfo>): TableInfo[] {
  const out: TableInfo[] = [];
  let p = table.parent;
  while (p) {
    const t = tablesByKey.get(qualifiedKey(p));
    if (!t) break;
    out.push(t);
    p = t.parent;
  }
  return out;
}

/** What a partitioned table's statements do below the parent, for the column's reason. */
interface PartitionCounts {
  creates: number;
  attaches: number;
}

/** Statements for a partitioned table named in the plan. */
export function planPartitioned(state: PlanningState, intent: Intent): Pick<ColumnPlan, 'action' | 'reason'> {
  const { target } = intent;
  const label = intentLabel(intent);
  const existing = state.indexByName.get(targetIndex(target));
  const counts: PartitionCounts = { creates: 0, attaches: 0 };
  if (existing) {
    const sameTable = existing.table.oid === target.table.oid;
    // A partitioned index cannot be dropped concurrently; an incomplete one with our definition is
    // finished instead (its partitions' missing indexes built and attached), anything else conflicts.
    if (!sameTable || isValid(existing.index) || !isEquivalent(state.snapshot, target.table, intent.def, existing.index)) {
      recordConflict(state, intent, target, existing, createSql(intent, target, { concurrently: false, only: intent.concurrently }));
      return { action: 'skip', reason: 'name conflict' };
    }
    planPartitions(state, intent, target, null, counts);
    if (counts.creates === 0 && counts.attaches === 0) reattachOne(state, intent, target, counts);
    const what = `${counts.creates} partition index(es) to build, ${counts.attaches} to attach`;
    return {
      action: counts.creates > 0 ? 'rebuild' : 'attach',
      reason: `${intent.decision.reason}; completes the unfinished partitioned index ${target.name}: ${what}`,
    };
  }
  if (!intent.concurrently || target.partitions.length === 0) {
    // PostgreSQL builds (or attaches) every partition's index itself; with no partitions this is instant.
    createStep(state, intent, target, {
      concurrently: false,
      dependsOn: [],
      reason: `${label}: ${intent.decision.reason} (partitioned table: one CREATE INDEX builds every partition's index)`,
      estimate: treeEstimate(target, intent),
    });
    return { action: 'create', reason: intent.decision.reason };
  }
  const parentStep = createParentStep(state, intent, target, [], `${label}: ${intent.decision.reason} (partitioned table: index on the parent only, valid once every partition's index is attached)`);
  planPartitions(state, intent, target, parentStep, counts);
  return { action: 'create', reason: `${intent.decision.reason}; ${target.partitions.length} partition(s): ${counts.creates} to build, ${counts.attaches} to attach` };
}

/**
 * Statements that give every partition below `target` its index attached to target's: after
 * `parentStep` (the ON ONLY statement that creates target's index), or, with null, completing a
 * partitioned index that exists already but is INVALID. Returns the ids of the steps after which
 * target's index is valid.
 */
export function planPartitionTree(state: PlanningState, intent: Intent, target: IndexTarget, parentStep: string | null): string[] {
  const counts: PartitionCounts = { creates: 0, attaches: 0 };
  const steps = planPartitions(state, intent, target, parentStep, counts);
  if (parentStep === null && counts.creates === 0 && counts.attaches === 0) return reattachOne(state, intent, target, counts);
  return steps;
}

/** The partitions (at every level) that have an index attached to `index`, a partitioned index on `table`. */
export function attachedPartitions(state: PlanningState, table: TableInfo, index: IndexInfo): TableInfo[] {
  const out: TableInfo[] = [];
  for (const p of table.partitions) {
    const child = state.tablesByKey.get(qualifiedKey(p));
    const attached = child?.indexes.find((ix) => ix.parentIndex !== null && ix.parentIndex.schema === table.schema && ix.parentIndex.name === index.name);
    if (!child || !attached) continue;
    out.push(child, ...attachedPartitions(state, child, attached));
  }
  return out;
}

/**
 * The locks of a plain DROP INDEX of a partitioned table's index, for the step's reason: PostgreSQL
 * cannot drop a partitioned index CONCURRENTLY, and the DROP takes ACCESS EXCLUSIVE on the table and
 * on every partition whose index goes with it.
 */
export function partitionedDropLocks(state: PlanningState, table: TableInfo, index: IndexInfo): string {
  const partitions = attachedPartitions(state, table, index).map((t) => quoteQualified(qname(t)));
  const on = partitions.length === 0 ? quoteQualified(qname(table)) : `${quoteQualified(qname(table))} and on each partition with an index attached to it (${partitions.join(', ')})`;
  return `a partitioned table's index cannot be dropped CONCURRENTLY: DROP INDEX takes ACCESS EXCLUSIVE on ${on}: reads and writes of them wait until it ends`;
}

/**
 * Statements that give every partition below `parent` an index attached to the parent's index.
 * Returns the ids of the steps after which the parent's index has all of them.
 */
function planPartitions(state: PlanningState, intent: Intent, parent: IndexTarget, parentStep: string | null, counts: PartitionCounts): string[] {
  const done: string[] = [];
  for (const partition of parent.partitions) done.push(...planPartition(state, intent, parent, partition, parentStep, counts));
  return done;
}

function planPartition(state: PlanningState, intent: Intent, parent: IndexTarget, child: IndexTarget, parentStep: string | null, counts: PartitionCounts): string[] {
  const after = parentStep ? [parentStep] : [];
  const label = intentLabel(intent, child.table);
  const isParentIndex = (ix: IndexInfo) => ix.parentIndex !== null && ix.parentIndex.schema === parent.table.schema && ix.parentIndex.name === parent.name;
  const attached = parentStep === null ? child.table.indexes.find(isParentIndex) : undefined;
  if (attached) {
    if (isValid(attached)) return [];
    // A sub-partitioned partition whose own partitioned index is still incomplete: finish it.
    const before = counts.creates + counts.attaches;
    const sub = { ...child, name: attached.name };
    const steps = planPartitions(state, intent, sub, null, counts);
    if (counts.creates + counts.attaches === before) return reattachOne(state, intent, sub, counts);
    return steps;
  }
  const attach = (dependsOn: string[], reason: string, childName = child.name) => {
    counts.attaches++;
    return attachStep(state, intent, parent, { table: child.table, name: childName }, [...after, ...dependsOn], reason);
  };
  const equivalent = findEquivalentValid(state.snapshot, child.table, intent.def, child.name, (ix) => ix.parentIndex === null);
  if (equivalent) {
    return [attach([], `${label}: equivalent index ${equivalent.name} exists on the partition: attach it instead of building another`, equivalent.name)];
  }
  const existing = state.indexByName.get(targetIndex(child));
  const concurrently = intent.concurrently;
  if (child.partitions.length === 0 && child.table.kind !== 'partitioned') {
    const sql = createSql(intent, child, { concurrently, only: false });
    const deps: string[] = [...after];
    let reason = `${label}: partition of ${quoteQualified(qname(parent.table))}`;
    if (existing) {
      if (existing.table.oid !== child.table.oid || isValid(existing.index)) {
        recordConflict(state, intent, child, existing, sql);
        return [];
      }
      if (isBeingBuilt(state, intent, existing.index)) return [];
      deps.push(dropStep(state, intent, child, `INVALID index ${child.name} was left by an interrupted build: drop it before building again`));
      reason += ' (rebuild)';
    }
    counts.creates++;
    const create = createStep(state, intent, child, { concurrently, dependsOn: deps, reason, estimate: leafEstimate(child, intent) });
    return [attach([create], `${label}: attach to ${parent.name}`)];
  }
  // A partition that is itself partitioned: its own ON ONLY index, its partitions', then attach it.
  if (existing) {
    const sameTable = existing.table.oid === child.table.oid;
    if (!sameTable || isValid(existing.index) || existing.index.parentIndex !== null || !isEquivalent(state.snapshot, child.table, intent.def, existing.index)) {
      recordConflict(state, intent, child, existing, createSql(intent, child, { concurrently: false, only: true }));
      return [];
    }
    const inner = planPartitions(state, intent, child, null, counts);
    return [attach(inner, `${label}: attach the completed partitioned index ${child.name} to ${parent.name}`)];
  }
  const own = createParentStep(state, intent, child, after, `${label}: sub-partitioned partition of ${quoteQualified(qname(parent.table))}: index on it only`);
  const inner = planPartitions(state, intent, child, own, counts);
  return [attach([own, ...inner], `${label}: attach to ${parent.name} once its own partitions are attached`)];
}

/** Code-unit order, the same on every machine (no locale). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A partitioned index that is INVALID although every partition has its index attached (a partition
 * that lacked one was detached or dropped since): PostgreSQL validates a partitioned index only when
 * an index is attached to it, and attaching one that is attached already does just that. So the
 * repair is one instant ALTER INDEX ... ATTACH PARTITION of the first partition's index; validity
 * then goes up to the parents that were waiting for this one. Returns the step, if one was planned.
 */
function reattachOne(state: PlanningState, intent: Intent, parent: IndexTarget, counts: PartitionCounts): string[] {
  const isParentIndex = (ix: IndexInfo) => ix.parentIndex !== null && ix.parentIndex.schema === parent.table.schema && ix.parentIndex.name === parent.name;
  for (const partition of parent.partitions) {
    const attached = partition.table.indexes.find(isParentIndex);
    if (!attached) continue;
    counts.attaches++;
    const step = attachStep(
      state,
      intent,
      { table: parent.table, name: parent.name },
      { table: partition.table, name: attached.name },
      [],
      `${intentLabel(intent, parent.table)}: partitioned index ${parent.name} is INVALID although every partition has its index attached: attach ${attached.name} again, so that PostgreSQL validates it`,
    );
    return [step];
  }
  state.warnings.push(`partitioned index ${quoteQualified(targetIndex(parent))} is INVALID and none of its partitions has an index attached to attach again`);
  return [];
}
