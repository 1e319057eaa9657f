import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from '../../../src/plan/build.js';
import { predicateKey } from '../../../src/plan/predicates.js';
import { parallelCapable } from '../../../src/pg/access-methods.js';
import { resolveTables } from '../../../src/catalog/resolve.js';
import { renderJson, renderSql } from '../../../src/plan/render.js';
import { InputError, PlanningError } from '../../../src/errors.js';
import type { TableInfo } from '../../../src/catalog/types.js';
import type { Plan } from '../../../src/plan/types.js';
import { T, column, index, snapshot, table } from '../../support/catalog.js';
import { colSpec, planFile, tableSpec } from '../../support/plan-file.js';

const orders = () =>
  table('public.orders', [column('id', T.int4, {}), column('status', T.text, {}), column('doc', T.jsonb, {}), column('total', T.int4, {}), column('addr', T.inet, {})], {
    reltuples: 10_000,
    relpages: 100,
    sizeBytes: 100 * 8192,
    indexes: [index('public', 'orders_pkey', { columns: ['id'], unique: true, primary: true })],
  });

const sqlOf = (plan: Plan) => plan.steps.map((s) => s.sql);

test('the resolution the planner already made is used as given, not made again', () => {
  const file = planFile([tableSpec('orders', [colSpec('status')]), tableSpec('public.nothing_*', 'all')]);
  const snap = snapshot([orders()]);
  const resolution = resolveTables(file, snap);
  assert.equal(resolution.warnings.length, 1);
  assert.match(resolution.warnings[0] ?? '', /^plan\.yaml:\d+:\d+: "public\.nothing_\*" matched no table$/);
  assert.deepEqual(buildPlan(file, snap, { resolution }), buildPlan(file, snap));
  const narrowed = buildPlan(file, snap, { resolution: { tables: [], warnings: ['given'] } });
  assert.deepEqual([narrowed.columns, narrowed.steps, narrowed.warnings], [[], [], ['given']]);
});

test('a plain column: one CONCURRENTLY build with a stable id, estimate and settings', () => {
  const plan = buildPlan(planFile([tableSpec('orders', [colSpec('status')])]), snapshot([orders()]));
  assert.deepEqual(sqlOf(plan), ['CREATE INDEX CONCURRENTLY orders_status_btree_idx ON public.orders USING btree (status)']);
  const [step] = plan.steps;
  assert.equal(step?.id, 'create:public.orders_status_btree_idx');
  assert.equal(step?.action, 'create');
  assert.deepEqual(step?.table, { schema: 'public', name: 'orders' });
  assert.deepEqual(step?.index, { schema: 'public', name: 'orders_status_btree_idx' });
  assert.equal(step?.concurrently, true);
  assert.equal(step?.parallelCapable, true);
  assert.deepEqual(step?.dependsOn, []);
  assert.equal(step?.estimate.pages, 100);
  assert.equal(step?.estimate.cost, 100);
  assert.ok((step?.estimate.sizeBytes ?? 0) > 0);
  assert.deepEqual(plan.columns.map((c) => [c.column, c.action, c.method]), [['status', 'create', 'btree']]);
  assert.deepEqual(plan.settings, {
    parallelism: 2,
    concurrently: true,
    maintenanceWorkMemBytes: 1024 ** 3,
    // No machine given (a server elsewhere) and no cores: in the plan: one core per session.
    cores: 2,
    coresFrom: 'assumed',
    maxWorkersPerBuild: 1,
    // The default model: 100 pages of btree, 0.01 s + 100 × 1.1e-4 s at 16MB (sorts in memory).
    costModel: { source: 'default', predictedSeconds: 0.02 },
    lockTimeoutMs: 5000,
    statementTimeoutMs: 0,
    retries: 3,
  });
  // The model's choice for it: no worker on 100 pages (PostgreSQL plans none below 1024), the 16MB floor.
  assert.deepEqual(step?.build, {
    kind: 'btree/text_ops/18',
    calibrated: false,
    memoryBytes: 16 * 1024 ** 2,
    usefulWorkers: 0,
    workers: 0,
    maintenanceWorkMemBytes: 16 * 1024 ** 2,
    seconds: 0.02,
  });
});

