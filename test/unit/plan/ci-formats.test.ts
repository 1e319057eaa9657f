/**
 * The outputs made for CI and code review: `--format markdown` (a pull-request comment) and
 * `--format sql --no-psql` (SQL alone, for linters and migration tools), checked with PostgreSQL's
 * own parser.
 */
import { test } from 'node:test';
import { buildSettingsText } from '../../../src/cost/describe.js';
import assert from 'node:assert/strict';
import { buildPlan } from '../../../src/plan/build.js';
import { renderMarkdown, renderPlan, renderSql } from '../../../src/plan/render.js';
import { loadSqlParser } from '../../../src/sql/parse.js';
import type { Plan } from '../../../src/plan/types.js';
import { T, column, index, snapshot, table } from '../../support/catalog.js';
import { colSpec, planFile, tableSpec } from '../../support/plan-file.js';

const orders = () =>
  table('public.orders', [column('id', T.int4, {}), column('status', T.text, {}), column('flag', T.bool, {}), column('placed_at', T.timestamptz, { correlation: 0.994 })], {
    relpages: 7693,
    sizeBytes: 7693 * 8192,
    reltuples: 1_234_567,
    indexes: [index('public', 'orders_pkey', { columns: ['id'], unique: true, primary: true })],
  });

/** Two tables; an INVALID leftover under a planned name on orders, so one index is dropped and rebuilt. */
function shop(): Plan {
  const o = orders();
  o.indexes.push(index('public', 'orders_status_btree_idx', { columns: ['status'], opclass: 'text_ops', valid: false }));
  const items = table('public.items', [column('sku', T.text, {}), column('qty', T.int4, {})], { relpages: 10, reltuples: 1000 });
  return buildPlan(
    planFile([tableSpec('orders', 'all'), tableSpec('items', [colSpec('sku', { where: "sku <> '' AND qty > 0" })])], {
      file: 'shop.yaml',
      lockTimeoutMs: 2500,
    }),
    snapshot([o, items]),
  );
}

test('markdown: drops flagged first, then counts by action per table, the skips folded, the statements in an sql block', () => {
  const md = renderMarkdown(shop());
  assert.equal(
    md,
    [
      '### pgindex plan `shop.yaml`',
      '',
      '> [!WARNING]',
      '> **⚠ drops (1)**: an index is dropped, then built again by a later statement',
      '> - `public.orders_status_btree_idx` on `public.orders`: ' +
        shop().steps.find((s) => s.action === 'drop-invalid')?.reason.replace(/_/g, '\\_'),
      '',
      '**4 statements**: 1 drop-invalid, 3 create',
      '',
      'PostgreSQL 18.1; parallelism 2, concurrently, maintenance\\_work\\_mem 1GB in total, 2 cores (assumed, one per session: set cores:), up to 1 parallel workers per build, cost model default (not calibrated: see pgindex calibrate), builds predicted 0.92 s, lock\\_timeout 2500ms, statement\\_timeout 0, retries 3',
      '',
      '| table | create | rebuild | attach | exists | skip |',
      '|:--|--:|--:|--:|--:|--:|',
      '| `public.orders` | 1 | 1 | 0 | 1 | 1 |',
      '| `public.items` | 1 | 0 | 0 | 0 | 0 |',
      '| **2 tables** | **2** | **1** | **0** | **1** | **1** |',
      '',
      '<details><summary>No statement for 2 columns</summary>',
      '',
      '- `public.orders.id`: exists: already led by valid index public.orders\\_pkey (btree, primary key)',
      '- `public.orders.flag`: skip: boolean: too few distinct values for an index to pay off (a partial index on the rarer value, e.g. WHERE flag (or WHERE NOT flag))',
      '',
      '</details>',
      '',
      '```sql',
      ...shop()
        .steps.map((s) => `-- ${s.reason}\n${s.build ? '-- apply builds it with ' + buildSettingsText(s.build) + '\n' : ''}${s.sql};`)
        .join('\n\n')
        .split('\n'),
      '```',
      '',
    ].join('\n'),
  );
  assert.equal(renderPlan(shop(), 'markdown'), md, 'deterministic, and what renderPlan gives');
});

