/**
 * Asking before a run, end to end: the built CLI on a pseudo-terminal (test/support/pty.ts) against a
 * real server, the answer typed as a person would, and the catalog checked for what was (not) done.
 * Then the runs nobody is asked in (--yes, --json, no terminal), --echo and --quiet.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { startCli } from '../../support/cli.js';
import { KEYS, runOnTerminal } from '../../support/pty.js';

let db: TestDatabase;
let dir: string;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-confirm-'));
  await db.query(`create table orders as select g as id, (g % 7)::text as status, g % 500 as total from generate_series(1, 2000) g`);
  // An INVALID leftover under the name the plan gives status's index: a unique build that failed on duplicates.
  await db.query('create unique index concurrently orders_status_btree_idx on orders (status)').catch(() => undefined);
  for (const t of ['yes_t', 'json_t', 'pipe_t', 'echo_t', 'quiet_t', 'keep']) await db.query(`create table ${t} as select g as a, g % 10 as b from generate_series(1, 500) g`);
  await db.query('create table victim (a int)');
  await db.query('analyze');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

const ORDERS = `version: 1
tables:
  - name: orders
    columns: [status, total]
`;

/** A plan of one table's columns a and b. */
const planOf = (table: string) => `version: 1\ntables:\n  - name: ${table}\n    columns: [a, b]\n`;

/** The indexes of a table, with their validity, by name. */
async function indexesOf(table: string): Promise<Array<[string, boolean]>> {
  const { rows } = await db.query<{ name: string; valid: boolean }>(
    'select c.relname as name, i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid = $1::regclass order by 1',
    [table],
  );
  return rows.map((r) => [r.name, r.valid]);
}

/** Advisory locks held in this test's database (other test files run on the same server at once). */
async function advisoryLocks(): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
  );
  return rows[0]?.n ?? -1;
}

const LEFTOVER_ONLY: Array<[string, boolean]> = [['orders_status_btree_idx', false]];

test('on a terminal, apply shows the database, the statements, the tables and the DROP, and asks; n runs nothing and exits 1', async () => {
  assert.deepEqual(await indexesOf('orders'), LEFTOVER_ONLY);
  const r = await runOnTerminal(['apply', file('orders.yaml', ORDERS), '-d', db.url], { cwd: dir, answer: KEYS.no });
  assert.equal(r.code, 1, r.screen);
  assert.ok(r.asked, r.screen);
  const port = new URL(db.url).port;
  assert.match(r.screen, new RegExp(`pgindex apply will run 3 statements on postgres@127\\.0\\.0\\.1:${port}/${db.name}, up to 2 at a time:`));
  assert.match(r.screen, /build 2 indexes, all CONCURRENTLY/);
  assert.match(r.screen, /on 1 table: public\.orders/);
  assert.match(r.screen, /DROP INDEX CONCURRENTLY IF EXISTS public\.orders_status_btree_idx/);
  assert.match(r.screen, /replaced by: CREATE INDEX CONCURRENTLY orders_status_btree_idx ON public\.orders USING btree \(status\)/);
  // The key typed is echoed (readline may move the cursor to it first: \S*).
  assert.match(r.screen, /Proceed\? \[y\/N\] \S*n\r/);
  assert.match(r.screen, /pgindex apply: not confirmed: nothing was run/);
  assert.ok(!r.screen.includes(new URL(db.url).password), 'the password is never shown');
  // Nothing dropped, nothing built, and the run lock let go.
  assert.deepEqual(await indexesOf('orders'), LEFTOVER_ONLY);
  assert.equal(await advisoryLocks(), 0);
});

test('Ctrl-C at the question exits 130 with nothing done', async () => {
  const r = await runOnTerminal(['apply', 'orders.yaml', '-d', db.url], { cwd: dir, answer: KEYS.ctrlC });
  assert.equal(r.code, 130, r.screen);
  assert.ok(r.asked, r.screen);
  assert.match(r.screen, /pgindex apply: interrupted at the prompt: nothing was run/);
  assert.deepEqual(await indexesOf('orders'), LEFTOVER_ONLY);
  assert.equal(await advisoryLocks(), 0);
});

test('SIGTERM or SIGHUP (the terminal closed) at the question: 130, nothing done, the run lock let go', async () => {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    const r = await runOnTerminal(['apply', 'orders.yaml', '-d', db.url], { cwd: dir, signal });
    assert.equal(r.code, 130, `${signal}: ${r.screen}`);
    assert.ok(r.asked, r.screen);
    assert.match(r.screen, /interrupted at the prompt: nothing was run/);
    assert.deepEqual(await indexesOf('orders'), LEFTOVER_ONLY);
    assert.equal(await advisoryLocks(), 0);
  }
});

test('Enter alone is no: the default', async () => {
  const r = await runOnTerminal(['apply', 'orders.yaml', '-d', db.url], { cwd: dir, answer: KEYS.enter });
  assert.equal(r.code, 1, r.screen);
  assert.match(r.screen, /not confirmed: nothing was run/);
  assert.deepEqual(await indexesOf('orders'), LEFTOVER_ONLY);
});

test('y runs exactly the plan shown: the leftover dropped and rebuilt, the other index built', async () => {
  const r = await runOnTerminal(['apply', 'orders.yaml', '-d', db.url], { cwd: dir, answer: KEYS.yes });
  assert.equal(r.code, 0, r.screen);
  assert.ok(r.asked, r.screen);
  assert.match(r.screen, /3 done, 0 skipped, 0 failed, 0 cancelled of 3/);
  assert.deepEqual(await indexesOf('orders'), [
    ['orders_status_btree_idx', true],
    ['orders_total_btree_idx', true],
  ]);
  assert.equal(await advisoryLocks(), 0);
});

