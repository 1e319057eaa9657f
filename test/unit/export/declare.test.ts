/**
 * `pgindex export`'s pure part on hand-built snapshots: which indexes are declared and how (only what
 * is not the default is written), which are left out and why, the sorted YAML, and that the YAML
 * reads back through the plan loader as exactly those definitions. The real server's side is
 * test/integration/cli/export.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declareIndexes } from '../../../src/export/declare.js';
import { planYaml, yamlString } from '../../../src/export/plan-yaml.js';
import { selectionPatterns, selectedTables } from '../../../src/export/select.js';
import { parsePlanText } from '../../../src/planfile/load.js';
import type { IndexOwnerFacts } from '../../../src/catalog/index-owners.js';
import type { IndexInfo, IndexKey } from '../../../src/catalog/types.js';
import { T, column, index, snapshot, table } from '../../support/catalog.js';

const key = (column: string | null, o: Partial<IndexKey> = {}): IndexKey => ({
  column,
  expression: column ?? '',
  opclass: 'int4_ops',
  opclassIsDefault: true,
  collation: null,
  descending: false,
  nullsFirst: false,
  ...o,
});

const ix = (name: string, o: Partial<IndexInfo>): IndexInfo => index('public', name, o);

const orders = table('public.orders', [
  column('id', T.int4),
  column('customer_id', T.int4),
  column('created_at', T.timestamptz),
  column('email', T.text),
  column('amount', T.numeric),
  column('status', T.text),
  column('tags', T.int4array),
  column('Mixed Case', T.int4),
]);
orders.indexes = [
  ix('orders_pkey', { keys: [key('id')], unique: true, primary: true }),
  ix('orders_email_key', { keys: [key('email', { opclass: 'text_ops', collation: 'default' })], unique: true }),
  ix('orders_customer_created_idx', {
    keys: [key('customer_id'), key('created_at', { opclass: 'timestamptz_ops', descending: true, nullsFirst: false })],
  }),
  ix('orders_email_lower_idx', { keys: [key(null, { expression: 'lower(email)', opclass: 'text_ops', collation: 'default' })] }),
  ix('orders_email_pattern_idx', { keys: [key('email', { opclass: 'text_pattern_ops', opclassIsDefault: false, collation: 'C' })] }),
  ix('orders_amount_idx', {
    keys: [key('amount', { opclass: 'numeric_ops' })],
    include: ['status'],
    predicate: "amount > 0::numeric AND status <> 'x'::text",
    storage: ['fillfactor=70', 'deduplicate_items=off'],
    tablespace: 'fast',
  }),
  ix('orders_uid_uniq', { keys: [key('customer_id', { nullsFirst: true })], unique: true, nullsNotDistinct: true }),
  ix('orders_tags_gin', { method: 'gin', keys: [key('tags', { opclass: 'array_ops' })], storage: ['fastupdate=false'] }),
  ix('orders_created_brin', { method: 'brin', keys: [key('created_at', { opclass: 'timestamptz_minmax_ops' })], storage: ['pages_per_range=32'] }),
  ix('Orders Odd "name"', { keys: [key('Mixed Case')] }),
  ix('orders_rum_idx', { method: 'rum', keys: [key('email', { opclass: 'rum_ops', opclassIsDefault: true })] }),
  ix('orders_trgm_idx', { method: 'gist', keys: [key('email', { opclass: 'gist_trgm_ops', opclassIsDefault: false })] }),
  ix('orders_broken_idx', { keys: [key('status', { opclass: 'text_ops' })], valid: false }),
];
const audit = table('audit.log', [column('at', T.timestamptz)]);
audit.indexes = [index('audit', 'log_pkey', { columns: ['at'], opclass: 'timestamptz_ops', primary: true, unique: true })];
const plain = table('public.plain', [column('a', T.int4)]);

const owners = new Map<string, IndexOwnerFacts>([
  ['public\0orders_pkey', { constraint: { name: 'orders_pkey', kind: 'primary key' }, opclassOptions: false }],
  ['public\0orders_email_key', { constraint: { name: 'orders_email_key', kind: 'unique' }, opclassOptions: false }],
  ['public\0orders_trgm_idx', { constraint: null, opclassOptions: true }],
  ['audit\0log_pkey', { constraint: { name: 'log_pkey', kind: 'primary key' }, opclassOptions: false }],
]);

const snap = snapshot([plain, orders, audit]);

test('every index is declared with exactly what is not the default, sorted by name; the rest is left out with a reason', () => {
  const plan = declareIndexes(snap, snap.tables, owners);
  assert.deepEqual(
    plan.tables.map((t) => `${t.schema}.${t.name}`),
    ['audit.log', 'public.orders'],
    'tables by schema then name; a table without indexes is not listed',
  );
  const o = plan.tables[1]!;
  assert.deepEqual(
    o.indexes.map((i) => i.name),
    ['Orders Odd "name"', 'orders_amount_idx', 'orders_created_brin', 'orders_customer_created_idx', 'orders_email_lower_idx', 'orders_email_pattern_idx', 'orders_tags_gin', 'orders_uid_uniq'],
  );
  const by = (name: string) => o.indexes.find((i) => i.name === name);
  assert.deepEqual(by('orders_customer_created_idx'), {
    name: 'orders_customer_created_idx',
    method: 'btree',
    keys: [{ column: 'customer_id' }, { column: 'created_at', order: 'desc', nulls: 'last' }],
  });
  assert.deepEqual(by('orders_email_lower_idx')?.keys, [{ expression: 'lower(email)' }]);
  assert.deepEqual(by('orders_email_pattern_idx')?.keys, [{ column: 'email', opclass: 'text_pattern_ops', collation: 'C' }]);
  assert.deepEqual(by('orders_amount_idx'), {
    name: 'orders_amount_idx',
    method: 'btree',
    keys: [{ column: 'amount' }],
    include: ['status'],
    where: "amount > 0::numeric AND status <> 'x'::text",
    with: [
      ['fillfactor', 70],
      ['deduplicate_items', false],
    ],
    tablespace: 'fast',
  });
  assert.deepEqual(by('orders_uid_uniq'), {
    name: 'orders_uid_uniq',
    method: 'btree',
    keys: [{ column: 'customer_id', nulls: 'first' }],
    unique: true,
    nullsNotDistinct: true,
  });
  assert.deepEqual(by('orders_tags_gin')?.with, [['fastupdate', false]]);
  assert.deepEqual(by('orders_created_brin')?.with, [['pages_per_range', 32]]);
  assert.deepEqual(o.constraints, [
    { index: 'orders_email_key', reason: 'UNIQUE constraint orders_email_key' },
    { index: 'orders_pkey', reason: 'PRIMARY KEY constraint orders_pkey' },
  ]);
  assert.deepEqual(
    o.inexpressible.map((l) => l.index),
    ['orders_rum_idx', 'orders_trgm_idx'],
  );
  assert.match(o.inexpressible[0]!.reason, /access method rum/);
  assert.match(o.inexpressible[1]!.reason, /operator class with parameters/);
  assert.deepEqual(o.skipped.map((l) => l.index), ['orders_broken_idx']);
  assert.deepEqual(
    plan.warnings.map((w) => w.replace(/:.*/s, '')),
    ['public.orders', 'public.orders', 'public.orders'],
    'each index left out for another reason than a constraint is a warning',
  );
  assert.match(plan.warnings.join('\n'), /orders_rum_idx cannot be expressed in a plan: access method rum .*; left out \(CREATE INDEX/);
});

