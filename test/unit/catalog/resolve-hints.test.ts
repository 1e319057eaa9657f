/**
 * A table or column of the plan that does not exist names the nearest one that does, as a misspelt
 * key of the plan file does: the columns of the table, and for a table the snapshot's nearbyTables
 * (the tables of the schemas the name could have meant, read only when a name matched nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTables } from '../../../src/catalog/resolve.js';
import type { CatalogSnapshot, TableInfo } from '../../../src/catalog/types.js';
import { InputError } from '../../../src/errors.js';
import type { TableSpec } from '../../../src/planfile/types.js';
import { planFile } from '../../support/plan-file.js';
import { T, catalog, column, table } from '../../support/catalog.js';

const pos = (line: number, col = 5) => ({ file: 'plan.yaml', line, col });

function snapshot(tables: TableInfo[], nearbyTables: { schema: string; name: string }[]): CatalogSnapshot {
  return { ...catalog(), database: 'db', searchPath: ['public'], tablespaces: ['pg_default'], tables, nearbyTables };
}

function problems(tables: TableSpec[], snap: CatalogSnapshot): string[] {
  try {
    resolveTables(planFile(tables, { concurrently: false, lockTimeoutMs: 0, retries: 0 }), snap);
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.pos.line}:${p.pos.col} ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    throw err;
  }
  return assert.fail('expected an InputError');
}

const customers = table('public.customers', [column('id', T.int8, {}), column('email', T.text, {}), column('last_name', T.text, {})]);
const nearby = [
  { schema: 'public', name: 'customers' },
  { schema: 'public', name: 'orders' },
  { schema: 'sales', name: 'invoices' },
];

test('a table that does not exist names the nearest table of the schemas it could mean', () => {
  assert.deepEqual(problems([{ name: 'custmers', columns: 'all', exclude: [], pos: pos(3) }], snapshot([customers], nearby)), [
    '3:5 table "custmers" does not exist (did you mean customers? looked in search_path: public; write schema.table for another schema)',
  ]);
  // With a schema, that schema's tables, written qualified.
  assert.deepEqual(problems([{ name: 'sales.invoice', columns: 'all', exclude: [], pos: pos(4) }], snapshot([], nearby)), [
    '4:5 table "sales.invoice" does not exist (did you mean sales.invoices? schema.table names are case-folded unless double-quoted, as in SQL)',
  ]);
  // A table of a schema outside search_path is no suggestion for a bare name; nothing near, no suggestion.
  assert.deepEqual(problems([{ name: 'invoice', columns: 'all', exclude: [], pos: pos(5) }, { name: 'zzz', columns: 'all', exclude: [], pos: pos(6) }], snapshot([], nearby)), [
    '5:5 table "invoice" does not exist (looked in search_path: public; write schema.table for another schema)',
    '6:5 table "zzz" does not exist (looked in search_path: public; write schema.table for another schema)',
  ]);
});

test('a column that does not exist names the nearest column of its table', () => {
  const spec: TableSpec = {
    name: 'customers',
    columns: [
      { name: 'emial', pos: pos(4, 9) },
      { name: 'lastname', pos: pos(5, 9) },
      { name: 'phone', pos: pos(6, 9) },
    ],
    exclude: [],
    pos: pos(3),
  };
  assert.deepEqual(problems([spec], snapshot([customers], [])), [
    '4:9 column "emial" does not exist in public.customers (did you mean email?)',
    '5:9 column "lastname" does not exist in public.customers (did you mean last_name?)',
    '6:9 column "phone" does not exist in public.customers',
  ]);
});

test('a plan that misses every table (the wrong database?) gets suggestions for its first 20 misses only', () => {
  const specs: TableSpec[] = Array.from({ length: 25 }, (_, i) => ({ name: `custmers${i}`, columns: 'all', exclude: [], pos: pos(3 + i) }));
  const many = Array.from({ length: 25 }, (_, i) => ({ schema: 'public', name: `customers${i}` }));
  const found = problems(specs, snapshot([], many));
  assert.equal(found.length, 25);
  assert.equal(found.filter((p) => p.includes('did you mean')).length, 20);
  assert.match(found[0] ?? '', /^3:5 table "custmers0" does not exist \(did you mean customers0\?/);
  assert.doesNotMatch(found[24] ?? '', /did you mean/);
});
