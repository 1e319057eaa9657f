import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parsePlanText, loadPlanFile } from '../../../src/planfile/load.js';
import { DEFAULT_RULES, type PlanConnection, type PlanFile } from '../../../src/planfile/types.js';
import { interpolateConnection } from '../../../src/planfile/interpolate.js';
import { InputError, formatProblem } from '../../../src/errors.js';

const root = new URL('../../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const at = (file: string, line: number, col: number) => ({ file, line, col });

test('the example of issue 2 (examples/film.yaml) parses to exactly this PlanFile', () => {
  const text = read('examples/film.yaml');
  assert.match(text, /^# yaml-language-server: \$schema=\.\.\/schemas\/pgindex\.schema\.json\n/);
  const f = 'examples/film.yaml';
  const expected: PlanFile = {
    file: f,
    version: 1,
    parallelism: 4,
    tablespace: 'pg_default',
    concurrently: true,
    analyze: false,
    lockTimeoutMs: 5000,
    statementTimeoutMs: 0,
    retries: 3,
    rules: { ...DEFAULT_RULES },
    tables: [
      { name: 'public.film', columns: 'all', exclude: ['description'], pos: at(f, 7, 11) },
      {
        name: 'customer',
        columns: [
          { name: 'email', pos: at(f, 11, 15) },
          { name: 'last_name', pos: at(f, 11, 22) },
        ],
        exclude: [],
        pos: at(f, 10, 11),
      },
      { name: 'public.payment_p2022_*', columns: [{ name: 'customer_id', pos: at(f, 13, 15) }], exclude: [], pos: at(f, 12, 11) },
      {
        name: 'events',
        columns: [
          { name: 'payload', method: 'gin', opclass: 'jsonb_path_ops', pos: at(f, 16, 15) },
          { name: 'created_at', pos: at(f, 19, 9) },
        ],
        exclude: [],
        pos: at(f, 14, 11),
      },
    ],
  };
  assert.deepEqual(parsePlanText(text, f), expected);
});

test('a minimal plan gets every default', () => {
  const plan = parsePlanText('version: 1\ntables:\n  - name: t\n    columns: all\n', 'min.yaml');
  assert.deepEqual(plan, {
    file: 'min.yaml',
    version: 1,
    parallelism: 2,
    concurrently: true,
    analyze: false,
    lockTimeoutMs: 5000,
    statementTimeoutMs: 0,
    retries: 3,
    rules: { ...DEFAULT_RULES },
    tables: [{ name: 't', columns: 'all', exclude: [], pos: at('min.yaml', 3, 11) }],
  });
});

test('every key of the format, set: units resolved, rules in camelCase, the connection as written', () => {
  const f = 'test/fixtures/planfile/full.yaml';
  const plan = parsePlanText(read(f), f);
  assert.deepEqual(plan, {
    file: f,
    version: 1,
    connection: {
      text: 'postgres://app:${PGINDEX_TEST_PW}@db.internal:5432/shop',
      pos: at(f, 3, 13),
      variables: [{ name: 'PGINDEX_TEST_PW', pos: at(f, 3, 28) }],
    },
    parallelism: 3,
    tablespace: 'fast_ssd',
    concurrently: false,
    analyze: true,
    maintenanceWorkMemBytes: 2 * 1024 ** 3,
    cores: 8,
    lockTimeoutMs: 500,
    statementTimeoutMs: 2 * 3_600_000,
    retries: 0,
    rules: {
      brinMinCorrelation: 0.95,
      brinMinPages: 10,
      ginMinDistinct: 50,
      ginMaxDistinct: 5000,
      ginMaxDistinctRatio: 0.001,
      hashMinAvgWidth: 500,
      jsonbOpclass: 'jsonb_ops',
      fewValues: 10,
      rareShare: 0.05,
    },
    tables: [
      {
        name: 'sales.order_?',
        columns: [
          {
            name: 'customer_id',
            method: 'btree',
            opclass: 'int4_ops',
            where: 'deleted_at IS NULL',
            include: ['total', 'placed_at'],
            unique: true,
            tablespace: 'other_ssd',
            pos: at(f, 24, 15),
          },
        ],
        exclude: [],
        tablespace: 'table_ssd',
        concurrently: true,
        pos: at(f, 22, 11),
      },
    ],
  });
});

const plan = (settings: string) => `version: 1\n${settings}\ntables:\n  - name: t\n    columns: all\n`;

test('sizes and durations read as PostgreSQL reads them', () => {
  const cases: [string, Partial<PlanFile>][] = [
    ['maintenance_work_mem: 64MB', { maintenanceWorkMemBytes: 64 * 1024 ** 2 }],
    ['maintenance_work_mem: 1.5GB', { maintenanceWorkMemBytes: 1.5 * 1024 ** 3 }],
    ['maintenance_work_mem: 65536', { maintenanceWorkMemBytes: 65536 * 1024 }],
    ['maintenance_work_mem: "2048 kB"', { maintenanceWorkMemBytes: 2048 * 1024 }],
    ['lock_timeout: 0', { lockTimeoutMs: 0 }],
    ['lock_timeout: 250', { lockTimeoutMs: 250 }],
    ['lock_timeout: 5s', { lockTimeoutMs: 5000 }],
    ['lock_timeout: 2min', { lockTimeoutMs: 120_000 }],
    ['statement_timeout: 1d', { statementTimeoutMs: 86_400_000 }],
    ['statement_timeout: 1500us', { statementTimeoutMs: 2 }],
    ['statement_timeout: "0"', { statementTimeoutMs: 0 }],
  ];
  for (const [line, want] of cases) {
    const got = parsePlanText(plan(line), 'p.yaml');
    for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof PlanFile], v, line);
  }
});

