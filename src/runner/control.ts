/**
 * The control connection of a run: reads build progress, cancels builds on the server, and looks at
 * the catalog (does this index exist, is it valid, how big is it). It never runs anything that waits
 * for a lock, so progress and cancellation keep working while the builds wait.
 */
import type pg from 'pg';
import type { QualifiedName } from '../plan/types.js';
import { quoteIdent } from '../sql/quote.js';
import type { Session } from './session.js';
import type { ProgressSample } from './types.js';

export interface ServerInfo {
  versionNum: number;
  version: string;
  maxParallelWorkers: number;
  maxParallelMaintenanceWorkers: number;
  maxWorkerProcesses: number;
  maintenanceWorkMemBytes: number;
}

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

/** Anything that runs a query: a Session, or a plain pg client. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
}

interface SettingsRow {
  num: number;
  version: string;
  mpw: number;
  mpmw: number;
  mwp: number;
  mwm: string;
}

export async function readServerInfo(session: Queryable): Promise<ServerInfo> {
  const { rows } = (await session.query(
    `select current_setting('server_version_num')::int as num, current_setting('server_version') as version,
            current_setting('max_parallel_workers')::int as mpw,
            current_setting('max_parallel_maintenance_workers')::int as mpmw,
            current_setting('max_worker_processes')::int as mwp,
            pg_size_bytes(current_setting('maintenance_work_mem'))::text as mwm`,
  )) as pg.QueryResult<SettingsRow>;
  const r = rows[0];
  if (!r) throw new Error('the server returned no settings');
  return {
    versionNum: r.num,
    version: r.version,
    maxParallelWorkers: r.mpw,
    maxParallelMaintenanceWorkers: r.mpmw,
    maxWorkerProcesses: r.mwp,
    maintenanceWorkMemBytes: Number(r.mwm),
  };
}

/** A table as SQL text for to_regclass: quoted, unqualified when its schema is left to the search_path. */
function tableText(table: QualifiedName): string {
  return (table.schema ? quoteIdent(table.schema) + '.' : '') + quoteIdent(table.name);
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

  /** Asks the server to cancel the statement running on a backend; false if it was not running. */
  async cancel(pid: number): Promise<boolean> {
    const { rows } = await this.query<{ ok: boolean }>('select pg_cancel_backend($1) as ok', [pid]);
    return rows[0]?.ok === true;
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
      [tableText(table)],
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
      [index.name, index.schema, table ? tableText(table) : null],
    );
    const r = rows[0];
    if (!r) return null;
    return { schema: r.schema, name: r.name, valid: r.valid, inProgress: r.in_progress, sizeBytes: Number(r.size) };
  }
}
