import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from '../../../src/plan/build.js';
import { renderExplain, renderJson, renderPlan, renderSql } from '../../../src/plan/render.js';
import { alignRows } from '../../../src/plan/explain.js';
import { comment } from '../../../src/plan/plan-text.js';
import { humanBytes, thousands } from '../../../src/format.js';
import { durationSetting, sizeSetting } from '../../../src/pg/settings.js';
import { T, column, index, snapshot, table } from '../../support/catalog.js';
import { colSpec, planFile, tableSpec } from '../../support/plan-file.js';

const shop = () =>
  snapshot([
    table('public.orders', [column('id', T.int4, {}), column('status', T.text, {}), column('flag', T.bool, {}), column('placed_at', T.timestamptz, { correlation: 0.994 })], {
      relpages: 7693,
      sizeBytes: 7693 * 8192,
      reltuples: 1_234_567,
      indexes: [index('public', 'orders_pkey', { columns: ['id'], unique: true, primary: true })],
    }),
  ]);
const plan = () =>
  buildPlan(
    planFile([tableSpec('orders', 'all')], { file: 'shop.yaml', lockTimeoutMs: 2500, statementTimeoutMs: 7_200_000, maintenanceWorkMemBytes: 512 * 1024 ** 2 }),
    shop(),
  );

test('renderSql: header, session settings, one commented statement each, then what needs nothing', () => {
  assert.equal(
    renderSql(plan()),
    [
      '-- pgindex plan shop.yaml',
      '-- server: PostgreSQL 18.1 (180001)',
      '-- settings: parallelism 2, concurrently, maintenance_work_mem 512MB in total, 2 cores (assumed, one per session: set cores:), up to 1 parallel workers per build, cost model default (not calibrated: see pgindex calibrate), builds predicted 0.92 s, lock_timeout 2500ms, statement_timeout 2h, retries 3',
      '-- 2 statements: 2 create',
      '-- run with: psql -X -f FILE (statements run one by one in autocommit mode; no transaction block,',
      '-- as CREATE INDEX CONCURRENTLY requires)',
      '',
      '\\set ON_ERROR_STOP on',
      "SET lock_timeout = '2500ms';",
      "SET statement_timeout = '2h';",
      "SET maintenance_work_mem = '512MB';",
      'SET max_parallel_maintenance_workers = 1;',
      '',
      '-- public.orders.status: text → btree',
      // The default btree curve: enough to sort the estimated index in memory; both builds at once on 2 cores, no worker.
      '-- apply builds it with maintenance_work_mem 63MB, 0 parallel workers, predicted 0.92 s (btree/text_ops/18, default curve)',
      'CREATE INDEX CONCURRENTLY orders_status_btree_idx ON public.orders USING btree (status);',
      '',
      '-- public.orders.placed_at: correlation 0.99 on 7,693 pages → brin',
      '-- apply builds it with maintenance_work_mem 16MB, 0 parallel workers, predicted 0.18 s (brin/timestamptz_minmax_ops/18, default curve)',
      'CREATE INDEX CONCURRENTLY orders_placed_at_brin_idx ON public.orders USING brin (placed_at);',
      '',
      '-- no statement for:',
      '-- public.orders.id: exists: already led by valid index public.orders_pkey (btree, primary key)',
      '-- public.orders.flag: skip: boolean: too few distinct values for an index to pay off (a partial index on the rarer value, e.g. WHERE flag (or WHERE NOT flag))',
      '',
    ].join('\n'),
  );
});

test('renderSql with nothing to do is a valid script of comments only', () => {
  const s = snapshot([table('public.orders', [column('id', T.int4, {})], { indexes: [index('public', 'orders_pkey', { columns: ['id'] })] })]);
  const sql = renderSql(buildPlan(planFile([tableSpec('orders', [colSpec('id')])]), s));
  assert.ok(sql.split('\n').every((l) => l === '' || l.startsWith('-- ')), sql);
  assert.match(sql, /-- nothing to do: every planned index already exists/);
});

