/**
 * The workload advisor's verdict as plain data: the indexes it keeps, each with the queries it serves
 * (their statistics and the cost before and after), and every candidate it dropped, with why. This
 * is what `indexes: auto` plans from (src/plan/auto.ts), `--explain` shows and `pgindex advise`
 * writes; it is gathered at the edge (gather.ts) like the catalog snapshot. Pure.
 */
import { qualifiedKey } from '../../sql/qualified.js';
import { candidateLabel } from './candidate-sql.js';
import type { CandidateKey } from './candidates.js';
import type { Evaluation } from './evaluate.js';
import type { QualifiedName } from './types.js';
import { queryLabel, type AnalysedQuery } from './workload.js';

/** One query an advised index serves. */
export interface ServedQuery {
  /** `queryid N` (pg_stat_statements) or FILE:LINE:COL (--queries). */
  label: string;
  text: string;
  /** pg_stat_statements' figures; null for a query of a file. */
  calls: number | null;
  meanMs: number | null;
  /** Planner cost units: the planner's (HypoPG) or the estimate's, as `estimated` says. */
  costBefore: number;
  costAfter: number;
}

export interface AdvisedIndex {
  table: QualifiedName;
  method: string;
  keys: CandidateKey[];
  /** The extension its operator class comes from (pg_trgm…), installed. */
  extension: string | null;
  /** What the queries ask of it: `customer_id =, status =, created >=`. */
  serves: string;
  reason: string;
  /** Its costs are estimates from statistics (no HypoPG, or a method HypoPG cannot simulate). */
  estimated: boolean;
  queries: ServedQuery[];
}

/** A candidate considered and not kept. */
export interface DroppedCandidate {
  table: QualifiedName;
  /** `shop.orders btree (status)`. */
  label: string;
  serves: string;
  reason: string;
}

export interface WorkloadAdvice {
  /** How the candidates were weighed: the planner through HypoPG, or estimates from pg_stats. */
  evaluation: 'hypopg' | 'estimate';
  /** Where the queries came from, with how many each gave: `pg_stat_statements (12 queries)`. */
  sources: string[];
  /** The tables advised on (those of `indexes: auto`, or advise's selection), sorted. */
  tables: QualifiedName[];
  /** Sorted by table, then definition: the same statistics give the same list. */
  indexes: AdvisedIndex[];
  dropped: DroppedCandidate[];
  /** Queries skipped or read in part, candidates nothing installed can serve, EXPLAINs that failed. */
  notes: string[];
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function workloadAdvice(a: {
  queries: readonly AnalysedQuery[];
  evaluation: Evaluation;
  how: WorkloadAdvice['evaluation'];
  sources: string[];
  tables: readonly QualifiedName[];
  notes: string[];
}): WorkloadAdvice {
  const served = (e: { query: number; costBefore: number; costAfter: number }): ServedQuery | null => {
    const q = a.queries[e.query];
    if (!q) return null;
    const stats = q.query.source === 'pg_stat_statements' ? q.query.stats : null;
    return { label: queryLabel(q.query), text: q.query.text, calls: stats?.calls ?? null, meanMs: stats?.meanMs ?? null, costBefore: e.costBefore, costAfter: e.costAfter };
  };
  const indexes: AdvisedIndex[] = a.evaluation.kept.map((k) => ({
    table: { schema: k.candidate.table.schema, name: k.candidate.table.name },
    method: k.candidate.method,
    keys: k.candidate.keys.map((key) => ({ ...key })),
    extension: k.candidate.extension,
    serves: k.candidate.serves,
    reason: k.reason,
    estimated: k.reason.includes('estimate (no planner)'),
    // One line per query, its best figures first seen (evidence is in workload order).
    queries: [...new Map(k.evidence.map((e) => [e.query, e])).values()].flatMap((e) => served(e) ?? []),
  }));
  const dropped: DroppedCandidate[] = a.evaluation.dropped.map((d) => ({
    table: { schema: d.candidate.table.schema, name: d.candidate.table.name },
    label: candidateLabel(d.candidate),
    serves: d.candidate.serves,
    reason: d.reason,
  }));
  const label = (x: { table: QualifiedName; method: string; keys: CandidateKey[] }) => candidateLabel(x);
  indexes.sort((x, y) => byText(qualifiedKey(x.table), qualifiedKey(y.table)) || byText(label(x), label(y)));
  dropped.sort((x, y) => byText(qualifiedKey(x.table), qualifiedKey(y.table)) || byText(x.label, y.label));
  const tables = [...a.tables].sort((x, y) => byText(qualifiedKey(x), qualifiedKey(y)));
  return { evaluation: a.how, sources: [...a.sources], tables, indexes, dropped, notes: [...a.notes] };
}
