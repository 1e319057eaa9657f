import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cutToBytes, indexName, MAX_IDENTIFIER_BYTES, shortHash, utf8Bytes, withDisambiguator } from '../../../src/plan/names.js';
import { qualifiedKey } from '../../../src/sql/qualified.js';

test('a short name is <table>_<columns>_<method>_idx, or _uniq for a unique index', () => {
  assert.equal(indexName({ table: 'orders', columns: ['status'], method: 'btree', unique: false }), 'orders_status_btree_idx');
  assert.equal(indexName({ table: 'orders', columns: ['id'], method: 'btree', unique: true }), 'orders_id_btree_uniq');
  assert.equal(indexName({ table: 'Orders', columns: ['Created At'], method: 'brin', unique: false }), 'Orders_Created At_brin_idx');
});

test('a name of exactly 63 bytes is kept as it is', () => {
  const table = 'x'.repeat(63 - '_c_btree_idx'.length);
  const name = indexName({ table, columns: ['c'], method: 'btree', unique: false });
  assert.equal(utf8Bytes(name), 63);
  assert.equal(name, `${table}_c_btree_idx`);
});

test('a longer name is cut to 63 bytes and gets 8 hex digits of the full name, keeping the method suffix', () => {
  const table = 'customer_lifetime_value_snapshots_by_region';
  const column = 'last_successful_payment_attempted_at';
  const name = indexName({ table, columns: [column], method: 'btree', unique: false });
  const full = `${table}_${column}_btree_idx`;
  assert.ok(utf8Bytes(full) > 63);
  assert.equal(utf8Bytes(name), 63);
  assert.equal(name, `${full.slice(0, 63 - '_btree_idx'.length - 9)}_${shortHash(full)}_btree_idx`);
  assert.match(name, /_[0-9a-f]{8}_btree_idx$/);
});

test('the cut falls on a character boundary with multibyte characters, and stays within 63 bytes', () => {
  // ı is 2 bytes, 🦀 is 4: no cut may split one.
  for (const filler of ['ı', '🦀', 'aı', 'a🦀b']) {
    for (let n = 10; n < 40; n++) {
      const table = filler.repeat(n);
      const name = indexName({ table, columns: ['bıgınt'], method: 'gist', unique: false });
      assert.ok(utf8Bytes(name) <= MAX_IDENTIFIER_BYTES, `${name} is ${utf8Bytes(name)} bytes`);
      assert.ok(!name.includes('\uFFFD'));
      assert.equal(Buffer.from(name, 'utf8').toString('utf8'), name);
      assert.ok(name.endsWith('_gist_idx'));
    }
  }
  assert.equal(cutToBytes('aıb', 2), 'a');
  assert.equal(cutToBytes('aıb', 3), 'aı');
  assert.equal(cutToBytes('🦀🦀', 7), '🦀');
});

test('hashing is stable across runs, and long names differing only after the cut do not collide', () => {
  const parts = (c: string) => ({ table: 'a'.repeat(50), columns: [c], method: 'btree', unique: false });
  const a = indexName(parts('column_one'));
  const b = indexName(parts('column_two'));
  assert.notEqual(a, b);
  assert.equal(a.slice(0, 30), b.slice(0, 30));
  assert.equal(indexName(parts('column_one')), a);
  // The hash is sha1 of the full name, fixed forever: a changed algorithm would rename every index.
  assert.equal(shortHash('hello'), 'aaf4c61d');
});

test('disambiguated names differ per definition and fit in 63 bytes', () => {
  const p = { table: 'a_b', columns: ['c'], method: 'btree', unique: false };
  const q = { table: 'a', columns: ['b_c'], method: 'btree', unique: false };
  assert.equal(indexName(p), indexName(q));
  const x = withDisambiguator(p, 'public\0a_b\0c');
  const y = withDisambiguator(q, 'public\0a\0b_c');
  assert.notEqual(x, y);
  assert.match(x, /^a_b_c_[0-9a-f]{8}_btree_idx$/);
  assert.equal(withDisambiguator(p, 'public\0a_b\0c'), x);
  const long = withDisambiguator({ table: 'ı'.repeat(40), columns: ['c'], method: 'spgist', unique: true }, 'k');
  assert.ok(utf8Bytes(long) <= 63);
  assert.ok(long.endsWith('_spgist_uniq'));
});

test('qualified-name keys tell apart names whose schema and table split the same text differently', () => {
  assert.notEqual(qualifiedKey({ schema: 'a.b', name: 'c' }), qualifiedKey({ schema: 'a', name: 'b.c' }));
  assert.notEqual(qualifiedKey({ schema: 'a', name: 'b c' }), qualifiedKey({ schema: 'a b', name: 'c' }));
  assert.equal(qualifiedKey({ schema: 'public', name: 'Orders' }), qualifiedKey({ schema: 'public', name: 'Orders' }));
});
