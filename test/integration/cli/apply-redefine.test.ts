/**
 * Issue 11, item 1: online redefinition of a partitioned table's index through `pgindex apply` (the
 * runner, not psql): refused without --allow-drop with nothing changed, run with it; and a real
 * SIGKILL of pgindex, its server sessions then terminated as a crash would leave them, while a
 * partition's CONCURRENTLY build waits and while the old index's DROP waits for its lock: the next
 * apply finishes the job; the same on a plain table, while the temporary index's build waits and while
 * the old one's DROP INDEX CONCURRENTLY waits. (Every state a kill can leave is also planned directly
 * in test/integration/plan/redefine.test.ts.) Run on PostgreSQL 18 and 15.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli, startCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-redefine-'));
  await db.query('create table other as select g as a from generate_series(1, 10) g');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A partitioned table `t` (partitions t1, t2) with `t_named` on (a), and a plan that redefines it on (b). */
async function table(t: string): Promise<string> {
  await db.query(`create table ${t} (k int not null, a int, b int) partition by list (k)`);
  for (const k of [1, 2]) await db.query(`create table ${t}${k} partition of ${t} for values in (${k})`);
  await db.query(`insert into ${t} select g % 2 + 1, g, g from generate_series(1, 400) g`);
  await db.query(`create index ${t}_named on ${t} (a)`);
  await db.query(`analyze ${t}`);
  const file = `${t}.yaml`;
  writeFileSync(join(dir, file), ['version: 1', 'lock_timeout: 0', 'tables:', `  - name: ${t}`, '    indexes:', '      - columns: [b]', `        name: ${t}_named`, ''].join('\n'));
  return file;
}

/** Every index of the table and its partitions, with validity and what it is attached to. */
async function indexes(t: string): Promise<string[]> {
  const { rows } = await db.query<{ line: string }>(
    `select i.indexrelid::regclass::text || ' ' || regexp_replace(pg_get_indexdef(i.indexrelid), '^.* USING ', '')
            || case when i.indisvalid then '' else ' INVALID' end
            || coalesce(' -> ' || (select inhparent::regclass::text from pg_inherits where inhrelid = i.indexrelid), '') as line
       from pg_index i where i.indrelid in (select oid from pg_class where relname::text in ($1::text, $1::text || '1', $1::text || '2')) order by 1`,
    [t],
  );
  return rows.map((r) => r.line);
}

/** What a finished redefinition leaves: the new definition under the name, every partition's attached and valid. */
async function assertRedefined(t: string): Promise<void> {
  const ix = await indexes(t);
  assert.deepEqual(ix.filter((l) => l.startsWith(`${t}_named`)), [`${t}_named btree (b)`]);
  assert.equal(ix.filter((l) => l.endsWith(` -> ${t}_named`) && l.includes('btree (b)')).length, 2, ix.join('\n'));
  assert.deepEqual(ix.filter((l) => / INVALID|pgindex_new|btree \(a\)/.test(l)), [], ix.join('\n'));
  const again = await runCli(['plan', `${t}.yaml`, '-d', db.url, '--detailed-exitcode'], { cwd: dir });
  assert.equal(again.code, 0, `nothing left to do:\n${again.out}${again.err}`);
}