test('settings come from the plan when it gives them', () => {
  const plan = buildPlan(
    planFile([tableSpec('orders', [colSpec('status')])], { maintenanceWorkMemBytes: 256 * 1024 ** 2, cores: 3, parallelism: 4, retries: 1 }),
    snapshot([orders()], {
      server: { versionNum: 150004, version: '15.4', settings: { maxParallelMaintenanceWorkers: 2, maxWorkerProcesses: 4, maxParallelWorkers: 8, maintenanceWorkMem: 1, maxConnections: 100 } },
    }),
  );
  assert.equal(plan.settings.maintenanceWorkMemBytes, 256 * 1024 ** 2);
  assert.equal(plan.settings.cores, 3);
  assert.equal(plan.settings.parallelism, 4);
  assert.equal(plan.settings.maxWorkersPerBuild, 2, 'a build and its workers within the 3 cores');
});

test('on the server\'s own machine its CPU count bounds the builds, not max_parallel_workers', () => {
  const server = { versionNum: 150004, version: '15.4', settings: { maxParallelMaintenanceWorkers: 2, maxWorkerProcesses: 16, maxParallelWorkers: 8, maintenanceWorkMem: 1, maxConnections: 100 } };
  const plan = buildPlan(planFile([tableSpec('orders', [colSpec('status')])], {}), snapshot([orders()], { server }), { machine: { cores: 2 } });
  assert.equal(plan.settings.cores, 2);
  assert.equal(plan.settings.coresFrom, 'machine');
  assert.equal(plan.settings.maxWorkersPerBuild, 1);
});

test('every clause: unique, include, where, opclass, tablespace (column over table over plan)', () => {
  const file = planFile(
    [
      tableSpec(
        'orders',
        [
          colSpec('status', { unique: true, include: ['total'], where: "status <> 'void'", tablespace: 'fast' }),
          colSpec('doc', { method: 'gin', opclass: 'jsonb_path_ops' }),
          colSpec('addr'),
        ],
        { tablespace: 'pg_default' },
      ),
    ],
    { tablespace: 'fast', concurrently: false },
  );
  const plan = buildPlan(file, snapshot([orders()]));
  assert.deepEqual(sqlOf(plan), [
    "CREATE UNIQUE INDEX orders_status_btree_uniq ON public.orders USING btree (status) INCLUDE (total) TABLESPACE fast WHERE status <> 'void'",
    'CREATE INDEX orders_doc_gin_idx ON public.orders USING gin (doc jsonb_path_ops) TABLESPACE pg_default',
    'CREATE INDEX orders_addr_gist_idx ON public.orders USING gist (addr inet_ops) TABLESPACE pg_default',
  ]);
  assert.ok(plan.steps.every((s) => !s.concurrently));
  const noTablespace = buildPlan(planFile([tableSpec('orders', [colSpec('total')])]), snapshot([orders()]));
  assert.deepEqual(sqlOf(noTablespace), ['CREATE INDEX CONCURRENTLY orders_total_btree_idx ON public.orders USING btree (total)']);
});

test('an opclass from an extension schema is qualified', () => {
  const plan = buildPlan(planFile([tableSpec('orders', [colSpec('status', { opclass: 'gin_trgm_ops' })])]), snapshot([orders()]));
  assert.deepEqual(sqlOf(plan), ['CREATE INDEX CONCURRENTLY orders_status_gin_idx ON public.orders USING gin (status public.gin_trgm_ops)']);
});

