/**
 * The two outputs of `pgindex check`: text grouped by kind for a person (lines within 80 columns:
 * a fix's SQL is broken only between words, never inside a quoted name, so it still runs as copied),
 * and JSON (CheckReport, one object).
 */
import { FINDING_KINDS, type CheckReport, type FindingKind } from './types.js';

const HEADINGS: Record<FindingKind, string> = {
  invalid: 'Invalid indexes',
  duplicate: 'Duplicate indexes',
  redundant: 'Redundant indexes',
  'unindexed-foreign-key': 'Foreign keys without an index',
  unused: 'Unused indexes',
};

const WIDTH = 80;

/** Words of `text` (a double-quoted name, spaces and all, is one) on lines of at most WIDTH columns, each
 * starting with `indent`; a longer word stays whole. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.match(/(?:"[^"]*"|\S)+/g) ?? []) {
    if (line.length > indent.length && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = indent;
    }
    line += (line.length > indent.length ? ' ' : '') + word;
  }
  if (line.length > indent.length) lines.push(line);
  return lines;
}

export function checkText(report: CheckReport): string {
  const n = report.findings.length;
  const scope = `${report.tables.length} table${report.tables.length === 1 ? '' : 's'} of ${report.database}`;
  if (n === 0) return `No problems found in the indexes of ${scope}.\n`;
  const out: string[] = wrap(`${n} finding${n === 1 ? '' : 's'} in the indexes of ${scope}:`, '');
  for (const kind of FINDING_KINDS) {
    const findings = report.findings.filter((f) => f.kind === kind);
    if (findings.length === 0) continue;
    out.push('', `${HEADINGS[kind]} (${findings.length}):`);
    for (const f of findings) {
      out.push(...wrap(f.index !== null ? `${f.index} on ${f.table}` : f.table, '  '));
      out.push(...wrap(f.detail, '    '));
      out.push(...wrap(`fix: ${'sql' in f.fix ? f.fix.sql : f.fix.instruction}`, '    '));
    }
  }
  return out.join('\n') + '\n';
}

export function checkJson(report: CheckReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
