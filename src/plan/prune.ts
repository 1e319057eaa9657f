/**
 * `prune: true`: the indexes of the matched tables that the plan does not declare are dropped. An
 * index is declared when a column line or an `indexes:` entry names it (an existing equivalent
 * index, or one the plan builds or attaches). What is never dropped, each listed as kept with why:
 * - an index a constraint needs (PRIMARY KEY, UNIQUE, EXCLUDE, or one a FOREIGN KEY references
 *   through): DROP INDEX refuses it, and dropping the constraint is not an index plan's business;
 * - a partition's index attached to a partitioned index: it goes with its parent, or stays with it;
 * - an index of a table the connecting role does not own (nor is a member of its owner, nor a
 *   superuser): DROP INDEX would fail;
 * - an index that is not valid and that a live session may be building right now.
 * Tables no pruning entry matches are not looked at. Each drop is a hazard (Step.hazard): apply runs
 * it only with --allow-drop.
 */
import type { IndexInfo, TableInfo } from '../catalog/types.js';
import type { PlanFile } from '../planfile/types.js';
import type { ResolvedTable } from '../catalog/resolve.js';
import { isValid } from '../pg/index-state.js';
import { quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { qname, type PlanningState } from './intent.js';
import { partitionedDropLocks } from './partitions.js';
import { notOwnerReason } from './hazards.js';
import { hazardDropStep } from './steps.js';
import type { ColumnPlan, KeptIndex } from './types.js';

const CONSTRAINT_KINDS: Record<NonNullable<IndexInfo['constraint']>['type'], string> = {
  p: 'PRIMARY KEY',
  u: 'UNIQUE',
  x: 'EXCLUDE',
  f: 'FOREIGN KEY',
};

/** The drops of every pruned table, appended to state.steps; the indexes kept, with why. */
export function planPrune(state: PlanningState, file: PlanFile, resolved: readonly ResolvedTable[], columns: readonly ColumnPlan[]): KeptIndex[] {
  const pruned = new Map<string, TableInfo>();
  for (const r of resolved) if (r.spec.prune ?? file.prune ?? false) pruned.set(qualifiedKey(r.table), r.table);
  if (pruned.size === 0) return [];

  const declared = new Set<string>();
  for (const c of columns) if (c.index) declared.add(qualifiedKey(c.index));
  for (const s of state.steps) {
    if (s.index) declared.add(qualifiedKey(s.index));
    if (s.attachChild) declared.add(qualifiedKey(s.attachChild));
  }

  const kept: KeptIndex[] = [];
  for (const table of pruned.values()) {
    // The table's own statements run first: an index the plan builds in place of a pruned one is
    // there before the old one goes.
    const builds = state.steps.filter((s) => s.table !== null && qualifiedKey(s.table) === qualifiedKey(table)).map((s) => s.id);
    for (const index of table.indexes) {
      if (declared.has(qualifiedKey(index))) continue;
      const keep = (reason: string) => kept.push({ table: qname(table), index: qname(index), reason });
      if (index.constraint) {
        const { name, type } = index.constraint;
        keep(
          type === 'f'
            ? `FOREIGN KEY constraint ${quoteQualified({ schema: table.schema, name })} references its table through it`
            : `it backs the ${CONSTRAINT_KINDS[type]} constraint ${quoteQualified({ schema: table.schema, name })}`,
        );
        continue;
      }
      if (index.parentIndex) {
        keep(`attached to the partitioned index ${quoteQualified(index.parentIndex)}: it is dropped only with it`);
        continue;
      }
      if (table.canIndex === false) {
        keep(`${notOwnerReason(state.snapshot.role, table, 'can drop its indexes')}: DROP INDEX would fail`);
        continue;
      }
      if (!isValid(index) && index.buildingPid) {
        keep(`not valid yet, and pid ${index.buildingPid} may be building it right now`);
        continue;
      }
      const lock = table.kind === 'partitioned' ? `; ${partitionedDropLocks(state, table, index)}` : '';
      hazardDropStep(state, null, table, index, builds, `prune: the plan does not declare ${quoteQualified(qname(index))} (${index.definition.replace(/\s+/g, ' ').trim()})${lock}`);
    }
  }
  return kept;
}
