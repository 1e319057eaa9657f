/**
 * Signals (issue 16, item 5), `pgindex run` as a child process: SIGHUP (the terminal closed) is
 * handled as SIGTERM, cancelling and cleaning up instead of leaving an INVALID index; cancelling a
 * long queue of pending statements is immediate.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { startCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-signals-'));
  await db.query(`create function slow(i int) returns int language plpgsql immutable as $$ begin perform pg_sleep(0.002); return i; end $$`);
  await db.query('create table t as select g as a from generate_series(1, 5000) g');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const start = (args: string[]) => startCli(args, dir);

async function building(): Promise<boolean> {
  const { rows } = await db.query(`select 1 from pg_stat_activity where datname = current_database() and query ilike 'create index concurrently t_slow%' and state = 'active'`);
  return rows.length > 0;
}

test('SIGHUP during a CONCURRENTLY build: cancelled on the server, its INVALID index dropped, summary, exit 130', async () => {
  writeFileSync(join(dir, 'slow.sql'), 'CREATE INDEX CONCURRENTLY t_slow ON t (slow(a));\n');
  const child = start(['run', 'slow.sql', '-d', db.url]);
  for (let i = 0; i < 400 && !(await building()); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(await building(), 'the build started');
  child.kill('SIGHUP');
  const code = await child.exited;
  assert.equal(code, 130, child.err());
  assert.match(child.err(), /SIGHUP: cancelling running statements and cleaning up/);
  assert.match(child.out(), /cancelled/);
  const { rows } = await db.query(`select 1 from pg_class where relname = 't_slow'`);
  assert.equal(rows.length, 0, 'no INVALID index left behind');
});

test('SIGTERM with 20,000 statements pending: every one cancelled at once, exit 130', async () => {
  writeFileSync(join(dir, 'many.sql'), 'select pg_sleep(0.01);\n'.repeat(20_000));
  const child = start(['run', '-j', '2', 'many.sql', '-d', db.url]);
  for (let i = 0; i < 400 && !/ok|done|start/.test(child.out()); i++) await new Promise((r) => setTimeout(r, 25));
  child.kill('SIGTERM');
  // Generous: the defect was minutes (4 statements cancelled a second); a healthy run takes well under one.
  const timeout = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000).unref());
  const code = await Promise.race([child.exited, timeout]);
  if (code === 'hung') child.kill('SIGKILL');
  assert.equal(code, 130, child.err());
  assert.match(child.out(), /\d[\d,]* cancelled of 20,?000/);
});
