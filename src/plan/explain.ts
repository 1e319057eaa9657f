/**
 * `pgindex plan --explain`: for each table an aligned table of column, type, action, method, opclass
 * and the reason, so a reader sees why each access method was chosen (or why nothing is built).
 *
 * Given a width (a terminal's), a table whose aligned lines would be wider falls back to psql's
 * expanded layout (`\x`): one record per column, a `label | value` line per field, long values
 * wrapped at spaces, so it fits any width. Without one (output to a file or a pipe) the aligned table
 * is never wrapped, as psql's aligned output is not when piped.
 */
import type { ColumnPlan, Plan, QualifiedName, TableSummary } from './types.js';
import { humanBytes, thousands } from '../format.js';
import { qualifiedKey } from '../sql/qualified.js';
import { quoteQualified } from '../sql/quote.js';
import { hazardLine, hazardSteps } from './hazards.js';
import { autoExplainLines } from './auto-explain.js';
import { buildSettingsText, costModelText } from '../cost/describe.js';

/** Width in terminal columns, counting code points (no East Asian wide characters in identifiers we expect). */
function displayWidth(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - displayWidth(s)));
}

/** Aligned columns separated by two spaces; the last column is not padded. */
export function alignRows(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell))));
  return rows.map((row) => (indent + row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i] ?? 0))).join('  ')).trimEnd());
}

function heading(table: QualifiedName, summary: TableSummary | undefined): string {
  const name = `${table.schema}.${table.name}`;
  if (!summary) return name;
  const facts = [
    summary.kind === 'partitioned' ? `partitioned, ${thousands(summary.partitions)} partition${summary.partitions === 1 ? '' : 's'}` : null,
    summary.kind === 'matview' ? 'materialized view' : null,
    `${thousands(Math.max(0, summary.rows))} rows`,
    `${thousands(summary.pages)} pages`,
    humanBytes(summary.sizeBytes),
    summary.analyzed ? null : 'never analyzed',
  ].filter((x): x is string => x !== null);
  return `${name} (${facts.join(', ')})`;
}

/** What the outputs say of a plan whose entries matched no table (Plan.matchedNoTable). */
export const NOTHING_MATCHED = "no table matches the plan's entries";

export interface ExplainOptions {
  /** The terminal's width in columns; absent: no limit. */
  width?: number;
}

const HEADER = ['column', 'type', 'action', 'method', 'opclass', 'index', 'reason'];

/**
 * psql's expanded records: `-[ RECORD n ]` and a `label | value` line per field, the labels aligned.
 * A value too long for `width` continues on lines of its own under the value column (psql's wrapped
 * format), broken at spaces where it can be, so that no line is wider than `width` when the labels
 * leave room at all.
 */
export function expandedRecords(header: string[], rows: string[][], width: number, indent = '  '): string[] {
  const labelWidth = Math.max(...header.map(displayWidth));
  const room = Math.max(10, width - displayWidth(indent) - labelWidth - 3);
  const records = rows.map((row) =>
    header.flatMap((label, i) => wrap(row[i] ?? '', room).map((part, k) => (pad(k === 0 ? label : '', labelWidth) + ' | ' + part).trimEnd())),
  );
  // The rule under each record title runs as wide as the widest field line, as psql draws it.
  const ruleWidth = Math.max(0, ...records.flat().map(displayWidth));
  return records.flatMap((fields, r) => {
    const title = `-[ RECORD ${r + 1} ]`;
    return [title + '-'.repeat(Math.max(0, ruleWidth - displayWidth(title))), ...fields].map((line) => indent + line);
  });
}

/** `text` in pieces of at most `room` columns, broken after a space when one is near enough. */
function wrap(text: string, room: number): string[] {
  const chars = [...text];
  const parts: string[] = [];
  while (chars.length > room) {
    let cut = room;
    const space = chars.slice(0, room + 1).lastIndexOf(' ');
    if (space > room / 2) cut = space + 1;
    parts.push(chars.splice(0, cut).join('').trimEnd());
  }
  parts.push(chars.join(''));
  return parts;
}

/** The builds' settings and predicted times from the cost model, longest first (the run's order). */
function buildLines(plan: Plan, width: number | undefined): string[] {
  const builds = plan.steps.flatMap((s) => (s.build && s.index ? [{ index: s.index, build: s.build }] : []));
  if (builds.length === 0) return [];
  builds.sort((a, b) => b.build.seconds - a.build.seconds);
  const m = plan.settings.costModel;
  const lines = [`Builds (${m ? costModelText(m) : 'cost model'}):`, ...builds.map((b) => `  ${quoteQualified(b.index)}: ${buildSettingsText(b.build)}`)];
  // Within a terminal's width, a long line goes on under itself, indented.
  const fitted = width === undefined ? lines : lines.flatMap((l) => (displayWidth(l) <= width ? [l] : wrap(l, width - 4)).map((part, i) => (i === 0 ? part : `    ${part}`)));
  return [...fitted, ''];
}

export function renderExplain(plan: Plan, opts: ExplainOptions = {}): string {
  const byTable = new Map<string, { table: QualifiedName; columns: ColumnPlan[] }>();
  for (const c of plan.columns) {
    const k = qualifiedKey(c.table);
    const entry = byTable.get(k) ?? { table: c.table, columns: [] };
    entry.columns.push(c);
    byTable.set(k, entry);
  }
  const summaries = new Map((plan.tables ?? []).map((t) => [qualifiedKey(t.table), t]));
  const out: string[] = [];
  for (const { table, columns } of byTable.values()) {
    out.push(heading(table, summaries.get(qualifiedKey(table))));
    const rows: string[][] = [];
    for (const c of columns) {
      const reason = c.suggestion ? `${c.reason} (${c.suggestion})` : c.reason;
      rows.push([c.column, c.type, c.action, c.method ?? '-', c.opclass ?? '-', c.index?.name ?? '-', reason.replace(/\s+/g, ' ')]);
    }
    const aligned = alignRows([HEADER, ...rows]);
    const limit = opts.width;
    const fits = limit === undefined || aligned.every((line) => displayWidth(line) <= limit);
    out.push(...(fits ? aligned : expandedRecords(HEADER, rows, limit)));
    out.push('');
  }
  if (plan.auto) out.push(...autoExplainLines(plan.auto));
  out.push(...buildLines(plan, opts.width));
  const drops = hazardSteps(plan);
  if (drops.length > 0) {
    out.push(`Drops (hazard: apply runs them only with --allow-drop):`, ...drops.map((d) => `  ${hazardLine(d)}: ${d.reason}`), '');
  }
  if (plan.kept && plan.kept.length > 0) {
    out.push('Kept although not declared (prune):', ...plan.kept.map((k) => `  ${quoteQualified(k.index)} on ${quoteQualified(k.table)}: ${k.reason}`), '');
  }
  const n = plan.steps.length;
  const builds = plan.steps.filter((s) => s.action === 'create').length;
  if (plan.matchedNoTable) out.push(`Nothing matched: ${NOTHING_MATCHED}.`);
  else out.push(n === 0 ? 'Nothing to do: every planned index already exists.' : `${thousands(n)} statement${n === 1 ? '' : 's'} pending (${thousands(builds)} index build${builds === 1 ? '' : 's'}).`);
  return out.join('\n') + '\n';
}
