/**
 * The catalog's int2vector and oidvector columns as the server prints them (pg_index.indkey,
 * indclass, indcollation, indoption), read digit by digit by the snapshot: the same numbers as
 * splitting on spaces, whatever the vector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vector } from '../../../src/catalog/snapshot.js';

const bySplit = (text: string): number[] => (text === '' ? [] : text.split(' ').map(Number));

test('a vector is its numbers in order, as splitting on spaces gives them', () => {
  const cases = ['', '0', '1', '1 0 3', '0 0', '3 2 1 0', '4294967295 100 950', '10 3072 12345', '-1 2', '32767 -32768'];
  for (const text of cases) assert.deepEqual(vector(text), bySplit(text), JSON.stringify(text));
});

test('an oidvector of many collations and operator classes, as one index with 32 keys prints it', () => {
  const numbers = Array.from({ length: 32 }, (_, i) => (i * 7919 + 1) % 4294967296);
  assert.deepEqual(vector(numbers.join(' ')), numbers);
});
