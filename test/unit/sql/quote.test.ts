import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quoteIdent, quoteLiteral, quoteMaybeQualified, quoteQualified } from '../../../src/sql/quote.js';

test('plain lower-case identifiers stay bare', () => {
  for (const name of ['orders', 'customer_id', '_x', 'a1', 'price$']) assert.equal(quoteIdent(name), name);
});

test('mixed case, spaces, leading digits, dollar first and punctuation are quoted', () => {
  assert.equal(quoteIdent('Orders'), '"Orders"');
  assert.equal(quoteIdent('created at'), '"created at"');
  assert.equal(quoteIdent('1st'), '"1st"');
  assert.equal(quoteIdent('$x'), '"$x"');
  assert.equal(quoteIdent('a-b'), '"a-b"');
  assert.equal(quoteIdent('a.b'), '"a.b"');
});

test('double quotes are doubled', () => {
  assert.equal(quoteIdent('say "hi"'), '"say ""hi"""');
  assert.equal(quoteIdent('"'), '""""');
});

test('non-ASCII names are quoted (so that no case folding can touch them)', () => {
  assert.equal(quoteIdent('bıgınt'), '"bıgınt"');
  assert.equal(quoteIdent('ÄÖÜ'), '"ÄÖÜ"');
  assert.equal(quoteIdent('日付'), '"日付"');
});

test('reserved words and keywords that cannot be bare column names are quoted', () => {
  for (const word of ['select', 'user', 'order', 'table', 'from', 'only', 'concurrently', 'using', 'window', 'int', 'between', 'xmltable']) {
    assert.equal(quoteIdent(word), `"${word}"`, word);
  }
});

test('unreserved keywords are valid bare identifiers and stay bare', () => {
  for (const word of ['at', 'name', 'data', 'index', 'action']) assert.equal(quoteIdent(word), word);
});

test('empty names and NUL are refused', () => {
  assert.throws(() => quoteIdent(''), /empty/);
  assert.throws(() => quoteIdent('a\0b'), /NUL/);
});

test('qualified names quote each part', () => {
  assert.equal(quoteQualified({ schema: 'public', name: 'orders' }), 'public.orders');
  assert.equal(quoteQualified({ schema: 'My Schema', name: 'a.b' }), '"My Schema"."a.b"');
});

test('literals double single quotes and escape backslashes', () => {
  assert.equal(quoteLiteral("it's"), "'it''s'");
  assert.equal(quoteLiteral('a\\b'), "E'a\\\\b'");
  assert.throws(() => quoteLiteral('\0'), /NUL/);
});

test('a name with an optional schema is qualified only when it has one', () => {
  assert.equal(quoteMaybeQualified({ schema: 'My Schema', name: 'orders' }), '"My Schema".orders');
  assert.equal(quoteMaybeQualified({ schema: null, name: 'Orders' }), '"Orders"');
  assert.equal(quoteMaybeQualified({ schema: '', name: 'select' }), '"select"');
});
