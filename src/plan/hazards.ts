/**
 * The hazard gate: statements that remove an index a user may rely on (Step.hazard) are marked in
 * every output of a plan, and `pgindex apply` runs a plan with any of them only with --allow-drop.
 * Otherwise it exits 1 before executing anything, the confirmation prompt included, with this list.
 */
import type { TableInfo } from '../catalog/types.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import type { Plan, Step } from './types.js';

export function hazardSteps(plan: Pick<Plan, 'steps'>): Step[] {
  return plan.steps.filter((s) => s.hazard !== null);
}

/** One line per hazard: what is dropped, from which table. */
export function hazardLine(step: Step): string {
  const what = step.index ? quoteQualified(step.index) : step.sql;
  return `DROP ${what}${step.table ? ` on ${quoteQualified(step.table)}` : ''}${step.concurrently ? '' : ' (not CONCURRENTLY: ACCESS EXCLUSIVE lock)'}`;
}

/** What apply says when it refuses; null when the plan drops nothing or drops are allowed. */
export function dropGateRefusal(plan: Pick<Plan, 'steps'>, allowDrop: boolean): string | null {
  const drops = hazardSteps(plan);
  if (drops.length === 0 || allowDrop) return null;
  return [
    `the plan drops ${drops.length === 1 ? 'an index' : `${drops.length} indexes`}; nothing was run (apply with --allow-drop to run it):`,
    ...drops.map((s) => `  ${hazardLine(s)}`),
  ].join('\n');
}

/**
 * Why the connecting role may not drop (nor build, nor rename) a table's indexes: that needs the
 * table's owner, a member of the owning role, or a superuser (TableInfo.canIndex is false). Prune
 * keeps such indexes, and a redefinition is refused, at plan time rather than failing mid-run.
 */
export function notOwnerReason(role: string | undefined, table: Pick<TableInfo, 'schema' | 'name' | 'owner'>, may: string): string {
  const owner = table.owner ? ` (owned by ${quoteIdent(table.owner)})` : '';
  const who = role ? `; the plan connects as ${quoteIdent(role)}, which is neither a member of that role nor a superuser` : '';
  return `only the owner of ${quoteQualified({ schema: table.schema, name: table.name })}${owner} ${may}${who}`;
}
