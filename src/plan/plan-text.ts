/**
 * The pieces of text the outputs of a plan share (the SQL script, the Markdown comment): one-line
 * comments, statement counts by action, the settings line, and each statement under its reason.
 */
import type { Plan, Step } from './types.js';
import { durationSetting, sizeSetting } from '../pg/settings.js';
import { buildSettingsText, costModelText } from '../cost/describe.js';

/** Comments hold one line each: a reason can never end the comment early or smuggle in a statement. */
export function comment(text: string): string {
  // Almost every text is one line already: a scan that finds so and allocates nothing, where the
  // regex replace and trim made two strings per line (73 ms of a 10,000-table plan's SQL, issue 16).
  if (isOneLine(text)) return '-- ' + text;
  return '-- ' + text.replace(/\s+/g, ' ').trim();
}

/** True when `text` has no whitespace but single spaces between other characters: nothing to collapse or trim. */
function isOneLine(text: string): boolean {
  let previousSpace = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      if (previousSpace) return false;
      previousSpace = true;
    } else if (c < 32 || c >= 0x80 && isWhitespace(c)) {
      // Every control character goes the slow way: those that are not whitespace come out the same.
      return false;
    } else {
      previousSpace = false;
    }
  }
  return !previousSpace || text.length === 0;
}

/** The characters of `\s` above ASCII (those below are the controls 9-13 and the space). */
function isWhitespace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** How many statements of each action, in a fixed order: "2 create, 1 attach". */
export function stepCounts(steps: Step[]): string {
  const order: Step['action'][] = ['drop-invalid', 'create-parent', 'create', 'attach', 'drop', 'rename', 'sql'];
  const counts = countBy(steps, (s) => s.action);
  return order
    .map((a) => [a, counts.get(a) ?? 0] as const)
    .filter(([, n]) => n > 0)
    .map(([a, n]) => `${n} ${a}`)
    .join(', ');
}

/** How many items have each key, in one pass (a filter per key went over 10,000 steps seven times). */
export function countBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const item of items) {
    const k = key(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
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
  return steps.map(statementBlock);
}

/** One statement under its reason (statementBlocks). */
export function statementBlock(step: Step): string {
  return `${step.hazard ? comment(HAZARD_COMMENT) + '\n' : ''}${comment(step.reason)}\n${step.build ? comment(`apply builds it with ${buildSettingsText(step.build)}`) + '\n' : ''}${step.sql};`;
}

/**
 * The lines of a long text, joined a group at a time as they come. Each line is made of pieces
 * (a rope) that lived until the final join, and every young-generation collection while the SQL of
 * a 10,000-table plan was written copied them all: 7-43 ms of collections against 0-5 ms when a
 * group of 1,000 lines is one flat string as soon as it is complete (issue 16).
 */
export class TextLines {
  private readonly groups: string[] = [];
  private group: string[] = [];

  push(line: string): void {
    this.group.push(line);
    if (this.group.length === TextLines.GROUP) {
      this.groups.push(this.group.join('\n'));
      this.group = [];
    }
  }

  /** Every line, each ended by a newline. */
  text(): string {
    if (this.group.length > 0) this.groups.push(this.group.join('\n'));
    this.group = [];
    return this.groups.length === 0 ? '\n' : this.groups.join('\n') + '\n';
  }

  private static readonly GROUP = 1000;
}

export const HAZARD_COMMENT = 'HAZARD: drops an index; pgindex apply runs this only with --allow-drop';
