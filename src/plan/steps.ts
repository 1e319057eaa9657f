/**
 * The step constructors: one function per statement kind the planner writes (CREATE INDEX, DROP
 * INDEX CONCURRENTLY of an INVALID leftover, CREATE INDEX ... ON ONLY a partitioned table, ALTER
 * INDEX ... ATTACH PARTITION). Each appends its step to the planning state with the facts the runner
 * reads (src/plan/step-facts.ts) and returns its id, for the steps that depend on it.
 */
import type { IndexInfo, TableInfo } from '../catalog/types.js';
import { parallelCapable } from '../pg/access-methods.js';
import { quoteQualified } from '../sql/quote.js';
import { estimateBuild, sumEstimates, ZERO_ESTIMATE, type Estimate } from './estimate.js';
import { qname, targetIndex, type IndexTarget, type Intent, type PlanningState } from './intent.js';
import { attachPartitionSql, createIndexSql, dropIndexSql, dropInvalidIndexSql, renameIndexSql } from './sql.js';
import { stepFacts, type StepFacts } from './step-facts.js';
import type { Step } from './types.js';
import type { PlannedKey } from './diff.js';
import type { SourcePos } from '../errors.js';

/** A key as a step's `columns` name it: the column, or the expression in parentheses. */
export function keyColumn(k: PlannedKey): string {
  return k.column ?? `(${(k.expression ?? '').trim()})`;
}

/** The CREATE INDEX statement of an intent on one target; `only` for ON ONLY a partitioned table. */
export function createSql(intent: Intent, target: IndexTarget, opts: { concurrently: boolean; only: boolean }): string {
  return createIndexSql({
    name: target.name,
    table: qname(target.table),
    method: intent.def.method,
    keys: intent.def.keys,
    unique: intent.def.unique,
    concurrently: opts.concurrently,
    only: opts.only,
    include: intent.def.include,
    tablespace: intent.tablespace,
    where: intent.def.where,
    ...(intent.def.nullsNotDistinct ? { nullsNotDistinct: true } : {}),
    ...(intent.def.storage ? { storage: intent.def.storage } : {}),
  });
}

/** The build of one relation's index, from its own pages. */
export function leafEstimate(target: IndexTarget, intent: Intent): Estimate {
  return estimateBuild(intent.def.method, target.table, intent.def.keys[0]?.column ?? '');
}

/** The build of a partitioned table's index in one statement: every partition's, summed. */
export function treeEstimate(target: IndexTarget, intent: Intent): Estimate {
  if (target.partitions.length === 0) return leafEstimate(target, intent);
  return sumEstimates(target.partitions.map((p) => treeEstimate(p, intent)));
}

export function createStep(
  state: PlanningState,
  intent: Intent,
  target: IndexTarget,
  opts: { concurrently: boolean; dependsOn: string[]; reason: string; estimate: Estimate },
): string {
  return addStep(state, intent, {
    id: `create:${quoteQualified(targetIndex(target))}`,
    action: 'create',
    sql: createSql(intent, target, { concurrently: opts.concurrently, only: false }),
    reason: opts.reason,
    ...stepBase(intent, target),
    concurrently: opts.concurrently,
    parallelCapable: parallelCapable(intent.def.method, state.versionNum),
    dependsOn: opts.dependsOn,
    estimate: opts.estimate,
    ...(intent.def.keys[0]?.opclass ? { opclass: intent.def.keys[0].opclass.name } : {}),
  });
}

export function dropStep(state: PlanningState, intent: Intent, target: IndexTarget, reason: string): string {
  const index = targetIndex(target);
  return addStep(state, intent, {
    id: `drop-invalid:${quoteQualified(index)}`,
    action: 'drop-invalid',
    sql: dropInvalidIndexSql(index),
    reason,
    ...stepBase(intent, target),
    concurrently: true,
    parallelCapable: false,
    dependsOn: [],
    estimate: { ...ZERO_ESTIMATE },
  });
}