test('a column an existing index leads, or an equivalent index under another name: exists, no statement', () => {
  const t = orders();
  t.indexes.push(index('public', 'legacy_doc', { columns: ['doc'], method: 'gin', opclass: 'jsonb_path_ops', opclassIsDefault: false }));
  t.indexes.push(index('public', 'open_orders', { columns: ['total'], predicate: "(status <> 'void'::text)" }));
  const file = planFile([
    tableSpec('orders', [
      colSpec('id'),
      colSpec('doc', { method: 'gin', opclass: 'jsonb_path_ops' }),
      colSpec('total', { where: "status <> 'void'" }),
    ]),
  ]);
  const predicates = new Map([[predicateKey({ schema: 'public', name: 'orders' }, "status <> 'void'"), "status <> 'void'::text"]]);
  const plan = buildPlan(file, snapshot([t]), { predicates });
  assert.deepEqual(plan.steps, []);
  assert.deepEqual(
    plan.columns.map((c) => [c.column, c.action, c.index?.name]),
    [
      ['id', 'exists', 'orders_pkey'],
      ['doc', 'exists', 'legacy_doc'],
      ['total', 'exists', 'open_orders'],
    ],
  );
  // Without the server's rendering the predicates differ as text: built again, not an error.
  const textual = buildPlan(file, snapshot([t]));
  assert.deepEqual(sqlOf(textual), ["CREATE INDEX CONCURRENTLY orders_total_btree_idx ON public.orders USING btree (total) WHERE status <> 'void'"]);
});

test('an INVALID index with the planned name is dropped, then built again', () => {
  const t = orders();
  t.indexes.push(index('public', 'orders_status_btree_idx', { columns: ['status'], opclass: 'text_ops', valid: false }));
  const plan = buildPlan(planFile([tableSpec('orders', [colSpec('status')])]), snapshot([t]));
  assert.deepEqual(sqlOf(plan), [
    'DROP INDEX CONCURRENTLY IF EXISTS public.orders_status_btree_idx',
    'CREATE INDEX CONCURRENTLY orders_status_btree_idx ON public.orders USING btree (status)',
  ]);
  assert.deepEqual(plan.steps.map((s) => [s.id, s.action, s.dependsOn]), [
    ['drop-invalid:public.orders_status_btree_idx', 'drop-invalid', []],
    ['create:public.orders_status_btree_idx', 'create', ['drop-invalid:public.orders_status_btree_idx']],
  ]);
  assert.equal(plan.columns[0]?.action, 'rebuild');
  assert.match(plan.steps[0]?.reason ?? '', /INVALID index orders_status_btree_idx was left by an interrupted build/);
});

test('the planned name taken by another definition is an error showing both; another name is not', () => {
  const t = orders();
  t.indexes.push(
    index('public', 'orders_status_btree_idx', {
      columns: ['status'],
      method: 'hash',
      opclass: 'text_ops',
      definition: 'CREATE INDEX orders_status_btree_idx ON public.orders USING hash (status)',
    }),
  );
  const file = planFile([tableSpec('orders', [colSpec('status', { method: 'btree' })])]);
  assert.throws(
    () => buildPlan(file, snapshot([t])),
    (err: unknown) => {
      assert.ok(err instanceof PlanningError);
      assert.match(err.message, /plan\.yaml:\d+:9: index public\.orders_status_btree_idx already exists with another definition \(method hash, planned btree\)/);
      assert.match(err.message, /existing: CREATE INDEX orders_status_btree_idx ON public\.orders USING hash \(status\)/);
      assert.match(err.message, /planned: {2}CREATE INDEX CONCURRENTLY orders_status_btree_idx ON public\.orders USING btree \(status\)/);
      assert.match(err.message, /nothing was run/);
      return true;
    },
  );
  const t2 = orders();
  t2.indexes.push(index('public', 'status_hash', { columns: ['status'], method: 'hash', opclass: 'text_ops' }));
  const plan = buildPlan(file, snapshot([t2]));
  assert.deepEqual(sqlOf(plan), ['CREATE INDEX CONCURRENTLY orders_status_btree_idx ON public.orders USING btree (status)']);
});

