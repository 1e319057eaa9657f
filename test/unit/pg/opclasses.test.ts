import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultOpclass, fit } from '../../../src/pg/opclasses.js';
import type { ColumnType } from '../../../src/catalog/types.js';
import { T, catalog } from '../../support/catalog.js';

const c = catalog(['hstore', 'ltree', 'cube', 'citext', 'btree_gin', 'btree_gist']);
const name = (method: string, type: ColumnType) => defaultOpclass(c, method, type)?.name ?? null;

test('default operator classes as GetDefaultOpClass picks them', () => {
  const cases: [string, ColumnType, string | null][] = [
    ['btree', T.int4, 'int4_ops'],
    // varchar coerces to both text and bpchar: text is the preferred type of its category
    ['btree', T.varchar, 'text_ops'],
    ['brin', T.varchar, 'text_minmax_ops'],
    // an exact class wins over a coercible one
    ['gin', T.varchar, 'varchar_ops'],
    ['btree', T.citext, 'citext_ops'],
    ['btree', T.mood, 'enum_ops'],
    ['btree', T.int4array, 'array_ops'],
    ['gist', T.int4range, 'range_ops'],
    ['gist', T.int4multirange, 'multirange_ops'],
    ['btree', T.address, 'record_ops'],
    ['brin', T.cidr, 'inet_inclusion_ops'],
    // with btree_gist installed, its gist_inet_ops is the default (core's inet_ops is not)
    ['gist', T.inet, 'gist_inet_ops'],
    ['gist', T.cidr, 'gist_cidr_ops'],
    ['gin', T.json, null],
    ['btree', T.xml, null],
    ['gist', T.int4array, null],
  ];
  for (const [method, type, want] of cases) assert.equal(name(method, type), want, `${method} ${type.base}`);
});

test('how an operator class accepts a type: exactly, by binary coercion or polymorphically', () => {
  const find = (method: string, n: string) => c.opclasses.find((o) => o.method === method && o.name === n)!;
  assert.equal(fit(c, find('btree', 'int4_ops'), T.int4), 'exact');
  assert.equal(fit(c, find('btree', 'text_pattern_ops'), T.varchar), 'binary');
  assert.equal(fit(c, find('gist', 'inet_ops'), T.cidr), 'binary');
  assert.equal(fit(c, find('gin', 'array_ops'), T.textarray), 'polymorphic');
  assert.equal(fit(c, find('btree', 'enum_ops'), T.mood), 'polymorphic');
  assert.equal(fit(c, find('gist', 'range_ops'), T.int4multirange), null);
  assert.equal(fit(c, find('gist', 'multirange_ops'), T.int4range), null);
  assert.equal(fit(c, find('btree', 'array_ops'), T.int4), null);
  assert.equal(fit(c, find('btree', 'enum_ops'), T.text), null);
  assert.equal(fit(c, find('btree', 'record_ops'), T.address), 'polymorphic');
  // text does not coerce to varchar-only classes the other way round without a cast
  assert.equal(fit(c, find('btree', 'int4_ops'), T.int8), null);
});
