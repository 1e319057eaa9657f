/**
 * The `indexes: auto` part of `pgindex plan --explain`: per advised table, each index the workload
 * needs with the queries it serves (queryid or FILE:LINE:COL, calls and mean time, the cost before →
 * after, marked as an estimate where it is one), then every candidate considered and dropped, with
 * why; and the notes (queries skipped, candidates nothing installed can serve). In the advice's
 * order, which is sorted: the same statistics print the same text.
 */
import type { AdvisedIndex, WorkloadAdvice } from '../advisor/workload/advice.js';
import { keySql } from '../advisor/workload/candidate-sql.js';
import { thousands } from '../format.js';
import { qualifiedKey } from '../sql/qualified.js';
import { quoteQualified } from '../sql/quote.js';

/** Longer query texts are cut: the line is there to recognise the query, its queryid to find it. */
const QUERY_TEXT = 100;

export function autoExplainLines(advice: WorkloadAdvice): string[] {
  const how = advice.evaluation === 'hypopg' ? 'costs from the planner with hypothetical indexes (HypoPG)' : 'costs estimated from statistics (HypoPG is not installed)';
  const out = [`indexes: auto, from ${advice.sources.join(' and ') || 'no query'}; ${how}:`];
  for (const table of advice.tables) {
    const key = qualifiedKey(table);
    const indexes = advice.indexes.filter((ix) => qualifiedKey(ix.table) === key);
    const dropped = advice.dropped.filter((d) => qualifiedKey(d.table) === key);
    out.push(`  ${quoteQualified(table)}: ${indexes.length === 0 ? 'no index needed' : `${indexes.length} index${indexes.length === 1 ? '' : 'es'} needed`}`);
    for (const ix of indexes) {
      out.push(`    ${definition(ix)} for ${ix.serves}: ${ix.reason}`);
      for (const q of ix.queries) out.push(`      ${queryLine(q, ix.estimated)}`);
    }
    if (dropped.length > 0) {
      out.push('    considered and dropped:');
      for (const d of dropped) out.push(`      ${d.label.slice(quoteQualified(d.table).length + 1)} for ${d.serves}: ${d.reason}`);
    }
    if (indexes.length === 0 && dropped.length === 0) out.push('    no query of the workload filters, joins or sorts on it');
  }
  if (advice.notes.length > 0) out.push('  notes:', ...advice.notes.map((n) => `    ${oneLine(n)}`));
  out.push('');
  return out;
}

function definition(ix: AdvisedIndex): string {
  return `${ix.method} (${ix.keys.map(keySql).join(', ')})`;
}

function queryLine(q: AdvisedIndex['queries'][number], estimated: boolean): string {
  const stats = q.calls !== null ? `, ${thousands(q.calls)} call${q.calls === 1 ? '' : 's'}, mean ${(q.meanMs ?? 0).toFixed(2)} ms` : '';
  const cost = estimated ? `estimate: cost ~${thousands(Math.round(q.costBefore))} → ~${thousands(Math.round(q.costAfter))}` : `cost ${thousands(Math.round(q.costBefore))} → ${thousands(Math.round(q.costAfter))}`;
  const text = oneLine(q.text);
  return `${q.label}${stats}, ${cost}: ${[...text].length > QUERY_TEXT ? `${[...text].slice(0, QUERY_TEXT - 1).join('')}…` : text}`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}