test('the planned name taken by an index on another table of the schema is a conflict', () => {
  const a = table('public.a', [column('b_c', T.int4, {})]);
  const ab = table('public.a_b', [column('x', T.int4, {})], { indexes: [index('public', 'a_b_c_btree_idx', { columns: ['x'] })] });
  assert.throws(() => buildPlan(planFile([tableSpec('a', [colSpec('b_c')])]), snapshot([a, ab])), /it is on public\.a_b, planned on public\.a/);
});

test('two different planned indexes that would share a name get names from their definitions', () => {
  const a = table('public.a', [column('b_c', T.int4, {})]);
  const ab = table('public.a_b', [column('c', T.int4, {})]);
  const file = planFile([tableSpec('a', [colSpec('b_c')]), tableSpec('a_b', [colSpec('c')])]);
  const plan = buildPlan(file, snapshot([a, ab]));
  const names = plan.steps.map((s) => s.index?.name ?? '');
  assert.equal(names.length, 2);
  assert.notEqual(names[0], names[1]);
  for (const n of names) assert.match(n, /^a_b_c_[0-9a-f]{8}_btree_idx$/);
  // The same names whatever the order of the plan.
  const swapped = buildPlan(planFile([tableSpec('a_b', [colSpec('c')]), tableSpec('a', [colSpec('b_c')])]), snapshot([a, ab]));
  assert.deepEqual(swapped.steps.map((s) => s.index?.name).sort(), [...names].sort());
});

test('the same index planned twice is built once, with a warning naming both plan positions', () => {
  const plan = buildPlan(planFile([tableSpec('orders', [colSpec('status'), colSpec('status')])]), snapshot([orders()]));
  assert.equal(plan.steps.length, 1);
  assert.deepEqual(plan.columns.map((c) => c.action), ['create', 'skip']);
  assert.match(plan.columns[1]?.reason ?? '', /^the same index as plan position plan\.yaml:\d+:9, planned once, there$/);
});

test('QA #10: an operator class that is the default is the same index as none: planned once', () => {
  const first = colSpec('total', { method: 'btree' });
  const second = colSpec('total', { method: 'btree', opclass: 'int4_ops' });
  const plan = buildPlan(planFile([tableSpec('orders', [first, second])]), snapshot([orders()]));
  assert.deepEqual(sqlOf(plan), ['CREATE INDEX CONCURRENTLY orders_total_btree_idx ON public.orders USING btree (total)']);
  assert.deepEqual(plan.columns.map((c) => [c.action, c.index?.name]), [['create', 'orders_total_btree_idx'], ['skip', 'orders_total_btree_idx']]);
  assert.deepEqual(plan.warnings, [
    `plan.yaml:${second.pos.line}:9: public.orders.total gives the same index as plan.yaml:${first.pos.line}:9 (btree): planned once`,
  ]);
  // A non-default operator class is another index.
  const other = buildPlan(planFile([tableSpec('orders', [colSpec('status'), colSpec('status', { opclass: 'text_pattern_ops' })])]), snapshot([orders()]));
  assert.equal(other.steps.length, 2);
});

test('a bad where, or an unknown tablespace, is an input error at the plan line', () => {
  assert.throws(
    () => buildPlan(planFile([tableSpec('orders', [colSpec('status', { where: 'true; DROP TABLE orders' })])]), snapshot([orders()])),
    (err: unknown) => err instanceof InputError && /plan\.yaml:\d+:9: .*where: `;` is not allowed/.test(err.message),
  );
  assert.throws(
    () => buildPlan(planFile([tableSpec('orders', [colSpec('status', { tablespace: 'nvme' })])]), snapshot([orders()])),
    (err: unknown) => err instanceof InputError && /tablespace "nvme" does not exist/.test(err.message),
  );
});

test('parallel builds: btree since 11, brin since 17, gin since 18', () => {
  assert.equal(parallelCapable('btree', 150000), true);
  assert.equal(parallelCapable('brin', 160000), false);
  assert.equal(parallelCapable('brin', 170000), true);
  assert.equal(parallelCapable('gin', 170005), false);
  assert.equal(parallelCapable('gin', 180000), true);
  assert.equal(parallelCapable('gist', 180000), false);
  assert.equal(parallelCapable('hash', 180000), false);
});

