/**
 * Where the workload comes from: pg_stat_statements (what the database actually ran, with `$n` for
 * every constant, and how often and how long), or a file of queries (e.g. from the server's log,
 * with literal values), or both.
 */
import type pg from 'pg';
import { PgindexError, SqlError, type SourcePos } from '../../errors.js';
import { queryRows } from '../../db/rows.js';
import { quoteIdent } from '../../sql/quote.js';
import type { SqlStatement } from '../../sql/split.js';

/** What pg_stat_statements counted for one query (its statistics since the last reset). */
export interface StatementStats {
  /** pg_stat_statements.queryid, as text: a bigint does not fit a JavaScript number. */
  queryid: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  rows: number;
}

export type WorkloadQuery =
  | { source: 'pg_stat_statements'; text: string; stats: StatementStats }
  | { source: 'file'; text: string; pos: SourcePos };

/** A workload source that cannot be read at all (not one bad query: those are skipped with a note). */
export class WorkloadSourceError extends PgindexError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'workload-source', options);
  }
}

/** How to get pg_stat_statements, for the error that says it is missing. */
const ENABLE =
  'add pg_stat_statements to shared_preload_libraries in postgresql.conf and restart the server, then run ' +
  'CREATE EXTENSION pg_stat_statements in this database; or give the queries with --queries FILE.sql, which works without it';

/** pg_stat_statements is loaded but not created in the database, or created but not loaded. */
const NOT_LOADED = '55000';

/** The statements of a file of queries, each at its place in the file. */
export function fileQueries(script: { file: string; statements: readonly SqlStatement[] }): WorkloadQuery[] {
  return script.statements.map((s) => ({ source: 'file' as const, text: s.sql, pos: { file: script.file, line: s.line, col: s.col } }));
}

/**
 * The top-level statements pg_stat_statements recorded for the current database, the most
 * time-consuming first (then by queryid, so the same statistics always give the same order).
 */
export async function statStatementsQueries(client: pg.ClientBase, opts: { versionNum: number }): Promise<WorkloadQuery[]> {
  const found = await queryRows<{ schema: string; database: string }>(
    client,
    `SELECT n.nspname AS schema, current_database() AS database
       FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'pg_stat_statements'`,
  );
  const ext = found[0];
  if (!ext) {
    const db = await queryRows<{ database: string }>(client, 'SELECT current_database() AS database');
    throw new WorkloadSourceError(`pg_stat_statements is not installed in database ${quoteIdent(db[0]?.database ?? '?')}: ${ENABLE}`);
  }
  // Renamed in PostgreSQL 13 (total_time → total_exec_time); `toplevel` is there since 14.
  const total = opts.versionNum >= 130000 ? 'total_exec_time' : 'total_time';
  const mean = opts.versionNum >= 130000 ? 'mean_exec_time' : 'mean_time';
  const toplevel = opts.versionNum >= 140000 ? 'AND s.toplevel' : '';
  const sql = `SELECT s.queryid::text AS queryid, s.query, s.calls::float8 AS calls, s.${total}::float8 AS total,
                      s.${mean}::float8 AS mean, s.rows::float8 AS rows
                 FROM ${quoteIdent(ext.schema)}.pg_stat_statements s
                WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
                  AND s.queryid IS NOT NULL AND s.query IS NOT NULL ${toplevel}
                ORDER BY s.${total} DESC, s.queryid`;
  let rows: { queryid: string; query: string; calls: number; total: number; mean: number; rows: number }[];
  try {
    rows = await queryRows(client, sql);
  } catch (err) {
    if (err instanceof SqlError && err.sqlstate === NOT_LOADED) {
      throw new WorkloadSourceError(`pg_stat_statements is installed in database ${quoteIdent(ext.database)} but not loaded (${err.message}): ${ENABLE}`, { cause: err });
    }
    throw err;
  }
  return rows.map((r) => ({
    source: 'pg_stat_statements' as const,
    text: r.query,
    stats: { queryid: r.queryid, calls: r.calls, totalMs: r.total, meanMs: r.mean, rows: r.rows },
  }));
}
