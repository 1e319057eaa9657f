/**
 * The faces of a Plan: an SQL script for `psql -f` (or, without psql's meta-commands, for linters and
 * migration tools), stable JSON for machines, the `--explain` table for people and a Markdown summary
 * for a pull request (markdown.ts). All are pure and deterministic.
 */
import type { ColumnAction, Plan, Step } from './types.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import { humanBytes } from '../format.js';
import { sessionSettingsSql } from './settings.js';
import { comment, countBy, settingsLine, statementBlock, stepCounts, TextLines } from './plan-text.js';
import { hazardLine, hazardSteps } from './hazards.js';

import { NOTHING_MATCHED, renderExplain, type ExplainOptions } from './explain.js';
import { renderMarkdown } from './markdown.js';

export { renderExplain, renderMarkdown, settingsLine, type ExplainOptions };

/** Parallel maintenance workers one build may use when the script runs builds one at a time. */
export function workersForOneBuild(plan: Plan): number {
  return Math.max(0, Math.min(plan.settings.maxWorkersPerBuild, plan.settings.cores - 1));
}

/**
 * An executable script. psql runs it in autocommit mode, one statement at a time, which is what
 * CREATE INDEX CONCURRENTLY needs (it cannot run inside a transaction block): so no BEGIN/COMMIT.
 * ON_ERROR_STOP makes psql stop at the first failure instead of attaching indexes that were not built;
 * running the plan again afterwards repairs what was left (an INVALID index is dropped and rebuilt).
 * The session settings give the single build running at any moment the whole memory budget.
 *
 * With `psql: false` the script has no psql meta-command (`\set ON_ERROR_STOP`), only SQL and
 * comments, for linters (Squawk) and migration tools; its header says what psql's setting did.
 */
export function renderSql(plan: Plan, opts: SqlOptions = {}): string {
  const psql = opts.psql ?? true;
  const lines = new TextLines();
  lines.push(comment(`pgindex plan ${plan.source}`));
  lines.push(comment(`server: PostgreSQL ${plan.server.version} (${plan.server.versionNum})`));
  lines.push(comment(`settings: ${settingsLine(plan)}`));
  for (const w of plan.warnings) lines.push(comment(`warning: ${w}`));
  if (plan.matchedNoTable) {
    lines.push(comment(`nothing matched: ${NOTHING_MATCHED}`));
  } else if (plan.steps.length === 0) {
    lines.push(comment('nothing to do: every planned index already exists'));
  } else {
    lines.push(comment(`${plan.steps.length} statement${plan.steps.length === 1 ? '' : 's'}: ${stepCounts(plan.steps)}`));
    for (const d of hazardSteps(plan)) lines.push(comment(`HAZARD: ${hazardLine(d)}`));
    if (psql) {
      lines.push(comment('run with: psql -X -f FILE (statements run one by one in autocommit mode; no transaction block,'));
      lines.push(comment('as CREATE INDEX CONCURRENTLY requires)'));
      lines.push('');
      lines.push('\\set ON_ERROR_STOP on');
    } else {
      lines.push(comment('run the statements one by one in autocommit mode (no transaction block, as CREATE INDEX'));
      lines.push(comment('CONCURRENTLY requires), in this order, and stop at the first error'));
      lines.push('');
    }
    const settings = sessionSettingsSql({
      lockTimeoutMs: plan.settings.lockTimeoutMs,
      statementTimeoutMs: plan.settings.statementTimeoutMs,
      maintenanceWorkMemBytes: plan.settings.maintenanceWorkMemBytes,
      maxParallelMaintenanceWorkers: workersForOneBuild(plan),
      ...(plan.settings.citus ? { citusPoolSize: plan.settings.citus.poolSize } : {}),
    });
    for (const set of settings) lines.push(set + ';');
    for (const step of plan.steps) {
      lines.push('');
      lines.push(statementBlock(step));
    }
  }
  const quiet = plan.columns.filter((c) => c.action === 'exists' || c.action === 'skip');
  if (quiet.length > 0) {
    lines.push('');
    lines.push(comment('no statement for:'));
    for (const c of quiet) {
      const where = `${quoteQualified(c.table)}.${quoteIdent(c.column)}`;
      lines.push(comment(`${where}: ${c.action}: ${c.reason}${c.suggestion ? ` (${c.suggestion})` : ''}`));
    }
  }
  if (plan.kept && plan.kept.length > 0) {
    lines.push('');
    lines.push(comment('kept although not declared (prune):'));
    for (const k of plan.kept) lines.push(comment(`${quoteQualified(k.index)} on ${quoteQualified(k.table)}: ${k.reason}`));
  }
  return lines.text();
}