/** events (partitioned) → events_2024 (partition), events_2025 (partition). */
function partitioned(o: { sub?: boolean } = {}): TableInfo[] {
  const cols = () => [column('id', T.int4, {}), column('at', T.int4, {})];
  const parent = table('public.events', cols(), {
    kind: 'partitioned',
    relpages: 300,
    reltuples: 30_000,
    partitions: [
      { schema: 'public', name: 'events_2025' },
      { schema: 'public', name: 'events_2024' },
    ],
  });
  const p2024 = table('public.events_2024', cols(), { parent: { schema: 'public', name: 'events' }, relpages: 100 });
  const p2025 = table('public.events_2025', cols(), {
    parent: { schema: 'public', name: 'events' },
    relpages: 200,
    ...(o.sub ? { kind: 'partitioned' as const, partitions: [{ schema: 'public', name: 'events_2025_h1' }] } : {}),
  });
  const out = [parent, p2024, p2025];
  if (o.sub) out.push(table('public.events_2025_h1', cols(), { parent: { schema: 'public', name: 'events_2025' }, relpages: 200 }));
  return out;
}

test('a partitioned table, concurrently: ON ONLY parent, each partition concurrently, then ATTACH', () => {
  const plan = buildPlan(planFile([tableSpec('events', [colSpec('at')])]), snapshot(partitioned()));
  assert.deepEqual(sqlOf(plan), [
    'CREATE INDEX events_at_btree_idx ON ONLY public.events USING btree (at)',
    'CREATE INDEX CONCURRENTLY events_2024_at_btree_idx ON public.events_2024 USING btree (at)',
    'ALTER INDEX public.events_at_btree_idx ATTACH PARTITION public.events_2024_at_btree_idx',
    'CREATE INDEX CONCURRENTLY events_2025_at_btree_idx ON public.events_2025 USING btree (at)',
    'ALTER INDEX public.events_at_btree_idx ATTACH PARTITION public.events_2025_at_btree_idx',
  ]);
  assert.deepEqual(
    plan.steps.map((s) => [s.id, s.dependsOn]),
    [
      ['create-parent:public.events_at_btree_idx', []],
      ['create:public.events_2024_at_btree_idx', ['create-parent:public.events_at_btree_idx']],
      ['attach:public.events_2024_at_btree_idx', ['create-parent:public.events_at_btree_idx', 'create:public.events_2024_at_btree_idx']],
      ['create:public.events_2025_at_btree_idx', ['create-parent:public.events_at_btree_idx']],
      ['attach:public.events_2025_at_btree_idx', ['create-parent:public.events_at_btree_idx', 'create:public.events_2025_at_btree_idx']],
    ],
  );
  assert.deepEqual(plan.steps.map((s) => s.estimate.pages), [0, 100, 0, 200, 0]);
  assert.deepEqual(plan.steps.map((s) => s.table?.name), ['events', 'events_2024', 'events', 'events_2025', 'events']);
  assert.equal(plan.columns[0]?.action, 'create');
});

test('a partitioned table without concurrently: one CREATE INDEX on the parent', () => {
  const plan = buildPlan(planFile([tableSpec('events', [colSpec('at')], { concurrently: false })]), snapshot(partitioned()));
  assert.deepEqual(sqlOf(plan), ['CREATE INDEX events_at_btree_idx ON public.events USING btree (at)']);
  assert.equal(plan.steps[0]?.estimate.pages, 300);
});

