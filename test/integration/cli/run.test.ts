/**
 * `pgindex run` end to end: in-process through main() for output and exit codes, and as a child
 * process for SIGINT.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { main } from '../../../src/cli/main.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { capture, CLI_PATH } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;
const cli = CLI_PATH;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-run-'));
  await db.query(`create function slow(i int) returns int language plpgsql immutable as $$
    begin perform pg_sleep(0.002); return i; end $$`);
  await db.query('create table t1 as select g as a, g::text as b from generate_series(1, 100) g');
  await db.query('create table t2 as select g as a from generate_series(1, 100) g');
  await db.query('create table long as select g as a from generate_series(1, 5000) g');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function sqlFile(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

async function invalidIndexes(): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('select indexrelid::regclass::text as name from pg_index where not indisvalid');
  return rows.map((r) => r.name);
}

test('run splits a tricky file and runs every statement in parallel: exit 0, a summary, valid indexes', async () => {
  const file = sqlFile(
    'ok.sql',
    `-- session settings for every session
SET search_path = public;
create index concurrently t1_a on t1 (slow(a));
create index concurrently t1_b on t1 (b);   -- same table: not at the same time as t1_a
create index t2_a on t2 (slow(a));
do $body$ begin perform 'a;b'; end $body$;
create function "f;x"() returns text language sql as $$ select 'it''s; done' $$;
`,
  );
  const c = capture({ cwd: dir });
  const code = await main(['run', '-j', '3', '-d', db.url, file], c.io);
  assert.equal(code, 0, c.err());
  assert.match(c.out(), /run \w+: 5 statements on 3 sessions/);
  assert.match(c.out(), /done\s+t1_a/);
  assert.match(c.out(), /index\s+table\s+method\s+duration\s+size\s+status/);
  assert.match(c.out(), /5 done, 0 skipped, 0 failed, 0 cancelled of 5/);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_index where indexrelid::regclass::text in ('t1_a', 't1_b', 't2_a') and indisvalid");
  assert.equal(rows[0]?.n, 3);
  const f = await db.query<{ v: string }>('select "f;x"() as v');
  assert.equal(f.rows[0]?.v, "it's; done");
});

test('a failing statement shows FILE:LINE:COL, the SQL with a caret and the hint; the others still run; exit 1', async () => {
  const file = sqlFile('bad.sql', 'create index t2_plain on t2 (a);\n\nselect\n  nosuch_column\nfrom t2;\n');
  const c = capture({ cwd: dir });
  const code = await main(['run', '-d', db.url, file], c.io);
  assert.equal(code, 1);
  assert.match(c.err(), /bad\.sql:4:3: ERROR 42703: column "nosuch_column" does not exist/);
  assert.match(c.err(), /\n {2}select\n {4}nosuch_column\n {4}\^/);
  assert.match(c.out(), /1 done, 0 skipped, 1 failed/);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_class where relname = 't2_plain'");
  assert.equal(rows[0]?.n, 1);
});

test('--json prints one event per line, ending with the summary', async () => {
  const c = capture({ cwd: dir, stdin: 'create index t2_json on t2 (a);\nselect pg_sleep(0.01);\n' });
  const code = await main(['run', '--json', '-d', db.url, '-'], c.io);
  assert.equal(code, 0, c.err());
  const events = c
    .out()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; time: string; stepId?: string });
  assert.equal(events[0]?.type, 'begin');
  assert.equal(events.at(-1)?.type, 'summary');
  assert.deepEqual(events.filter((e) => e.type === 'done').map((e) => e.stepId).sort(), ['s1', 's2']);
  assert.ok(events.every((e) => !Number.isNaN(Date.parse(e.time))));
});

test('psql meta-commands and a late SET LOCAL are refused before anything runs', async () => {
  const file = sqlFile('meta.sql', 'create index t2_never on t2 (a);\n\\gset\nset work_mem = 1;\n');
  const c = capture({ cwd: dir });
  const code = await main(['run', '-d', db.url, file], c.io);
  assert.equal(code, 1);
  assert.match(c.err(), /meta\.sql:2:1: psql meta-command \\gset cannot be run by pgindex run/);
  const d = capture({ cwd: dir });
  assert.equal(await main(['run', '-d', db.url, sqlFile('late.sql', 'create index t2_never on t2 (a);\nset local work_mem = 1;')], d.io), 1);
  assert.match(d.err(), /late\.sql:2:1: SET LOCAL has no effect outside a transaction block/);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_class where relname = 't2_never'");
  assert.equal(rows[0]?.n, 0);
});

test('a wrong password is reported at once, clearly and without the password', async () => {
  const url = new URL(db.url);
  url.password = 'not-the-password';
  const c = capture({ cwd: dir });
  const code = await main(['run', '-d', url.toString(), sqlFile('one.sql', 'select 1')], c.io);
  assert.equal(code, 1);
  assert.match(c.err(), /cannot connect to postgres@127\.0\.0\.1:\d+\/\w+: password authentication failed/);
  assert.ok(!c.err().includes('not-the-password'));
});

test('leading SETs reach every session; an unnamed CONCURRENTLY build terminated mid-build is cleaned up and retried', async () => {
  await db.query('create schema app');
  await db.query('create table app.victim2 as select g as a from generate_series(1, 500) g');
  await db.query('create table app.other2 as select g as a from generate_series(1, 100) g');
  const file = sqlFile('app.sql', 'set search_path = app, public;\ncreate index concurrently on victim2 (slow(a));\ncreate index on other2 (a);\n');
  const c = capture({ cwd: dir });
  const running = main(['run', '-j', '2', '-d', db.url, file], c.io);
  let pid: number | undefined;
  const until = Date.now() + 15_000;
  while (pid === undefined && Date.now() < until) {
    const { rows } = await db.query<{ pid: number }>(
      `select p.pid from pg_stat_progress_create_index p join pg_stat_activity a using (pid)
        where a.application_name like 'pgindex/%' and a.datname = current_database() and p.phase like 'building index%' and p.relid = 'app.victim2'::regclass`,
    );
    pid = rows[0]?.pid;
    if (pid === undefined) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(pid !== undefined, 'the build was seen running');
  await db.query('select pg_terminate_backend($1)', [pid]);
  const code = await running;
  assert.equal(code, 0, c.err() + c.out());
  assert.match(c.out(), /retry\s+app\.sql:2:1: 57P01/);
  assert.match(c.out(), /cleanup\s+dropped INVALID index app\.victim2_slow_idx/);
  assert.match(c.out(), /2 done, 0 skipped, 0 failed, 0 cancelled of 2/);
  assert.deepEqual(await invalidIndexes(), []);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_indexes where schemaname = 'app'");
  assert.equal(rows[0]?.n, 2);
});

test('SIGINT during a long build cancels it on the server, leaves no INVALID index, prints the summary, exits 130', async () => {
  const file = sqlFile('long.sql', 'create index concurrently long_slow on long (slow(a));\ncreate index concurrently t1_later on t1 (a);\n');
  const child = spawn(process.execPath, [cli, 'run', '--json', '-j', '1', '-d', db.url, join(dir, file)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let signalled = false;
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    // Interrupt once the server reports the build scanning the table (the INVALID index exists then).
    if (!signalled && /"type":"progress"[^\n]*"phase":"building index/.test(out)) {
      signalled = true;
      child.kill('SIGINT');
    }
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  assert.ok(signalled, `the build was seen running; stderr: ${err}`);
  assert.equal(code, 130, err);
  const summary = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { type?: string; interrupted?: boolean; cancelled?: number };
  assert.deepEqual([summary.type, summary.interrupted, summary.cancelled], ["summary", true, 2], out);
  assert.match(err, /SIGINT: cancelling running statements/);
  assert.deepEqual(await invalidIndexes(), []);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_class where relname in ('long_slow', 't1_later')");
  assert.equal(rows[0]?.n, 0);
});

test('a file that cannot be read, and a leading SET the server refuses, are reported with the file and place', async () => {
  const c = capture({ cwd: dir });
  assert.equal(await main(['run', '-d', db.url, 'nosuch.sql'], c.io), 1);
  assert.equal(c.err(), 'pgindex run: cannot read nosuch.sql: no such file\n');
  const d = capture({ cwd: dir });
  const file = sqlFile('badset.sql', "-- settings\n\nset lock_timeout = 'soon';\ncreate index t2_never2 on t2 (a);\n");
  assert.equal(await main(['run', '-d', db.url, file], d.io), 1);
  assert.match(d.err(), /^pgindex run: badset\.sql:3:1: ERROR 22023: invalid value for parameter "lock_timeout": "soon"\n {2}set lock_timeout = 'soon'\n/);
  assert.doesNotMatch(d.err(), /internal error/);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_class where relname = 't2_never2'");
  assert.equal(rows[0]?.n, 0);
});

/** Runs the CLI as a child process; `onOut` sees stdout as it grows. */
function spawnCli(args: string[], onOut: (out: string) => void = () => undefined) {
  const child = spawn(process.execPath, [cli, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const io = { out: '', err: '', summaryAt: 0 };
  child.stdout.on('data', (c: Buffer) => {
    io.out += c.toString();
    if (!io.summaryAt && /"type":"summary"/.test(io.out)) io.summaryAt = Date.now();
    onOut(io.out);
  });
  child.stderr.on('data', (c: Buffer) => (io.err += c.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: Date.now() })));
  return { child, io, exited };
}

