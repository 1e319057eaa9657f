/**
 * One pgindex run at a time per database: a session-level advisory lock, held on a connection of its
 * own from before planning until the run has ended (and its leftovers are dropped). Two applies of
 * one plan started together would otherwise plan the same statements, deadlock each other on them
 * and collide on names; worse, one could take the other's index, still being built, for an INVALID
 * leftover.
 *
 * The lock is an advisory lock in the database (advisory locks are per database), so it also guards
 * against a pgindex on another machine. A second run refuses at once, naming the holder (pid, client
 * host, when its connection started, application_name), or waits up to `waitMs`.
 */
import type pg from 'pg';
import { connect } from './connection.js';
import { PgindexError } from '../errors.js';
import { queryRows } from './rows.js';

/** pg_advisory_lock(int4, int4): 'pgix' and 1, a pair no other tool is likely to use. */
export const RUN_LOCK_KEY: readonly [number, number] = [0x70676978, 1];

/** How often a waiting run asks again. */
const POLL_MS = 250;

export interface RunLockHolder {
  pid: number;
  applicationName: string;
  /** client_addr, or 'local socket' for a Unix-domain connection. */
  host: string;
  /** backend_start: when the holding run connected. */
  since: Date | null;
  state: string | null;
}

/** Another run holds the lock (and waiting for it, if asked, did not get it). */
export class RunLockedError extends PgindexError {
  constructor(
    readonly holder: RunLockHolder | null,
    readonly waitedMs: number,
  ) {
    super(
      `another pgindex run holds the run lock of this database${holder ? ` (${describeHolder(holder)})` : ''}` +
        `${waitedMs > 0 ? `; waited ${Math.round(waitedMs / 1000)}s` : ''}. ` +
        'Wait for it to finish, or give --lock-wait DURATION to wait for it; nothing was run.',
      'run-locked',
    );
  }
}

export function describeHolder(h: RunLockHolder): string {
  const since = h.since ? `, running since ${h.since.toISOString()}` : '';
  const app = h.applicationName ? `, application_name ${h.applicationName}` : '';
  return `pid ${h.pid} from ${h.host}${since}${app}`;
}

export interface RunLock {
  /** Releases the lock and closes its connection; safe to call twice. */
  release(): Promise<void>;
  /** The backend pid of the connection holding it. */
  readonly pid: number;
}

export interface AcquireOptions {
  /** 0: refuse at once when another run holds it. */
  waitMs: number;
  signal?: AbortSignal;
  applicationName?: string;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const TRY_SQL = 'select pg_try_advisory_lock($1::int4, $2::int4) as locked, pg_backend_pid() as pid';

const HOLDER_SQL = `
select a.pid, coalesce(a.application_name, '') as application_name,
       coalesce(host(a.client_addr), case when a.pid is null then '' else 'local socket' end) as host,
       a.backend_start, a.state
  from pg_locks l
  join pg_stat_activity a on a.pid = l.pid
 where l.locktype = 'advisory' and l.granted
   and l.database = (select oid from pg_database where datname = current_database())
   and l.classid = ($1::int4)::oid and l.objid = ($2::int4)::oid and l.objsubid = 2
 limit 1`;

export async function acquireRunLock(config: pg.ClientConfig, opts: AcquireOptions): Promise<RunLock> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const client = await connect({ ...config, application_name: opts.applicationName ?? 'pgindex run lock' });
  const started = now();
  try {
    for (;;) {
      const row = await queryRows<{ locked: boolean; pid: number }>(client, TRY_SQL, [...RUN_LOCK_KEY]);
      if (row[0]?.locked) return held(client, Number(row[0].pid));
      const waited = now() - started;
      if (waited >= opts.waitMs || opts.signal?.aborted) {
        throw new RunLockedError(await lockHolder(client), opts.waitMs > 0 ? waited : 0);
      }
      await sleep(Math.min(POLL_MS, opts.waitMs - waited));
    }
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}

/** Who holds the run lock of the database `client` is connected to, if anyone. */
export async function lockHolder(client: pg.ClientBase): Promise<RunLockHolder | null> {
  const rows = await queryRows<{ pid: number; application_name: string; host: string; backend_start: Date | null; state: string | null }>(client, HOLDER_SQL, [...RUN_LOCK_KEY]);
  const r = rows[0];
  if (!r) return null;
  return { pid: Number(r.pid), applicationName: r.application_name, host: r.host || 'unknown host', since: r.backend_start, state: r.state };
}

function held(client: pg.Client, pid: number): RunLock {
  let released: Promise<void> | null = null;
  // The lock dies with the session: a crashed run never leaves it held.
  client.on('error', () => undefined);
  return {
    pid,
    release() {
      released ??= client
        .query('select pg_advisory_unlock($1::int4, $2::int4)', [...RUN_LOCK_KEY])
        .then(() => undefined, () => undefined)
        .finally(() => client.end().catch(() => undefined));
      return released;
    },
  };
}

/**
 * The connection a planner (preparePlan, prepareScript) works on, opened after taking the run lock
 * when asked: planning must not start while another run builds. A failed connect releases the lock.
 */
export async function connectForRun(config: pg.ClientConfig, runLock: AcquireOptions | undefined): Promise<{ client: pg.Client; runLock: RunLock | null }> {
  // Both connections are opened at once (each is an authentication round of its own); the planner
  // sends nothing on its own until the lock is held.
  const [lock, client] = await Promise.allSettled([runLock ? acquireRunLock(config, runLock) : Promise.resolve(null), connect(config)]);
  if (lock.status === 'fulfilled' && client.status === 'fulfilled') return { client: client.value, runLock: lock.value };
  if (lock.status === 'fulfilled') await lock.value?.release();
  if (client.status === 'fulfilled') await client.value.end().catch(() => undefined);
  throw lock.status === 'rejected' ? lock.reason : (client as PromiseRejectedResult).reason;
}
