/**
 * The pieces of `npm run demo` at a hundredth of its size: the sample database builds on a real
 * server, examples/demo.yaml plans against it with the choices its comments promise, applying it
 * builds every index, and planning again finds nothing to do.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { createSampleData, sampleRowCounts, type SampleTable } from '../../scripts/sample-data.js';
import { preparePlan, type PreparedPlan } from '../../src/planner.js';
import { executePlan } from '../../src/runner/execute.js';
import type { ColumnPlan } from '../../src/plan/types.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCALE = 0.01;

let db: TestDatabase;
let tables: SampleTable[];
before(async () => {
  db = await testDatabase('pgindex_demo');
  tables = await createSampleData(db.client, { scale: SCALE });
});
after(async () => {
  await db?.drop();
});

function plan(): Promise<PreparedPlan> {
  return preparePlan({ planPath: 'examples/demo.yaml', dbFlag: db.url, env: {}, cwd: ROOT, log: () => undefined });
}

function column(columns: ColumnPlan[], table: string, name: string): ColumnPlan {
  const c = columns.find((p) => p.table.name === table && p.column === name);
  assert.ok(c, `the plan has a line for ${table}.${name}`);
  return c;
}

test('the sample database has its tables, rows, extensions and statistics', async () => {
  assert.deepEqual(tables, sampleRowCounts(SCALE));
  for (const t of tables) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t.name}`);
    assert.equal(rows[0]?.n, t.rows, `${t.name} has ${t.rows} rows`);
  }
  const ext = await db.query<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname IN ('citext', 'btree_gin') ORDER BY 1`);
  assert.deepEqual(ext.rows.map((r) => r.extname), ['btree_gin', 'citext']);
  const parts = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'orders'::regclass`);
  assert.equal(parts.rows[0]?.n, 4);
  const stats = await db.query<{ tablename: string }>(
    `SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY 1`,
    [tables.map((t) => t.name)],
  );
  assert.deepEqual(stats.rows.map((r) => r.tablename), tables.map((t) => t.name).sort());
});

test('examples/demo.yaml plans against the sample database with a reason for every column', async () => {
  const { plan: p } = await plan();
  assert.deepEqual(p.warnings, []);
  for (const c of p.columns) assert.ok(c.reason.length > 0, `${c.table.name}.${c.column} has a reason`);

  // Choices that follow from the column types, whatever the scale.
  assert.equal(column(p.columns, 'customers', 'id').action, 'exists');
  assert.equal(column(p.columns, 'customers', 'is_active').action, 'skip');
  // varchar has no btree operator class of its own (it borrows text's), yet is plainly btree's.
  assert.equal(column(p.columns, 'customers', 'country').method, 'btree');
  assert.equal(column(p.columns, 'customers', 'email').method, 'btree');
  const prefs = column(p.columns, 'customers', 'preferences');
  assert.deepEqual([prefs.method, prefs.opclass], ['gin', 'jsonb_path_ops']);
  const ip = column(p.columns, 'customers', 'last_ip');
  assert.deepEqual([ip.method, ip.opclass], ['gist', 'inet_ops']);
  assert.equal(column(p.columns, 'customers', 'home').method, 'gist');
  assert.equal(column(p.columns, 'products', 'search').method, 'gin');
  assert.equal(column(p.columns, 'products', 'tags').method, 'gin');
  assert.equal(column(p.columns, 'products', 'on_sale').method, 'gist');
  assert.equal(column(p.columns, 'products', 'recommended_age').method, 'gist');
  assert.equal(column(p.columns, 'page_views', 'path').opclass, 'text_pattern_ops');
  assert.ok(!p.columns.some((c) => c.table.name === 'products' && c.column === 'description'), 'description is excluded');

  // The partitioned orders table is built online: ON ONLY on the parent, each partition, then ATTACH.
  const orderSteps = p.steps.filter((s) => s.table?.name.startsWith('orders'));
  assert.ok(orderSteps.some((s) => s.action === 'create-parent'));
  assert.ok(orderSteps.some((s) => s.action === 'attach'));
  assert.ok(p.steps.filter((s) => s.action === 'create').every((s) => s.concurrently));
});

test('applying the demo plan builds every index, and planning again finds nothing to do', async () => {
  const prepared = await plan();
  const result = await executePlan(prepared.plan, { connection: prepared.connection, sink: () => undefined });
  assert.equal(result.failed, 0, JSON.stringify(result.results.filter((r) => r.state === 'failed')));
  assert.equal(result.done, prepared.plan.steps.length);
  const invalid = await db.query(`SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid`);
  assert.deepEqual(invalid.rows, []);
  const again = await plan();
  assert.deepEqual(again.plan.steps.map((s) => s.sql), []);
});
