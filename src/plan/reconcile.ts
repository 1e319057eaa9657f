/**
 * One intent against the catalog, as the column's line of the Plan and its statements:
 * - the same index planned earlier in the plan → skip, built once there;
 * - an equivalent valid index, whatever its name → `exists`, no statement;
 * - an INVALID index with the planned name (an interrupted CONCURRENTLY build) → drop it, build again;
 * - an explicit `name` held by another definition of the same table → replaced online (redefine.ts);
 * - the planned name held by another definition, or by a table → a conflict (src/plan/conflicts.ts);
 * - a partitioned table → src/plan/partitions.ts;
 * - otherwise one CREATE INDEX.
 */
import { formatPosition } from '../errors.js';
import { isValid } from '../pg/index-state.js';
import { quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { recordConflict, tableHoldingName } from './conflicts.js';
import { differences, findEquivalentValid } from './diff.js';
import { intentLabel, qname, targetIndex, type IndexTarget, type Intent, type PlanningState } from './intent.js';
import { planPartitioned } from './partitions.js';
import { planRedefinition } from './redefine.js';
import { isBeingBuilt } from './checks.js';
import { createSql, createStep, dropStep, leafEstimate } from './steps.js';
import type { ColumnPlan } from './types.js';

export function planIntent(state: PlanningState, intent: Intent): ColumnPlan {
  const { target, decision } = intent;
  const base = {
    table: qname(intent.table),
    column: intent.keys ?? intent.column?.name ?? '',
    type: intent.keys !== undefined ? keyTypes(intent) : (intent.column?.type.declared ?? ''),
    method: decision.method,
    opclass: decision.opclass,
    ...(decision.suggestion ? { suggestion: decision.suggestion } : {}),
    ...(decision.extension ? { extension: decision.extension } : {}),
  };
  const planned = targetIndex(target);
  if (intent.duplicateOf) {
    return { ...base, action: 'skip', index: planned, reason: `the same index as plan position ${formatPosition(intent.duplicateOf.pos)}, planned once, there` };
  }
  const redefined = planRedefinition(state, intent);
  // Added to `base` in place, not spread into a copy: V8's slow path, 10,000 times (issue 16).
  if (redefined) return Object.assign(base, { index: planned }, redefined);
  const equivalent = findEquivalentValid(state.snapshot, target.table, intent.def, target.name);
  if (equivalent) {
    const leftover = state.indexByName.get(planned);
    if (leftover && leftover.index.name !== equivalent.name && !isValid(leftover.index)) {
      state.warnings.push(`INVALID index ${quoteQualified(planned)} is left over; ${equivalent.name} serves instead (DROP INDEX CONCURRENTLY ${quoteQualified(planned)} to remove it)`);
    }
    return { ...base, action: 'exists', index: qname(equivalent), reason: `equivalent index ${quoteQualified(qname(equivalent))} exists${equivalent.name === target.name ? '' : ' under another name'}` };
  }
  const result = target.table.kind === 'partitioned' ? planPartitioned(state, intent) : planPlain(state, intent, target);
  return Object.assign(base, { index: planned }, result);
}

/** The types of an `indexes:` entry's keys, for its line: each column's, `expression` for an expression. */
function keyTypes(intent: Intent): string {
  return intent.def.keys.map((k) => (k.column === null ? 'expression' : (intent.table.columns.find((c) => c.name === k.column)?.type.declared ?? ''))).join(', ');
}

/** Statements for a plain table (or a partition named in the plan by itself). */
function planPlain(state: PlanningState, intent: Intent, target: IndexTarget): Pick<ColumnPlan, 'action' | 'reason'> {
  const label = intentLabel(intent);
  // The statement a conflict shows; the step writes its own (built once per create, not twice; issue 16).
  const sql = () => createSql(intent, target, { concurrently: intent.concurrently, only: false });
  const planned = targetIndex(target);
  const existing = state.indexByName.get(planned);
  const estimate = leafEstimate(target, intent);
  if (existing && (existing.table.oid !== target.table.oid || isValid(existing.index))) {
    recordConflict(state, intent, target, existing, sql());
    return { action: 'skip', reason: 'name conflict' };
  }
  if (existing && isBeingBuilt(state, intent, existing.index)) return { action: 'skip', reason: 'being built by another session' };
  if (existing) {
    const diffs = differences(state.snapshot, target.table, intent.def, existing.index);
    const why = `INVALID index ${target.name} was left by an interrupted build${diffs.length ? ` (its definition differed: ${diffs.join('; ')})` : ''}`;
    const drop = dropStep(state, intent, target, `${why}: drop it before building again`);
    createStep(state, intent, target, { concurrently: intent.concurrently, dependsOn: [drop], reason: `${label}: ${intent.decision.reason} (rebuild)`, estimate });
    return { action: 'rebuild', reason: `${intent.decision.reason}; ${why}` };
  }
  const table = state.tablesByKey.get(qualifiedKey(planned));
  if (table) {
    recordConflict(state, intent, target, { index: tableHoldingName(target), table }, sql());
    return { action: 'skip', reason: 'name conflict' };
  }
  createStep(state, intent, target, { concurrently: intent.concurrently, dependsOn: [], reason: `${label}: ${intent.decision.reason}`, estimate });
  return { action: 'create', reason: intent.decision.reason };
}