test('the YAML: the schema line first, sorted entries, comments for what is left out, quoting where a name or SQL needs it', () => {
  const text = planYaml(declareIndexes(snap, snap.tables, owners), { schemaRef: '../schemas/pgindex.schema.json' });
  const lines = text.split('\n');
  assert.equal(lines[0], '# yaml-language-server: $schema=../schemas/pgindex.schema.json');
  assert.ok(lines.includes('  # audit.log: no index to declare'));
  assert.ok(lines.includes('  #     log_pkey: PRIMARY KEY constraint log_pkey'));
  assert.ok(lines.includes('    #   orders_pkey: PRIMARY KEY constraint orders_pkey'));
  assert.ok(lines.includes(`      - name: ${JSON.stringify('"Orders Odd ""name"""')}`), 'a name the plan would fold or split is double-quoted for the plan, then for YAML');
  assert.ok(lines.includes(`          - ${JSON.stringify('"Mixed Case"')}`));
  assert.ok(lines.includes(`        where: ${JSON.stringify("amount > 0::numeric AND status <> 'x'::text")}`));
  assert.ok(lines.includes('          - expression: "lower(email)"'));
  // The same snapshot gives the same bytes.
  assert.equal(planYaml(declareIndexes(snap, [...snap.tables].reverse(), owners), { schemaRef: '../schemas/pgindex.schema.json' }), text);
});

