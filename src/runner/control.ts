/**
 * The control connection of a run: reads build progress, cancels builds on the server, and looks at
 * the catalog (does this index exist, is it valid, how big is it). It never runs anything that waits
 * for a lock, so progress and cancellation keep working while the builds wait.
 */
import type pg from 'pg';
import type { QualifiedName } from '../plan/types.js';
import { quoteMaybeQualified } from '../sql/quote.js';
import { BUILDING_PID_SQL } from '../catalog/queries.js';
import type { Session } from './session.js';
import type { ProgressSample } from './types.js';
import type { WaitSample } from './build-waits.js';

/** One running build as the control connection sees it. */
export interface BuildSample {
  /** Null while it has no progress row (waiting for its table lock). */
  progress: ProgressSample | null;
  wait: WaitSample;
}

interface BuildSampleRow {
  pid: number;
  phase: string | null;
  blocks_done: string | null;
  blocks_total: string | null;
  tuples_done: string | null;
  tuples_total: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  blocker_pid: number | null;
  blocker_app: string | null;
  blocker_state: string | null;
  blocker_xact_ms: number | null;
  blocker_query_ms: number | null;
}

export interface IndexState {
  oid: string;
  schema: string;
  name: string;
  valid: boolean;
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

/** An index of one of the tables asked about. */
export interface TableIndex extends IndexState {
  /** The table as it was asked for (quoteMaybeQualified). */
  table: string;
  /** A CREATE INDEX CONCURRENTLY outside the run is building it right now (it is not a leftover). */
  inProgress: boolean;
}

const INDEX_COLUMNS = 'c.oid::text as oid, n.nspname as schema, c.relname as name, i.indisvalid as valid';

export class Control {
  constructor(readonly session: Session) {}

  /** Reconnects first if the server closed the control connection. */
  private async query<R extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<R>> {
    await this.session.ensureOpen();
    return this.session.query<R>(sql, params);
  }

  /**
   * What each of these backends' builds is doing: its progress row (none while it waits for its
   * table lock: the row appears once the lock is granted) and what it waits for, with the session in
   * its way (the locker the progress row names, or the first of pg_blocking_pids).
   */
  async progress(pids: number[]): Promise<Map<number, BuildSample>> {
    const out = new Map<number, BuildSample>();
    if (pids.length === 0) return out;
    const { rows } = await this.query<BuildSampleRow>(
      `select a.pid, p.phase, p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total,
              a.wait_event_type, a.wait_event,
              b.pid as blocker_pid, b.application_name as blocker_app, b.state as blocker_state,
              (extract(epoch from (now() - b.xact_start)) * 1000)::float8 as blocker_xact_ms,
              (extract(epoch from (now() - b.query_start)) * 1000)::float8 as blocker_query_ms
         from pg_stat_activity a
         left join pg_stat_progress_create_index p on p.pid = a.pid
         left join lateral (
           select s.* from pg_stat_activity s
            where a.wait_event_type = 'Lock'
              and s.pid = coalesce(nullif(p.current_locker_pid, 0), (pg_blocking_pids(a.pid))[1])
         ) b on true
        where a.pid = any($1::int[])`,
      [pids],
    );
    for (const r of rows) {
      out.set(Number(r.pid), {
        progress: r.phase === null ? null : toProgressSample(r as ProgressRow),
        wait: {
          waitEventType: r.wait_event_type,
          waitEvent: r.wait_event,
          blocker:
            r.blocker_pid === null
              ? null
              : {
                  pid: Number(r.blocker_pid),
                  applicationName: r.blocker_app ?? '',
                  state: r.blocker_state,
                  transactionAgeMs: r.blocker_xact_ms === null ? null : Math.max(0, r.blocker_xact_ms),
                  queryAgeMs: r.blocker_query_ms === null ? null : Math.max(0, r.blocker_query_ms),
                },
        },
      });
    }
    return out;
  }

  /**
   * A live backend that may be building this index right now (BUILDING_PID_SQL), or null. The
   * index is found beside its table, as Control.indexes finds it; an index that is gone is null.
   */
  async buildingPid(index: QualifiedName, table: QualifiedName): Promise<number | null> {
    const { rows } = await this.query<{ pid: number | null }>(
      `select ${BUILDING_PID_SQL} as pid
         from pg_class h
         join pg_class c on c.relname = $2 and c.relnamespace = h.relnamespace
         join pg_index i on i.indexrelid = c.oid and i.indrelid = h.oid
        where h.oid = to_regclass($1)`,
      [quoteMaybeQualified(table), index.name],
    );
    const pid = rows[0]?.pid;
    return pid === null || pid === undefined ? null : Number(pid);
  }

