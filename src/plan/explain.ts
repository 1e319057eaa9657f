/**
 * `pgindex plan --explain`: for each table an aligned table of column, type, action, method, opclass
 * and the reason, so a reader sees why each access method was chosen (or why nothing is built).
 */
import type { ColumnPlan, Plan, QualifiedName, TableSummary } from './types.js';
import { humanBytes, thousands } from '../format.js';
import { qualifiedKey } from '../sql/qualified.js';

/** Width in terminal columns, counting code points (no East Asian wide characters in identifiers we expect). */
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}

/** Aligned columns separated by two spaces; the last column is not padded. */
export function alignRows(rows: string[][], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell))));
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

export function renderExplain(plan: Plan): string {
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
    const rows = [['column', 'type', 'action', 'method', 'opclass', 'index', 'reason']];
    for (const c of columns) {
      const reason = c.suggestion ? `${c.reason} (${c.suggestion})` : c.reason;
      rows.push([c.column, c.type, c.action, c.method ?? '-', c.opclass ?? '-', c.index?.name ?? '-', reason.replace(/\s+/g, ' ')]);
    }
    out.push(...alignRows(rows));
    out.push('');
  }
  const n = plan.steps.length;
  const builds = plan.steps.filter((s) => s.action === 'create').length;
  if (plan.matchedNoTable) out.push(`Nothing matched: ${NOTHING_MATCHED}.`);
  else out.push(n === 0 ? 'Nothing to do: every planned index already exists.' : `${thousands(n)} statement${n === 1 ? '' : 's'} pending (${thousands(builds)} index build${builds === 1 ? '' : 's'}).`);
  return out.join('\n') + '\n';
}