test('markdown: nothing to do says so, with no warning, no sql block', () => {
  const s = snapshot([table('public.orders', [column('id', T.int4, {})], { indexes: [index('public', 'orders_pkey', { columns: ['id'] })] })]);
  const md = renderMarkdown(buildPlan(planFile([tableSpec('orders', [colSpec('id')])], { file: 'p.yaml' }), s));
  assert.match(md, /^### pgindex plan `p\.yaml`\n\n\*\*Nothing to do\*\*: every planned index already exists\.\n/);
  assert.match(md, /\| `public\.orders` \| 0 \| 0 \| 0 \| 1 \| 0 \|/);
  assert.doesNotMatch(md, /```|WARNING|drops/);
  const none = renderMarkdown(buildPlan(planFile([tableSpec('nosuch_*', 'all')], { file: 'p.yaml' }), s));
  assert.match(none, /\*\*Nothing matched\*\*: no table matches the plan's entries\./);
  assert.doesNotMatch(none, /\| table \|/);
});

test('markdown: names that hold backticks, pipes or markup stay text, and the sql block cannot be closed early', () => {
  const odd = table('public.we`ird|<b>', [column('a|`b', T.int4, {}), column('flag', T.bool, {})], { relpages: 10, reltuples: 100 });
  const p = buildPlan(planFile([tableSpec('"we`ird|<b>"', [colSpec('a|`b', { where: "'```' <> '|'" }), colSpec('flag')])], { file: 'odd.yaml' }), snapshot([odd]));
  const md = renderMarkdown(p);
  // A table cell: the pipe escaped, the backtick inside a longer fence.
  assert.match(md, /^\| ``public\."we`ird\\\|<b>"`` \| 1 \|/m);
  // The statement's ``` is inside a four-backtick fence.
  assert.match(md, /\n````sql\n[\s\S]*'```'[\s\S]*\n````\n$/);
  // No raw HTML from a reason: < is an entity outside code.
  assert.doesNotMatch(md.replace(/`[^`\n]*`/g, ''), /<b>/);
});

test('sql --no-psql: the same statements without meta-commands, and PostgreSQL\'s parser accepts every line of it', async () => {
  const p = shop();
  const withPsql = renderSql(p);
  const plain = renderSql(p, { psql: false });
  assert.equal(renderPlan(p, 'sql', { psql: false }), plain);
  assert.match(withPsql, /^\\set ON_ERROR_STOP on$/m);
  assert.doesNotMatch(plain, /^\\/m, 'no line starts a psql meta-command');
  assert.match(plain, /^-- run the statements one by one in autocommit mode \(no transaction block, as CREATE INDEX$/m);
  // Everything else is as psql's script has it.
  const strip = (s: string) => s.split('\n').filter((l) => !l.startsWith('\\') && !l.startsWith('-- run ') && !l.startsWith('-- as CREATE') && !l.startsWith('-- CONCURRENTLY'));
  assert.deepEqual(strip(plain), strip(withPsql));

  const parser = await loadSqlParser();
  const parsed = parser.parse(plain);
  assert.ok('statements' in parsed, JSON.stringify(parsed));
  // SET lock_timeout, statement_timeout, maintenance_work_mem, max_parallel_maintenance_workers; 4 statements.
  assert.equal(parsed.statements, 4 + p.steps.length);
  // The psql script is not plain SQL: the parser stops at the meta-command.
  assert.ok('error' in parser.parse(withPsql));
});

test('sql --no-psql with nothing to do: comments alone, which parse as no statement', async () => {
  const s = snapshot([table('public.orders', [column('id', T.int4, {})], { indexes: [index('public', 'orders_pkey', { columns: ['id'] })] })]);
  const plain = renderSql(buildPlan(planFile([tableSpec('orders', [colSpec('id')])]), s), { psql: false });
  assert.deepEqual((await loadSqlParser()).parse(plain), { statements: 0 });
});
