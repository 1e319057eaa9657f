import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { advise, adviseMethod } from '../../../src/advisor/advise.js';
import type { AdviceInput, Decision } from '../../../src/advisor/types.js';
import type { ColumnInfo, ColumnStats, ColumnType, IndexInfo, TableInfo } from '../../../src/catalog/types.js';
import { formatProblem } from '../../../src/errors.js';
import { DEFAULT_RULES, type ColumnSpec, type Rules } from '../../../src/planfile/types.js';
import { T, catalog, column, table, type FixtureCatalog } from '../../support/catalog.js';

const pos = { file: 'plan.yaml', line: 7, col: 9 };

interface Case {
  type: ColumnType;
  stats?: Partial<ColumnStats> | null;
  table?: Partial<TableInfo>;
  spec?: Partial<ColumnSpec>;
  rules?: Partial<Rules>;
  catalog?: FixtureCatalog;
  column?: Partial<ColumnInfo>;
  indexes?: IndexInfo[];
}

function run(c: Case): Decision {
  const col = column('c', c.type, c.stats ?? null, c.column);
  const input: AdviceInput = {
    column: col,
    table: table('public.t', [col], { ...c.table, indexes: c.indexes ?? [] }),
    spec: c.spec ? { name: 'c', pos, ...c.spec } : null,
    rules: { ...DEFAULT_RULES, ...c.rules },
    catalog: c.catalog ?? catalog(),
  };
  return advise(input);
}

function expectIndex(d: Decision, method: string, opclass: string | null, reason?: string | RegExp) {
  assert.equal(d.kind, 'index', `expected an index, got ${JSON.stringify(d)}`);
  if (d.kind !== 'index') return;
  assert.equal(d.method, method, d.reason);
  assert.equal(d.opclass, opclass, d.reason);
  if (typeof reason === 'string') assert.equal(d.reason, reason);
  else if (reason) assert.match(d.reason, reason);
}

function expectSkip(d: Decision, reason: RegExp, suggestion?: RegExp) {
  assert.equal(d.kind, 'skip', `expected a skip, got ${JSON.stringify(d)}`);
  if (d.kind !== 'skip') return;
  assert.match(d.reason, reason);
  if (suggestion) assert.match(d.suggestion ?? '', suggestion);
}

/** The advisor returns what the plan asks that cannot be done as a problem at the entry's position. */
function expectProblem(c: Case, message: RegExp) {
  const d = run(c);
  assert.equal(d.kind, 'problem', `expected a problem, got ${JSON.stringify(d)}`);
  if (d.kind !== 'problem') return;
  assert.deepEqual(d.problem.pos, pos);
  assert.equal(d.problem.hint, undefined);
  const text = formatProblem(d.problem);
  assert.match(text, /^plan\.yaml:7:9: public\.t\.c: /);
  assert.match(text, message);
}

