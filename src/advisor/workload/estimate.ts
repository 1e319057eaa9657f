/**
 * Whether a candidate pays, estimated without the planner (no HypoPG, or a method HypoPG cannot
 * simulate): the rows its keys select, from pg_stats (1 / n_distinct for an equality, null_frac for
 * IS NULL) or PostgreSQL's own default selectivities where statistics say nothing (a third for a
 * range, 0.005 for a pattern match, 0.001 for containment and overlap), and the table's size, in
 * the planner's cost units: a sequential scan reads every page (1 each) and every row (0.01 each);
 * an index fetches the selected rows' pages at random (4 each). Every reason says it is an estimate.
 * Pure.
 */
import type { ColumnStats, TableInfo } from '../../catalog/types.js';
import { thousands } from '../../format.js';
import { ratio } from '../format.js';
import type { Candidate, CandidateKey } from './candidates.js';
import type { Operand, Predicate, TableAccess } from './types.js';
import type { AnalysedQuery } from './workload.js';
import { qualifiedKey } from '../../sql/qualified.js';

const RANDOM_PAGE = 4;
const CPU_TUPLE = 0.01;
const DEFAULT_RANGE = 1 / 3;
const DEFAULT_BETWEEN = 0.005;
const DEFAULT_MATCH = 0.005;
const DEFAULT_CONTAIN = 0.001;
const DEFAULT_EQ = 0.005;
/** Rows an ORDER BY … LIMIT reads through an index in its order when the limit is a parameter. */
const LIMIT_ROWS = 100;

export interface Estimate {
  keep: boolean;
  reason: string;
  /** The queries it pays for, with the estimated costs. */
  evidence: { query: number; costBefore: number; costAfter: number }[];
}

export function estimateCandidate(c: Candidate, queries: readonly AnalysedQuery[], table: TableInfo, minShare: number): Estimate {
  const rows = Math.max(table.reltuples, 0);
  const pages = Math.max(table.relpages, 1);
  const seq = pages + CPU_TUPLE * rows;
  let best: { query: number; selected: number; after: number } | null = null;
  const evidence: Estimate['evidence'] = [];
  for (const qi of c.queries) {
    for (const access of queries[qi]?.shape.accesses ?? []) {
      if (qualifiedKey(access.table) !== qualifiedKey(c.table)) continue;
      const selected = selectedRows(c, access, table);
      if (selected === null) continue;
      const after = RANDOM_PAGE * (1 + Math.min(selected, pages)) + CPU_TUPLE * selected;
      if (after <= (1 - minShare) * seq) evidence.push({ query: qi, costBefore: seq, costAfter: after });
      if (!best || after < best.after) best = { query: qi, selected, after };
    }
  }
  const size = `${thousands(rows)} rows on ${thousands(pages)} pages`;
  if (!best) return { keep: false, reason: `estimate (no planner): none of its queries filters on its leading key`, evidence };
  const what = `estimate (no planner): about ${thousands(Math.round(best.selected))} of ${size} (${ratio(rows > 0 ? best.selected / rows : 1)}), cost ~${best.after.toFixed(0)} instead of ~${seq.toFixed(0)} for a sequential scan`;
  if (evidence.length > 0) return { keep: true, reason: what, evidence };
  return { keep: false, reason: `${what}: cuts less than ${Math.round(minShare * 100)}%`, evidence };
}

/**
 * A foreign key's check, run for each delete of a referenced row and each update of its key: one
 * equality lookup of the key in the referencing table, by the candidate's (the foreign key's) columns.
 */
export function estimateForeignKeyCheck(c: Candidate, table: TableInfo, minShare: number): Estimate {
  const rows = Math.max(table.reltuples, 0);
  const pages = Math.max(table.relpages, 1);
  const seq = pages + CPU_TUPLE * rows;
  const selected = c.keys.reduce((n, k) => n / distinctOf(table, k), rows);
  const after = RANDOM_PAGE * (1 + Math.min(selected, pages)) + CPU_TUPLE * selected;
  const what = `estimate (no planner): each check reads about ${thousands(Math.round(selected))} of ${thousands(rows)} rows on ${thousands(pages)} pages, cost ~${after.toFixed(0)} instead of ~${seq.toFixed(0)} for a sequential scan`;
  if (after <= (1 - minShare) * seq) return { keep: true, reason: what, evidence: [] };
  return { keep: false, reason: `${what}: cuts less than ${Math.round(minShare * 100)}%`, evidence: [] };
}