/** Polls `sql` (one boolean column `ok`) until it holds, for up to 20 s. */
async function until(sql: string, what: string, child: { err: () => string }): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { rows } = await db.query<{ ok: boolean }>(sql);
    if (rows[0]?.ok) return;
    if (Date.now() > deadline) assert.fail(`${what}; pgindex stderr:\n${child.err()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** SIGKILL pgindex, then end its server sessions as a crash of its host would: no cleanup of any kind. */
async function crash(child: ReturnType<typeof startCli>): Promise<void> {
  child.kill('SIGKILL');
  await child.exited;
  await db.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name like 'pgindex/%' and datname = current_database()");
  await until(
    "select count(*) = 0 as ok from pg_stat_activity where application_name like 'pgindex/%' and datname = current_database()",
    "pgindex's sessions end",
    child,
  );
}

test('apply: refused without --allow-drop, nothing changed; with it, the partitioned index redefined through the runner', async () => {
  const file = await table('ra');
  const before = await indexes('ra');
  const refused = await runCli(['apply', file, '-d', db.url, '-y'], { cwd: dir });
  assert.equal(refused.code, 1, refused.out + refused.err);
  assert.match(refused.err, /^ {2}DROP public\.ra_named on public\.ra \(not CONCURRENTLY: ACCESS EXCLUSIVE lock\)$/m);
  assert.deepEqual(await indexes('ra'), before, 'nothing was run');
  const r = await runCli(['apply', file, '-d', db.url, '-y', '--allow-drop'], { cwd: dir });
  assert.equal(r.code, 0, r.out + r.err);
  // The summary (one record per statement, as the names are long) says what the DROP and the rename did.
  assert.match(r.out, /^public\.ra_named\n {2}public\.ra · btree · \S+ · dropped$/m);
  assert.match(r.out, /^public\.ra_named\n {2}public\.ra · btree · \S+ · renamed$/m);
  await assertRedefined('ra');
});

test("SIGKILL while a partition's CONCURRENTLY build waits: the next apply completes the temporary index, drops the old one, renames", async () => {
  const file = await table('rb');
  // An old snapshot on another table: each partition's CONCURRENTLY build waits for it in its last phase.
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  const child = startCli(['apply', file, '-d', db.url, '-y', '--allow-drop'], dir);
  try {
    await holder.query('begin isolation level repeatable read');
    await holder.query('select count(*) from other');
    await until(
      `select count(*) > 0 as ok from pg_stat_progress_create_index p join pg_stat_activity a using (pid)
        where a.application_name like 'pgindex/%' and a.datname = current_database() and p.phase like 'waiting for old snapshots%'`,
      'a partition build waits for the old snapshot',
      child,
    );
    await crash(child);
  } finally {
    await holder.query('rollback');
    await holder.end();
  }
  const left = await indexes('rb');
  assert.ok(left.some((l) => l === 'rb_named_pgindex_new btree (b) INVALID'), `the temporary parent is left INVALID:\n${left.join('\n')}`);
  assert.ok(left.some((l) => l.startsWith('rb_named btree (a)')), 'the old index is still there');
  assert.ok(left.some((l) => l.includes('btree (b) INVALID') && !l.startsWith('rb_named')), `a partition's build is left INVALID:\n${left.join('\n')}`);

  const plan = await runCli(['plan', file, '-d', db.url], { cwd: dir });
  assert.equal(plan.code, 0, plan.err);
  assert.match(plan.out, /^DROP INDEX CONCURRENTLY IF EXISTS public\.rb\d_b_btree_idx;$/m, 'the INVALID partition build is dropped and built again');
  assert.doesNotMatch(plan.out, /ON ONLY/, 'the temporary parent is completed, not created again');
  const r = await runCli(['apply', file, '-d', db.url, '-y', '--allow-drop'], { cwd: dir });
  assert.equal(r.code, 0, r.out + r.err);
  await assertRedefined('rb');
});

test("SIGKILL while the old index's DROP waits for its lock: the next apply drops it and renames", async () => {
  const file = await table('rc');
  // ACCESS SHARE on a partition, with no snapshot held (READ COMMITTED, idle in transaction): the
  // builds and ATTACHes pass, the DROP's ACCESS EXCLUSIVE waits.
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  const child = startCli(['apply', file, '-d', db.url, '-y', '--allow-drop'], dir);
  try {
    await holder.query('begin');
    await holder.query('lock table rc1 in access share mode');
    await until(
      `select count(*) > 0 as ok from pg_locks l join pg_stat_activity a using (pid)
        where not l.granted and l.mode = 'AccessExclusiveLock' and a.application_name like 'pgindex/%' and a.datname = current_database()
          and a.query like 'DROP INDEX IF EXISTS public.rc_named%'`,
      "the old index's DROP waits for its lock",
      child,
    );
    await crash(child);
  } finally {
    await holder.query('rollback');
    await holder.end();
  }
  const left = await indexes('rc');
  assert.ok(left.includes('rc_named_pgindex_new btree (b)'), `the temporary index is complete and valid:\n${left.join('\n')}`);
  assert.ok(left.includes('rc_named btree (a)'), 'the old index is still there');

  const plan = await runCli(['plan', file, '-d', db.url], { cwd: dir });
  assert.equal(plan.code, 0, plan.err);
  assert.deepEqual(
    plan.out.split('\n').filter((l) => /^(CREATE|DROP|ALTER)/.test(l)),
    ['DROP INDEX IF EXISTS public.rc_named;', 'ALTER INDEX public.rc_named_pgindex_new RENAME TO rc_named;'],
  );
  const r = await runCli(['apply', file, '-d', db.url, '-y', '--allow-drop'], { cwd: dir });
  assert.equal(r.code, 0, r.out + r.err);
  await assertRedefined('rc');
});

