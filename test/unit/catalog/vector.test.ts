/**
 * The catalog's int2vector and oidvector columns as the server prints them (pg_index.indkey,
 * indclass, indcollation, indoption), read digit by digit by the snapshot: the same numbers as
 * splitting on spaces, whatever the vector.
 * And the order of names the snapshot gives a table's indexes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCodePoints, vector } from '../../../src/catalog/snapshot.js';

const bySplit = (text: string): number[] => (text === '' ? [] : text.split(' ').map(Number));

test('a vector is its numbers in order, as splitting on spaces gives them', () => {
  const cases = ['', '0', '1', '1 0 3', '0 0', '3 2 1 0', '4294967295 100 950', '10 3072 12345', '-1 2', '32767 -32768'];
  for (const text of cases) assert.deepEqual(vector(text), bySplit(text), JSON.stringify(text));
});

test('an oidvector of many collations and operator classes, as one index with 32 keys prints it', () => {
  const numbers = Array.from({ length: 32 }, (_, i) => (i * 7919 + 1) % 4294967296);
  assert.deepEqual(vector(numbers.join(' ')), numbers);
});

test('compareCodePoints orders names as the server orders `name` (UTF-8 bytes), not as JavaScript compares strings', () => {
  const names = ['😀', 'ｍ', 'é', 'z', 'A', '', 'a', 'ab', '\u{10000}', '\uE000', '\uFFFF'];
  const byBytes = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual([...names].sort(compareCodePoints), byBytes);
  assert.deepEqual(byBytes, ['', 'A', 'a', 'ab', 'z', 'é', '\uE000', 'ｍ', '\uFFFF', '\u{10000}', '😀']);
  assert.ok(compareCodePoints('x', 'x') === 0 && compareCodePoints('a', 'ab') < 0 && compareCodePoints('ab', 'a') > 0);
});