test('a partition with an equivalent index gets it attached, not rebuilt', () => {
  const tables = partitioned();
  (tables[1] as TableInfo).indexes.push(index('public', 'old_2024_at', { columns: ['at'] }));
  const plan = buildPlan(planFile([tableSpec('events', [colSpec('at')])]), snapshot(tables));
  assert.deepEqual(sqlOf(plan), [
    'CREATE INDEX events_at_btree_idx ON ONLY public.events USING btree (at)',
    'ALTER INDEX public.events_at_btree_idx ATTACH PARTITION public.old_2024_at',
    'CREATE INDEX CONCURRENTLY events_2025_at_btree_idx ON public.events_2025 USING btree (at)',
    'ALTER INDEX public.events_at_btree_idx ATTACH PARTITION public.events_2025_at_btree_idx',
  ]);
  // An attach step names both indexes as data: the parent's as `index`, the partition's as `attachChild`.
  assert.deepEqual(
    plan.steps.map((s) => [s.action, s.index?.name, s.attachChild ?? null]),
    [
      ['create-parent', 'events_at_btree_idx', null],
      ['attach', 'events_at_btree_idx', { schema: 'public', name: 'old_2024_at' }],
      ['create', 'events_2025_at_btree_idx', null],
      ['attach', 'events_at_btree_idx', { schema: 'public', name: 'events_2025_at_btree_idx' }],
    ],
  );
});

test('an unfinished partitioned index is completed: attached partitions need nothing, an INVALID leftover is rebuilt', () => {
  const tables = partitioned();
  const [parent, p2024, p2025] = tables as [TableInfo, TableInfo, TableInfo];
  parent.indexes.push(index('public', 'events_at_btree_idx', { columns: ['at'], valid: false }));
  p2024.indexes.push(index('public', 'events_2024_at_btree_idx', { columns: ['at'], parentIndex: { schema: 'public', name: 'events_at_btree_idx' } }));
  p2025.indexes.push(index('public', 'events_2025_at_btree_idx', { columns: ['at'], valid: false }));
  const plan = buildPlan(planFile([tableSpec('events', [colSpec('at')])]), snapshot(tables));
  assert.deepEqual(sqlOf(plan), [
    'DROP INDEX CONCURRENTLY IF EXISTS public.events_2025_at_btree_idx',
    'CREATE INDEX CONCURRENTLY events_2025_at_btree_idx ON public.events_2025 USING btree (at)',
    'ALTER INDEX public.events_at_btree_idx ATTACH PARTITION public.events_2025_at_btree_idx',
  ]);
  assert.deepEqual(plan.steps[2]?.dependsOn, ['create:public.events_2025_at_btree_idx']);
  assert.equal(plan.columns[0]?.action, 'rebuild');
});

test('a valid partitioned index is enough: nothing to do', () => {
  const tables = partitioned();
  (tables[0] as TableInfo).indexes.push(index('public', 'events_at_btree_idx', { columns: ['at'] }));
  const plan = buildPlan(planFile([tableSpec('events', [colSpec('at')])]), snapshot(tables));
  assert.deepEqual(plan.steps, []);
  assert.equal(plan.columns[0]?.action, 'exists');
});

test('sub-partitioned tables are handled recursively: the middle level gets its own ON ONLY index', () => {
  const plan = buildPlan(planFile([tableSpec('events', [colSpec('at')])]), snapshot(partitioned({ sub: true })));
  assert.deepEqual(
    plan.steps.map((s) => [s.id, s.dependsOn]),
    [
      ['create-parent:public.events_at_btree_idx', []],
      ['create:public.events_2024_at_btree_idx', ['create-parent:public.events_at_btree_idx']],
      ['attach:public.events_2024_at_btree_idx', ['create-parent:public.events_at_btree_idx', 'create:public.events_2024_at_btree_idx']],
      ['create-parent:public.events_2025_at_btree_idx', ['create-parent:public.events_at_btree_idx']],
      ['create:public.events_2025_h1_at_btree_idx', ['create-parent:public.events_2025_at_btree_idx']],
      ['attach:public.events_2025_h1_at_btree_idx', ['create-parent:public.events_2025_at_btree_idx', 'create:public.events_2025_h1_at_btree_idx']],
      [
        'attach:public.events_2025_at_btree_idx',
        ['create-parent:public.events_at_btree_idx', 'create-parent:public.events_2025_at_btree_idx', 'attach:public.events_2025_h1_at_btree_idx'],
      ],
    ],
  );
  assert.equal(plan.steps[3]?.sql, 'CREATE INDEX events_2025_at_btree_idx ON ONLY public.events_2025 USING btree (at)');
});

