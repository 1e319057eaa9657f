/**
 * Honest output (issue 17, item 6), from the built binary as a child process on a real server:
 * `plan --format json` counts statements by action; every line `apply --json` and `run --json`
 * print validates against schemas/events.schema.json, carries the format's version, and `done`
 * carries the index's real size; the summary event has every step's result; a rebuilt INVALID
 * leftover is one index, in the events and in the text summary, which fits 80 columns.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { startCli } from '../../support/cli.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(join(root, 'schemas/events.schema.json'), 'utf8')) as object);
let db: TestDatabase;
let dir: string;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-json-'));
  await db.query(readFileSync(join(root, 'test/golden/partitions.fixture.sql'), 'utf8'));
  await db.query('create table orders as select g as a, g % 100 as b from generate_series(1, 5000) g');
  await db.query('analyze');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function pgindex(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = startCli(args, dir);
  const code = await child.exited;
  return { code, out: child.out(), err: child.err() };
}

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

interface Event {
  version: number;
  type: string;
  stepId?: string;
  sizeBytes?: number | null;
  [key: string]: unknown;
}

/** Every line parsed and checked against the schema; the failures name the line. */
function events(out: string): Event[] {
  const lines = out.trim().split('\n');
  const problems = lines.flatMap((line) => (validate(JSON.parse(line)) ? [] : [`${line.slice(0, 200)}: ${JSON.stringify(validate.errors?.slice(0, 3))}`]));
  assert.deepEqual(problems, []);
  return lines.map((l) => JSON.parse(l) as Event);
}

/** An INVALID index of the name pgindex plans, as a failed CREATE UNIQUE INDEX CONCURRENTLY leaves it. */
async function invalidLeftover(table: string): Promise<void> {
  await db.query(`create table ${table} as select g as id, 'u' || (g % 50) || '@example.org' as email from generate_series(1, 100) g`);
  await assert.rejects(db.query(`create unique index concurrently ${table}_email_btree_uniq on ${table} (email)`), /could not create unique index/);
  await db.query(`delete from ${table} where id > 50`);
  await db.query(`analyze ${table}`);
}

const uniqueEmail = (table: string) => `  - name: ${table}\n    columns:\n      - name: email\n        unique: true\n`;

