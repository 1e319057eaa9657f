/**
 * `pgindex check`'s pure part on hand-built tables: each kind of finding, the cases that must not be
 * one (a build in progress, a constraint, a unique index, a different predicate or operator class,
 * a foreign key served in another column order, by a primary key's prefix or by a partial
 * `IS NOT NULL` index), one finding per index, and the text output's width. The real server's side
 * is test/integration/check/check.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIndexes } from '../../../src/check/find.js';
import { checkText } from '../../../src/check/format.js';
import type { CheckFacts, ForeignKeyFact } from '../../../src/catalog/check-facts.js';
import type { IndexInfo, TableInfo } from '../../../src/catalog/types.js';
import { qualifiedKey } from '../../../src/sql/qualified.js';
import { T, column, index, table } from '../../support/catalog.js';

function orders(indexes: IndexInfo[], extra: Partial<TableInfo> = {}): TableInfo {
  return table('public.orders', [column('id', T.int4), column('customer_id', T.int4), column('status', T.text), column('shop_id', T.int4)], { indexes, ...extra });
}

const ix = (name: string, columns: string[], o: Parameters<typeof index>[2] = {}) => index('public', name, { columns, ...o });

function facts(o: Partial<CheckFacts> & { scanned?: Record<string, number> } = {}): CheckFacts {
  const { scanned = {}, ...rest } = o;
  return {
    constraintOf: new Map(),
    foreignKeys: [],
    usage: new Map(Object.entries(scanned).map(([name, scans]) => [qualifiedKey({ schema: 'public', name }), { scans, statsReset: null }])),
    databaseStatsReset: '2026-01-02 03:04:05+00',
    ...rest,
  };
}

const fk = (columns: string[]): ForeignKeyFact => ({ table: { schema: 'public', name: 'orders' }, name: 'orders_fk', columns, references: { schema: 'public', name: 'customers' } });

const summary = (t: TableInfo[], f: CheckFacts) => checkIndexes(t, f).map((x) => [x.kind, x.index, 'sql' in x.fix ? x.fix.sql : x.fix.instruction]);

test('invalid: a failed build is rebuilt; REINDEX CONCURRENTLY leftovers are dropped; a build in progress is not a finding', () => {
  const t = orders([
    ix('orders_status_idx', ['status'], { valid: false }),
    ix('orders_id_idx_ccnew', ['id'], { valid: false }),
    ix('orders_id_idx_ccold1', ['id'], { valid: false }),
    ix('orders_building', ['shop_id'], { valid: false, ready: false, buildingPid: 4242 }),
  ]);
  assert.deepEqual(summary([t], facts({ scanned: {} })), [
    ['invalid', 'public.orders_id_idx_ccnew', 'DROP INDEX CONCURRENTLY public.orders_id_idx_ccnew;'],
    ['invalid', 'public.orders_id_idx_ccold1', 'DROP INDEX CONCURRENTLY public.orders_id_idx_ccold1;'],
    ['invalid', 'public.orders_status_idx', 'REINDEX INDEX CONCURRENTLY public.orders_status_idx;'],
  ]);
  assert.match(checkIndexes([t], facts())[0]?.detail ?? '', /new copy, left by an interrupted REINDEX CONCURRENTLY/);
});

test('duplicate: the constraint one is kept whatever the names; storage parameters do not matter, a predicate does', () => {
  const t = orders([
    ix('a_status', ['status'], { storage: ['fillfactor=70'] }),
    ix('b_status', ['status']),
    ix('z_key', ['status'], { unique: true }),
    ix('a_key_copy', ['status'], { unique: true }),
    ix('c_status_partial', ['status'], { predicate: '(status <> \'x\'::text)' }),
  ]);
  const f = facts({ constraintOf: new Map([[qualifiedKey({ schema: 'public', name: 'z_key' }), 'orders_status_key']]), scanned: { a_status: 1, b_status: 1, c_status_partial: 1 } });
  assert.deepEqual(summary([t], f), [
    ['duplicate', 'public.a_key_copy', 'DROP INDEX CONCURRENTLY public.a_key_copy;'],
    ['duplicate', 'public.b_status', 'DROP INDEX CONCURRENTLY public.b_status;'],
  ]);
});

test('duplicate on a partitioned table: DROP INDEX without CONCURRENTLY; attached partition indexes are not findings', () => {
  const parent = orders([ix('p_a', ['status']), ix('p_b', ['status'])], { kind: 'partitioned' });
  const part = table('public.orders_1', [column('status', T.text)], {
    indexes: [ix('orders_1_a', ['status'], { parentIndex: { schema: 'public', name: 'p_a' } }), ix('orders_1_b', ['status'], { parentIndex: { schema: 'public', name: 'p_b' } })],
  });
  assert.deepEqual(summary([parent, part], facts({ scanned: { orders_1_a: 0, orders_1_b: 0 } })), [['duplicate', 'public.p_b', 'DROP INDEX public.p_b;']]);
});

test('redundant: a leading prefix with the same predicate and operator classes; never a unique or constraint index', () => {
  const t = orders([
    ix('orders_cust', ['customer_id']),
    ix('orders_cust_status', ['customer_id', 'status']),
    ix('orders_status_pattern', ['status'], { opclass: 'text_pattern_ops', opclassIsDefault: false }),
    ix('orders_status_id', ['status', 'id']),
    ix('orders_shop_u', ['shop_id'], { unique: true }),
    ix('orders_shop_id', ['shop_id', 'id']),
    ix('orders_id_partial', ['id'], { predicate: '(status IS NOT NULL)' }),
    ix('orders_id_status', ['id', 'status']),
  ]);
  const scanned = Object.fromEntries(t.indexes.map((i) => [i.name, 3]));
  assert.deepEqual(summary([t], facts({ scanned })), [['redundant', 'public.orders_cust', 'DROP INDEX CONCURRENTLY public.orders_cust;']]);
});

test('unused: since the reset time; never unique, constraint, invalid or already reported indexes', () => {
  const t = orders([ix('orders_status', ['status']), ix('orders_u', ['shop_id'], { unique: true }), ix('orders_pkey', ['id']), ix('orders_cust', ['customer_id'])]);
  const f = facts({ constraintOf: new Map([[qualifiedKey({ schema: 'public', name: 'orders_pkey' }), 'orders_pkey']]), scanned: { orders_status: 0, orders_u: 0, orders_pkey: 0, orders_cust: 9 } });
  const found = checkIndexes([t], f);
  assert.deepEqual(found.map((x) => [x.kind, x.index]), [['unused', 'public.orders_status']]);
  assert.match(found[0]?.detail ?? '', /never scanned since the statistics were reset at 2026-01-02 03:04:05\+00/);
  const own = facts({ scanned: { orders_status: 0 }, databaseStatsReset: null });
  own.usage.set(qualifiedKey({ schema: 'public', name: 'orders_status' }), { scans: 0, statsReset: '2026-05-06 07:08:09+00' });
  assert.match(checkIndexes([t], own)[0]?.detail ?? '', /reset at 2026-05-06 07:08:09\+00/);
  assert.match(checkIndexes([t], facts({ scanned: { orders_status: 0 }, databaseStatsReset: null }))[0]?.detail ?? '', /since the statistics began \(never reset\)/);
});

test('unindexed foreign keys: served by the columns leading in any order, a primary key prefix, a partial IS NOT NULL index', () => {
  const used = (t: TableInfo) => Object.fromEntries(t.indexes.map((i) => [i.name, 1]));
  const served = (indexes: IndexInfo[], columns: string[]) => {
    const t = orders(indexes);
    return checkIndexes([t], facts({ foreignKeys: [fk(columns)], scanned: used(t) })).length === 0;
  };
  assert.equal(served([ix('orders_pkey', ['shop_id', 'customer_id', 'id'], { unique: true, primary: true })], ['customer_id', 'shop_id']), true);
  assert.equal(served([ix('p', ['customer_id'], { predicate: '(customer_id IS NOT NULL)' })], ['customer_id']), true);
  assert.equal(served([ix('p', ['customer_id', 'shop_id'], { predicate: '((customer_id IS NOT NULL) AND (shop_id IS NOT NULL))' })], ['customer_id', 'shop_id']), true);
  assert.equal(served([ix('p', ['customer_id'], { predicate: "(status <> 'x'::text)" })], ['customer_id']), false);
  assert.equal(served([ix('second', ['id', 'customer_id'])], ['customer_id']), false);
  assert.equal(served([ix('bad', ['customer_id'], { valid: false, buildingPid: 1 })], ['customer_id']), false);
  assert.equal(served([ix('gin', ['customer_id'], { method: 'gin' })], ['customer_id']), false);
  const t = orders([]);
  assert.deepEqual(summary([t], facts({ foreignKeys: [fk(['customer_id', 'shop_id'])] })), [
    ['unindexed-foreign-key', null, 'CREATE INDEX CONCURRENTLY ON public.orders (customer_id, shop_id);'],
  ]);
});

test('the text output groups by kind within 80 columns, never breaking a quoted name', () => {
  const t = table('public.Orders With A Long Name', [column('Customer Reference Number', T.int4)], {
    indexes: [ix('Orders With A Long Name by Customer Reference Number', ['Customer Reference Number'])],
  });
  const findings = checkIndexes([t], facts({ scanned: { 'Orders With A Long Name by Customer Reference Number': 0 } }));
  const text = checkText({ version: 1, database: 'shop', serverVersion: '18.1', tables: ['x'], statsSince: null, findings });
  const lines = text.trimEnd().split('\n');
  assert.deepEqual(lines.filter((l) => l.length > 80), []);
  assert.equal(lines[2], 'Unused indexes (1):');
  assert.ok(lines.some((l) => l.trim() === 'public."Orders With A Long Name by Customer Reference Number";'), text);
  assert.equal(checkText({ version: 1, database: 'shop', serverVersion: '18.1', tables: ['x'], statsSince: null, findings: [] }), 'No problems found in the indexes of 1 table of shop.\n');
});