test('a partition named in the plan next to its parent is covered by the parent for the same column, unless it asks for more', () => {
  const plan = buildPlan(
    planFile([tableSpec('events', [colSpec('at'), colSpec('id')]), tableSpec('events_2024', [colSpec('at'), colSpec('id', { method: 'hash' })])]),
    snapshot(partitioned()),
  );
  assert.deepEqual(
    plan.columns.map((c) => [c.table.name, c.column, c.action, c.method]),
    [
      ['events', 'at', 'create', 'btree'],
      ['events', 'id', 'create', 'btree'],
      ['events_2024', 'at', 'skip', null],
      ['events_2024', 'id', 'create', 'hash'],
    ],
  );
  assert.match(plan.columns[2]?.reason ?? '', /covered by the index planned on its partitioned table public\.events/);
});

test('the same inputs give byte-identical output', () => {
  const make = () => buildPlan(planFile([tableSpec('orders', 'all'), tableSpec('events', [colSpec('at')])]), snapshot([orders(), ...partitioned()]));
  const a = make();
  const b = make();
  assert.equal(renderSql(a), renderSql(b));
  assert.equal(renderJson(a), renderJson(b));
});

/** The "LINE: message" of every problem of an InputError, in order. */
function problemsOf(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.pos.line}: ${p.message}`);
    throw err;
  }
  assert.fail('expected an InputError');
}

test('QA #13: the advisor\'s problems, resolution\'s and the planner\'s come in one InputError, by position', () => {
  const a = colSpec('status', { opclass: 'nope_ops' });
  const b = colSpec('missing');
  const c = colSpec('total', { method: 'bloom' });
  const d = colSpec('id', { where: 'true; DROP TABLE x' });
  const e = colSpec('addr', { method: 'gin' });
  const given = { pos: { file: 'plan.yaml', line: 1, col: 1 }, message: 'from the caller' };
  const lines = problemsOf(() => buildPlan(planFile([tableSpec('orders', [a, b, c, d, e])]), snapshot([orders()]), { problems: [given] }));
  assert.deepEqual(
    lines.map((l) => l.replace(/^(\d+): (.{0,40}).*$/, (_, n: string, m: string) => `${Number(n) - a.pos.line}: ${m}`)),
    [
      `${1 - a.pos.line}: from the caller`,
      '0: public.orders.status: operator class "no',
      '1: column "missing" does not exist in publi',
      '2: public.orders.total: access method "bloo',
      '3: public.orders.id: where: `;` is not allo',
      '4: public.orders.addr: gin has no default o',
    ],
  );
});

test('a partition missing from the catalog snapshot is a problem at the plan line, reported with the others', () => {
  const [events, p2024] = partitioned();
  const spec = colSpec('at');
  const bad = colSpec('nope');
  assert.deepEqual(problemsOf(() => buildPlan(planFile([tableSpec('events', [spec, bad])]), snapshot([events!, p2024!]))), [
    `${spec.pos.line}: partition public.events_2025 of public.events is missing from the catalog snapshot`,
    `${bad.pos.line}: column "nope" does not exist in public.events`,
  ]);
});

test('QA #9: unique on a partitioned table needs the partition key, at every level; pg_global is refused', () => {
  const tables = partitioned({ sub: true });
  const [events, , p2025] = tables;
  Object.assign(events!, { partitionKey: ['at'] });
  Object.assign(p2025!, { partitionKey: ['id'] });
  const spec = colSpec('at', { unique: true });
  assert.deepEqual(problemsOf(() => buildPlan(planFile([tableSpec('events', [spec])]), snapshot(tables))), [
    `${spec.pos.line}: public.events.at: unique: true on a partitioned table needs every partition key column in the index, but public.events_2025 is partitioned by (id)`,
  ]);
  Object.assign(p2025!, { partitionKey: ['at'] });
  assert.equal(buildPlan(planFile([tableSpec('events', [colSpec('at', { unique: true })])]), snapshot(tables)).steps.length > 0, true);
  Object.assign(events!, { partitionKey: [null] });
  assert.match(problemsOf(() => buildPlan(planFile([tableSpec('events', [colSpec('at', { unique: true })])]), snapshot(tables)))[0] ?? '', /public\.events is partitioned by \(an expression\)/);

  assert.match(
    problemsOf(() => buildPlan(planFile([tableSpec('orders', [colSpec('status', { tablespace: 'pg_global' })])]), snapshot([orders()])))[0] ?? '',
    /tablespace "pg_global" holds only shared system catalogs/,
  );
});

test('QA #9: a table this role does not own is a problem at its line; a partition built on its own names the way through the parent', () => {
  const mine = table('public.theirs', [column('id', T.int4, {})], { canIndex: false, owner: 'alice' });
  const spec = tableSpec('theirs', [colSpec('id')]);
  assert.deepEqual(problemsOf(() => buildPlan(planFile([spec]), snapshot([mine], { role: 'bob' }))), [
    `${spec.columns === 'all' ? 0 : (spec.columns[0]?.pos.line ?? 0)}: permission denied: only the owner of public.theirs (owned by alice) can create indexes on it; the plan connects as bob, which is neither a member of that role nor a superuser`,
  ]);
  const tables = partitioned();
  Object.assign(tables[1]!, { canIndex: false, owner: 'alice' });
  const lines = problemsOf(() => buildPlan(planFile([tableSpec('events', [colSpec('at')])]), snapshot(tables)));
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? '', /only the owner of public\.events_2024 \(owned by alice\)/);
  // Without concurrently, one CREATE INDEX on the parent builds the partition's index: allowed.
  assert.equal(buildPlan(planFile([tableSpec('events', [colSpec('at')], { concurrently: false })]), snapshot(tables)).steps.length, 1);
});

test('QA #12: a materialized view is planned like a table, CONCURRENTLY included', () => {
  const mv = table('public.mv', [column('id', T.int4, {})], { kind: 'matview' });
  const plan = buildPlan(planFile([tableSpec('mv', [colSpec('id')])]), snapshot([mv]));
  assert.deepEqual(sqlOf(plan), ['CREATE INDEX CONCURRENTLY mv_id_btree_idx ON public.mv USING btree (id)']);
  assert.equal(plan.tables?.[0]?.kind, 'matview');
});

test('prune on a table the role may not drop from: its undeclared indexes kept, with why; no DROP planned', () => {
  const indexes = [index('public', 'orders_pkey', { columns: ['id'], unique: true, primary: true }), index('public', 'orders_total', { columns: ['total'] })];
  const owned = (canIndex: boolean) => table('public.orders', [column('id', T.int4, {}), column('total', T.int4, {})], { canIndex, owner: 'alice', indexes });
  const file = planFile([tableSpec('orders', [colSpec('id')])], { prune: true });
  const theirs = buildPlan(file, snapshot([owned(false)], { role: 'bob' }));
  assert.deepEqual(sqlOf(theirs), []);
  assert.deepEqual(theirs.kept?.map((k) => [k.index.name, k.reason]), [
    ['orders_total', 'only the owner of public.orders (owned by alice) can drop its indexes; the plan connects as bob, which is neither a member of that role nor a superuser: DROP INDEX would fail'],
  ]);
  // The same table owned (or through membership): the DROP is planned, a hazard.
  const mine = buildPlan(file, snapshot([owned(true)], { role: 'bob' }));
  assert.deepEqual(sqlOf(mine), ['DROP INDEX CONCURRENTLY IF EXISTS public.orders_total']);
  assert.equal(mine.steps[0]?.hazard, 'drop');
});