/** A plain table `t` with `t_named` on (a), and the plan that redefines it on (b). */
async function plainTable(t: string): Promise<string> {
  await db.query(`create table ${t} (a int, b int)`);
  await db.query(`insert into ${t} select g, g from generate_series(1, 400) g`);
  await db.query(`create index ${t}_named on ${t} (a)`);
  await db.query(`analyze ${t}`);
  const file = `${t}.yaml`;
  writeFileSync(join(dir, file), ['version: 1', 'lock_timeout: 0', 'tables:', `  - name: ${t}`, '    indexes:', '      - columns: [b]', `        name: ${t}_named`, ''].join('\n'));
  return file;
}

async function plainIndexes(t: string): Promise<string[]> {
  const { rows } = await db.query<{ line: string }>(
    `select indexrelid::regclass::text || ' ' || regexp_replace(pg_get_indexdef(indexrelid), '^.* USING ', '') || case when indisvalid then '' else ' INVALID' end as line
       from pg_index where indrelid = $1::regclass order by 1`,
    [t],
  );
  return rows.map((r) => r.line);
}

/** SIGKILLs apply once `waiting` holds while `holder` (set up by `hold`) is in its way; then applies again. */
async function killAndFinish(t: string, file: string, hold: (c: pg.Client) => Promise<void>, waiting: string, what: string): Promise<string[]> {
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  const child = startCli(['apply', file, '-d', db.url, '-y', '--allow-drop'], dir);
  try {
    await hold(holder);
    await until(waiting, what, child);
    await crash(child);
  } finally {
    await holder.query('rollback');
    await holder.end();
  }
  const left = await plainIndexes(t);
  const r = await runCli(['apply', file, '-d', db.url, '-y', '--allow-drop'], { cwd: dir });
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(await plainIndexes(t), [`${t}_named btree (b)`]);
  const again = await runCli(['plan', file, '-d', db.url, '--detailed-exitcode'], { cwd: dir });
  assert.equal(again.code, 0, `nothing left to do:\n${again.out}${again.err}`);
  return left;
}

test("plain table: SIGKILL while the temporary index's CONCURRENTLY build waits: the next apply builds it again, drops the old one, renames", async () => {
  const file = await plainTable('rd');
  const left = await killAndFinish(
    'rd',
    file,
    async (h) => {
      await h.query('begin isolation level repeatable read');
      await h.query('select count(*) from other');
    },
    `select count(*) > 0 as ok from pg_stat_progress_create_index p join pg_stat_activity a using (pid)
      where a.application_name like 'pgindex/%' and a.datname = current_database() and p.phase like 'waiting for old snapshots%'`,
    'the build waits for the old snapshot',
  );
  assert.deepEqual(left, ['rd_named btree (a)', 'rd_named_pgindex_new btree (b) INVALID']);
});

test("plain table: SIGKILL while the old index's DROP INDEX CONCURRENTLY waits: the next apply drops it and renames", async () => {
  const file = await plainTable('re');
  const left = await killAndFinish(
    're',
    file,
    async (h) => {
      await h.query('begin');
      await h.query('lock table re in access share mode');
    },
    `select count(*) > 0 as ok from pg_stat_activity a
      where a.application_name like 'pgindex/%' and a.datname = current_database() and a.wait_event_type = 'Lock'
        and a.query like 'DROP INDEX CONCURRENTLY IF EXISTS public.re_named%'`,
    "the old index's DROP waits for the lock holder",
  );
  // The old index is still there, valid or (the DROP's first phase done) INVALID; the new one is valid.
  assert.ok(left.includes('re_named_pgindex_new btree (b)'), left.join('\n'));
  assert.ok(left.includes('re_named btree (a)') || left.includes('re_named btree (a) INVALID'), left.join('\n'));
});
