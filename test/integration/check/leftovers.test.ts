/**
 * `pgindex check` and the INVALID indexes of REINDEX CONCURRENTLY on a real server (PostgreSQL 18,
 * and 15 with PGINDEX_TEST_PG_BIN): while a REINDEX CONCURRENTLY waits for a writer, its `_ccnew`
 * copy is INVALID but being built, and is not a finding; once the REINDEX is cancelled, the copy is
 * a leftover, found with DROP INDEX CONCURRENTLY as its fix.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';
import type { CheckReport } from '../../../src/check/types.js';

let db: TestDatabase;

before(async () => {
  db = await testDatabase();
  await db.query('create table t (id int primary key, v int)');
  await db.query('insert into t select g, g % 10 from generate_series(1, 100) g');
  await db.query('create index t_v on t (v)');
  // t_v is used, so that it is no finding of its own.
  await db.query('set enable_seqscan = off');
  await db.query('select * from t where v = 3');
  await db.query('select pg_stat_force_next_flush()');
  await db.query('select 1');
});

after(async () => {
  await db?.drop();
});

async function check(): Promise<{ code: number; report: CheckReport }> {
  const result = await runCli(['check', '-d', db.url, '--format', 'json']);
  assert.notEqual(result.code, 1, result.err);
  return { code: result.code, report: JSON.parse(result.out) as CheckReport };
}

test('a REINDEX CONCURRENTLY in progress is not a finding; its _ccnew copy, once interrupted, is', async () => {
  assert.deepEqual((await check()).report.findings, []);

  // A writer's open transaction holds the REINDEX in its "wait for writers" phase, _ccnew created.
  const writer = new pg.Client({ connectionString: db.url });
  const reindexer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  await reindexer.connect();
  try {
    await writer.query('begin');
    await writer.query('update t set v = v where false');
    const reindex = reindexer.query('reindex index concurrently t_v');
    const failed = assert.rejects(reindex, /canceling statement due to user request/);
    let pid: number | undefined;
    while (pid === undefined) {
      const rows = await db.query<{ pid: number }>(
        `select a.pid from pg_stat_activity a where a.datname = current_database() and a.wait_event_type = 'Lock' and a.query ilike 'reindex%'
            and exists (select 1 from pg_class c where c.relname = 't_v_ccnew')`,
      );
      pid = rows.rows[0]?.pid;
      if (pid === undefined) await sleep(20);
    }
    const during = await check();
    assert.equal(during.code, 0, JSON.stringify(during.report.findings));

    await db.query('select pg_cancel_backend($1)', [pid]);
    await failed;
  } finally {
    await writer.query('rollback').catch(() => undefined);
    await writer.end();
    await reindexer.end();
  }

  const afterwards = await check();
  assert.equal(afterwards.code, 2);
  assert.deepEqual(
    afterwards.report.findings.map((f) => [f.kind, f.index, f.fix]),
    [['invalid', 'public.t_v_ccnew', { sql: 'DROP INDEX CONCURRENTLY public.t_v_ccnew;' }]],
  );
  assert.match(afterwards.report.findings[0]?.detail ?? '', /the new copy, left by an interrupted REINDEX CONCURRENTLY/);
});