test('the YAML reads back through the plan loader as the same definitions', () => {
  const exported = declareIndexes(snap, snap.tables, owners);
  const file = parsePlanText(planYaml(exported, { schemaRef: 'x' }), 'export.yaml');
  assert.deepEqual(
    file.tables.map((t) => t.name),
    ['public.orders'],
  );
  const specs = file.tables[0]!.indexes ?? [];
  assert.equal(specs.length, 8);
  const strip = <T extends object>(o: T): T => JSON.parse(JSON.stringify(o, (k, v) => (k === 'pos' ? undefined : v))) as T;
  const byName = new Map(specs.map((s) => [s.name, strip(s)]));
  assert.deepEqual(byName.get('"Orders Odd ""name"""')?.keys, [{ name: '"Mixed Case"' }]);
  assert.deepEqual(byName.get('orders_customer_created_idx'), {
    name: 'orders_customer_created_idx',
    method: 'btree',
    keys: [{ name: 'customer_id' }, { name: 'created_at', order: 'desc', nulls: 'last' }],
  });
  assert.deepEqual(byName.get('orders_amount_idx'), {
    name: 'orders_amount_idx',
    method: 'btree',
    keys: [{ name: 'amount' }],
    include: ['status'],
    where: "amount > 0::numeric AND status <> 'x'::text",
    with: [
      { name: 'fillfactor', value: 70 },
      { name: 'deduplicate_items', value: false },
    ],
    tablespace: 'fast',
  });
  assert.deepEqual(byName.get('orders_uid_uniq'), {
    name: 'orders_uid_uniq',
    method: 'btree',
    keys: [{ name: 'customer_id', nulls: 'first' }],
    unique: true,
    nullsNotDistinct: true,
  });
});

test('a partitioned index is declared on its parent; a partition index attached to it is not declared again, a partition-local one is', () => {
  const parent = table('public.events', [column('id', T.int4), column('at', T.date)], { kind: 'partitioned', partitions: [{ schema: 'public', name: 'events_2024' }] });
  const part = table('public.events_2024', [column('id', T.int4), column('at', T.date)], { parent: { schema: 'public', name: 'events' } });
  parent.indexes = [ix('events_at_idx', { keys: [key('at', { opclass: 'date_ops' })] })];
  part.indexes = [
    ix('events_2024_at_idx', { keys: [key('at', { opclass: 'date_ops' })], parentIndex: { schema: 'public', name: 'events_at_idx' } }),
    ix('events_2024_id_local', { keys: [key('id')] }),
  ];
  const s = snapshot([parent, part]);
  const all = declareIndexes(s, s.tables, new Map());
  assert.deepEqual(
    all.tables.map((t) => [t.name, t.indexes.map((i) => i.name), t.skipped.length]),
    [
      ['events', ['events_at_idx'], 0],
      ['events_2024', ['events_2024_id_local'], 0],
    ],
  );
  assert.deepEqual(all.warnings, []);
  // Exported alone, the partition says where its attached index is declared, and warns.
  const alone = declareIndexes(s, [part], new Map());
  assert.deepEqual(alone.tables[0]?.skipped.map((l) => l.index), ['events_2024_at_idx']);
  assert.match(alone.warnings[0] ?? '', /attached to partitioned index public\.events_at_idx, whose table is not exported/);
});

