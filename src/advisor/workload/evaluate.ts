/**
 * Which candidates pay, asked of the planner itself: with HypoPG, each query is EXPLAINed before and
 * after the candidates exist hypothetically (a generic plan for a query with `$n`: EXPLAIN
 * (GENERIC_PLAN) on 16+, PREPARE with plan_cache_mode = force_generic_plan before), and a candidate
 * is kept only where the planner uses it and it cuts that query's cost by at least `minShare`.
 * Nothing is built: HypoPG's indexes live in this session's memory and are reset at the end.
 */
import type pg from 'pg';
import { SqlError } from '../../errors.js';
import { queryRows } from '../../db/rows.js';
import { tokenize, LexError } from '../../sql/split.js';
import { candidateLabel, candidateSql, keySql } from './candidate-sql.js';
import type { Candidate, CandidateSet } from './candidates.js';
import { estimateCandidate, estimateForeignKeyCheck } from './estimate.js';
import { requiredShare, tableTraffic } from './writes.js';
import type { AnalysedQuery } from './workload.js';
import { queryLabel } from './workload.js';
import type { TableInfo } from '../../catalog/types.js';
import { qualifiedKey } from '../../sql/qualified.js';

export interface QueryEvidence {
  /** Index into the workload's queries. */
  query: number;
  costBefore: number;
  costAfter: number;
}

export interface KeptCandidate {
  candidate: Candidate;
  evidence: QueryEvidence[];
  reason: string;
}

export interface Evaluation {
  kept: KeptCandidate[];
  dropped: { candidate: Candidate; reason: string }[];
  /** Queries that could not be EXPLAINed, and why: skipped, never an error for the whole. */
  notes: string[];
}

export interface EvaluateOptions {
  versionNum: number;
  /** The share of a query's cost a candidate must cut to be kept (0.5: half). */
  minShare: number;
}

/** HypoPG gives its hypothetical indexes OIDs from a small range: at most this many at once. */
const BATCH = 500;
/** Queries cheaper than this (planner cost units) are not worth an index (Dexter's threshold). */
export const MIN_QUERY_COST = 100;

export async function hypopgInstalled(client: pg.ClientBase): Promise<boolean> {
  const rows = await queryRows(client, "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'hypopg'");
  return rows.length > 0;
}

/**
 * Every candidate estimated (estimate.ts): the evaluation without HypoPG, each reason saying so.
 */
export function evaluateByEstimate(queries: readonly AnalysedQuery[], candidates: readonly Candidate[], tables: readonly TableInfo[], opts: Pick<EvaluateOptions, 'minShare'>): Evaluation {
  const byKey = new Map(tables.map((t) => [qualifiedKey(t), t]));
  const traffic = tableTraffic(queries);
  const out: Evaluation = { kept: [], dropped: [], notes: [] };
  for (const c of candidates) {
    const table = byKey.get(qualifiedKey(c.table));
    if (!table) continue;
    const required = requiredShare(c.table, traffic, opts.minShare);
    const e = foreignKeyVerdict(c, estimateCandidate(c, queries, table, required.share), table, required.share);
    const reason = e.reason + (required.why ? `; ${required.why}` : '');
    if (e.keep) out.kept.push({ candidate: c, evidence: e.evidence, reason });
    else out.dropped.push({ candidate: c, reason });
  }
  dropCovered(out, 'estimate (no planner): ');
  return out;
}

/**
 * A kept index whose keys lead another kept one of the same method is covered by it: dropped, and
 * a dropped candidate so covered says so (a foreign key's index is there, only wider). First, an
 * index over every row that only queries for rare values kept partial indexes hold would use.
 */
function dropCovered(out: Evaluation, prefix: string): void {
  // An index over every row whose queries all ask only for rare values that kept partial indexes
  // hold: those serve them, smaller and cheaper to keep up to date.
  for (const k of [...out.kept]) {
    if (k.candidate.where !== undefined || k.candidate.foreignKey) continue;
    const partials = out.kept.filter((o) => o.candidate.where !== undefined && qualifiedKey(o.candidate.table) === qualifiedKey(k.candidate.table));
    const serving = (qi: number) => partials.find((o) => o.evidence.some((e) => e.query === qi));
    if (partials.length === 0 || !k.candidate.queries.every((qi) => serving(qi))) continue;
    const by = [...new Set(k.candidate.queries.map((qi) => serving(qi) as KeptCandidate))];
    out.kept.splice(out.kept.indexOf(k), 1);
    out.dropped.push({ candidate: k.candidate, reason: `${prefix}its queries ask for rare values only, which ${by.map((o) => candidateLabel(o.candidate)).join(' and ')} ${by.length === 1 ? 'holds' : 'hold'}` });
  }
  const wider = (c: Candidate) => out.kept.find((o) => o.candidate !== c && leads(c, o.candidate));
  const covered = (c: Candidate, by: Candidate) =>
    `${prefix}covered by ${candidateLabel(by)}, which leads with the same keys` + (c.foreignKey ? `: it serves the ${c.foreignKey.label}` : '');
  for (const d of out.dropped) {
    const by = wider(d.candidate);
    if (by) d.reason = covered(d.candidate, by.candidate);
  }
  for (const k of [...out.kept]) {
    const by = wider(k.candidate);
    if (!by) continue;
    out.kept.splice(out.kept.indexOf(k), 1);
    out.dropped.push({ candidate: k.candidate, reason: covered(k.candidate, by.candidate) });
  }
}

