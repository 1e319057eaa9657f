/**
 * `pgindex run` on a pg_dump post-data section, end to end on a real server: the same tables and
 * data restored twice, the post-data section run by pgindex in one and by pg_restore (or psql, the
 * way pg_restore runs a plain script) in the other, and the two end states compared.
 *
 * With a pg_dump of the server's major version on this machine (Debian's 15 for PostgreSQL 15) the
 * section is what that pg_dump writes now and the comparison is `pg_dump --schema-only`; without one
 * (the embedded PostgreSQL 18 ships no pg_dump, and pg_dump refuses a newer server) it is the
 * section pg_dump 15.20 wrote for the same schema (test/fixtures/post-data/pg_dump-15.sql), run by
 * psql. Both compare the catalog: every index, constraint, trigger, rule, policy, statistics object,
 * publication table and comment, with its validity.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';
import { STATEMENT_LOCKS } from '../../../src/pg/locks.js';

const exec = promisify(execFile);
const FIXTURES = resolve('test/fixtures/post-data');

let dir: string;
const dbs: TestDatabase[] = [];
let major: number;

/** A client program of the server's major version, or null. */
function sameMajor(program: string): string | null {
  const path = `/usr/lib/postgresql/${major}/bin/${program}`;
  return existsSync(path) ? path : null;
}

/** Any psql: it talks to newer servers too. */
function anyPsql(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  for (const v of readdirSync(root).sort().reverse()) {
    const path = join(root, v, 'bin', 'psql');
    if (existsSync(path)) return path;
  }
  return null;
}

