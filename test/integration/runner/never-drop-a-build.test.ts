/**
 * Never drop what another session is building (issue 16, item 4): an INVALID index is a leftover
 * only when no live backend may be building it, checked when planning and again right before the DROP.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { testPlan, testStep } from '../../support/step.js';
import { runCli } from '../../support/cli.js';
import { executePlan } from '../../../src/runner/execute.js';
import { dropInvalidIndexSql } from '../../../src/plan/sql.js';

let db: TestDatabase;
let dir: string;
before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-building-'));
  await db.query('create table u as select g as b from generate_series(1, 2000) g');
  await db.query('create table other (x int)');
  await db.query('analyze u');
  writeFileSync(join(dir, 'plan.yaml'), 'version: 1\ntables:\n  - name: u\n    columns: [b]\n');
});
after(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function client(name: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.url, application_name: name });
  await c.connect();
  c.on('error', () => undefined);
  return c;
}

async function validity(name: string): Promise<{ valid: boolean } | undefined> {
  const { rows } = await db.query<{ valid: boolean }>('select indisvalid as valid from pg_index where indexrelid = to_regclass($1)', [name]);
  return rows[0];
}

test('planning: an INVALID index another session is still building is a problem naming it, not a DROP', async () => {
  // An old snapshot keeps the other session's CREATE INDEX CONCURRENTLY INVALID and in progress.
  const report = await client('long report');
  await report.query('begin isolation level repeatable read');
  await report.query('select count(*) from other');
  const builder = await client('other builder');
  const builderPid = (await builder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid as number;
  const building = builder.query('create index concurrently u_b_btree_idx on u (b)');
  for (let i = 0; i < 200 && (await validity('u_b_btree_idx')) === undefined; i++) await new Promise((r) => setTimeout(r, 25));
  assert.deepEqual(await validity('u_b_btree_idx'), { valid: false });
  try {
    const r = await runCli(['plan', 'plan.yaml'], { cwd: dir, env: { DATABASE_URL: db.url } });
    assert.equal(r.code, 1, r.out);
    assert.equal(r.out, '');
    assert.match(r.err, new RegExp(`plan\\.yaml:4:15: index public\\.u_b_btree_idx is not valid and pid ${builderPid} may be building it right now`));
    const dry = await runCli(['apply', 'plan.yaml', '--dry-run'], { cwd: dir, env: { DATABASE_URL: db.url } });
    assert.equal(dry.code, 1);
    assert.doesNotMatch(dry.out, /DROP INDEX/);
  } finally {
    await report.query('commit');
    await building;
    await report.end();
    await builder.end();
  }
  assert.deepEqual(await validity('u_b_btree_idx'), { valid: true }, 'the other build finished, valid');
  const again = await runCli(['plan', 'plan.yaml', '--detailed-exitcode'], { cwd: dir, env: { DATABASE_URL: db.url } });
  assert.equal(again.code, 0, again.err);
});

test('running: the drop of a leftover is refused when a session may be building it by then', async () => {
  await db.query('drop index if exists u_b_btree_idx');
  // A real leftover: an INVALID index nobody builds…
  await db.query('create index u_b_left on u (b)');
  await db.query("update pg_index set indisvalid = false where indexrelid = 'u_b_left'::regclass");
  // …and by the time the DROP would run, a session holds SHARE UPDATE EXCLUSIVE on the table.
  const holder = await client('maintenance');
  await holder.query('begin');
  await holder.query('lock table u in share update exclusive mode');
  const holderPid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid as number;
  const index = { schema: 'public', name: 'u_b_left' };
  const drop = testStep({ id: 'drop', action: 'drop-invalid', sql: dropInvalidIndexSql(index), table: { schema: 'public', name: 'u' }, index, concurrently: true });
  const plan = testPlan([drop], { parallelism: 1, lockTimeoutMs: 1000, retries: 1 }, 150000);
  try {
    const result = await executePlan(plan, { connection: { connectionString: db.url }, sink: () => undefined });
    assert.equal(result.results[0]?.state, 'failed');
    assert.match(result.results[0]?.error?.message ?? '', new RegExp(`not dropped: pid ${holderPid} may be building`));
    assert.deepEqual(await validity('u_b_left'), { valid: false }, 'still there');
  } finally {
    await holder.query('commit');
    await holder.end();
    await db.query('drop index if exists u_b_left');
  }
});