test('plan --format json: the summary counts statements by action (it counted columns: create 4, attach 0 for 9 creates and 12 attaches)', async () => {
  const r = await pgindex(['plan', join(root, 'test/golden/partitions.yaml'), '-d', db.url, '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { summary: Record<string, unknown>; statements: { action: string }[] };
  const byAction = (a: string) => doc.statements.filter((s) => s.action === a).length;
  assert.deepEqual(doc.summary, {
    statements: 27,
    'drop-invalid': 0,
    'create-parent': byAction('create-parent'),
    create: byAction('create'),
    attach: byAction('attach'),
    drop: 0,
    rename: 0,
    columns: { create: 4, rebuild: 0, attach: 0, exists: 0, skip: 0 },
  });
  assert.deepEqual([byAction('create-parent'), byAction('create'), byAction('attach')], [6, 9, 12]);
});

test('apply --json: every line validates against the schema and has version 1; done carries the real size; the summary has every result and counts the rebuilt leftover once', async () => {
  await invalidLeftover('accounts_j');
  const plan = file('all.yaml', `version: 1\nparallelism: 2\ntables:\n  - name: measurements\n    columns: [device, taken_at, reading]\n  - name: logs\n    concurrently: false\n    columns: [level]\n${uniqueEmail('accounts_j')}`);
  const r = await pgindex(['apply', plan, '-d', db.url, '--json']);
  assert.equal(r.code, 0, r.err);
  const all = events(r.out);
  assert.ok(all.every((e) => e.version === 1));
  assert.equal(all[0]?.type, 'begin');
  const summary = all.at(-1) as Event & { total: number; results: { stepId: string; action: string; state: string; sizeBytes: number | null }[]; indexes: Record<string, number> };
  assert.equal(summary.type, 'summary');
  assert.equal(summary.results.length, summary.total);
  assert.ok(summary.results.every((s) => s.state === 'done'));
  const actions = (a: string) => summary.results.filter((s) => s.action === a).length;
  assert.deepEqual(summary.indexes, { built: actions('create') + actions('create-parent'), rebuilt: 1, attached: actions('attach'), failed: 0, notBuilt: 0 });
  assert.equal(actions('drop-invalid'), 1);

  // Each build's done event has its index's size as the server reports it (a partitioned index:
  // its partitions' indexes, none yet for ON ONLY); statements that build nothing have null.
  const done = all.filter((e) => e.type === 'done');
  assert.equal(done.length, summary.total);
  const { rows } = await db.query<{ id: string; size: string }>(
    `select s.id, coalesce((select sum(pg_relation_size(relid)) from pg_partition_tree(s.id::regclass)), pg_relation_size(s.id::regclass))::text as size
       from unnest($1::text[]) as s(id)`,
    [done.filter((e) => e.stepId?.startsWith('create:')).map((e) => (e.stepId as string).slice('create:'.length))],
  );
  const sizes = new Map(rows.map((row) => [`create:${row.id}`, Number(row.size)]));
  for (const e of done) {
    const id = e.stepId as string;
    if (id.startsWith('create:')) {
      assert.equal(e.sizeBytes, sizes.get(id), id);
      // The partitioned logs index was built in one statement: its size is its partitions'.
      assert.ok((e.sizeBytes ?? 0) > 0, id);
    } else if (id.startsWith('create-parent:')) assert.equal(e.sizeBytes, 0, id);
    else assert.equal(e.sizeBytes, null, id);
  }
});

test('apply --json: a session idle because the only steps left wait for a busy table says which and for whom', async () => {
  const plan = file('orders.yaml', 'version: 1\nparallelism: 2\ntables:\n  - name: orders\n    columns: [a, b]\n');
  const r = await pgindex(['apply', plan, '-d', db.url, '--json']);
  assert.equal(r.code, 0, r.err);
  const all = events(r.out);
  const starts = all.filter((e) => e.type === 'start');
  const first = starts[0];
  assert.ok(first);
  const idle = all.find((e) => e.type === 'idle');
  assert.deepEqual(idle && { ...idle, time: undefined }, {
    version: 1,
    time: undefined,
    type: 'idle',
    session: first.session === 1 ? 2 : 1,
    waitingFor: `public.orders is busy with public.${(first.stepId as string).slice('create:public.'.length)}`,
    table: { schema: 'public', name: 'orders' },
    heldBy: first.stepId,
  });
});

test('run --json: the events of a SQL file, a failure among them, validate too', async () => {
  const sql = file('run.sql', 'create index orders_run_a on orders (a);\ncreate index orders_run_nope on orders (nope);\nselect 1;\n');
  const r = await pgindex(['run', '--json', '-d', db.url, sql]);
  assert.equal(r.code, 1, r.err);
  const all = events(r.out);
  const summary = all.at(-1) as Event & { results: { state: string; error: { sqlstate: string } | null }[] };
  assert.deepEqual(summary.results.map((s) => [s.state, s.error?.sqlstate ?? null]), [['done', null], ['failed', '42703'], ['done', null]]);
  const built = all.find((e) => e.type === 'done' && e.stepId === 's1');
  const { rows } = await db.query<{ size: string }>("select pg_relation_size('orders_run_a')::text as size");
  assert.equal(built?.sizeBytes, Number(rows[0]?.size));
});

test('the text summary of a rebuilt leftover: one line for the index, "1 index built (rebuilt …)", within 80 columns', async () => {
  await invalidLeftover('accounts_t');
  const plan = file('rebuild.yaml', `version: 1\ntables:\n${uniqueEmail('accounts_t')}`);
  const r = await pgindex(['apply', plan, '-d', db.url]);
  assert.equal(r.code, 0, r.err);
  // The summary follows the progress lines after a blank line.
  const summary = r.out.slice(r.out.indexOf('\n\n'));
  assert.equal(summary.split('\n').filter((l) => l.includes('accounts_t_email_btree_uniq')).length, 1, summary);
  assert.match(summary, /rebuilt: its INVALID leftover\s+dropped first/);
  assert.match(summary, /\nindexes: 1 index built \(rebuilt after dropping an INVALID leftover\)\n/);
  assert.match(summary, /\nstatements: 2 done, 0 skipped, 0 failed, 0 cancelled of 2 in /);
  assert.ok(summary.split('\n').every((l) => [...l].length <= 80), summary);
});
