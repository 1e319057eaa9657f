/**
 * The control connection of a run: reads build progress, cancels builds on the server, and looks at
 * the catalog (does this index exist, is it valid, how big is it). It never runs anything that waits
 * for a lock, so progress and cancellation keep working while the builds wait.
 */
import type pg from 'pg';
import type { QualifiedName } from '../plan/types.js';
import { quoteMaybeQualified } from '../sql/quote.js';
import type { Session } from './session.js';
import type { ProgressSample } from './types.js';

export interface IndexState {
  schema: string;
  name: string;
  valid: boolean;
  /** A CREATE INDEX CONCURRENTLY is building it right now (it is not a leftover). */
  inProgress: boolean;
  sizeBytes: number;
}

export interface ProgressRow {
  phase: string;
  blocks_done: string | number;
  blocks_total: string | number;
  tuples_done: string | number;
  tuples_total: string | number;
}

/**
 * Percent done within the current phase: table-scanning phases count blocks, loading and validation
 * phases count tuples; phases that only wait report no total.
 */
export function toProgressSample(row: ProgressRow): ProgressSample {
  const s = {
    phase: row.phase,
    blocksDone: Number(row.blocks_done),
    blocksTotal: Number(row.blocks_total),
    tuplesDone: Number(row.tuples_done),
    tuplesTotal: Number(row.tuples_total),
  };
  let percent: number | null = null;
  const ratio = (done: number, total: number) => Math.min(100, Math.round((1000 * done) / total) / 10);
  if (/scanning table/.test(s.phase) && s.blocksTotal > 0) percent = ratio(s.blocksDone, s.blocksTotal);
  else if (s.tuplesTotal > 0) percent = ratio(s.tuplesDone, s.tuplesTotal);
  else if (s.blocksTotal > 0) percent = ratio(s.blocksDone, s.blocksTotal);
  return { ...s, percent };
}

export class Control {
  constructor(readonly session: Session) {}

  /** Reconnects first if the server closed the control connection. */
  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    await this.session.ensureOpen();
    return this.session.query<R>(sql, params);
  }

  async progress(pids: number[]): Promise<Map<number, ProgressSample>> {
    const out = new Map<number, ProgressSample>();
    if (pids.length === 0) return out;
    const { rows } = await this.query<ProgressRow & { pid: number }>(
      `select pid, phase, blocks_done, blocks_total, tuples_done, tuples_total
         from pg_stat_progress_create_index where pid = any($1::int[])`,
      [pids],
    );
    for (const r of rows) out.set(r.pid, toProgressSample(r));
    return out;
  }

  /** Asks the server to cancel the statements running on these backends. */
  async cancel(pids: number[]): Promise<void> {
    if (pids.length === 0) return;
    await this.query('select pg_cancel_backend(pid) from unnest($1::int[]) as pid', [pids]);
  }

  /** Indexes of a table (by oid), with their state. */
  async indexesOn(table: QualifiedName): Promise<(IndexState & { oid: string })[]> {
    const { rows } = await this.query<{ oid: string; schema: string; name: string; valid: boolean; in_progress: boolean; size: string }>(
      `select c.oid::text as oid, n.nspname as schema, c.relname as name, i.indisvalid as valid,
              exists (select 1 from pg_stat_progress_create_index p where p.index_relid = c.oid) as in_progress,
              pg_relation_size(c.oid)::text as size
         from pg_index i
         join pg_class c on c.oid = i.indexrelid
         join pg_namespace n on n.oid = c.relnamespace
        where i.indrelid = to_regclass($1)`,
      [quoteMaybeQualified(table)],
    );
    return rows.map((r) => ({ oid: r.oid, schema: r.schema, name: r.name, valid: r.valid, inProgress: r.in_progress, sizeBytes: Number(r.size) }));
  }

  /**
   * The index a step builds, if it exists. A schema of '' (an unqualified table in a SQL file) is
   * the schema of the table as the search_path finds it: an index always lives beside its table.
   */
  async indexState(index: QualifiedName, table: QualifiedName | null): Promise<IndexState | null> {
    const { rows } = await this.query<{ schema: string; name: string; valid: boolean; in_progress: boolean; size: string }>(
      `select n.nspname as schema, c.relname as name, i.indisvalid as valid,
              exists (select 1 from pg_stat_progress_create_index p where p.index_relid = c.oid) as in_progress,
              pg_relation_size(c.oid)::text as size
         from pg_index i
         join pg_class c on c.oid = i.indexrelid
         join pg_namespace n on n.oid = c.relnamespace
        where c.relname = $1
          and n.nspname = coalesce(nullif($2, ''),
                (select tn.nspname from pg_class t join pg_namespace tn on tn.oid = t.relnamespace
                  where t.oid = to_regclass($3)))`,
      [index.name, index.schema, table ? quoteMaybeQualified(table) : null],
    );
    const r = rows[0];
    if (!r) return null;
    return { schema: r.schema, name: r.name, valid: r.valid, inProgress: r.in_progress, sizeBytes: Number(r.size) };
  }
}
