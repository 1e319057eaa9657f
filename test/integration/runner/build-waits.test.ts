/**
 * A CONCURRENTLY build's two waits (issue 16, item 1): lock_timeout bounds only the wait for the
 * table lock; the wait for older transactions after the build has its own budget
 * (snapshot_wait_timeout, default: as long as they last), and both name the session waited for.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { testPlan, testStep } from '../../support/step.js';
import { executePlan } from '../../../src/runner/execute.js';
import type { Plan, Step } from '../../../src/plan/types.js';
import type { RunEvent } from '../../../src/runner/types.js';

let db: TestDatabase;
before(async () => {
  db = await testDatabase();
  await db.query('create table t as select g as a, g % 10 as b from generate_series(1, 20000) g');
  await db.query('create table other (x int)');
});
after(async () => {
  await db?.drop();
});

function build(name: string, column: string): Step {
  return testStep({
    id: name,
    sql: `CREATE INDEX CONCURRENTLY ${name} ON public.t (${column})`,
    table: { schema: 'public', name: 't' },
    index: { schema: 'public', name },
    columns: [column],
    concurrently: true,
    parallelCapable: false,
  });
}

function plan(steps: Step[], settings: Partial<Plan['settings']>): Plan {
  return testPlan(steps, { parallelism: 1, lockTimeoutMs: 1000, retries: 2, ...settings }, 150000);
}

/** A session that keeps a REPEATABLE READ snapshot open for `ms`: every CONCURRENTLY build waits for it. */
async function holdSnapshot(ms: number): Promise<{ pid: number; done: Promise<void> }> {
  const c = new pg.Client({ connectionString: db.url, application_name: 'long report' });
  await c.connect();
  await c.query('begin isolation level repeatable read');
  await c.query('select count(*) from other');
  const pid = (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid as number;
  const done = new Promise<void>((r) => setTimeout(r, ms)).then(async () => {
    await c.query('commit');
    await c.end();
  });
  return { pid, done };
}

const options = (events: RunEvent[]) => ({ connection: { connectionString: db.url }, sink: (e: RunEvent) => void events.push(e), progressIntervalMs: 200, backoff: { baseMs: 100, maxMs: 200 } });

test('an old transaction longer than lock_timeout: the build waits for it, once, and names it', async () => {
  const holder = await holdSnapshot(4000);
  const events: RunEvent[] = [];
  const result = await executePlan(plan([build('t_a_wait', 'a')], { lockTimeoutMs: 1000 }), options(events));
  await holder.done;
  assert.equal(result.results[0]?.state, 'done', JSON.stringify(result.results[0]?.error));
  assert.equal(result.results[0]?.attempts, 1, 'never thrown away and rebuilt for lock_timeout');
  assert.ok(events.every((e) => e.type !== 'retry'));
  const waiting = events.filter((e) => e.type === 'progress' && e.waitingFor);
  assert.ok(waiting.some((e) => e.type === 'progress' && e.waitingFor?.includes(`pid ${holder.pid} (long report`)), JSON.stringify(waiting.slice(0, 2)));
  const { rows } = await db.query<{ valid: boolean }>(`select indisvalid as valid from pg_index where indexrelid = 't_a_wait'::regclass`);
  assert.equal(rows[0]?.valid, true);
});

test('snapshot_wait_timeout: the build gives up on older transactions, naming them, and is not retried', async () => {
  const holder = await holdSnapshot(8000);
  const events: RunEvent[] = [];
  const result = await executePlan(plan([build('t_b_wait', 'b')], { lockTimeoutMs: 500, snapshotWaitTimeoutMs: 1500 }), options(events));
  await holder.done;
  const r = result.results[0];
  assert.equal(r?.state, 'failed');
  assert.equal(r?.attempts, 1);
  assert.match(r?.error?.message ?? '', new RegExp(`snapshot_wait_timeout 1\\.5s: pid ${holder.pid} \\(long report, idle in transaction, transaction open`));
  const { rows } = await db.query(`select 1 from pg_class where relname = 't_b_wait'`);
  assert.equal(rows.length, 0, 'its INVALID index was dropped');
});

test('lock_timeout still bounds the wait for the table lock: retried, naming the holder', async () => {
  const c = new pg.Client({ connectionString: db.url, application_name: 'migration' });
  await c.connect();
  await c.query('begin');
  await c.query('lock table t in share row exclusive mode');
  const pid = (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid as number;
  setTimeout(() => void c.query('commit').then(() => c.end()), 2500);
  const events: RunEvent[] = [];
  const result = await executePlan(plan([build('t_ab_lock', 'a, b')], { lockTimeoutMs: 800, retries: 5 }), options(events));
  assert.equal(result.results[0]?.state, 'done', JSON.stringify(result.results[0]?.error));
  const retries = events.filter((e): e is Extract<RunEvent, { type: 'retry' }> => e.type === 'retry');
  assert.ok(retries.length >= 1);
  assert.equal(retries[0]?.error.sqlstate, '55P03');
  assert.match(retries[0]?.error.message ?? '', new RegExp(`lock_timeout 0\\.8s: held by pid ${pid} \\(migration`));
});