export function createParentStep(state: PlanningState, intent: Intent, target: IndexTarget, dependsOn: string[], reason: string): string {
  return addStep(state, intent, {
    id: `create-parent:${quoteQualified(targetIndex(target))}`,
    action: 'create-parent',
    sql: createSql(intent, target, { concurrently: false, only: true }),
    reason,
    ...stepBase(intent, target),
    concurrently: false,
    parallelCapable: false,
    dependsOn,
    estimate: { ...ZERO_ESTIMATE },
  });
}

/** ATTACH of `child`'s index (which may be an existing one, under its own name) to `parent`'s. */
export function attachStep(
  state: PlanningState,
  intent: Intent,
  parent: { table: TableInfo; name: string },
  child: { table: TableInfo; name: string },
  dependsOn: string[],
  reason: string,
): string {
  const childIndex = { schema: child.table.schema, name: child.name };
  return addStep(state, intent, {
    id: `attach:${quoteQualified(childIndex)}`,
    action: 'attach',
    sql: attachPartitionSql({ schema: parent.table.schema, name: parent.name }, childIndex),
    reason,
    table: qname(parent.table),
    index: { schema: parent.table.schema, name: parent.name },
    attachChild: childIndex,
    method: intent.def.method,
    columns: intent.def.keys.map(keyColumn),
    concurrently: false,
    parallelCapable: false,
    dependsOn,
    estimate: { ...ZERO_ESTIMATE },
  });
}

/**
 * DROP INDEX of an index someone may rely on (a hazard: src/plan/hazards.ts): one the plan prunes, or
 * the old definition of a redefined index. CONCURRENTLY, except a partitioned table's index, which
 * PostgreSQL drops only plainly (ACCESS EXCLUSIVE on the table and its partitions).
 */
export function hazardDropStep(state: PlanningState, intent: Intent | null, table: TableInfo, index: IndexInfo, dependsOn: string[], reason: string): string {
  const concurrently = table.kind !== 'partitioned';
  const shape: Omit<Step, keyof StepFacts> = {
    id: `drop:${quoteQualified(qname(index))}`,
    action: 'drop',
    sql: dropIndexSql(qname(index), concurrently),
    reason,
    table: qname(table),
    index: qname(index),
    method: index.method,
    columns: index.keys.map((k) => k.column ?? `(${k.expression})`),
    concurrently,
    parallelCapable: false,
    dependsOn,
    estimate: { ...ZERO_ESTIMATE },
  };
  if (intent) return addStep(state, intent, shape);
  state.steps.push(withFacts(shape, null));
  return shape.id;
}

/** ALTER INDEX ... RENAME: the new definition takes the name of the old one it replaced. */
export function renameStep(state: PlanningState, intent: Intent, table: TableInfo, from: string, to: string, dependsOn: string[], reason: string): string {
  const index = { schema: table.schema, name: to };
  return addStep(state, intent, {
    id: `rename:${quoteQualified(index)}`,
    action: 'rename',
    sql: renameIndexSql({ schema: table.schema, name: from }, to),
    reason,
    table: qname(table),
    index,
    method: intent.def.method,
    columns: intent.def.keys.map(keyColumn),
    concurrently: false,
    parallelCapable: false,
    dependsOn,
    estimate: { ...ZERO_ESTIMATE },
  });
}

function stepBase(intent: Intent, target: IndexTarget): Pick<Step, 'table' | 'index' | 'method' | 'columns'> {
  return {
    table: qname(target.table),
    index: targetIndex(target),
    method: intent.def.method,
    columns: intent.def.keys.map(keyColumn),
  };
}

/** Appends the step with its facts, and remembers its intent (the permission check reads it). */
function addStep(state: PlanningState, intent: Intent, shape: Omit<Step, keyof StepFacts>): string {
  const step = withFacts(shape, intent.pos);
  state.steps.push(step);
  state.intentOfStep.set(step.id, intent);
  return step.id;
}

/**
 * The shape (a fresh object of its caller's) made the step, its facts added in place: a copy by two
 * spreads, `{ ...shape, ...facts }`, takes V8's slow path (10,000 such steps: 500-600 ms against
 * 25-90 ms in a micro-benchmark on a loaded machine; issue 16).
 */
function withFacts(shape: Omit<Step, keyof StepFacts>, source: SourcePos | null): Step {
  return Object.assign(shape, stepFacts(shape, source));
}