test('${VAR}: the connection keeps its variables, each once at its first place, and is the only value that has them', () => {
  const text = plan('connection: "host=${H} user=${U} password=${P} port=${H}"\ntablespace: "${H}"');
  const got = parsePlanText(text, 'p.yaml');
  assert.deepEqual(got.connection, {
    text: 'host=${H} user=${U} password=${P} port=${H}',
    pos: at('p.yaml', 2, 13),
    variables: [
      { name: 'H', pos: at('p.yaml', 2, 19) },
      { name: 'U', pos: at('p.yaml', 2, 29) },
      { name: 'P', pos: at('p.yaml', 2, 43) },
    ],
  });
  assert.equal(got.tablespace, '${H}');
});

test('${VAR}: replaced when the connection is used, an empty value counts as set, an unset one is an error at its place', () => {
  const got = parsePlanText(plan('connection: "host=${H} user=${U} password=${P}"'), 'p.yaml');
  assert.ok(got.connection);
  assert.equal(interpolateConnection(got.connection, { H: 'db', U: 'me', P: '' }), 'host=db user=me password=');
  assert.throws(
    () => interpolateConnection(got.connection as PlanConnection, { H: 'db' }),
    (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.deepEqual(
        err.problems.map((p) => `${p.pos.line}:${p.pos.col}: ${p.message}`),
        ['2:29: environment variable U is not set', '2:43: environment variable P is not set'],
      );
      assert.match(err.message, /neither --db nor DATABASE_URL is given/);
      return true;
    },
  );
});

test('rules not given keep their defaults', () => {
  const got = parsePlanText(plan('rules:\n  brin_min_pages: 1'), 'p.yaml');
  assert.deepEqual(got.rules, { ...DEFAULT_RULES, brinMinPages: 1 });
});

test('few_values and rare_share: the statistics defaults of the advisor, set in rules', () => {
  const got = parsePlanText(plan('rules:\n  few_values: 6\n  rare_share: 0.02'), 'p.yaml');
  assert.deepEqual(got.rules, { ...DEFAULT_RULES, fewValues: 6, rareShare: 0.02 });
  assert.throws(() => parsePlanText(plan('rules:\n  rare_share: 2'), 'p.yaml'), (err: unknown) => err instanceof InputError && /rare_share/.test(err.message));
});

test('an alias is resolved and the column points at the alias', () => {
  const text = 'version: 1\ntables:\n  - name: a\n    columns: &cols [id, ts]\n  - name: b\n    columns: *cols\n';
  const got = parsePlanText(text, 'p.yaml');
  const b = got.tables[1];
  assert.ok(b && Array.isArray(b.columns));
  assert.deepEqual(
    b.columns.map((c) => c.name),
    ['id', 'ts'],
  );
  assert.deepEqual(b.pos, at('p.yaml', 5, 11));
});

test('loadPlanFile reads relative to cwd and names the file as given', async () => {
  const got = await loadPlanFile('film.yaml', { cwd: new URL('examples/', root).pathname });
  assert.equal(got.file, 'film.yaml');
  assert.equal(got.tables.length, 4);
});

test('loadPlanFile: a missing file is an InputError at FILE:1:1', async () => {
  await assert.rejects(loadPlanFile('nope.yaml', { cwd: '/nonexistent-dir' }), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.deepEqual(err.problems.map(formatProblem), ['nope.yaml:1:1: cannot read plan file: no such file']);
    return true;
  });
});

test('snapshot_wait_timeout: a duration bounding only the wait for older transactions; absent or 0 waits', () => {
  const parse = (line: string) => parsePlanText(`version: 1\n${line}tables:\n  - name: t\n    columns: all\n`, 's.yaml');
  assert.equal(parse('snapshot_wait_timeout: 10min\n').snapshotWaitTimeoutMs, 600_000);
  assert.equal(parse('snapshot_wait_timeout: 2500\n').snapshotWaitTimeoutMs, 2500);
  assert.equal(parse('snapshot_wait_timeout: 0\n').snapshotWaitTimeoutMs, undefined);
  assert.equal(parse('').snapshotWaitTimeoutMs, undefined);
  assert.throws(
    () => parse('snapshot_wait_timeout: 5 sec\n'),
    (err: unknown) => err instanceof InputError && /^s\.yaml:2:24: snapshot_wait_timeout has an unknown unit "sec"/.test(formatProblem(err.problems[0] ?? { pos: at('', 0, 0), message: '' })),
  );
});
