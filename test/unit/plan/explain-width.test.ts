/**
 * `--explain` within a terminal's width: the aligned table when it fits, psql's expanded records
 * (`\x`) when it does not, and the aligned table whatever its width when there is no terminal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from '../../../src/plan/build.js';
import { expandedRecords, renderExplain } from '../../../src/plan/explain.js';
import { renderPlan } from '../../../src/plan/render.js';
import { T, column, index, snapshot, table } from '../../support/catalog.js';
import { planFile, tableSpec } from '../../support/plan-file.js';

const plan = () =>
  buildPlan(
    planFile([tableSpec('orders', 'all')]),
    snapshot([
      table('public.orders', [column('id', T.int4, {}), column('status', T.text, {}), column('flag', T.bool, {})], {
        relpages: 7693,
        sizeBytes: 7693 * 8192,
        reltuples: 1_234_567,
        indexes: [index('public', 'orders_pkey', { columns: ['id'], unique: true, primary: true })],
      }),
    ]),
  );

const widest = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));

test('no width (a file, a pipe): the aligned table, however wide', () => {
  const text = renderExplain(plan());
  assert.ok(widest(text) > 120, 'the flag row is long');
  assert.equal(renderExplain(plan(), {}), text);
  assert.match(text, /^ {2}column {2}type {5}action/m);
});

test('a width the aligned table fits in: the aligned table, unchanged', () => {
  const text = renderExplain(plan());
  assert.equal(renderExplain(plan(), { width: widest(text) }), text);
});

test('a narrower terminal: one expanded record per column, labels aligned, no line wider than the terminal', () => {
  const text = renderExplain(plan(), { width: 80 });
  assert.equal(renderPlan(plan(), 'explain', { width: 80 }), text);
  assert.ok(widest(text) <= 80, text);
  const lines = text.split('\n');
  assert.equal(lines[0], 'public.orders (1,234,567 rows, 7,693 pages, 60 MB)');
  // The rule runs as wide as the widest field line (the wrapped reason of flag).
  const rule = (n: number) => `  -[ RECORD ${n} ]`.padEnd(widest(text), '-');
  assert.deepEqual(lines.slice(1, 10), [
    rule(1),
    '  column  | id',
    '  type    | integer',
    '  action  | exists',
    '  method  | -',
    '  opclass | -',
    '  index   | orders_pkey',
    '  reason  | already led by valid index public.orders_pkey (btree, primary key)',
    rule(2),
  ]);
  // The long reason continues under the value column, broken at spaces.
  const flag = lines.slice(lines.indexOf('  column  | flag'));
  assert.deepEqual(flag.slice(6, 9), [
    '  reason  | boolean: too few distinct values for an index to pay off (a partial',
    '          | index on the rarer value, e.g. WHERE flag (or WHERE NOT flag))',
    '',
  ]);
  assert.equal(lines.at(-2), '1 statement pending (1 index build).');
});

test('expandedRecords: a value without spaces is cut to fit; the rule line is as wide as the widest line', () => {
  assert.deepEqual(expandedRecords(['k', 'value'], [['a', 'x'.repeat(30)]], 20, ''), [
    '-[ RECORD 1 ]-------',
    'k     | a',
    'value | xxxxxxxxxxxx',
    '      | xxxxxxxxxxxx',
    '      | xxxxxx',
  ]);
  assert.deepEqual(expandedRecords(['k', 'v'], [['a', 'b'], ['c', 'd']], 80, ''), ['-[ RECORD 1 ]', 'k | a', 'v | b', '-[ RECORD 2 ]', 'k | c', 'v | d']);
});