/**
 * A foreign key's candidate: kept when its joins pay (`joins`, the planner's or the estimate's
 * verdict) or when the check its referenced table's deletes and updates run would; that check runs
 * inside a trigger, out of EXPLAIN's sight, so it is always estimated. Other candidates: `joins` as is.
 */
function foreignKeyVerdict<T extends { keep: boolean; reason: string; evidence: QueryEvidence[] }>(c: Candidate, joins: T, table: TableInfo, share: number): T {
  const fk = c.foreignKey;
  if (!fk) return joins;
  const check = fk.checked ? estimateForeignKeyCheck(c, table, share) : null;
  if (check?.keep) return { ...joins, keep: true, reason: `${fk.why}: ${check.reason}` + (joins.keep ? `; its joins: ${joins.reason}` : '') };
  return { ...joins, reason: `${joins.reason}; ${fk.why}` + (check ? `; its check: ${check.reason}` : '') };
}

/**
 * The planner's verdict through HypoPG; a candidate of a method HypoPG cannot simulate (gin, gist…
 * in HypoPG 1.3) is estimated instead, and its reason says so.
 */
export async function evaluateWithHypopg(
  client: pg.ClientBase,
  queries: readonly AnalysedQuery[],
  set: CandidateSet,
  tables: readonly TableInfo[],
  opts: EvaluateOptions,
): Promise<Evaluation> {
  const notes: string[] = [];
  const unsimulated: Candidate[] = [];
  const wanted = new Set(set.candidates.flatMap((c) => c.queries));
  const before = new Map<number, number>();
  for (const qi of [...wanted].sort((a, b) => a - b)) {
    const q = queries[qi];
    if (!q) continue;
    const plan = await explain(client, q, opts.versionNum).catch((err: unknown) => {
      notes.push(`${queryLabel(q.query)}: skipped: EXPLAIN failed: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    });
    if (plan) before.set(qi, plan.cost);
  }

  const used = new Map<Candidate, QueryEvidence[]>();
  for (let i = 0; i < set.candidates.length; i += BATCH) {
    const batch = set.candidates.slice(i, i + BATCH);
    const byName = new Map<string, Candidate>();
    try {
      for (const c of batch) {
        let rows: { indexname: string }[];
        try {
          rows = await queryRows<{ indexname: string }>(client, 'SELECT indexname FROM hypopg_create_index($1)', [candidateSql(c)]);
        } catch (err) {
          if (!(err instanceof SqlError) || err.sqlstate === undefined) throw err;
          unsimulated.push(c);
          continue;
        }
        const row = rows[0];
        if (row) byName.set(row.indexname, c);
      }
      for (const [qi, cost] of before) {
        if (!batch.some((c) => c.queries.includes(qi))) continue;
        const q = queries[qi] as AnalysedQuery;
        const plan = await explain(client, q, opts.versionNum);
        for (const name of plan.indexes) {
          const c = byName.get(name);
          if (!c) continue;
          const list = used.get(c) ?? [];
          list.push({ query: qi, costBefore: cost, costAfter: plan.cost });
          used.set(c, list);
        }
      }
    } finally {
      await queryRows(client, 'SELECT hypopg_reset()');
    }
  }

  const estimated = evaluateByEstimate(queries, unsimulated, tables, opts);
  const traffic = tableTraffic(queries);
  const out: Evaluation = { kept: [], dropped: [], notes };
  for (const c of set.candidates) {
    if (unsimulated.includes(c)) {
      const kept = estimated.kept.find((k) => k.candidate === c);
      const dropped = estimated.dropped.find((d) => d.candidate === c);
      const prefix = `HypoPG cannot simulate ${c.method}: `;
      if (kept) out.kept.push({ ...kept, reason: prefix + kept.reason });
      else if (dropped) out.dropped.push({ ...dropped, reason: prefix + dropped.reason });
      continue;
    }
    const evidence = used.get(c) ?? [];
    const required = requiredShare(c.table, traffic, opts.minShare);
    const also = required.why ? `; ${required.why}` : '';
    const paying = evidence.filter((e) => e.costBefore >= MIN_QUERY_COST && e.costBefore - e.costAfter >= required.share * e.costBefore);
    let verdict: { keep: boolean; reason: string; evidence: QueryEvidence[] };
    if (paying.length > 0) {
      const best = paying.reduce((a, b) => (cut(b) > cut(a) ? b : a));
      verdict = { keep: true, evidence: paying, reason: `planner (HypoPG): used by ${paying.length} ${paying.length === 1 ? 'query' : 'queries'}, cost ${cost(best.costBefore)} → ${cost(best.costAfter)} (−${percent(cut(best))})` };
    } else if (evidence.length === 0) {
      verdict = { keep: false, evidence: [], reason: 'planner (HypoPG): not used by any query it was made for' };
    } else {
      const best = evidence.reduce((a, b) => (cut(b) > cut(a) ? b : a));
      const why = best.costBefore < MIN_QUERY_COST ? `its queries cost under ${MIN_QUERY_COST} already` : `cuts cost by ${percent(cut(best))} at most, under the ${percent(required.share)} asked`;
      verdict = { keep: false, evidence: [], reason: `planner (HypoPG): used, but ${why}` };
    }
    const table = tables.find((t) => qualifiedKey(t) === qualifiedKey(c.table));
    if (table) verdict = foreignKeyVerdict(c, verdict, table, required.share);
    if (verdict.keep) out.kept.push({ candidate: c, evidence: verdict.evidence, reason: verdict.reason + also });
    else out.dropped.push({ candidate: c, reason: verdict.reason + also });
  }
  dropCovered(out, 'planner (HypoPG): ');
  return out;
}

/** `a`'s keys are the first keys of the longer `b`, on the same table with the same method and rows. */
function leads(a: Candidate, b: Candidate): boolean {
  return (
    qualifiedKey(a.table) === qualifiedKey(b.table) &&
    a.method === b.method &&
    a.where === b.where &&
    a.keys.length < b.keys.length &&
    a.keys.every((k, i) => b.keys[i] !== undefined && keySql(k) === keySql(b.keys[i] as (typeof b.keys)[number]))
  );
}

const cut = (e: { costBefore: number; costAfter: number }) => (e.costBefore > 0 ? (e.costBefore - e.costAfter) / e.costBefore : 0);
const cost = (n: number) => n.toFixed(0);
const percent = (share: number) => `${Math.round(share * 100)}%`;

/** The plan's total cost and the indexes it uses. */
interface Explained {
  cost: number;
  indexes: string[];
}

async function explain(client: pg.ClientBase, q: AnalysedQuery, versionNum: number): Promise<Explained> {
  const params = paramCount(q.query.text);
  if (params === 0) return explained(await queryRows(client, `EXPLAIN (FORMAT JSON) ${q.query.text}`));
  if (versionNum >= 160000) return explained(await queryRows(client, `EXPLAIN (FORMAT JSON, GENERIC_PLAN) ${q.query.text}`));
  // Before 16: a prepared statement's generic plan, whatever the parameters' values (NULL here).
  await queryRows(client, `PREPARE pgindex_advise AS ${q.query.text}`);
  try {
    await queryRows(client, 'SET plan_cache_mode = force_generic_plan');
    const args = Array.from({ length: params }, () => 'NULL').join(', ');
    return explained(await queryRows(client, `EXPLAIN (FORMAT JSON) EXECUTE pgindex_advise(${args})`));
  } finally {
    await queryRows(client, 'RESET plan_cache_mode').catch(() => undefined);
    await queryRows(client, 'DEALLOCATE pgindex_advise').catch(() => undefined);
  }
}

/** The highest `$n` of a query text, outside its strings and comments. */
function paramCount(text: string): number {
  let max = 0;
  try {
    for (const t of tokenize(text)) if (t.kind === 'param') max = Math.max(max, Number(t.text.slice(1)));
  } catch (err) {
    if (!(err instanceof LexError)) throw err;
  }
  return max;
}

function explained(rows: pg.QueryResultRow[]): Explained {
  const doc = rows[0]?.['QUERY PLAN'] as unknown;
  const top = Array.isArray(doc) ? (doc[0] as { Plan?: Record<string, unknown> } | undefined) : undefined;
  const plan = top?.Plan;
  if (!plan) throw new SqlError('EXPLAIN', { message: 'EXPLAIN returned no plan' });
  const indexes: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (typeof n === 'object' && n !== null) {
      for (const [k, v] of Object.entries(n)) {
        if (k === 'Index Name' && typeof v === 'string') indexes.push(v);
        else walk(v);
      }
    }
  };
  walk(plan);
  return { cost: Number(plan['Total Cost'] ?? 0), indexes };
}