  /** Asks the server to cancel the statements running on these backends. */
  async cancel(pids: number[]): Promise<void> {
    if (pids.length === 0) return;
    await this.query('select pg_cancel_backend(pid) from unnest($1::int[]) as pid', [pids]);
  }

  /**
   * Every index of these tables, in one query. `inProgress` counts only builds of backends outside
   * `ownPids`: the server reports a build's error before it clears the build's progress row, so the
   * run's own sessions' rows say nothing once their statement has returned.
   */
  async indexesOn(tables: readonly QualifiedName[], ownPids: readonly number[] = []): Promise<TableIndex[]> {
    if (tables.length === 0) return [];
    const { rows } = await this.query<IndexState & { tbl: string; in_progress: boolean }>(
      `select t.tbl, ${INDEX_COLUMNS},
              exists (select 1 from pg_stat_progress_create_index p
                       where p.index_relid = c.oid and p.pid <> all($2::int[])) as in_progress
         from unnest($1::text[]) as t(tbl)
         join pg_index i on i.indrelid = to_regclass(t.tbl)
         join pg_class c on c.oid = i.indexrelid
         join pg_namespace n on n.oid = c.relnamespace`,
      [[...new Set(tables.map(quoteMaybeQualified))], [...ownPids]],
    );
    return rows.map((r) => ({ table: r.tbl, oid: r.oid, schema: r.schema, name: r.name, valid: r.valid, inProgress: r.in_progress }));
  }

  /**
   * These indexes, each named beside its table (an index always lives in its table's schema, which
   * is how an unqualified table of a SQL file finds it), in one query; those that do not exist are
   * left out. Keyed by indexKey. (pg_relation_size takes an ACCESS SHARE lock on the index: only
   * a DROP or REINDEX of it conflicts, and the control connection's lock_timeout bounds that.)
   */
  async indexes(targets: readonly { index: QualifiedName; table: QualifiedName }[]): Promise<Map<string, IndexState & { sizeBytes: number }>> {
    const out = new Map<string, IndexState & { sizeBytes: number }>();
    if (targets.length === 0) return out;
    const { rows } = await this.query<IndexState & { ord: string; size: string }>(
      `select t.ord::text as ord, ${INDEX_COLUMNS}, pg_relation_size(c.oid)::text as size
         from unnest($1::text[], $2::text[]) with ordinality as t(tbl, idx, ord)
         join pg_class h on h.oid = to_regclass(t.tbl)
         join pg_class c on c.relname = t.idx and c.relnamespace = h.relnamespace
         join pg_index i on i.indexrelid = c.oid and i.indrelid = h.oid
         join pg_namespace n on n.oid = c.relnamespace`,
      [targets.map((t) => quoteMaybeQualified(t.table)), targets.map((t) => t.index.name)],
    );
    for (const r of rows) {
      const target = targets[Number(r.ord) - 1];
      if (target) out.set(indexKey(target.index, target.table), { oid: r.oid, schema: r.schema, name: r.name, valid: r.valid, sizeBytes: Number(r.size) });
    }
    return out;
  }

  /**
   * The partition indexes attached to these (partitioned) indexes, directly or below a
   * sub-partition's index: everything a DROP INDEX of them would drop too. By parent oid.
   */
  async attachedTo(oids: readonly string[]): Promise<Map<string, QualifiedName[]>> {
    const out = new Map<string, QualifiedName[]>();
    if (oids.length === 0) return out;
    const { rows } = await this.query<{ parent: string; schema: string; name: string }>(
      `with recursive below(root, idx) as (
         select h.inhparent, h.inhrelid from pg_inherits h where h.inhparent = any($1::oid[])
         union all
         select b.root, h.inhrelid from below b join pg_inherits h on h.inhparent = b.idx
       )
       select b.root::text as parent, n.nspname as schema, c.relname as name
         from below b
         join pg_class c on c.oid = b.idx
         join pg_namespace n on n.oid = c.relnamespace
        order by 1, 2, 3`,
      [[...oids]],
    );
    for (const r of rows) out.set(r.parent, [...(out.get(r.parent) ?? []), { schema: r.schema, name: r.name }]);
    return out;
  }
}

/** One key for an index named beside its table (see Control.indexes). */
export function indexKey(index: QualifiedName, table: QualifiedName): string {
  return `${quoteMaybeQualified(table)} ${quoteMaybeQualified({ schema: '', name: index.name })}`;
}