test('a plan whose entries matched no table says so, not that every index exists: matchedNoTable, SQL and explain', () => {
  const s = snapshot([table('public.orders', [column('id', T.int4, {})], { indexes: [index('public', 'orders_pkey', { columns: ['id'] })] })]);
  const none = buildPlan(planFile([tableSpec('nosuch_*', 'all'), tableSpec('public.other_?', [colSpec('id')])]), s);
  assert.equal(none.matchedNoTable, true);
  assert.deepEqual(none.steps, []);
  const sql = renderSql(none);
  assert.ok(sql.split('\n').every((l) => l === '' || l.startsWith('-- ')), sql);
  assert.match(sql, /^-- nothing matched: no table matches the plan's entries$/m);
  assert.doesNotMatch(sql, /already exists/);
  assert.equal(renderExplain(none), "Nothing matched: no table matches the plan's entries.\n");

  // A table that exists with every planned index already there is still "nothing to do".
  const done = buildPlan(planFile([tableSpec('nosuch_*', 'all'), tableSpec('orders', [colSpec('id')])]), s);
  assert.equal(done.matchedNoTable, false);
  assert.match(renderSql(done), /-- nothing to do: every planned index already exists/);
  assert.match(renderExplain(done), /\nNothing to do: every planned index already exists\.\n$/);
});

test('a reason with line breaks stays one comment line', () => {
  const p = plan();
  const first = p.steps[0];
  assert.ok(first);
  first.reason = 'line one\nDROP TABLE orders;';
  assert.match(renderSql(p), /-- line one DROP TABLE orders;\n-- apply builds it with [^\n]*\nCREATE INDEX/);
});

test('comment: whitespace of every kind collapsed to single spaces and trimmed, one-line text as is', () => {
  const texts = ['', ' ', 'a', 'a b', 'a  b', ' a', 'a ', 'a\tb', 'a\r\nb', 'a\u00a0b', 'a\u2028b', 'a\ufeff', '\u3000a', 'a\u0001b', 'é ü ß', 'x\u200bb'];
  for (const t of texts) assert.equal(comment(t), '-- ' + t.replace(/\s+/g, ' ').trim(), JSON.stringify(t));
});

test('renderJson: stable keys, statements with cost and size, every column decision', () => {
  const doc = JSON.parse(renderJson(plan())) as Record<string, unknown> & {
    statements: Record<string, unknown>[];
    columns: Record<string, unknown>[];
    summary: Record<string, unknown>;
  };
  assert.deepEqual(Object.keys(doc), ['version', 'source', 'server', 'settings', 'changesPending', 'summary', 'statements', 'columns', 'kept', 'warnings']);
  assert.deepEqual(doc.summary, {
    statements: 2,
    'drop-invalid': 0,
    'create-parent': 0,
    create: 2,
    attach: 0,
    drop: 0,
    rename: 0,
    columns: { create: 2, rebuild: 0, attach: 0, exists: 1, skip: 1 },
  });
  assert.deepEqual(Object.keys(doc.statements[0] ?? {}), ['id', 'action', 'table', 'index', 'method', 'columns', 'reason', 'concurrently', 'parallelCapable', 'dependsOn', 'hazard', 'estimate', 'build', 'sql']);
  assert.deepEqual((doc.statements[1] as { estimate: unknown }).estimate, { pages: 7693, cost: 1538.6, sizeBytes: 16384, size: '16 kB' });
  // Each build's settings and predicted time from the cost model, as the plan's schedule gives them.
  assert.deepEqual((doc.statements[1] as { build: unknown }).build, {
    kind: 'brin/timestamptz_minmax_ops/18',
    calibrated: false,
    memoryBytes: 16 * 1024 ** 2,
    usefulWorkers: 1,
    workers: 0,
    maintenanceWorkMemBytes: 16 * 1024 ** 2,
    seconds: 0.18,
  });
  assert.deepEqual((doc.settings as { costModel: unknown }).costModel, { source: 'default', predictedSeconds: 0.92 });
  assert.deepEqual(
    doc.columns.map((c) => [c.column, c.action, c.method]),
    [
      ['id', 'exists', null],
      ['status', 'create', 'btree'],
      ['flag', 'skip', null],
      ['placed_at', 'create', 'brin'],
    ],
  );
  assert.equal(renderJson(plan()), renderJson(plan()));
  assert.equal(renderPlan(plan(), 'json'), renderJson(plan()));
});

test('renderJson: a column decision names the extension its operator class comes from', () => {
  const p = buildPlan(planFile([tableSpec('orders', [colSpec('status', { opclass: 'gin_trgm_ops' }), colSpec('id')])]), shop());
  const doc = JSON.parse(renderJson(p)) as { columns: Record<string, unknown>[] };
  assert.deepEqual(
    doc.columns.map((c) => [c.column, c.method, c.opclass, c.extension]),
    [
      ['status', 'gin', 'gin_trgm_ops', 'pg_trgm'],
      ['id', null, null, null],
    ],
  );
  assert.deepEqual(Object.keys(doc.columns[0] ?? {}), ['table', 'column', 'type', 'action', 'method', 'opclass', 'extension', 'index', 'reason', 'suggestion']);
});

test('renderExplain: a heading with grouped numbers, then aligned columns', () => {
  const text = renderExplain(plan());
  const lines = text.split('\n');
  assert.equal(lines[0], 'public.orders (1,234,567 rows, 7,693 pages, 60 MB)');
  assert.equal(lines[1], '  column     type                      action  method  opclass  index                      reason');
  assert.equal(lines[5], '  placed_at  timestamp with time zone  create  brin    -        orders_placed_at_brin_idx  correlation 0.99 on 7,693 pages → brin');
  assert.equal(lines.at(-2), '2 statements pending (2 index builds).');
});

test('alignment counts characters, not bytes', () => {
  assert.deepEqual(alignRows([['ıı', 'x'], ['abc', 'y']], ''), ['ıı   x', 'abc  y']);
});

test('number, size and duration formats', () => {
  assert.equal(thousands(7693), '7,693');
  assert.equal(thousands(1234567.4), '1,234,567');
  assert.equal(thousands(12), '12');
  assert.equal(humanBytes(8192), '8 kB');
  assert.equal(humanBytes(1536 * 1024), '1.5 MB');
  assert.equal(humanBytes(500), '500 bytes');
  assert.equal(sizeSetting(1024 ** 3), '1GB');
  assert.equal(sizeSetting(256 * 1024 ** 2), '256MB');
  assert.equal(sizeSetting(1000 * 1024), '1000kB');
  assert.equal(durationSetting(0), '0');
  assert.equal(durationSetting(5000), '5s');
  assert.equal(durationSetting(120_000), '2min');
  assert.equal(durationSetting(3_600_000), '1h');
  assert.equal(durationSetting(250), '250ms');
});