describe('by type, without statistics', () => {
  const cases: [string, ColumnType, string, string | null, string][] = [
    ['integer', T.int4, 'btree', null, 'integer → btree'],
    ['smallint', T.int2, 'btree', null, 'smallint → btree'],
    ['bigint', T.int8, 'btree', null, 'bigint → btree'],
    ['numeric', T.numeric, 'btree', null, 'numeric → btree'],
    ['double precision', T.float8, 'btree', null, 'double precision → btree'],
    ['text', T.text, 'btree', null, 'text → btree'],
    ['varchar', T.varchar, 'btree', null, 'character varying(20) → btree'],
    ['bpchar', T.bpchar, 'btree', null, 'character(3) → btree'],
    ['citext', T.citext, 'btree', null, 'citext → btree'],
    ['date', T.date, 'btree', null, 'date → btree'],
    ['timestamp', T.timestamp, 'btree', null, 'timestamp without time zone → btree'],
    ['timestamptz', T.timestamptz, 'btree', null, 'timestamp with time zone → btree'],
    ['interval', T.interval, 'btree', null, 'interval → btree'],
    ['uuid', T.uuid, 'btree', null, 'uuid → btree'],
    ['enum', T.mood, 'btree', null, 'mood → btree'],
    ['bytea', T.bytea, 'btree', null, 'bytea → btree'],
    ['money', T.money, 'btree', null, 'money → btree'],
    ['domain over integer', T.bigintDomain, 'btree', null, '"bıgınt" (domain over integer) → btree'],
    ['integer[]', T.int4array, 'gin', null, 'integer[] → gin'],
    ['text[]', T.textarray, 'gin', null, 'text[] → gin'],
    ['jsonb', T.jsonb, 'gin', 'jsonb_path_ops', 'jsonb → gin jsonb_path_ops'],
    ['tsvector', T.tsvector, 'gin', null, 'tsvector → gin'],
    ['hstore', T.hstore, 'gin', null, 'hstore → gin'],
    ['int4range', T.int4range, 'gist', null, 'int4range → gist'],
    ['int4multirange', T.int4multirange, 'gist', null, 'int4multirange → gist'],
    ['point', T.point, 'gist', null, 'point → gist'],
    ['box', T.box, 'gist', null, 'box → gist'],
    ['polygon', T.polygon, 'gist', null, 'polygon → gist'],
    ['circle', T.circle, 'gist', null, 'circle → gist'],
    ['inet', T.inet, 'gist', 'inet_ops', 'inet → gist inet_ops'],
    ['cidr (through its binary coercion to inet)', T.cidr, 'gist', 'inet_ops', 'cidr → gist inet_ops'],
    ['ltree (schema-qualified by format_type)', T.ltree, 'gist', null, 'public.ltree → gist'],
    ['cube', T.cube, 'gist', null, 'cube → gist'],
  ];
  for (const [name, type, method, opclass, reason] of cases) {
    test(`${name} → ${method}${opclass ? ' ' + opclass : ''}`, () => {
      expectIndex(run({ type }), method, opclass, reason);
    });
  }

  test('jsonb_ops when the rules ask for it, named in the reason', () => {
    expectIndex(run({ type: T.jsonb, rules: { jsonbOpclass: 'jsonb_ops' } }), 'gin', null, 'jsonb → gin jsonb_ops');
  });

  test('an extension type records its extension; core choices record none', () => {
    const h = run({ type: T.hstore });
    assert.equal(h.kind === 'index' && h.extension, 'hstore');
    const i = run({ type: T.int4 });
    assert.equal(i.kind === 'index' && i.extension, null);
  });

  test('a named operator class carries its schema, to qualify it in SQL', () => {
    const d = run({ type: T.jsonb });
    assert.equal(d.kind === 'index' && d.opclassSchema, 'pg_catalog');
  });

  test('types without a rule use the first method with a default operator class', () => {
    expectIndex(run({ type: T.macaddr }), 'btree', null, /^macaddr → btree \(no rule for this type/);
    expectIndex(run({ type: T.address }), 'btree', null, /^address → btree \(no rule/);
    expectIndex(run({ type: T.char1 }), 'btree', null, /^"char" → btree/);
  });

  test('a stored generated column is indexed like any other', () => {
    expectIndex(run({ type: T.int4, column: { generated: 's' } }), 'btree', null);
  });
});

describe('skips, each with a reason', () => {
  test('boolean: too few values; a partial index is suggested', () => {
    expectSkip(run({ type: T.bool }), /^boolean: too few distinct values/, /partial index .* WHERE c \(or WHERE NOT c\)/);
  });
  test('json: no operator class; jsonb is suggested', () => {
    expectSkip(run({ type: T.json }), /^json has no operator class/, /jsonb/);
  });
  test('virtual generated columns', () => {
    expectSkip(run({ type: T.int4, column: { generated: 'v' } }), /^virtual generated column/, /STORED/);
  });
  test('types with no default operator class for any method', () => {
    expectSkip(run({ type: T.xml }), /^xml has no default operator class for any index method$/, /expression/);
  });

  const led = (over: Partial<IndexInfo> = {}): IndexInfo => ({
    schema: 'public',
    name: 't_c_idx',
    method: 'btree',
    unique: false,
    primary: false,
    valid: true,
    ready: true,
    keys: [{ column: 'c', expression: 'c', opclass: 'int4_ops', opclassIsDefault: true, collation: null, descending: false, nullsFirst: false }],
    include: [],
    predicate: null,
    sizeBytes: 8192,
    tablespace: null,
    definition: 'CREATE INDEX t_c_idx ON public.t USING btree (c)',
    parentIndex: null,
    ...over,
  });

  test('a column already led by a valid index names that index', () => {
    const d = run({ type: T.int4, indexes: [led({ primary: true, unique: true, name: 't_pkey' })] });
    expectSkip(d, /^already led by valid index public\.t_pkey \(btree, primary key\)$/);
    assert.deepEqual(d.kind === 'skip' && d.existingIndex, { schema: 'public', name: 't_pkey' });
  });
  test('a key in the column\'s own collation with the type\'s default operator class leads it', () => {
    const text = (collation: string | null) => [led({ keys: [{ ...led().keys[0]!, opclass: 'text_ops', collation }] })];
    expectSkip(run({ type: T.text, column: { collation: 'default' }, indexes: text('default') }), /^already led by valid index/);
    expectSkip(run({ type: T.text, column: { collation: 'C' }, indexes: text('C') }), /^already led by valid index/);
    // varchar reaches text_ops through a binary coercion: that is its default.
    expectSkip(run({ type: T.varchar, column: { collation: 'default' }, indexes: text('default') }), /^already led by valid index/);
  });

  const notSkipped: [string, Case][] = [
    ['the index is invalid', { type: T.int4, indexes: [led({ valid: false })] }],
    ['the index is valid but not ready (an interrupted build)', { type: T.int4, indexes: [led({ ready: false })] }],
    ['the index is partial', { type: T.int4, indexes: [led({ predicate: 'c > 0' })] }],
    [
      'the column is not the first key',
      {
        type: T.int4,
        indexes: [led({ keys: [{ ...led().keys[0]!, column: 'other', expression: 'other' }, led().keys[0]!] })],
      },
    ],
    ['the key is an expression', { type: T.int4, indexes: [led({ keys: [{ ...led().keys[0]!, column: null, expression: '(c + 1)' }] })] }],
    ['the plan names a method', { type: T.int4, indexes: [led()], spec: { method: 'hash' } }],
    // QA #11: an index that compares otherwise than the column's own queries does not serve them.
    [
      'the key has another collation than the column (z COLLATE "C")',
      { type: T.text, column: { collation: 'default' }, indexes: [led({ keys: [{ ...led().keys[0]!, opclass: 'text_ops', collation: 'C' }] })] },
    ],
    [
      'the key has a non-default operator class (text_pattern_ops)',
      {
        type: T.text,
        column: { collation: 'default' },
        indexes: [led({ keys: [{ ...led().keys[0]!, opclass: 'text_pattern_ops', opclassIsDefault: false, collation: 'default' }] })],
      },
    ],
    [
      "the key's operator class is a default, but for another type (text_ops on citext)",
      { type: T.citext, column: { collation: 'default' }, indexes: [led({ keys: [{ ...led().keys[0]!, opclass: 'text_ops', collation: 'default' }] })] },
    ],
    ['the plan asks for a partial index', { type: T.int4, indexes: [led()], spec: { where: 'c > 0' } }],
    ['the plan asks for a unique index', { type: T.int4, indexes: [led()], spec: { unique: true } }],
  ];
  for (const [why, c] of notSkipped) {
    test(`an existing index does not cause a skip when ${why}`, () => {
      assert.equal(run(c).kind, 'index');
    });
  }
});

describe('statistics rules', () => {
  const gin = catalog(['hstore', 'ltree', 'cube', 'citext', 'btree_gin']);
  const lowCard = { nDistinct: 412, correlation: 0.1 };
  const rows = { reltuples: 5_000_000 };

  // Not unique (n_distinct -0.5): a unique identifier gets btree even when correlated (issue 12 item 7, below).
  test('high correlation on a large table → brin with the default (minmax) operator class', () => {
    expectIndex(run({ type: T.int4, stats: { correlation: 0.994, nDistinct: -0.5 }, table: { relpages: 7693 } }), 'brin', null, 'correlation 0.99 on 7,693 pages → brin');
  });
  test('negative correlation counts by its absolute value', () => {
    expectIndex(run({ type: T.timestamptz, stats: { correlation: -0.95 }, table: { relpages: 1000 } }), 'brin', null, 'correlation -0.95 on 1,000 pages → brin');
  });
  test('text has a brin operator class too', () => {
    expectIndex(run({ type: T.text, stats: { correlation: 1, nDistinct: 5000 }, table: { relpages: 5000 } }), 'brin', null, 'correlation 1 on 5,000 pages → brin');
  });
  const noBrin: [string, Case][] = [
    ['the table is smaller than brinMinPages', { type: T.int4, stats: { correlation: 0.99 }, table: { relpages: 999 } }],
    ['the correlation is below brinMinCorrelation', { type: T.int4, stats: { correlation: 0.89 }, table: { relpages: 5000 } }],
    ['there is no correlation', { type: T.int4, stats: { correlation: null }, table: { relpages: 5000 } }],
    ['the type has no brin operator class (money)', { type: T.money, stats: { correlation: 0.99 }, table: { relpages: 5000 } }],
    ['the table was never analyzed', { type: T.int4, stats: null, table: { relpages: 5000, lastAnalyzed: null } }],
  ];
  for (const [why, c] of noBrin) {
    test(`no brin when ${why}`, () => expectIndex(run(c), 'btree', null));
  }
  test('the thresholds come from the rules', () => {
    expectIndex(run({ type: T.timestamptz, stats: { correlation: 0.8 }, table: { relpages: 20 }, rules: { brinMinCorrelation: 0.8, brinMinPages: 10 } }), 'brin', null);
  });
  test('statistics do not override a type that is not btree-shaped (jsonb stays gin)', () => {
    expectIndex(run({ type: T.jsonb, stats: { correlation: 0.99, avgWidth: 5000 }, table: { relpages: 9000 } }), 'gin', 'jsonb_path_ops');
  });

  test('few distinct values among many rows → gin through btree_gin', () => {
    const d = run({ type: T.int4, stats: lowCard, table: rows, catalog: gin });
    expectIndex(d, 'gin', null, '412 distinct values in 5,000,000 rows (ratio 0.000082) → gin via btree_gin');
    assert.equal(d.kind === 'index' && d.extension, 'btree_gin');
  });
  test('a negative n_distinct is a fraction of the rows', () => {
    expectIndex(run({ type: T.text, stats: { nDistinct: -0.00005 }, table: rows, catalog: gin }), 'gin', null, /^250 distinct values in 5,000,000 rows \(ratio 0\.00005\)/);
  });
  test('varchar uses btree_gin varchar_ops; an enum uses its enum_ops', () => {
    expectIndex(run({ type: T.varchar, stats: lowCard, table: rows, catalog: gin }), 'gin', null);
    expectIndex(run({ type: T.mood, stats: lowCard, table: rows, catalog: gin }), 'gin', null);
  });
  test('without btree_gin: btree, saying so and suggesting CREATE EXTENSION btree_gin', () => {
    const d = run({ type: T.int4, stats: lowCard, table: rows });
    expectIndex(d, 'btree', null, /ratio 0\.000082\) would suit gin, but btree_gin is not installed → btree$/);
    assert.equal(d.kind === 'index' && d.suggestion, 'CREATE EXTENSION btree_gin');
  });
  test('btree_gin not even available on the server: the suggestion says to install it', () => {
    const c = catalog();
    c.extensions = c.extensions.filter((e) => e.name !== 'btree_gin');
    const d = run({ type: T.int4, stats: lowCard, table: rows, catalog: c });
    assert.match(d.kind === 'index' ? (d.suggestion ?? '') : '', /^CREATE EXTENSION btree_gin \(after installing it/);
  });
  test('citext is not given text operator classes of btree_gin through its coercion to text', () => {
    expectIndex(run({ type: T.citext, stats: lowCard, table: rows, catalog: gin }), 'btree', null, 'citext → btree');
  });
  const noGin: [string, Case][] = [
    ['too few distinct values', { type: T.int4, stats: { nDistinct: 99 }, table: rows, catalog: gin }],
    ['too many distinct values', { type: T.int4, stats: { nDistinct: 100_001 }, table: { reltuples: 5e9 }, catalog: gin }],
    ['the ratio is too high', { type: T.int4, stats: { nDistinct: 412 }, table: { reltuples: 100_000 }, catalog: gin }],
    ['the row count is unknown', { type: T.int4, stats: { nDistinct: 412 }, table: { reltuples: -1 }, catalog: gin }],
  ];
  for (const [why, c] of noGin) {
    test(`no gin when ${why}`, () => expectIndex(run(c), 'btree', null));
  }

  test('wide values → hash', () => {
    expectIndex(run({ type: T.text, stats: { avgWidth: 1450 } }), 'hash', null, 'average width 1,450 bytes (btree keys are capped near 2.7 kB) → hash');
  });
  test('just under the width threshold stays btree', () => {
    expectIndex(run({ type: T.text, stats: { avgWidth: 999 } }), 'btree', null);
  });
  test('brin is checked before gin, gin before hash', () => {
    const all = { correlation: 0.99, nDistinct: 412, avgWidth: 2000 };
    expectIndex(run({ type: T.text, stats: all, table: { relpages: 5000, reltuples: 5e6 }, catalog: gin }), 'brin', null);
    expectIndex(run({ type: T.text, stats: { ...all, correlation: 0 }, table: { reltuples: 5e6 }, catalog: gin }), 'gin', null);
  });

  test('unique → btree, before any statistics rule', () => {
    expectIndex(run({ type: T.int4, stats: { correlation: 1 }, spec: { unique: true } }), 'btree', null, /^unique → btree/);
  });
  test('unique on a type btree cannot index is an error', () => {
    expectProblem({ type: T.point, spec: { unique: true } }, /unique index needs btree, and btree has no operator class for point/);
  });
  test('INCLUDE columns keep statistics from choosing a method that cannot carry them', () => {
    expectIndex(run({ type: T.int4, stats: { correlation: 1 }, spec: { include: ['x'] } }), 'btree', null);
  });
  test('INCLUDE on a type whose method cannot carry them is an error', () => {
    expectProblem({ type: T.jsonb, spec: { include: ['x'] } }, /gin indexes cannot have INCLUDE columns/);
  });
});

describe('statistics defaults users trust (issue 12 item 7)', () => {
  const big = { relpages: 5000, reltuples: 1_000_000 };
  const because = (n: string) => `: correlation 0.99 on 5,000 pages would suit brin for ranges, but an equality lookup on brin reads whole block ranges → btree`.replace(/^/, n);
  // (a) A unique or near-unique identifier is looked up by equality: btree even when correlated.
  const correlated: [string, ColumnType, Partial<ColumnStats>, string, string | RegExp][] = [
    ['a unique integer', T.int4, { nDistinct: -1 }, 'btree', because('unique identifier (n_distinct -1)')],
    ['a unique bigint', T.int8, { nDistinct: -1 }, 'btree', because('unique identifier (n_distinct -1)')],
    ['a unique smallint', T.int2, { nDistinct: -1 }, 'btree', because('unique identifier (n_distinct -1)')],
    ['a domain over bigint', T.bigintDomain, { nDistinct: -1 }, 'btree', because('unique identifier (n_distinct -1)')],
    ['a unique text', T.text, { nDistinct: -1 }, 'btree', because('unique identifier (n_distinct -1)')],
    ['a unique varchar', T.varchar, { nDistinct: -1 }, 'btree', because('unique identifier (n_distinct -1)')],
    ['a unique uuid (time-ordered, v7)', T.uuid, { nDistinct: -1 }, 'btree', because('unique identifier (n_distinct -1)')],
    ['a near-unique integer (n_distinct -0.95)', T.int4, { nDistinct: -0.95 }, 'btree', because('near-unique identifier (n_distinct -0.95)')],
    ['a near-unique integer counted (950,000 of 1,000,000 rows)', T.int4, { nDistinct: 950_000 }, 'btree', because('near-unique identifier (n_distinct 950000)')],
    ['an integer of many repeats (n_distinct -0.5)', T.int4, { nDistinct: -0.5 }, 'brin', 'correlation 0.99 on 5,000 pages → brin'],
    ['a unique timestamptz: time-like, asked for by ranges', T.timestamptz, { nDistinct: -1 }, 'brin', 'correlation 0.99 on 5,000 pages → brin'],
    ['a unique timestamp', T.timestamp, { nDistinct: -1 }, 'brin', 'correlation 0.99 on 5,000 pages → brin'],
    ['a unique date', T.date, { nDistinct: -1 }, 'brin', 'correlation 0.99 on 5,000 pages → brin'],
    ['a unique numeric (a measure, not an identifier)', T.numeric, { nDistinct: -1 }, 'brin', 'correlation 0.99 on 5,000 pages → brin'],
  ];
  for (const [what, type, stats, method, reason] of correlated) {
    test(`correlated: ${what} → ${method}`, () => expectIndex(run({ type, stats: { correlation: 0.99, ...stats }, table: big }), method, null, reason));
  }

  // (b) Few evenly spread values: skipped, as booleans are. (c) Few values, some rare: a partial index on those.
  const statuses = { values: ['new', 'paid', 'sent', 'failed'], freqs: [0.33, 0.33, 0.33, 0.01] };
  const even = (n: number) => ({ values: Array.from({ length: n }, (_, i) => String(i)), freqs: Array.from({ length: n }, () => 1 / n) });
  const few: [string, Case, { skip: RegExp } | { where: string | null; reason?: string | RegExp }][] = [
    ['one value in every row', { type: T.timestamptz, stats: { nDistinct: 1, mostCommon: { values: ['2006-02-15 05:03:42+00'], freqs: [1] } } }, { skip: /^one value in all 1,000,000 rows: too few distinct values for an index to pay off$/ }],
    ['four evenly spread values', { type: T.text, stats: { nDistinct: 4, mostCommon: even(4) } }, { skip: /^4 distinct values in 1,000,000 rows, the rarest in 25% of them: too few distinct values for an index to pay off$/ }],
    ['ten evenly spread values (the default few_values)', { type: T.int4, stats: { nDistinct: 10, mostCommon: even(10) } }, { skip: /^10 distinct values .* the rarest in 10% of them/ }],
    ['eleven values: more than few_values', { type: T.int4, stats: { nDistinct: 11, mostCommon: even(11) } }, { where: null, reason: 'integer → btree' }],
    ['eleven values with few_values: 11', { type: T.int4, stats: { nDistinct: 11, mostCommon: even(11) }, rules: { fewValues: 11 } }, { skip: /^11 distinct values/ }],
    ['few_values: 0 turns it off', { type: T.text, stats: { nDistinct: 4, mostCommon: even(4) }, rules: { fewValues: 0 } }, { where: null, reason: 'text → btree' }],
    ['two values and 40% NULL', { type: T.text, stats: { nDistinct: 2, nullFrac: 0.4, mostCommon: { values: ['a', 'b'], freqs: [0.3, 0.3] } } }, { skip: /^2 distinct values .* the rarest in 30% of them/ }],
    ['no most common values in the statistics: nothing known of the spread', { type: T.text, stats: { nDistinct: 4 } }, { where: null, reason: 'text → btree' }],
    ['the listed values are not all of them', { type: T.text, stats: { nDistinct: 4, mostCommon: { values: ['a', 'b'], freqs: [0.4, 0.4] } } }, { where: null }],
    ['a rare status', { type: T.text, stats: { nDistinct: 4, mostCommon: statuses } }, { where: "c = 'failed'::text", reason: "4 distinct values in 1,000,000 rows, rare ones (under 5% of the rows): 'failed' in 1% → btree partial index on them" }],
    [
      'two rare values, in order, quoted as literals',
      { type: T.text, stats: { nDistinct: 4, mostCommon: { values: ['new', "it's", 'failed', 'paid'], freqs: [0.6, 0.002, 0.018, 0.38] } } },
      { where: "c IN ('failed'::text, 'it''s'::text)", reason: /: 'failed' in 1\.8%, 'it''s' in 0\.2% → btree partial index on them$/ },
    ],
    ['a rare enum value, typed by the enum', { type: T.mood, stats: { nDistinct: 3, mostCommon: { values: ['ok', 'sad', 'odd'], freqs: [0.7, 0.27, 0.03] } } }, { where: "c = 'odd'::mood" }],
    ['a rare integer', { type: T.int8, stats: { nDistinct: 3, mostCommon: { values: ['0', '1', '7'], freqs: [0.5, 0.49, 0.01] } } }, { where: "c = '7'::bigint" }],
    ['rare_share: 0.005 makes 1% common', { type: T.text, stats: { nDistinct: 4, mostCommon: statuses }, rules: { rareShare: 0.005 } }, { skip: /the rarest in 1% of them/ }],
    ['rare_share: 0.5 makes every value rare: an ordinary index', { type: T.text, stats: { nDistinct: 4, mostCommon: statuses }, rules: { rareShare: 0.5 } }, { where: null, reason: 'text → btree' }],
    // A column the plan names asks for its index: the few-values rules are for `columns: all`.
    ['the plan names the column', { type: T.text, stats: { nDistinct: 4, mostCommon: even(4) }, spec: {} }, { where: null, reason: 'text → btree' }],
    ['the plan names the column with rare values', { type: T.text, stats: { nDistinct: 4, mostCommon: statuses }, spec: {} }, { where: null, reason: 'text → btree' }],
    ['the plan gives its own where', { type: T.text, stats: { nDistinct: 4, mostCommon: statuses }, spec: { where: "c <> 'new'" } }, { where: null }],
    ['the plan asks for INCLUDE columns', { type: T.text, stats: { nDistinct: 4, mostCommon: even(4) }, spec: { include: ['x'] } }, { where: null }],
    ['the plan names a method', { type: T.text, stats: { nDistinct: 4, mostCommon: even(4) }, spec: { method: 'btree' } }, { where: null, reason: 'btree given in the plan' }],
  ];
  for (const [what, c, want] of few) {
    test(`few values: ${what}`, () => {
      const d = run(c);
      if ('skip' in want) return expectSkip(d, want.skip, /^an index that leads with a more selective column and then c, in indexes:$/);
      expectIndex(d, 'btree', null, want.reason);
      assert.equal((d.kind === 'index' && d.where) || null, want.where);
    });
  }
  test('an indexes: entry of one plain column declares an index: never skipped or made partial for its values', () => {
    for (const mostCommon of [even(4), statuses]) {
      const col = column('c', T.text, { nDistinct: 4, mostCommon });
      const d = adviseMethod({ column: col, table: table('public.t', [col]), rules: DEFAULT_RULES, catalog: catalog() });
      expectIndex(d, 'btree', null, 'text → btree');
      assert.equal(d.kind === 'index' && d.where, undefined);
    }
  });
});

describe('overrides from the plan', () => {
  const withGin = catalog(['hstore', 'ltree', 'cube', 'citext', 'btree_gin', 'pg_trgm']);
  const ok: [string, Case, string, string | null, (string | RegExp)?][] = [
    ['a method wins over the statistics', { type: T.int4, stats: { correlation: 1 }, spec: { method: 'hash' } }, 'hash', null, 'hash given in the plan'],
    ['btree on a boolean is honoured', { type: T.bool, spec: { method: 'btree' } }, 'btree', null],
    ['gin on a scalar with btree_gin', { type: T.int4, spec: { method: 'gin' }, catalog: withGin }, 'gin', null],
    ['gist on inet takes inet_ops', { type: T.inet, spec: { method: 'gist' } }, 'gist', 'inet_ops', 'gist given in the plan (inet_ops for inet)'],
    ['gin on jsonb takes the rules’ operator class', { type: T.jsonb, spec: { method: 'gin' } }, 'gin', 'jsonb_path_ops'],
    ['an operator class alone implies its method', { type: T.jsonb, spec: { opclass: 'jsonb_ops' } }, 'gin', 'jsonb_ops', 'gin jsonb_ops given in the plan'],
    ['an operator class several methods have: the one the type calls for', { type: T.inet, spec: { opclass: 'inet_ops' } }, 'gist', 'inet_ops'],
    ['an operator class with a schema', { type: T.jsonb, spec: { opclass: 'pg_catalog.jsonb_path_ops' } }, 'gin', 'jsonb_path_ops'],
    ['gist inet_ops accepts cidr (binary coercion)', { type: T.cidr, spec: { method: 'gist', opclass: 'inet_ops' } }, 'gist', 'inet_ops'],
    ['text_pattern_ops accepts varchar (binary coercion)', { type: T.varchar, spec: { method: 'btree', opclass: 'text_pattern_ops' } }, 'btree', 'text_pattern_ops'],
    ['array_ops accepts any array (anyarray)', { type: T.int4array, spec: { method: 'gin', opclass: 'array_ops' } }, 'gin', 'array_ops'],
    ['enum_ops accepts an enum (anyenum)', { type: T.mood, spec: { method: 'btree', opclass: 'enum_ops' } }, 'btree', 'enum_ops'],
    ['range_ops accepts a range (anyrange)', { type: T.int4range, spec: { method: 'gist', opclass: 'range_ops' } }, 'gist', 'range_ops'],
    ['spgist is never chosen but can be asked for', { type: T.text, spec: { method: 'spgist' } }, 'spgist', null],
    ['an operator class name is folded like SQL unless quoted', { type: T.jsonb, spec: { opclass: 'JSONB_Path_Ops' } }, 'gin', 'jsonb_path_ops'],
    ['unique with btree', { type: T.int4, spec: { method: 'btree', unique: true } }, 'btree', null],
  ];
  for (const [name, c, method, opclass, reason] of ok) {
    test(name, () => expectIndex(run(c), method, opclass, reason));
  }
  test('an extension operator class records its extension and schema', () => {
    const d = run({ type: T.text, spec: { method: 'gin', opclass: 'gin_trgm_ops' }, catalog: withGin });
    expectIndex(d, 'gin', 'gin_trgm_ops');
    assert.equal(d.kind === 'index' && d.extension, 'pg_trgm');
    assert.equal(d.kind === 'index' && d.opclassSchema, 'public');
  });

  const errors: [string, Case, RegExp][] = [
    ['an unknown method', { type: T.int4, spec: { method: 'nope' } }, /access method "nope" does not exist on this server \(it has brin, btree, gin, gist, hash, spgist\)$/],
    ['bloom without its extension', { type: T.int4, spec: { method: 'bloom' } }, /CREATE EXTENSION bloom adds it/],
    ['gin on a scalar without btree_gin', { type: T.int4, spec: { method: 'gin' } }, /gin has no default operator class for integer: name one with opclass: \(CREATE EXTENSION btree_gin adds/],
    ['gist on a scalar without btree_gist', { type: T.int4, spec: { method: 'gist' } }, /CREATE EXTENSION btree_gist/],
    ['gin on text suggests pg_trgm too', { type: T.text, spec: { method: 'gin' } }, /btree_gin.*pg_trgm adds gin_trgm_ops/],
    ['btree on json', { type: T.json, spec: { method: 'btree' } }, /btree has no default operator class for json/],
    ['brin on a type it has nothing for', { type: T.point, spec: { method: 'brin' } }, /brin has no default operator class for point: name one with opclass:$/],
    ['the hint lists the non-default classes that would fit', { type: T.text, spec: { method: 'gin' }, catalog: catalog(['pg_trgm']) }, /gin has no default operator class for text: name one with opclass: \(gin operator classes that accept it: gin_trgm_ops; CREATE EXTENSION btree_gin/],
    ['an operator class that does not exist', { type: T.int4, spec: { opclass: 'nope_ops' } }, /operator class "nope_ops" does not exist$/],
    ['an extension operator class whose extension is missing', { type: T.text, spec: { method: 'gin', opclass: 'gin_trgm_ops' } }, /operator class "gin_trgm_ops" does not exist for gin; CREATE EXTENSION pg_trgm provides it/],
    ['an operator class of another method', { type: T.jsonb, spec: { method: 'btree', opclass: 'jsonb_path_ops' } }, /"jsonb_path_ops" does not exist for btree; it does for gin/],
    ['an operator class for another type', { type: T.int4, spec: { opclass: 'jsonb_path_ops' } }, /"jsonb_path_ops" does not accept integer \(gin jsonb_path_ops takes jsonb\)/],
    ['anyrange does not accept a multirange', { type: T.int4multirange, spec: { method: 'gist', opclass: 'range_ops' } }, /does not accept int4multirange/],
    ['array_ops does not accept a scalar', { type: T.int4, spec: { method: 'gin', opclass: 'array_ops' } }, /does not accept integer \(gin array_ops takes anyarray\)/],
    ['an operator class in the wrong schema', { type: T.jsonb, spec: { opclass: 'public.jsonb_path_ops' } }, /"public\.jsonb_path_ops" does not exist/],
    ['an ambiguous operator class without a method', { type: T.bool, spec: { opclass: 'bool_ops' } }, /"bool_ops" exists for btree, hash: say which with method:/],
    ['unique with a method other than btree', { type: T.int4, spec: { method: 'hash', unique: true } }, /unique: true needs btree .* the plan gives hash/],
    ['INCLUDE with gin', { type: T.int4, spec: { method: 'gin', include: ['x'] }, catalog: withGin }, /gin indexes cannot have INCLUDE columns/],
    ['a method on a virtual generated column', { type: T.int4, spec: { method: 'btree' }, column: { generated: 'v' } }, /virtual generated column/],
    ['a bad operator class name', { type: T.int4, spec: { opclass: 'a.b.c' } }, /bad operator class name/],
  ];
  for (const [name, c, message] of errors) {
    test(`error: ${name}`, () => expectProblem(c, message));
  }
});
