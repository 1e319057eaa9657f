/**
 * The pieces of text the outputs of a plan share (the SQL script, the Markdown comment): one-line
 * comments, statement counts by action, the settings line, and each statement under its reason.
 */
import type { Plan, Step } from './types.js';
import { durationSetting, sizeSetting } from '../pg/settings.js';
import { buildSettingsText, costModelText } from '../cost/describe.js';

/** Comments hold one line each: a reason can never end the comment early or smuggle in a statement. */
export function comment(text: string): string {
  return '-- ' + text.replace(/\s+/g, ' ').trim();
}

/** How many statements of each action, in a fixed order: "2 create, 1 attach". */
export function stepCounts(steps: Step[]): string {
  const order: Step['action'][] = ['drop-invalid', 'create-parent', 'create', 'attach', 'drop', 'rename', 'sql'];
  return order
    .map((a) => [a, steps.filter((s) => s.action === a).length] as const)
    .filter(([, n]) => n > 0)
    .map(([a, n]) => `${n} ${a}`)
    .join(', ');
}

/** Where the core count comes from, as the settings line says it. */
function coresFromText(from: Plan['settings']['coresFrom']): string {
  switch (from) {
    case 'machine':
      return " (this machine's)";
    case 'plan':
      return ' (from the plan)';
    case 'assumed':
      return ' (assumed, one per session: set cores:)';
    default:
      return '';
  }
}

export function settingsLine(plan: Plan): string {
  const s = plan.settings;
  return [
    `parallelism ${s.parallelism}`,
    s.concurrently ? 'concurrently' : 'not concurrently',
    `maintenance_work_mem ${sizeSetting(s.maintenanceWorkMemBytes)} in total`,
    `${s.cores} cores${coresFromText(s.coresFrom)}`,
    `up to ${s.maxWorkersPerBuild} parallel workers per build`,
    ...(s.costModel ? [costModelText(s.costModel)] : []),
    `lock_timeout ${durationSetting(s.lockTimeoutMs)}`,
    // Only when set: a plan without it reads as it always has.
    ...(s.snapshotWaitTimeoutMs ? [`snapshot_wait_timeout ${durationSetting(s.snapshotWaitTimeoutMs)}`] : []),
    `statement_timeout ${durationSetting(s.statementTimeoutMs)}`,
    `retries ${s.retries}`,
    ...(s.citus ? [`Citus: ${s.citus.perNode} shard builds per node at most (citus.max_adaptive_executor_pool_size ${s.citus.poolSize})`] : []),
  ].join(', ');
}

/**
 * Each statement as its reason's comment line and the statement with its `;`; a hazard (a DROP of an
 * index a user may rely on) says so in a line of its own, which a reviewer's search finds.
 */
export function statementBlocks(steps: Step[]): string[] {
  return steps.map((step) => `${step.hazard ? comment(HAZARD_COMMENT) + '\n' : ''}${comment(step.reason)}\n${step.build ? comment(`apply builds it with ${buildSettingsText(step.build)}`) + '\n' : ''}${step.sql};`);
}

export const HAZARD_COMMENT = 'HAZARD: drops an index; pgindex apply runs this only with --allow-drop';
