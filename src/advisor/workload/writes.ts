/**
 * Tables the workload writes more than it reads: every index is one more to update on each write,
 * so there only an index with a large read benefit is kept. Counted in the workload's own calls
 * (pg_stat_statements' calls; 1 per query of a file) rather than pg_stat_user_tables' row counts,
 * where one bulk load of a million rows would outweigh a thousand reads. Pure.
 */
import { qualifiedKey } from '../../sql/qualified.js';
import type { QualifiedName } from './types.js';
import type { AnalysedQuery } from './workload.js';

/** The share of a query's cost an index must cut on a table written more than read. */
export const WRITE_HEAVY_SHARE = 0.9;

export interface TableTraffic {
  reads: number;
  writes: number;
}

export function tableTraffic(queries: readonly AnalysedQuery[]): Map<string, TableTraffic> {
  const out = new Map<string, TableTraffic>();
  const at = (t: QualifiedName) => {
    const k = qualifiedKey(t);
    const v = out.get(k) ?? { reads: 0, writes: 0 };
    out.set(k, v);
    return v;
  };
  for (const q of queries) {
    const calls = q.query.source === 'pg_stat_statements' ? q.query.stats.calls : 1;
    for (const w of q.shape.writes) at(w).writes += calls;
    if (q.shape.kind !== 'select') continue;
    for (const key of new Set(q.shape.accesses.map((a) => qualifiedKey(a.table)))) {
      const a = q.shape.accesses.find((x) => qualifiedKey(x.table) === key);
      if (a) at(a.table).reads += calls;
    }
  }
  return out;
}

/** The share a candidate on `table` must cut, and why it is higher than asked (or null). */
export function requiredShare(table: QualifiedName, traffic: ReadonlyMap<string, TableTraffic>, minShare: number): { share: number; why: string | null } {
  const t = traffic.get(qualifiedKey(table));
  if (!t || t.writes <= t.reads || minShare >= WRITE_HEAVY_SHARE) return { share: minShare, why: null };
  return {
    share: WRITE_HEAVY_SHARE,
    why: `the table is written more than read (${t.writes} write and ${t.reads} read calls in the workload): only an index cutting ${Math.round(WRITE_HEAVY_SHARE * 100)}% is kept`,
  };
}
