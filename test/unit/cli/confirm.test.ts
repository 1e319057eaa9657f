/**
 * The text shown before `apply` and `run` ask "Proceed?": made from Plans the real planners build
 * (a rebuild of an INVALID leftover, a partitioned roll-out with attaches, a plain build that blocks
 * writes; a SQL file with DROP and TRUNCATE), so it says what those Plans would do.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { confirmationLines, leadingKeyword, MAX_TABLES_LISTED } from '../../../src/cli/confirm.js';
import { isYes } from '../../../src/cli/prompt.js';
import { buildPlan } from '../../../src/plan/build.js';
import { readScript, scriptSteps } from '../../../src/script/steps.js';
import { loadTreeParser, type TreeParser } from '../../../src/sql/parse.js';
import { planScript, scriptChoices } from '../../../src/script/plan.js';
import { splitSql } from '../../../src/sql/split.js';
import type { TableInfo } from '../../../src/catalog/types.js';
import { T, column, index, snapshot, table } from '../../support/catalog.js';
import { colSpec, planFile, tableSpec } from '../../support/plan-file.js';

const TARGET = 'me@db.example:5432/shop';

/** orders with an INVALID leftover of a planned index; events partitioned in two; logs built without CONCURRENTLY. */
function catalog(): TableInfo[] {
  const cols = () => [column('id', T.int4, {}), column('at', T.int4, {})];
  return [
    table('public.orders', [column('id', T.int4, {}), column('status', T.text, {}), column('total', T.int4, {})], {
      relpages: 100,
      reltuples: 10_000,
      indexes: [index('public', 'orders_status_btree_idx', { columns: ['status'], opclass: 'text_ops', valid: false })],
    }),
    table('public.events', cols(), {
      kind: 'partitioned',
      partitions: [
        { schema: 'public', name: 'events_2024' },
        { schema: 'public', name: 'events_2025' },
      ],
    }),
    table('public.events_2024', cols(), { parent: { schema: 'public', name: 'events' }, relpages: 100 }),
    table('public.events_2025', cols(), { parent: { schema: 'public', name: 'events' }, relpages: 200 }),
    table('public.logs', [column('level', T.int4, {})], { relpages: 10 }),
  ];
}

let parse: TreeParser;
before(async () => {
  parse = await loadTreeParser();
});

test('apply: the database, the counts per kind of statement, the tables, and every DROP with what replaces it', () => {
  const file = planFile(
    [
      tableSpec('orders', [colSpec('status'), colSpec('total')]),
      tableSpec('events', [colSpec('at')]),
      tableSpec('logs', [colSpec('level')], { concurrently: false }),
    ],
    { parallelism: 3 },
  );
  const plan = buildPlan(file, snapshot(catalog()));
  // The plan this text is about: one drop, four builds, the ON ONLY parent and its two attaches.
  assert.deepEqual(
    plan.steps.map((s) => s.action).sort(),
    ['attach', 'attach', 'create', 'create', 'create', 'create', 'create', 'create-parent', 'drop-invalid'],
  );
  assert.deepEqual(confirmationLines(plan, { command: 'apply', target: TARGET }), [
    'pgindex apply will run 9 statements on me@db.example:5432/shop, up to 3 at a time:',
    '  build 5 indexes, 1 of them without CONCURRENTLY: it blocks writes to its table while it builds',
    '  create 1 partitioned index ON ONLY the parent table (instant)',
    '  attach 2 partition indexes to their partitioned index',
    '  on 5 tables: public.events, public.events_2024, public.events_2025,',
    '    public.logs, public.orders',
    '  this statement removes what exists:',
    '    DROP INDEX CONCURRENTLY IF EXISTS public.orders_status_btree_idx',
    '      INVALID index orders_status_btree_idx was left by an interrupted build: drop it before building again',
    '      replaced by: CREATE INDEX CONCURRENTLY orders_status_btree_idx ON public.orders USING btree (status)',
  ]);
});

test('no password can reach the text: the target is given, the plan holds no connection', () => {
  const plan = buildPlan(planFile([tableSpec('logs', [colSpec('level')])]), snapshot(catalog()));
  const text = confirmationLines(plan, { command: 'apply', target: TARGET }).join('\n');
  assert.equal(text, ['pgindex apply will run 1 statement on me@db.example:5432/shop, one at a time:', '  build 1 index, all CONCURRENTLY', '  on 1 table: public.logs'].join('\n'));
});

test('many tables are counted past the first ones, each line within the width', () => {
  const tables = Array.from({ length: 30 }, (_, i) => table(`public.t${String(i).padStart(2, '0')}`, [column('a', T.int4, {})], { relpages: 10 }));
  const plan = buildPlan(planFile([tableSpec('t*', [colSpec('a')])]), snapshot(tables));
  const lines = confirmationLines(plan, { command: 'apply', target: TARGET, width: 60 });
  const list = lines.slice(lines.findIndex((l) => l.startsWith('  on 30 tables:'))).join(' ');
  assert.match(list, /public\.t19, and 10 more$/);
  assert.doesNotMatch(list, /public\.t20/);
  assert.equal(MAX_TABLES_LISTED, 20);
  for (const l of lines.slice(1)) assert.ok(l.length <= 60, l);
});

test('run: CREATE INDEX statements by table, the other statements counted, DROP and TRUNCATE named with their place in the file', () => {
  const sql = [
    'create index concurrently on app.big (a);',
    '-- the old one goes\nDROP   TABLE app.old_stuff;',
    'truncate app.staging;',
    'update app.big set a = 0 where a is null;',
  ].join('\n');
  const script = scriptSteps(readScript(splitSql(sql, 'x.sql'), 'x.sql', parse), { versionNum: 180000, parse });
  const server = {
    versionNum: 180000,
    version: '18.0',
    settings: { maxParallelMaintenanceWorkers: 2, maxWorkerProcesses: 8, maxParallelWorkers: 6, maintenanceWorkMem: 64 << 20, maxConnections: 100 },
  };
  const plan = planScript(script, { server }, scriptChoices({ parallelism: 2 }));
  assert.deepEqual(confirmationLines(plan, { command: 'run', target: TARGET }), [
    'pgindex run will run 4 statements on me@db.example:5432/shop, up to 2 at a time:',
    '  build 1 index, all CONCURRENTLY',
    '  run 3 other statements',
    '  on 1 table: app.big',
    '  3 statements on tables pgindex does not read from the SQL',
    '  these 2 statements remove what exists:',
    '    x.sql:3:1: DROP TABLE app.old_stuff',
    '    x.sql:4:1: truncate app.staging',
  ]);
});

test('the first keyword of a statement is found past comments; only y or yes is yes', () => {
  assert.equal(leadingKeyword('  /* a */ -- b\n  Drop index x'), 'drop');
  assert.equal(leadingKeyword('select 1'), 'select');
  assert.equal(leadingKeyword(''), '');
  assert.deepEqual(['y', 'Y', 'yes', ' YES ', 'n', '', 'no', 'yy', 'sure', 'y es'].map(isYes), [true, true, true, true, false, false, false, false, false, false]);
});