export interface SqlOptions {
  /** psql meta-commands in the script (default true); false: SQL and comments only. */
  psql?: boolean;
}

export type PlanFormat = 'sql' | 'json' | 'explain' | 'markdown';

export interface PlanRenderOptions extends SqlOptions, ExplainOptions {}

/** The text of a plan in one output format: what `pgindex plan` and `pgindex apply --dry-run` print. */
export function renderPlan(plan: Plan, format: PlanFormat, opts: PlanRenderOptions = {}): string {
  switch (format) {
    case 'json':
      return renderJson(plan);
    case 'explain':
      return renderExplain(plan, opts);
    case 'markdown':
      return renderMarkdown(plan);
    case 'sql':
      return renderSql(plan, opts);
  }
}

const COLUMN_ACTIONS: ColumnAction[] = ['create', 'rebuild', 'attach', 'exists', 'skip'];
/** Every action a plan's statement can have (`sql` is `pgindex run`'s alone), in the order they run. */
const STEP_ACTIONS: Step['action'][] = ['drop-invalid', 'create-parent', 'create', 'attach', 'drop', 'rename'];

/**
 * The JSON summary: the statements by action, then the columns' decisions by action. Its counts
 * were the columns' alone, under the statements' names: a partitioned table's one column is one
 * `create` decision but a create-parent, a create per partition and an attach per partition.
 */
function jsonSummary(plan: Plan): Record<string, number | Record<string, number>> {
  const summary: Record<string, number | Record<string, number>> = { statements: plan.steps.length };
  const steps = countBy(plan.steps, (s) => s.action);
  for (const a of STEP_ACTIONS) summary[a] = steps.get(a) ?? 0;
  const columns: Record<string, number> = {};
  const decisions = countBy(plan.columns, (c) => c.action);
  for (const a of COLUMN_ACTIONS) columns[a] = decisions.get(a) ?? 0;
  summary.columns = columns;
  return summary;
}

/** Stable JSON: fixed key order, steps in plan order, one trailing newline. */
export function renderJson(plan: Plan): string {
  const summary = jsonSummary(plan);
  const doc = {
    version: plan.version,
    source: plan.source,
    server: { version: plan.server.version, versionNum: plan.server.versionNum },
    settings: { ...plan.settings },
    changesPending: plan.steps.length > 0,
    summary,
    statements: plan.steps.map((s) => ({
      id: s.id,
      action: s.action,
      table: s.table ? { schema: s.table.schema, name: s.table.name } : null,
      index: s.index ? { schema: s.index.schema, name: s.index.name } : null,
      method: s.method,
      columns: [...s.columns],
      reason: s.reason,
      concurrently: s.concurrently,
      parallelCapable: s.parallelCapable,
      dependsOn: [...s.dependsOn],
      hazard: s.hazard,
      estimate: { pages: s.estimate.pages, cost: s.estimate.cost, sizeBytes: s.estimate.sizeBytes, size: humanBytes(s.estimate.sizeBytes) },
      build: s.build ? { ...s.build } : null,
      sql: s.sql,
    })),
    columns: plan.columns.map((c) => ({
      table: { schema: c.table.schema, name: c.table.name },
      column: c.column,
      type: c.type,
      action: c.action,
      method: c.method,
      opclass: c.opclass,
      extension: c.extension ?? null,
      index: c.index ? { schema: c.index.schema, name: c.index.name } : null,
      reason: c.reason,
      suggestion: c.suggestion ?? null,
    })),
    kept: (plan.kept ?? []).map((k) => ({ table: { ...k.table }, index: { ...k.index }, reason: k.reason })),
    // `indexes: auto`: the advice as the planner took it (src/advisor/workload/advice.ts).
    ...(plan.auto ? { auto: plan.auto } : {}),
    warnings: [...plan.warnings],
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