test('a storage parameter a plan cannot give, and an opclass whose schema is ambiguous, are inexpressible', () => {
  const t = table('public.t', [column('a', T.int4), column('b', T.text)]);
  t.indexes = [
    ix('t_a_bloom', { method: 'bloom', keys: [key('a', { opclass: 'int4_ops', opclassIsDefault: true })], storage: ['length=80'] }),
    ix('t_b_idx', { keys: [key('b', { opclass: 'my_ops', opclassIsDefault: false })] }),
  ];
  const base = snapshot([t]);
  const twice = { ...base, opclasses: [...base.opclasses, { ...base.opclasses[0]!, oid: 1, name: 'my_ops', schema: 'a' }, { ...base.opclasses[0]!, oid: 2, name: 'my_ops', schema: 'b' }] };
  const plan = declareIndexes(twice, twice.tables, new Map());
  assert.deepEqual(plan.tables[0]?.indexes, []);
  assert.deepEqual(
    plan.tables[0]?.inexpressible.map((l) => l.reason),
    ["storage parameter length=80, which a plan's with: cannot give a bloom index", 'operator class my_ops of key b, whose schema is ambiguous'],
  );
});

test('a second index with the definition of an earlier one is left out with a warning: a plan would build it once', () => {
  const t = table('public.t', [column('a', T.int4), column('b', T.int4), column('c', T.int4)]);
  t.indexes = [
    ix('t_ab', { keys: [key('a')], include: ['b', 'c'], storage: ['fillfactor=80', 'deduplicate_items=on'] }),
    ix('t_ab_again', { keys: [key('a')], include: ['c', 'b'], storage: ['deduplicate_items=true', 'fillfactor=80'], tablespace: 'fast' }),
    ix('t_ab_desc', { keys: [key('a', { descending: true, nullsFirst: true })], include: ['b', 'c'] }),
  ];
  const plan = declareIndexes(snapshot([t]), [t], new Map());
  assert.deepEqual(plan.tables[0]?.indexes.map((i) => i.name), ['t_ab', 't_ab_desc']);
  assert.deepEqual(plan.tables[0]?.inexpressible, [{ index: 't_ab_again', reason: 'a duplicate of t_ab (the same definition): a plan declares a definition once' }]);
  assert.deepEqual(plan.warnings, ['public.t: index t_ab_again is a duplicate of t_ab; left out (a plan builds one index per definition)']);
});

test('selection: search_path schemas by default, --schema and --table narrow, partitions come with their table', () => {
  const d = selectionPatterns({}, ['public', 'Sales']);
  assert.deepEqual(d.patterns, ['public.*', '"Sales".*']);
  assert.ok(d.selects({ schema: 'Sales', name: 'x' }));
  assert.ok(!d.selects({ schema: 'other', name: 'x' }));
  const n = selectionPatterns({ schemas: ['s*'], tables: ['orders', 'audit.log*'] }, ['public']);
  assert.deepEqual(n.patterns, ['s*.orders', 'audit.log*']);
  assert.ok(n.selects({ schema: 'shop', name: 'orders' }));
  assert.ok(!n.selects({ schema: 'shop', name: 'items' }));
  assert.ok(!n.selects({ schema: 'audit', name: 'logs' }), 'a qualified --table outside the --schema ones is narrowed away');
  const q = selectionPatterns({ tables: ['audit.log*'] }, ['public']);
  assert.ok(q.selects({ schema: 'audit', name: 'logs' }), 'without --schema, a qualified --table names its own schema');
  assert.ok(!selectionPatterns({ schemas: ['*'] }, []).selects({ schema: 'pg_catalog', name: 'pg_class' }));
  assert.throws(() => selectionPatterns({ tables: ['a.b.c'] }, ['public']), /--table "a\.b\.c"/);
  const parent = table('public.events', [], { kind: 'partitioned', partitions: [{ schema: 'parts', name: 'e1' }] });
  const child = table('parts.e1', [], { parent: { schema: 'public', name: 'events' } });
  const other = table('parts.zz', []);
  const sel = selectionPatterns({ tables: ['events'] }, ['public']);
  assert.deepEqual(
    selectedTables([parent, child, other], sel.selects).map((t) => t.name),
    ['events', 'e1'],
  );
});

test('yamlString: plain only when YAML reads it back as the same string', () => {
  assert.equal(yamlString('btree'), 'btree');
  assert.equal(yamlString('public.orders'), 'public.orders');
  for (const s of ['on', 'No', 'null', 'true', '1', '', 'a: b', '"x"', '- x', '#', 'a b', "it's"]) {
    assert.equal(yamlString(s), JSON.stringify(s), s);
  }
});
