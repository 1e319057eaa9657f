/**
 * One run at a time per database (issue 16, item 2): two applies of one plan started together used
 * to deadlock each other and collide on names. Through the CLI, on a real server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;
before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-lock-'));
  // About 3s to build: the first apply holds the run lock that long.
  await db.query(`create function slow(i int) returns int language plpgsql immutable as $$ begin perform pg_sleep(0.001); return i; end $$`);
  await db.query('create table t as select g as a from generate_series(1, 3000) g');
  await db.query('create table u as select g as b from generate_series(1, 100) g');
  await db.query('analyze t, u');
  writeFileSync(join(dir, 'plan.yaml'), 'version: 1\ntables:\n  - name: u\n    columns: [b]\n');
  writeFileSync(join(dir, 'slow.sql'), 'CREATE INDEX CONCURRENTLY t_slow ON t (slow(a));\n');
});
after(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ DATABASE_URL: db.url });

async function lockHeld(): Promise<number | null> {
  const { rows } = await db.query<{ pid: number }>(
    `select pid from pg_locks where locktype = 'advisory' and granted and classid = ($1::int4)::oid and objid = 1
       and database = (select oid from pg_database where datname = current_database())`,
    [0x70676978],
  );
  return rows[0]?.pid ?? null;
}

async function whenLocked(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const pid = await lockHeld();
    if (pid !== null) return pid;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the first run never took the run lock');
}

test('while a run holds the lock, apply and run refuse at once naming it; --lock-wait waits for it', async () => {
  const first = runCli(['run', join(dir, 'slow.sql')], { cwd: dir, env: env() });
  const holder = await whenLocked();
  const refused = await runCli(['apply', 'plan.yaml'], { cwd: dir, env: env() });
  assert.equal(refused.code, 1, refused.err);
  assert.match(refused.err, new RegExp(`another pgindex run holds the run lock of this database \\(pid ${holder} from [^,]+, running since \\d{4}-[^,]+, application_name pgindex run \\(run lock\\)\\)`));
  assert.equal(refused.out, '');
  const refusedRun = await runCli(['run', join(dir, 'slow.sql')], { cwd: dir, env: env() });
  assert.equal(refusedRun.code, 1);
  assert.match(refusedRun.err, /another pgindex run holds the run lock/);
  // The dry run changes nothing and takes no lock.
  const dry = await runCli(['apply', 'plan.yaml', '--dry-run'], { cwd: dir, env: env() });
  assert.equal(dry.code, 0, dry.err);
  const waiting = runCli(['apply', 'plan.yaml', '--lock-wait', '2min'], { cwd: dir, env: env() });
  const firstResult = await first;
  assert.equal(firstResult.code, 0, firstResult.err);
  const waited = await waiting;
  assert.equal(waited.code, 0, waited.err);
  assert.equal(await lockHeld(), null, 'released at the end');
  const { rows } = await db.query(`select indexrelid::regclass::text as name from pg_index where indrelid in ('t'::regclass, 'u'::regclass) order by 1`);
  assert.deepEqual(rows.map((r) => r.name), ['t_slow', 'u_b_btree_idx']);
});

test('a bad --lock-wait is a usage error', async () => {
  const r = await runCli(['apply', 'plan.yaml', '--lock-wait', 'soon'], { cwd: dir, env: env() });
  assert.equal(r.code, 1);
  assert.match(r.err, /--lock-wait/);
});
