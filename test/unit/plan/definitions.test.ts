/**
 * The pure parts of complete index definitions (`indexes:`, issue 10): statement text, names,
 * storage parameters, and the planner on hand-built snapshots for what a real server of every
 * version cannot show (PostgreSQL 14 and NULLS NOT DISTINCT, tablespaces).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from '../../../src/plan/build.js';
import { createIndexSql } from '../../../src/plan/sql.js';
import { differences, type IndexDef } from '../../../src/plan/diff.js';
import { indexName, keyNamePart } from '../../../src/plan/names.js';
import { canonicalParam, storageParamProblem, STORAGE_PARAMS } from '../../../src/pg/storage-params.js';
import { InputError, formatProblem } from '../../../src/errors.js';
import { parsePlanText } from '../../../src/planfile/load.js';
import type { IndexKeySpec, IndexSpec } from '../../../src/planfile/types.js';
import type { Plan } from '../../../src/plan/types.js';
import { SERVER, T, column, index, snapshot, table } from '../../support/catalog.js';
import { colSpec, planFile, tableSpec } from '../../support/plan-file.js';

let line = 100;
const pos = () => ({ file: 'plan.yaml', line: line++, col: 9 });
const key = (k: Omit<IndexKeySpec, 'pos'> | string): IndexKeySpec => (typeof k === 'string' ? { name: k, pos: pos() } : { ...k, pos: pos() });
const ix = (keys: (Omit<IndexKeySpec, 'pos'> | string)[], o: Omit<Partial<IndexSpec>, 'keys'> = {}): IndexSpec => ({ keys: keys.map(key), pos: pos(), ...o });

const t = (indexes = [index('public', 't_pkey', { columns: ['id'], unique: true, primary: true })]) =>
  table('public.t', [column('id', T.int4, {}), column('a', T.int4, {}), column('b', T.int4, {}), column('email', T.text, {}, { collation: 'default' })], {
    reltuples: 1000,
    relpages: 10,
    indexes,
  });
const sqlOf = (plan: Plan) => plan.steps.map((s) => s.sql);
const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err.problems.map(formatProblem);
    throw err;
  }
  assert.fail('expected problems');
};

test('createIndexSql: every part of a definition in the order the grammar takes them, identifiers quoted', () => {
  assert.equal(
    createIndexSql({
      name: 'x',
      table: { schema: 'public', name: 'Orders' },
      method: 'btree',
      keys: [
        { column: 'a', opclass: null, descending: true, nullsFirst: false },
        { column: null, expression: ' lower(email) ', opclass: { schema: 'pg_catalog', name: 'text_pattern_ops' }, collation: 'C' },
        { column: 'order', opclass: null, nullsFirst: true },
      ],
      unique: true,
      concurrently: true,
      include: ['b'],
      nullsNotDistinct: true,
      storage: [
        ['fillfactor', '70'],
        ['deduplicate_items', 'off'],
      ],
      tablespace: 'fast',
      where: 'a > 0',
    }),
    'CREATE UNIQUE INDEX CONCURRENTLY x ON public."Orders" USING btree (a DESC NULLS LAST, (lower(email)) COLLATE "C" text_pattern_ops, "order" NULLS FIRST) INCLUDE (b) NULLS NOT DISTINCT WITH (fillfactor = 70, deduplicate_items = off) TABLESPACE fast WHERE a > 0',
  );
});

test('names: each key, an expression by its words, the order and NULLS when given; long names cut and hashed', () => {
  assert.equal(keyNamePart({ column: 'a' }), 'a');
  assert.equal(keyNamePart({ column: 'a', descending: true }), 'a_desc');
  assert.equal(keyNamePart({ column: 'a', nullsFirst: false }), 'a_nulls_last');
  assert.equal(keyNamePart({ column: null, expression: "LOWER(email) || 'x'" }), 'lower_email_x');
  assert.equal(keyNamePart({ column: null, expression: '(a + 1)' }), 'a_1');
  assert.equal(keyNamePart({ column: null, expression: '+' }), 'expr');
  const long = indexName({ table: 'orders', columns: ['customer_id', 'created_at_desc_nulls_last', 'a_very_long_column_name'], method: 'btree', unique: false });
  assert.ok(Buffer.byteLength(long) <= 63, long);
  assert.match(long, /^orders_customer_id_created_at_desc_nulls_la?s?_[0-9a-f]{8}_btree_idx$/);
});

test('storage parameters: the table per method, values read by their type', () => {
  assert.deepEqual(Object.keys(STORAGE_PARAMS.btree ?? {}), ['fillfactor', 'deduplicate_items']);
  assert.deepEqual(canonicalParam({ kind: 'boolean' }, false), { ok: true, value: 'off' });
  assert.deepEqual(canonicalParam({ kind: 'boolean' }, 'FALSE'), { ok: true, value: 'off' });
  assert.deepEqual(canonicalParam({ kind: 'boolean' }, 'on'), { ok: true, value: 'on' });
  assert.deepEqual(canonicalParam({ kind: 'integer', min: 10, max: 100 }, '70'), { ok: true, value: '70' });
  assert.equal(storageParamProblem('btree', 'fillfactor', 70), null);
  assert.equal(storageParamProblem('brin', 'fillfactor', 70), 'brin indexes do not take storage parameter fillfactor (btree, hash, gist, spgist take it; brin takes pages_per_range, autosummarize)');
  assert.equal(storageParamProblem('gist', 'buffering', 'sometimes'), 'buffering must be one of auto, on, off, got "sometimes"');
  assert.equal(storageParamProblem('hash', 'fillfactor', 5), 'fillfactor must be an integer from 10 to 100, got 5');
  assert.match(storageParamProblem('btree', 'fill', 5) ?? '', /^unknown storage parameter "fill"/);
  assert.equal(storageParamProblem('bloom', 'fillfactor', 5), null, "bloom's parameters are the server's to judge");
});

test('differences: storage parameters as their types read them, NULLS NOT DISTINCT, the tablespace only when the entry gives one', () => {
  const table = t();
  const snap = snapshot([table]);
  const def: IndexDef = { method: 'btree', keys: [{ column: 'a', opclass: null }], unique: true, include: [], where: null, storage: [['deduplicate_items', 'off']] };
  const existing = index('public', 'x', { columns: ['a'], unique: true, storage: ['deduplicate_items=false'] });
  assert.deepEqual(differences(snap, table, def, existing), []);
  assert.deepEqual(differences(snap, table, { ...def, nullsNotDistinct: true }, existing), ['the plan is NULLS NOT DISTINCT, it is not']);
  assert.deepEqual(differences(snap, table, { ...def, storage: [] }, existing), ['WITH (deduplicate_items=off), planned (nothing)']);
  assert.deepEqual(differences(snap, table, { ...def, tablespace: 'pg_default' }, existing), []);
  assert.deepEqual(differences(snap, table, { ...def, tablespace: 'fast' }, existing), ['tablespace the default, planned fast']);
  const desc = index('public', 'y', { columns: ['a'], unique: true, storage: ['deduplicate_items=off'], keys: [{ column: 'a', expression: 'a', opclass: 'int4_ops', opclassIsDefault: true, collation: null, descending: true, nullsFirst: false }] });
  assert.deepEqual(differences(snap, table, { ...def, keys: [{ column: 'a', opclass: null, descending: true }] }, desc), ['key a is DESC NULLS LAST, planned DESC NULLS FIRST']);
  assert.deepEqual(differences(snap, table, { ...def, keys: [{ column: 'a', opclass: null, descending: true, nullsFirst: false }] }, desc), []);
});

test('NULLS NOT DISTINCT on a server older than 15 is a problem at its plan line, with the rest', () => {
  const old = snapshot([t()], { server: { ...SERVER, versionNum: 140010, version: '14.10' } });
  const entry = ix(['a'], { unique: true, nullsNotDistinct: true });
  const fillfactor = { name: 'fillfactor', value: 70, pos: pos() };
  const file = planFile([tableSpec('t', [], { indexes: [entry, ix(['b'], { with: [fillfactor], method: 'brin' })] })]);
  const problems = problemsOf(() => buildPlan(file, old));
  assert.deepEqual(problems, [
    `plan.yaml:${entry.pos.line}:9: nulls_not_distinct needs PostgreSQL 15 or later; the server is 14.10`,
    `plan.yaml:${fillfactor.pos.line}:9: with: brin indexes do not take storage parameter fillfactor (btree, hash, gist, spgist take it; brin takes pages_per_range, autosummarize)`,
  ]);
});

test('an indexes: entry equal to a columns: entry is planned once; one key of a plain column gets the advisor\'s method', () => {
  const file = planFile([tableSpec('t', [colSpec('email')], { indexes: [ix(['email']), ix(['a', { name: 'b', order: 'desc' }])] })]);
  const plan = buildPlan(file, snapshot([t()]));
  assert.deepEqual(sqlOf(plan), [
    'CREATE INDEX CONCURRENTLY t_email_btree_idx ON public.t USING btree (email)',
    'CREATE INDEX CONCURRENTLY t_a_b_desc_btree_idx ON public.t USING btree (a, b DESC)',
  ]);
  assert.equal(plan.warnings.length, 1);
  assert.match(plan.warnings[0] ?? '', /^plan\.yaml:\d+:9: public\.t \(email\) gives the same index as plan\.yaml:\d+:9 \(btree\): planned once$/);
  assert.deepEqual(
    plan.columns.map((c) => [c.column, c.type, c.action]),
    [
      ['email', 'text', 'create'],
      ['email', 'text', 'skip'],
      ['a, b DESC', 'integer, integer', 'create'],
    ],
  );
});

test('an entry whose one key an existing index merely leads is still planned: only an equivalent index counts', () => {
  // The unique primary key leads with id, but a plain index on id is another index.
  const plan = buildPlan(planFile([tableSpec('t', [], { indexes: [ix(['id'])] })]), snapshot([t()]));
  assert.deepEqual(sqlOf(plan), ['CREATE INDEX CONCURRENTLY t_id_btree_idx ON public.t USING btree (id)']);
  const byHand = t([index('public', 't_id_by_hand', { columns: ['id'] })]);
  const again = buildPlan(planFile([tableSpec('t', [], { indexes: [ix(['id'])] })]), snapshot([byHand]));
  assert.deepEqual([sqlOf(again), again.columns.map((c) => [c.action, c.index?.name])], [[], [['exists', 't_id_by_hand']]]);
});

test('explicit names: kept as written; the same name for two different definitions is a problem; a derived name makes room', () => {
  const a = ix(['a'], { name: 'mine' });
  const b = ix(['b'], { name: 'mine' });
  assert.deepEqual(problemsOf(() => buildPlan(planFile([tableSpec('t', [], { indexes: [a, b] })]), snapshot([t()]))), [
    `plan.yaml:${b.pos.line}:9: index name public.mine is also given at plan.yaml:${a.pos.line}:9 to a different definition (give each index a name of its own)`,
  ]);
  const plan = buildPlan(planFile([tableSpec('t', [], { indexes: [ix(['a'], { name: 't_b_btree_idx' }), ix(['b'])] })]), snapshot([t()]));
  assert.equal(sqlOf(plan)[0], 'CREATE INDEX CONCURRENTLY t_b_btree_idx ON public.t USING btree (a)');
  assert.match(sqlOf(plan)[1] ?? '', /^CREATE INDEX CONCURRENTLY t_b_[0-9a-f]{8}_btree_idx ON public\.t USING btree \(b\)$/);
  const tooLong = ix(['a'], { name: 'x'.repeat(64) });
  assert.deepEqual(problemsOf(() => buildPlan(planFile([tableSpec('t', [], { indexes: [tooLong] })]), snapshot([t()]))), [
    `plan.yaml:${tooLong.pos.line}:9: name "${'x'.repeat(64)}" is 64 bytes long; PostgreSQL would cut it to 63`,
  ]);
});

test("the issue's example loads as written: keys normalised, storage parameters in plan order, each entry at its first key", () => {
  const text = [
    'version: 1',
    'tables:',
    '  - name: orders',
    '    indexes:',
    '      - columns: [customer_id, {name: created_at, order: desc, nulls: last}]',
    '      - columns: [{expression: "lower(email)"}]',
    '        name: orders_email_lower_idx',
    '      - columns: [uid]',
    '        unique: true',
    '        nulls_not_distinct: true',
    '      - columns: [amount]',
    '        include: [status]',
    '        where: "amount > 0"',
    '        with: {fillfactor: 70}',
    '      - columns: [{name: email, opclass: text_pattern_ops, collation: "C"}]',
    '      - columns: [ts]',
    '        method: brin',
    '        with: {pages_per_range: 32, autosummarize: true}',
    '',
  ].join('\n');
  const file = parsePlanText(text, 'plan.yaml');
  const [orders] = file.tables;
  assert.deepEqual(orders?.columns, [], 'an entry with only indexes: has no columns');
  const strip = (o: unknown): unknown => JSON.parse(JSON.stringify(o, (k, v: unknown) => (k === 'pos' ? undefined : v)));
  assert.deepEqual(strip(orders?.indexes), [
    { keys: [{ name: 'customer_id' }, { name: 'created_at', order: 'desc', nulls: 'last' }] },
    { keys: [{ expression: 'lower(email)' }], name: 'orders_email_lower_idx' },
    { keys: [{ name: 'uid' }], unique: true, nullsNotDistinct: true },
    { keys: [{ name: 'amount' }], include: ['status'], where: 'amount > 0', with: [{ name: 'fillfactor', value: 70 }] },
    { keys: [{ name: 'email', opclass: 'text_pattern_ops', collation: 'C' }] },
    { keys: [{ name: 'ts' }], method: 'brin', with: [{ name: 'pages_per_range', value: 32 }, { name: 'autosummarize', value: true }] },
  ]);
  assert.deepEqual(
    orders?.indexes?.map((i) => [i.pos.line, i.pos.col]),
    [[5, 19], [6, 19], [8, 19], [11, 19], [15, 19], [16, 19]],
  );
});

test('a table entry needs columns or indexes; an index entry checked against the method it gets', () => {
  const text = ['version: 1', 'tables:', '  - name: t', '  - name: u', '    indexes:', '      - columns: [a]', '        unique: true', '        method: hash', '        with: {deduplicate_items: true}', ''].join('\n');
  assert.deepEqual(problemsOf(() => parsePlanText(text, 'plan.yaml')), [
    'plan.yaml:3:5: a table entry needs columns or indexes (or both)',
    'plan.yaml:8:17: a unique index must use btree, not hash',
    'plan.yaml:9:16: with: hash indexes do not take storage parameter deduplicate_items (btree takes it; hash takes fillfactor)',
  ]);
});

test('an expression that is not one expression never reaches a statement, even from a PlanFile made without the loader', () => {
  const bad = ix([{ expression: 'a); DROP TABLE t; --' }]);
  const unbalanced = ix([{ expression: 'a), (b' }]);
  assert.deepEqual(problemsOf(() => buildPlan(planFile([tableSpec('t', [], { indexes: [bad, unbalanced] })]), snapshot([t()]))), [
    `plan.yaml:${(bad.keys[0]?.pos.line ?? 0)}:9: expression: unbalanced parentheses`,
    `plan.yaml:${(unbalanced.keys[0]?.pos.line ?? 0)}:9: expression: unbalanced parentheses`,
  ]);
  const semicolon = ix([{ expression: "a || ';' ; select 1" }]);
  assert.deepEqual(problemsOf(() => buildPlan(planFile([tableSpec('t', [], { indexes: [semicolon] })]), snapshot([t()]))), [
    `plan.yaml:${(semicolon.keys[0]?.pos.line ?? 0)}:9: expression: \`;\` is not allowed: it must be a single expression`,
  ]);
});
