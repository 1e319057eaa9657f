/**
 * Cleanup DROPs run without the plan's statement_timeout (issue 16, item 5): with a tiny one, the
 * cleanup of a build it cancelled timed out itself and left the INVALID index behind.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { testPlan, testStep } from '../../support/step.js';
import { executePlan } from '../../../src/runner/execute.js';

let db: TestDatabase;
before(async () => {
  db = await testDatabase();
  await db.query(`create function slow(i int) returns int language plpgsql immutable as $$ begin perform pg_sleep(0.002); return i; end $$`);
  await db.query('create table t as select g as a from generate_series(1, 2000) g');
});
after(async () => {
  await db?.drop();
});

test('a build cancelled by a tiny statement_timeout is cleaned up although its DROP waits longer than that', async () => {
  // A reader of t until 2s from now: the DROP INDEX CONCURRENTLY of the leftover waits for it.
  const reader = new pg.Client({ connectionString: db.url });
  await reader.connect();
  await reader.query('begin');
  await reader.query('select count(*) from t');
  const released = new Promise<void>((r) => setTimeout(r, 2000)).then(async () => {
    await reader.query('commit');
    await reader.end();
  });
  const step = testStep({
    id: 'st',
    sql: 'CREATE INDEX CONCURRENTLY t_st ON public.t (slow(a))',
    table: { schema: 'public', name: 't' },
    index: { schema: 'public', name: 't_st' },
    concurrently: true,
    parallelCapable: false,
  });
  const plan = testPlan([step], { parallelism: 1, statementTimeoutMs: 300, retries: 0 }, 150000);
  const result = await executePlan(plan, { connection: { connectionString: db.url }, sink: () => undefined, cleanupLockTimeoutMs: 10_000 });
  await released;
  assert.equal(result.results[0]?.state, 'failed');
  assert.equal(result.results[0]?.error?.sqlstate, '57014', 'cancelled by statement_timeout');
  assert.deepEqual(result.leftovers, [], 'its cleanup was not cut short by statement_timeout');
  const { rows } = await db.query(`select 1 from pg_class where relname = 't_st'`);
  assert.equal(rows.length, 0, 'no INVALID index left');
});
