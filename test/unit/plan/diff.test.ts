import { test } from 'node:test';
import assert from 'node:assert/strict';
import { differences, findEquivalentValid, isEquivalent, normalisePredicate, type IndexDef } from '../../../src/plan/diff.js';
import { T, column, index, snapshot, table } from '../../support/catalog.js';

const t = table('public.orders', [column('id', T.int4, {}), column('status', T.text, {}), column('code', T.varchar, {}), column('doc', T.jsonb, {}), column('total', T.int4, {})]);
const snap = snapshot([t]);
const def = (o: Partial<IndexDef> = {}): IndexDef => ({ method: 'btree', keys: [{ column: 'status', opclass: null }], unique: false, include: [], where: null, ...o });
const existing = (o: Parameters<typeof index>[2] = {}) => index('public', 'whatever', { columns: ['status'], opclass: 'text_ops', ...o });

test('same table, method, key, default opclass: equivalent whatever the name', () => {
  assert.ok(isEquivalent(snap, t, def(), existing()));
});

test('a planned default opclass named explicitly equals an existing default one', () => {
  assert.ok(isEquivalent(snap, t, def({ keys: [{ column: 'status', opclass: { schema: null, name: 'text_ops' } }] }), existing()));
  assert.ok(isEquivalent(snap, t, def({ keys: [{ column: 'status', opclass: { schema: 'pg_catalog', name: 'text_ops' } }] }), existing()));
  // varchar has no btree opclass of its own: text_ops, through a binary coercion, is its default.
  assert.ok(isEquivalent(snap, t, def({ keys: [{ column: 'code', opclass: { schema: null, name: 'text_ops' } }] }), existing({ columns: ['code'] })));
});

test('an existing key counts as default only with the operator class CREATE INDEX picks for the column type', () => {
  // jsonb_ops is a default btree class, but for jsonb: on a text column it is no default (QA #11).
  const odd = existing({ opclass: 'jsonb_ops', opclassIsDefault: true });
  assert.deepEqual(differences(snap, t, def(), odd), ['key status has operator class jsonb_ops, planned the default']);
});

test('a different opclass, method, uniqueness, key or include is not equivalent, and says why', () => {
  const pattern = def({ keys: [{ column: 'status', opclass: { schema: 'pg_catalog', name: 'text_pattern_ops' } }] });
  assert.deepEqual(differences(snap, t, pattern, existing()), ['key status has operator class text_ops, planned text_pattern_ops']);
  assert.ok(isEquivalent(snap, t, pattern, existing({ opclass: 'text_pattern_ops', opclassIsDefault: false })));
  assert.ok(!isEquivalent(snap, t, def(), existing({ opclass: 'text_pattern_ops', opclassIsDefault: false })));
  assert.deepEqual(differences(snap, t, def({ method: 'hash' }), existing()), ['method btree, planned hash']);
  assert.deepEqual(differences(snap, t, def({ unique: true }), existing()), ['the plan is unique, it is not']);
  assert.deepEqual(differences(snap, t, def(), existing({ columns: ['status', 'id'] })), ['2 key column(s), planned 1']);
  assert.deepEqual(differences(snap, t, def({ include: ['total', 'id'] }), existing({ include: ['id', 'total'] })), []);
  assert.deepEqual(differences(snap, t, def({ include: ['total'] }), existing()), ['INCLUDE (), planned (total)']);
});

test('an expression key, a descending key or another collation is not equivalent', () => {
  const expr = existing();
  expr.keys = [{ column: null, expression: 'lower(status)', opclass: 'text_ops', opclassIsDefault: true, collation: 'default', descending: false, nullsFirst: false }];
  assert.ok(!isEquivalent(snap, t, def(), expr));
  const desc = existing();
  desc.keys = desc.keys.map((k) => ({ ...k, descending: true }));
  assert.ok(!isEquivalent(snap, t, def(), desc));
  const c = existing();
  c.keys = c.keys.map((k) => ({ ...k, collation: 'C' }));
  assert.deepEqual(differences(snap, t, def(), c), ['key status has collation C']);
  const d = existing();
  d.keys = d.keys.map((k) => ({ ...k, collation: 'default' }));
  assert.ok(isEquivalent(snap, t, def(), d));
});

test('predicates compare after normalisation, or through the server rendering', () => {
  const partial = existing({ predicate: '(deleted_at IS NULL)' });
  assert.ok(isEquivalent(snap, t, def({ where: 'deleted_at is   null' }), partial));
  assert.ok(!isEquivalent(snap, t, def(), partial));
  assert.ok(!isEquivalent(snap, t, def({ where: 'deleted_at IS NULL' }), existing()));
  const cast = existing({ predicate: "status = 'paid'::text" });
  assert.ok(!isEquivalent(snap, t, def({ where: "status = 'paid'" }), cast), 'unsure means different');
  assert.ok(isEquivalent(snap, t, def({ where: "status = 'paid'", whereNormalised: "status = 'paid'::text" }), cast));
});

test('normalisePredicate folds case and space outside quotes and drops outer parentheses', () => {
  assert.equal(normalisePredicate('((A  >  1) AND (b < 2))'), '(a > 1)and(b < 2)');
  assert.equal(normalisePredicate("( status = 'Paid  Now' )"), "status = 'Paid  Now'");
  assert.equal(normalisePredicate('"Mixed Col" IS NOT NULL'), '"Mixed Col" is not null');
  assert.equal(normalisePredicate('(a) OR (b)'), '(a)or(b)');
  assert.equal(normalisePredicate('x IN (1,2)'), normalisePredicate('x in(1, 2)'));
  assert.equal(normalisePredicate("(note <> 'it''s)')"), "note <> 'it''s)'");
  assert.equal(normalisePredicate('a<>b'), normalisePredicate('A <> B'));
  assert.notEqual(normalisePredicate('a < > b'), normalisePredicate('a <> b'));
  // Quoted text keeps its case and spaces, whatever quotes it: E'' escapes, dollar quotes, identifiers.
  assert.equal(normalisePredicate("(n <> E'It\\'s  )')"), "n <> E'It\\'s  )'");
  assert.equal(normalisePredicate('($$ A ) $$ = "B  C")'), '$$ A ) $$ = "B  C"');
  // Text that does not scan is compared as written.
  assert.equal(normalisePredicate(" a = 'open "), "a = 'open");
});

test('findEquivalentValid ignores invalid indexes and prefers the planned name, then the first name', () => {
  const table2 = { ...t, indexes: [existing({ name: 'b_idx' }), existing({ name: 'a_idx' }), existing({ name: 'planned', valid: false }), existing({ name: 'z_planned' })] };
  assert.equal(findEquivalentValid(snap, table2, def(), 'z_planned')?.name, 'z_planned');
  assert.equal(findEquivalentValid(snap, table2, def(), 'planned')?.name, 'a_idx');
  assert.equal(findEquivalentValid(snap, { ...t, indexes: [existing({ valid: false })] }, def(), 'x'), undefined);
});
