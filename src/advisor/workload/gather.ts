/**
 * The workload advisor at the edge: read the workload (pg_stat_statements when it is installed, and
 * the files of --queries), parse it, make the candidates for the advised tables from the installed
 * operator classes, and weigh them with the planner through HypoPG when it is installed in the
 * database, else by estimate. Everything that talks to the server for the advice is here; the result
 * is plain data (advice.ts) that the pure planner takes as it takes the catalog snapshot.
 */
import type pg from 'pg';
import type { CatalogSnapshot } from '../../catalog/types.js';
import { loadSqlParser } from '../../sql/parse.js';
import { qualifiedKey } from '../../sql/qualified.js';
import { quoteQualified } from '../../sql/quote.js';
import { splitSql } from '../../sql/split.js';
import { workloadAdvice, type WorkloadAdvice } from './advice.js';
import { workloadCandidates } from './candidates.js';
import { readForeignKeys } from './foreign-keys.js';
import { evaluateByEstimate, evaluateWithHypopg, hypopgInstalled } from './evaluate.js';
import { snapshotLookup } from './lookup.js';
import { readOperators } from './operators.js';
import { fileQueries, statStatementsQueries, WorkloadSourceError, type WorkloadQuery } from './sources.js';
import type { QualifiedName } from './types.js';
import { analyseWorkload, queryLabel } from './workload.js';

/** The share of a query's cost an index must cut to be kept, unless the caller asks another. */
export const DEFAULT_MIN_SHARE = 0.5;

/** The statements evaluate.ts sends, as pg_stat_statements records them. */
const OWN_STATEMENTS = /^\s*(?:EXPLAIN \(FORMAT JSON(?:, GENERIC_PLAN)?\)|PREPARE pgindex_advise\b|DEALLOCATE pgindex_advise\b)/;

/** A file of queries, read by the caller (the CLI reads it before connecting). */
export interface QueryFile {
  /** As given (`--queries FILE`): positions in notes name it so. */
  file: string;
  text: string;
}

export interface GatherOptions {
  /** The tables to advise on: candidates on other tables are not made. */
  tables: readonly QualifiedName[];
  queryFiles: readonly QueryFile[];
  /** Default DEFAULT_MIN_SHARE. */
  minShare?: number;
  /** A literal value held by fewer than this share of the rows gets a partial candidate (the plan's `rare_share`). */
  rareShare?: number;
}

/**
 * The advice for `tables`. Throws WorkloadSourceError when there is no workload at all: no --queries
 * file, and pg_stat_statements not installed or not loaded (its message says how to enable it).
 */
export async function gatherAdvice(client: pg.ClientBase, snapshot: CatalogSnapshot, opts: GatherOptions): Promise<WorkloadAdvice> {
  const versionNum = snapshot.server.versionNum;
  const notes: string[] = [];
  const sources: { label: string; has: (q: WorkloadQuery) => boolean }[] = [];
  const queries: WorkloadQuery[] = [];
  try {
    // An earlier advice's own EXPLAINs (evaluate.ts) are recorded too: they are not the workload.
    const recorded = (await statStatementsQueries(client, { versionNum })).filter((q) => !OWN_STATEMENTS.test(q.text));
    queries.push(...recorded);
    sources.push({ label: 'pg_stat_statements', has: (q) => q.source === 'pg_stat_statements' });
  } catch (err) {
    // Without it, the files are the workload; without them either, its error says what to do.
    if (!(err instanceof WorkloadSourceError) || opts.queryFiles.length === 0) throw err;
    // Its message's first part says what is missing; the advice after it (how to enable it, or use
    // --queries) is for when there is no workload at all.
    notes.push(`pg_stat_statements not read: ${err.message.split(': add ')[0] ?? err.message}`);
  }
  for (const f of opts.queryFiles) {
    queries.push(...fileQueries({ file: f.file, statements: splitSql(f.text, f.file) }));
    sources.push({ label: f.file, has: (q) => q.source === 'file' && q.pos.file === f.file });
  }

  const workload = analyseWorkload(queries, await loadSqlParser(), snapshotLookup(snapshot));
  const wanted = new Set(opts.tables.map(qualifiedKey));
  // Notes about queries on none of the advised tables would only be noise: pg_stat_statements holds
  // every application's queries. A query of a --queries file was given on purpose: always said.
  for (const n of workload.notes) {
    const q = workload.queries.find((x) => x.query === n.query);
    const onAdvised = q !== undefined && q.shape.accesses.some((a) => wanted.has(qualifiedKey(a.table)));
    if (n.query.source === 'file' || onAdvised) notes.push(`${queryLabel(n.query)}: ${n.message}`);
  }
  const advised = snapshot.tables.filter((t) => wanted.has(qualifiedKey(t)));
  const foreignKeys = await readForeignKeys(client, advised);
  const all = workloadCandidates(workload.queries, snapshot, await readOperators(client), {
    foreignKeys,
    ...(opts.rareShare !== undefined ? { rareShare: opts.rareShare } : {}),
  });
  const set = { candidates: all.candidates.filter((c) => wanted.has(qualifiedKey(c.table))), notes: all.notes };
  notes.push(...set.notes.filter((n) => opts.tables.some((t) => n.startsWith(`${quoteQualified(t)}.`))));
  const minShare = opts.minShare ?? DEFAULT_MIN_SHARE;
  const hypopg = await hypopgInstalled(client);
  const evaluation = hypopg
    ? await evaluateWithHypopg(client, workload.queries, set, snapshot.tables, { versionNum, minShare })
    : evaluateByEstimate(workload.queries, set.candidates, snapshot.tables, { minShare });
  notes.push(...evaluation.notes);
  // Counted after parsing: only the queries on known tables (pg_stat_statements also holds every
  // catalog query of every tool, pgindex's own planning included, which would change the count).
  const counted = sources.map((src) => `${src.label} (${count(workload.queries.filter((q) => src.has(q.query)).length)})`);
  return workloadAdvice({ queries: workload.queries, evaluation, how: hypopg ? 'hypopg' : 'estimate', sources: counted, tables: opts.tables, notes });
}

function count(n: number): string {
  return `${n} quer${n === 1 ? 'y' : 'ies'}`;
}