// Other test files run at the same time on the same server, with pgindex sessions of their own: every
// look at pg_stat_activity is limited to this file's database.
async function poll<T>(what: string, check: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await check();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('losing the control connection mid-run: every statement still succeeds once, and the process exits right after the summary', async () => {
  const file = sqlFile(
    'ctl.sql',
    'create index concurrently ctl_1 on long (slow(a));\ncreate index concurrently ctl_2 on t1 (slow(a));\ncreate index concurrently ctl_3 on t2 (slow(a));\n',
  );
  const run = spawnCli(['run', '--json', '-j', '2', '-d', db.url, join(dir, file)]);
  const killed = await poll('the control connection while a build runs', async () => {
    const { rows } = await db.query<{ pid: number }>(
      `select c.pid from pg_stat_activity c
        where c.application_name like 'pgindex/%/control' and c.datname = current_database()
          and exists (select 1 from pg_stat_progress_create_index p join pg_stat_activity a using (pid)
                       where a.application_name like 'pgindex/%' and a.datname = current_database())`,
    );
    return rows[0]?.pid;
  });
  await db.query('select pg_terminate_backend($1)', [killed]);
  const { code, at } = await run.exited;
  assert.equal(code, 0, run.io.err + run.io.out);
  const summary = JSON.parse(run.io.out.trim().split('\n').at(-1) ?? '{}') as { type?: string; done?: number };
  assert.deepEqual([summary.type, summary.done], ['summary', 3]);
  assert.doesNotMatch(run.io.out, /"type":"(retry|failed)"/);
  assert.ok(at - run.io.summaryAt < 2000, `exited ${at - run.io.summaryAt}ms after the summary`);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where application_name like 'pgindex/%' and datname = current_database()");
  assert.equal(rows[0]?.n, 0, 'no connection left behind');
  await db.query('drop index ctl_1, ctl_2, ctl_3');
});

test('a second SIGINT while a cleanup waits on an old transaction cancels it on the server and exits at once', async () => {
  const writer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  try {
    await writer.query('begin');
    await writer.query('insert into t2 values (0)');
    const file = sqlFile('twice.sql', 'create index concurrently t2_twice on t2 (a);\n');
    const run = spawnCli(['run', '--json', '-d', db.url, join(dir, file)]);
    await poll('the build to wait for the writer', async () => {
      const { rows } = await db.query(
        `select 1 from pg_stat_progress_create_index p join pg_stat_activity a using (pid)
          where a.application_name like 'pgindex/%' and a.datname = current_database() and p.phase like 'waiting for writers%'`,
      );
      return rows[0];
    });
    run.child.kill('SIGINT');
    await poll('the cleanup DROP to wait for the writer', async () => {
      const { rows } = await db.query(
        "select 1 from pg_stat_activity where application_name like 'pgindex/%' and datname = current_database() and state = 'active' and query like 'DROP INDEX CONCURRENTLY%'",
      );
      return rows[0];
    });
    const second = Date.now();
    run.child.kill('SIGINT');
    const { code, at } = await run.exited;
    assert.equal(code, 130, run.io.err);
    assert.ok(at - second < 1500, `exited ${at - second}ms after the second SIGINT`);
    assert.match(run.io.err, /SIGINT again: cancelling on the server and exiting now/);
    const busy = await db.query("select query from pg_stat_activity where application_name like 'pgindex/%' and datname = current_database() and state = 'active'");
    assert.deepEqual(busy.rows, [], 'nothing of the run still working on the server');
  } finally {
    await writer.query('rollback');
    await writer.end();
  }
  await db.query('drop index if exists t2_twice');
});