async function fresh(): Promise<TestDatabase> {
  const db = await testDatabase('pgindex_post');
  dbs.push(db);
  return db;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pgindex-post-data-'));
  const probe = await fresh();
  const { rows } = await probe.query<{ v: string }>('show server_version_num');
  major = Math.floor(Number(rows[0]?.v) / 10000);
});
after(async () => {
  for (const db of dbs) await db.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Everything post-data creates, with its state, as rows of text: equal catalogs give equal lists. */
async function catalog(db: TestDatabase): Promise<string[]> {
  const queries = [
    `select 'index', c.relname, pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisready, i.indisprimary, i.indimmediate, i.indisclustered, i.indisreplident, obj_description(i.indexrelid, 'pg_class')
       from pg_index i join pg_class c on c.oid = i.indexrelid where c.relnamespace = 'public'::regnamespace`,
    `select 'constraint', conrelid::regclass, conname, pg_get_constraintdef(oid), convalidated, conindid::regclass, obj_description(oid, 'pg_constraint')
       from pg_constraint where connamespace = 'public'::regnamespace`,
    `select 'attached', inhrelid::regclass, inhparent::regclass from pg_inherits i join pg_class c on c.oid = i.inhrelid where c.relkind in ('i', 'I')`,
    `select 'trigger', tgname, pg_get_triggerdef(t.oid), tgenabled, obj_description(t.oid, 'pg_trigger') from pg_trigger t where not tgisinternal`,
    `select 'rule', tablename, rulename, definition from pg_rules where schemaname = 'public'`,
    `select 'policy', tablename, policyname, qual from pg_policies`,
    `select 'table', relname, relrowsecurity, relforcerowsecurity, relreplident, relispopulated from pg_class where relnamespace = 'public'::regnamespace and relkind in ('r', 'p', 'm')`,
    `select 'column', attrelid::regclass, attname, attnotnull from pg_attribute a join pg_class c on c.oid = a.attrelid where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and attnum > 0`,
    `select 'statistics', stxname, pg_get_statisticsobjdef(oid) from pg_statistic_ext`,
    `select 'publication', pubname, schemaname, tablename from pg_publication_tables`,
  ];
  const out: string[] = [];
  for (const q of queries) {
    const { rows } = await db.query(q);
    out.push(...rows.map((r) => JSON.stringify(Object.values(r))));
  }
  return out.sort();
}

async function problems(db: TestDatabase): Promise<{ notValid: string[]; invalid: string[] }> {
  const nv = await db.query<{ n: string }>(`select conname as n from pg_constraint where not convalidated and connamespace = 'public'::regnamespace order by 1`);
  const inv = await db.query<{ n: string }>(`select indexrelid::regclass::text as n from pg_index where not indisvalid order by 1`);
  return { notValid: nv.rows.map((r) => r.n), invalid: inv.rows.map((r) => r.n) };
}

async function restoreTwins(): Promise<{ file: string; ours: TestDatabase; theirs: TestDatabase; schemaDump: ((db: TestDatabase) => Promise<string>) | null }> {
  const tables = readFileSync(join(FIXTURES, 'tables.sql'), 'utf8');
  const pgDump = sameMajor('pg_dump');
  const pgRestore = sameMajor('pg_restore');
  const ours = await fresh();
  const theirs = await fresh();
  if (pgDump && pgRestore) {
    const source = await fresh();
    await source.query(tables);
    await source.query("set client_min_messages = error; " + readFileSync(join(FIXTURES, 'post.sql'), 'utf8'));
    const dump = join(dir, 'source.dump');
    await exec(pgDump, ['-Fc', '-f', dump, source.url]);
    for (const db of [ours, theirs]) await exec(pgRestore, ['--section=pre-data', '--section=data', '--exit-on-error', '-d', db.url, dump]);
    const file = join(dir, 'post.sql');
    await exec(pgRestore, ['--section=post-data', '-f', file, dump]);
    assert.match(readFileSync(file, 'utf8'), /SELECT pg_catalog\.set_config\('search_path', '', false\);/);
    const run = await runCli(['run', '-y', '-j', '2', '-d', ours.url, file]);
    assert.equal(run.code, 0, run.err + run.out);
    await exec(pgRestore, ['--section=post-data', '--exit-on-error', '-d', theirs.url, dump]);
    const schemaDump = async (db: TestDatabase) => (await exec(pgDump, ['--schema-only', db.url], { maxBuffer: 1 << 26 })).stdout.replace(/^\\(un)?restrict .*$/gm, '');
    return { file, ours, theirs, schemaDump };
  }
  // No pg_dump for this server: the section pg_dump 15 wrote for the same schema, as psql runs it.
  for (const db of [ours, theirs]) await db.query(tables);
  const file = join(FIXTURES, 'pg_dump-15.sql');
  const run = await runCli(['run', '-y', '-j', '2', '-d', ours.url, file]);
  assert.equal(run.code, 0, run.err + run.out);
  const psql = anyPsql();
  assert.ok(psql, 'psql (any version) is needed to run the reference restore');
  await exec(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file, theirs.url]);
  return { file, ours, theirs, schemaDump: null };
}

test('a pg_dump post-data section runs to the same end state as pg_restore: same schema, nothing NOT VALID or INVALID that was not so', async () => {
  const { ours, theirs, schemaDump } = await restoreTwins();
  assert.deepEqual(await catalog(ours), await catalog(theirs));
  if (schemaDump) assert.equal(await schemaDump(ours), await schemaDump(theirs));
  // Only the constraints the source has NOT VALID are so.
  assert.deepEqual(await problems(ours), { notValid: ['ck_v_check', 'item_acct_fk'], invalid: [] });
  // The keys were built as unique indexes and attached: they are constraint indexes all the same.
  const { rows } = await ours.query<{ n: string }>(
    `select conname as n from pg_constraint c join pg_depend d on d.objid = c.conindid and d.refobjid = c.oid and d.deptype = 'i' where c.contype in ('p', 'u') order by 1`,
  );
  assert.deepEqual(
    rows.map((r) => r.n),
    ['acct_email_key', 'acct_pkey', 'item_pkey', 'item_sku_key', 'meas_eu_pkey', 'meas_pkey', 'meas_us_pkey', 'ord_pkey'],
  );
});

test('a failed statement: FILE:LINE:COL with the server message and detail; its dependents skipped and listed; the rest goes on; exit 1', async () => {
  const db = await fresh();
  await db.query(`create table p (id int not null, code text); insert into p select g, (g % 10)::text from generate_series(1, 1000) g;
                  create table c (id int not null, p_id int); insert into c select g, g from generate_series(1, 1000) g`);
  const file = join(dir, 'fail.sql');
  writeFileSync(
    file,
    [
      '\\restrict abc',
      "SELECT pg_catalog.set_config('search_path', '', false);",
      '',
      'ALTER TABLE ONLY public.p',
      '    ADD CONSTRAINT p_code_key UNIQUE (code);',
      "COMMENT ON CONSTRAINT p_code_key ON public.p IS 'never';",
      'ALTER TABLE ONLY public.p',
      '    ADD CONSTRAINT p_pkey PRIMARY KEY (id);',
      'CREATE INDEX c_p ON public.c USING btree (p_id);',
      'ALTER TABLE ONLY public.c',
      '    ADD CONSTRAINT c_fk FOREIGN KEY (p_id) REFERENCES public.p(id);',
      '',
      '\\unrestrict abc',
      '',
    ].join('\n'),
  );
  const run = await runCli(['run', '-y', '-j', '2', '-d', db.url, file]);
  assert.equal(run.code, 1, run.err + run.out);
  assert.match(run.err, /fail\.sql:4:1: ERROR 23505: could not create unique index "p_code_key"/);
  assert.match(run.err, /Key \(code\)=\(\d\) is duplicated/);
  assert.match(run.out, /skipped/);
  assert.match(run.out, /fail\.sql:6:1/);
  // The foreign key references p_pkey, not the failed key: it was built and validated.
  const { rows } = await db.query<{ n: string; v: boolean }>(`select conname as n, convalidated as v from pg_constraint where conrelid in ('public.p'::regclass, 'public.c'::regclass) and contype in ('p', 'u', 'f') order by 1`);
  assert.deepEqual(
    rows.map((r) => [r.n, r.v]),
    [
      ['c_fk', true],
      ['p_pkey', true],
    ],
  );
  assert.deepEqual(await problems(db), { notValid: [], invalid: [] });
  const comment = await db.query<{ n: number }>(`select count(*)::int as n from pg_description where description = 'never'`);
  assert.equal(comment.rows[0]?.n, 0);
});

test('a SET further down applies to the statements after it, whichever session runs them', async () => {
  const db = await fresh();
  await db.query(`create schema a; create schema b;
                  create table a.t as select g as x from generate_series(1, 20000) g;
                  create table b.t as select g as x from generate_series(1, 20000) g`);
  const file = join(dir, 'paths.sql');
  writeFileSync(
    file,
    ['SET search_path = a;', 'create index t_x1 on t (x);', 'SET search_path = b;', 'create index t_x2 on t (x);', 'create index t_x3 on t ((x + 1));', 'SET search_path = a;', 'create index t_x4 on t ((x * 2));', ''].join('\n'),
  );
  const run = await runCli(['run', '-y', '-j', '2', '-d', db.url, file]);
  assert.equal(run.code, 0, run.err + run.out);
  const { rows } = await db.query<{ n: string }>(`select indexrelid::regclass::text as n from pg_index i join pg_class c on c.oid = i.indrelid where c.relname = 't' order by 1`);
  assert.deepEqual(
    rows.map((r) => r.n),
    ['a.t_x1', 'a.t_x4', 'b.t_x2', 'b.t_x3'],
  );
});

test('REINDEX CONCURRENTLY and DROP INDEX CONCURRENTLY of one table never run at once; a failed REINDEX CONCURRENTLY leaves no _ccnew behind', async () => {
  const db = await fresh();
  await db.query(`create function slow(i int) returns int language plpgsql immutable as $$ begin perform pg_sleep(0.002); return i; end $$;
                  create table t as select g as a, g as b from generate_series(1, 300) g;
                  create index t_slow on t (slow(a)); create index t_b on t (b); create index t_a on t (a)`);
  const both = join(dir, 'reindex.sql');
  writeFileSync(both, 'REINDEX INDEX CONCURRENTLY public.t_slow;\nDROP INDEX CONCURRENTLY public.t_b;\nREINDEX TABLE CONCURRENTLY public.t;\n');
  const ok = await runCli(['run', '-y', '-j', '3', '-d', db.url, both]);
  assert.equal(ok.code, 0, ok.err + ok.out);
  // The second and third waited for the table (an idle session says why) instead of deadlocking on the server.
  assert.match(ok.out, /public\.t is busy with/);
  const failing = join(dir, 'reindex-fails.sql');
  writeFileSync(failing, 'REINDEX INDEX CONCURRENTLY public.t_slow;\n');
  const failed = await runCli(['run', '-y', '--statement-timeout', '200ms', '-d', db.url, failing]);
  assert.equal(failed.code, 1, failed.err + failed.out);
  assert.match(failed.err, /reindex-fails\.sql:1:1: ERROR 57014: canceling statement due to statement timeout/);
  const { rows } = await db.query<{ n: string; v: boolean }>(`select c.relname as n, i.indisvalid as v from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid = 'public.t'::regclass order by 1`);
  assert.deepEqual(
    rows.map((r) => [r.n, r.v]),
    [
      ['t_a', true],
      ['t_slow', true],
    ],
  );
});

test('CREATE PUBLICATION … FOR TABLE takes its table\'s lock as the server does; what names the publication waits for it', async () => {
  const db = await fresh();
  await db.query(`create table t (id int not null, x int); insert into t select g, g from generate_series(1, 20000) g;
                  create table u (id int not null); insert into u select generate_series(1, 20000)`);
  // The lock the step is scheduled with is the one the server takes.
  await db.query('set client_min_messages = error');
  await db.query('begin');
  await db.query('create publication lock_probe for table t');
  const { rows: locks } = await db.query<{ mode: string }>(`select mode from pg_locks where relation = 't'::regclass and pid = pg_backend_pid() and granted`);
  await db.query('rollback');
  assert.deepEqual(locks.map((r) => r.mode), [STATEMENT_LOCKS.publicationTable]);

  const file = join(dir, 'publication.sql');
  writeFileSync(
    file,
    ['create publication p1 for table t;', "comment on publication p1 is 'first';", 'create index u_id on u (id);', 'alter publication p1 add table u;', 'create index t_x on t (x);', ''].join('\n'),
  );
  const run = await runCli(['run', '-y', '-j', '2', '-d', db.url, file]);
  assert.equal(run.code, 0, run.err + run.out);
  const { rows: tables } = await db.query<{ tablename: string }>(`select tablename from pg_publication_tables where pubname = 'p1' order by 1`);
  assert.deepEqual(tables.map((r) => r.tablename), ['t', 'u']);
  const { rows: comment } = await db.query<{ c: string }>(`select obj_description(oid, 'pg_publication') as c from pg_publication where pubname = 'p1'`);
  assert.deepEqual(comment.map((r) => r.c), ['first']);
});