test('nothing to do: nothing is asked', async () => {
  const r = await runOnTerminal(['apply', 'orders.yaml', '-d', db.url], { cwd: dir, answer: KEYS.no });
  assert.equal(r.code, 0, r.screen);
  assert.ok(!r.asked, r.screen);
  assert.match(r.screen, /nothing to do/);
});

// Those that must not ask are given `n` to type all the same: a question would fail them at once.

test('-y (--yes) on a terminal: not asked, built', async () => {
  const r = await runOnTerminal(['apply', file('yes.yaml', planOf('yes_t')), '-d', db.url, '-y'], { cwd: dir, answer: KEYS.no });
  assert.equal(r.code, 0, r.screen);
  assert.ok(!r.asked, r.screen);
  assert.deepEqual(await indexesOf('yes_t'), [
    ['yes_t_a_btree_idx', true],
    ['yes_t_b_btree_idx', true],
  ]);
});

test('--json on a terminal: a machine reads stdout, nobody is asked', async () => {
  const r = await runOnTerminal(['apply', file('json.yaml', planOf('json_t')), '-d', db.url, '--json'], { cwd: dir, answer: KEYS.no });
  assert.equal(r.code, 0, r.screen);
  assert.ok(!r.asked, r.screen);
  assert.match(r.screen, /"type":"summary"/);
  assert.equal((await indexesOf('json_t')).length, 2);
});

test('stdin not a terminal: runs as before, without asking', async () => {
  const child = startCli(['apply', file('pipe.yaml', planOf('pipe_t')), '-d', db.url], dir);
  const code = await child.exited;
  assert.equal(code, 0, child.err());
  assert.doesNotMatch(child.err() + child.out(), /Proceed\?/);
  assert.equal((await indexesOf('pipe_t')).length, 2);
});

test('run on a terminal names its DROP statements by their place in the file; n leaves everything as it was', async () => {
  const sql = file('drops.sql', 'create index concurrently keep_a on keep (a);\n-- no longer used\ndrop table victim;\n');
  const r = await runOnTerminal(['run', '-d', db.url, sql], { cwd: dir, answer: KEYS.no });
  assert.equal(r.code, 1, r.screen);
  assert.ok(r.asked, r.screen);
  assert.match(r.screen, /pgindex run will run 2 statements on /);
  assert.match(r.screen, /this statement removes what exists:\r\n {4}drops\.sql:3:1: drop table victim\r\n/);
  assert.match(r.screen, /pgindex run: not confirmed: nothing was run/);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_class where relname in ('victim', 'keep_a')");
  assert.equal(rows[0]?.n, 1, 'victim is still there, keep_a was not built');
});

test('--echo prints every statement on stderr as it starts, with its session', async () => {
  const child = startCli(['apply', file('echo.yaml', planOf('echo_t')), '-d', db.url, '--echo'], dir);
  assert.equal(await child.exited, 0, child.err());
  const echoed = child.err().split('\n').filter((l) => l.startsWith('session '));
  assert.deepEqual(
    echoed.map((l) => l.replace(/^session \d+: /, '')).sort(),
    [
      'CREATE INDEX CONCURRENTLY echo_t_a_btree_idx ON public.echo_t USING btree (a);',
      'CREATE INDEX CONCURRENTLY echo_t_b_btree_idx ON public.echo_t USING btree (b);',
    ],
  );
  for (const l of echoed) assert.match(l, /^session [12]: /);
});

test('-q prints only the summary on stdout, and on stderr only errors: no note, warning or progress', async () => {
  const plan = file('quiet.yaml', `${planOf('quiet_t')}  - name: "nothing_here_*"\n    columns: [a]\n`);
  // Without -q the same plan has a planning note and warning, and progress lines.
  const loud = startCli(['apply', plan, '-d', db.url, '--dry-run'], dir);
  assert.equal(await loud.exited, 0, loud.err());
  assert.match(loud.err(), /connected to .*\n.*warning: .*"nothing_here_\*" matched no table/);

  const quiet = startCli(['apply', plan, '-d', db.url, '-q'], dir);
  assert.equal(await quiet.exited, 0, quiet.err());
  assert.equal(quiet.err(), '');
  assert.match(quiet.out(), /^\nindex +table +method +took\/est +size +status\n/);
  assert.match(quiet.out(), /\nstatements: 2 done, 0 skipped, 0 failed, 0 cancelled of 2 in /);
  assert.doesNotMatch(quiet.out(), /^\[\d\d:|^run \w+:/m);
  assert.equal((await indexesOf('quiet_t')).length, 2);

  // An error still reaches stderr, as it happens.
  const sql = file('fails.sql', 'select 1/0;\ncreate index quiet_t_ab on quiet_t (a, b);\n');
  const failing = startCli(['run', '-q', '-d', db.url, sql], dir);
  assert.equal(await failing.exited, 1);
  assert.match(failing.err(), /^fails\.sql:1:\d+: .*division by zero/m);
  assert.doesNotMatch(failing.err(), /connected to|warning:|note:/);
  assert.match(failing.out(), /^\nindex +table/);
  assert.match(failing.out(), /1 done, 0 skipped, 1 failed, 0 cancelled of 2/);
});