/** The rows an index of these keys selects for one table reference; null when it does not serve it. */
function selectedRows(c: Candidate, access: TableAccess, table: TableInfo): number | null {
  const rows = Math.max(table.reltuples, 0);
  let share = 1;
  let served = false;
  for (const key of c.keys) {
    const preds = access.predicates.filter((p) => !p.inOr && sameOperand(p.operand, key));
    const joined = key.column !== undefined && access.joins.some((j) => j.column === key.column);
    if (preds.length === 0 && !joined) {
      // Keys past the filtered ones may still give the ORDER BY: then a LIMIT stops the scan early.
      if (served && access.limit !== null && access.orderBy.some((k) => sameOperand(k.operand, key))) return Math.min(rows * share, limitRows(access));
      if (!served && access.limit !== null && access.orderBy[0] && sameOperand(access.orderBy[0].operand, key)) return Math.min(rows, limitRows(access));
      break;
    }
    served = true;
    share *= preds.length > 0 ? preds.map((p) => selectivity(p, table, preds)).reduce((a, b) => Math.min(a, b), 1) : 1 / distinctOf(table, key);
    if (preds.some((p) => p.operator !== '=' && p.operator !== 'IS NULL')) break;
  }
  return served ? rows * share : null;
}

function limitRows(access: TableAccess): number {
  return typeof access.limit === 'number' ? access.limit : LIMIT_ROWS;
}

function selectivity(p: Predicate, table: TableInfo, all: Predicate[]): number {
  // An expression of one column (lower(email)) has as many distinct values as its column, near enough.
  const name = p.operand.kind === 'column' ? p.operand.column : p.operand.columns.length === 1 ? p.operand.columns[0] : undefined;
  const column = name !== undefined ? table.columns.find((c) => c.name === name) : undefined;
  const stats = column?.stats ?? null;
  switch (p.operator) {
    case '=': {
      const literal = p.operand.kind === 'column' ? constants(p) : null;
      const known = stats && literal ? constantShare(stats, table.reltuples, literal) : null;
      if (known !== null) return Math.max(known, 1 / Math.max(table.reltuples, 1));
      const d = stats ? distinct(stats.nDistinct, table.reltuples) : 0;
      const one = d > 0 ? 1 / d : DEFAULT_EQ;
      return Math.min(1, one * Math.max(1, p.values.length));
    }
    case 'IS NULL':
      return stats ? Math.max(stats.nullFrac, 1 / Math.max(table.reltuples, 1)) : DEFAULT_EQ;
    case '<':
    case '<=':
    case '>':
    case '>=':
      return p.written === 'BETWEEN' || all.some((q) => q !== p && isOpposite(p.operator, q.operator)) ? DEFAULT_BETWEEN : DEFAULT_RANGE;
    case '~~':
    case '~~*':
      return DEFAULT_MATCH;
    default:
      return DEFAULT_CONTAIN;
  }
}

/** The literal values of an equality or IN, or null when one of them is not a literal (or is NULL). */
export function constants(p: Predicate): string[] | null {
  const out: string[] = [];
  for (const v of p.values) {
    if (v.kind !== 'const' || v.text === null) return null;
    out.push(v.text);
  }
  return out.length > 0 ? out : null;
}

/**
 * The share of the rows holding one of these values, as the planner reckons it: a most common
 * value's own frequency, else an even part of what the most common values leave. Null when the
 * snapshot has no most common values for the column (it reads them only for few distinct values).
 */
export function constantShare(stats: ColumnStats, rows: number, values: readonly string[]): number | null {
  const mc = stats.mostCommon;
  if (!mc) return null;
  const listed = mc.freqs.reduce((a, b) => a + b, 0);
  const others = Math.max(distinct(stats.nDistinct, rows) - mc.values.length, 1);
  const rest = Math.max(0, 1 - listed - stats.nullFrac) / others;
  return Math.min(1, [...new Set(values)].reduce((sum, v) => {
    const i = mc.values.indexOf(v);
    return sum + (i >= 0 ? (mc.freqs[i] ?? 0) : rest);
  }, 0));
}

function isOpposite(a: string, b: string): boolean {
  return (a.startsWith('<') && b.startsWith('>')) || (a.startsWith('>') && b.startsWith('<'));
}

function distinct(nDistinct: number, rows: number): number {
  return nDistinct >= 0 ? nDistinct : -nDistinct * Math.max(rows, 0);
}

function distinctOf(table: TableInfo, key: CandidateKey): number {
  const stats = table.columns.find((c) => c.name === key.column)?.stats;
  const d = stats ? distinct(stats.nDistinct, table.reltuples) : 0;
  return d > 0 ? d : 1 / DEFAULT_EQ;
}

function sameOperand(o: Operand, key: CandidateKey): boolean {
  return o.kind === 'column' ? key.column === o.column : key.expression === o.sql;
}
