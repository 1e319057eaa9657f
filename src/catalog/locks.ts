/**
 * When planning gives up waiting for a lock (lock_timeout, SQLSTATE 55P03), the server only says
 * "canceling statement due to lock timeout". This finds who holds (or queues for) a conflicting lock
 * on the relations concerned, from pg_locks, which itself takes no relation lock, so that the error
 * names the table and the session in the way.
 */
import type pg from 'pg';
import { PlanningError, SqlError } from '../errors.js';
import { quoteQualified } from '../sql/quote.js';
import { conflictingModes, type LockMode } from '../pg/locks.js';
import { SQLSTATE } from '../pg/sqlstate.js';

/** The lock modes a planning statement asks for: reading a table's definition (CREATE TABLE ... (LIKE t),
 * pg_get_expr, pg_get_indexdef) and ANALYZE. */
export type WantedLock = Extract<LockMode, 'AccessShareLock' | 'ShareUpdateExclusiveLock'>;

export interface LockHolder {
  schema: string;
  name: string;
  pid: number;
  mode: string;
  granted: boolean;
}

export function isLockTimeout(err: unknown): boolean {
  const code = err instanceof SqlError ? err.sqlstate : (err as { code?: unknown } | null)?.code;
  return code === SQLSTATE.lockNotAvailable;
}

/**
 * Other sessions' locks that conflict with `wanted` on the given relations (oids; their indexes
 * count as them), or on any relation of the database when `relations` is empty.
 */
export async function lockHolders(client: pg.ClientBase, relations: readonly number[], wanted: WantedLock): Promise<{ holders: LockHolder[]; lockTimeout: string }> {
  const sql = `
select n.nspname as schema, c.relname as name, l.pid, l.mode, l.granted, current_setting('lock_timeout') as lock_timeout
  from pg_locks l
  join pg_class lc on lc.oid = l.relation
  left join pg_index i on i.indexrelid = lc.oid
  join pg_class c on c.oid = coalesce(i.indrelid, lc.oid)
  join pg_namespace n on n.oid = c.relnamespace
 where l.locktype = 'relation'
   and l.database = (select oid from pg_database where datname = current_database())
   and l.pid <> pg_backend_pid()
   and l.mode = any($2::text[])
   and (cardinality($1::oid[]) = 0 or c.oid = any($1::oid[]))
 order by l.granted desc, n.nspname, c.relname, l.pid`;
  let rows: (LockHolder & { lock_timeout: string })[];
  try {
    rows = (await client.query<LockHolder & { lock_timeout: string }>(sql, [[...relations], [...conflictingModes(wanted)]])).rows;
  } catch {
    // Only to improve a message: without pg_locks the error says less, but is still an error.
    return { holders: [], lockTimeout: '' };
  }
  const lockTimeout = rows[0]?.lock_timeout ?? '';
  const seen = new Set<string>();
  const holders = rows
    .map((r) => ({ schema: r.schema, name: r.name, pid: Number(r.pid), mode: r.mode, granted: r.granted }))
    .filter((h) => {
      const k = `${h.schema}\0${h.name}\0${h.pid}\0${h.mode}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
  return { holders, lockTimeout };
}

/** "another session holds a lock on table public.orders (pid 42: AccessExclusiveLock)", or a general line. */
export function describeHolders(holders: readonly LockHolder[]): string {
  if (holders.length === 0) return 'another session held a conflicting lock on one of the plan\'s tables (it has been released since)';
  const byTable = new Map<string, LockHolder[]>();
  for (const h of holders) {
    const k = quoteQualified(h);
    byTable.set(k, [...(byTable.get(k) ?? []), h]);
  }
  const parts = [...byTable].map(([table, hs]) => {
    const who = hs.map((h) => `pid ${h.pid} ${h.granted ? 'holds' : 'is waiting for'} ${h.mode}`).join(', ');
    return `table ${table} (${who})`;
  });
  const queued = holders.every((h) => !h.granted) ? '; new requests queue behind a waiting one' : '';
  return `another session holds a lock on ${parts.join(' and on ')}${queued}`;
}

/**
 * The PlanningError for a lock timeout while `doing` something: names the tables and the sessions in
 * the way. The caller must have ended (or rolled back to before) the failed statement's transaction.
 */
export async function lockTimeoutError(client: pg.ClientBase, doing: string, relations: readonly number[], wanted: WantedLock): Promise<PlanningError> {
  const { holders, lockTimeout } = await lockHolders(client, relations, wanted);
  const waited = lockTimeout ? ` (lock_timeout ${lockTimeout})` : '';
  return new PlanningError(
    `${doing}: gave up waiting for a lock${waited}: ${describeHolders(holders)}. ` +
      'Plan again once it is released, or give the plan a longer lock_timeout; nothing was run.',
  );
}
