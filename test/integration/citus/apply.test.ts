/**
 * Issue 15's "done when", on a real cluster (test/support/citus.ts: a coordinator and two workers):
 * a distributed table of 32 shards planned from its shards' statistics, applied with the shard builds
 * per node within the bound, a shard build killed on a worker and repaired, and nothing left to do.
 * Then the rest of the plan language on Citus tables: reference, Citus-local, distributed partitioned,
 * expression and partial indexes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { citusSkipReason, startCitusCluster, type CitusCluster } from '../../support/citus.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { testPlan, testStep } from '../../support/step.js';
import { executePlan } from '../../../src/runner/execute.js';

/** Rows of the distributed table: the issue's 2 million. */
const ROWS = 2_000_000;
const skip = citusSkipReason();
let cluster: CitusCluster;
let dir: string;

before(async () => {
  if (skip) return;
  cluster = await startCitusCluster();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-citus-'));
  const q = (sql: string) => cluster.client.query(sql);
  await q('create table events (id bigint, at timestamptz, kind text, amount int)');
  await q(`select create_distributed_table('events', 'id')`);
  // Inserted in time order: on every shard, `at` follows the physical order (correlation 1).
  await q(`insert into events select g, timestamptz '2026-01-01' + g * interval '1 second', (array['new','paid','sent','done','void'])[1 + g % 5], g % 1000
           from generate_series(1, ${ROWS}) g`);
  await q('analyze events');
});
after(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(argv: string[]): Promise<CliResult> {
  return runCli(argv, { cwd: dir });
}

function planFile(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

/** Every shard copy of the table's indexes on the workers: [valid, all]. */
async function shardIndexes(table: string): Promise<{ valid: number; all: number }> {
  const { rows } = await cluster.client.query<{ valid: string; all: string }>(
    `select coalesce(sum((result::json->>'valid')::int), 0) as valid, coalesce(sum((result::json->>'all')::int), 0) as all
     from run_command_on_workers($$select json_build_object('valid', count(*) filter (where i.indisvalid and i.indisready), 'all', count(*))
       from pg_dist_shard s join pg_index i on i.indrelid = to_regclass(shard_name(s.logicalrelid, s.shardid))
       where s.logicalrelid = '${table}'::regclass$$)`,
  );
  return { valid: Number(rows[0]?.valid), all: Number(rows[0]?.all) };
}

/** Samples, until stopped, how many shard builds run at once on each worker; returns the most seen per worker. */
function watchShardBuilds(): { stop: () => Promise<number[]> } {
  let running = true;
  const most = cluster.workers.map(() => 0);
  const loops = cluster.workers.map(async (w, i) => {
    const c = new pg.Client({ connectionString: w.url });
    await c.connect();
    try {
      while (running) {
        const { rows } = await c.query<{ n: string }>('select count(*) as n from pg_stat_progress_create_index');
        most[i] = Math.max(most[i] ?? 0, Number(rows[0]?.n));
        await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await c.end();
    }
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return most;
    },
  };
}

const EVENTS = `version: 1
parallelism: 1
citus: {per_node: 2}
tables:
  - name: events
    columns: [at, kind]
`;

test('the plan reads the shards: brin from every shard\'s correlation, a non-zero cost from the busiest node', { skip }, async () => {
  const file = planFile('events.yaml', EVENTS);
  const json = await cli(['plan', file, '-d', cluster.url, '--format', 'json']);
  assert.equal(json.code, 0, json.err);
  const plan = JSON.parse(json.out) as { columns: { column: string; method: string; reason: string }[]; statements: { sql: string; estimate: { cost: number; pages: number } }[]; settings: { parallelism: number; citus?: unknown } };
  const at = plan.columns.find((c) => c.column === 'at');
  assert.equal(at?.method, 'brin');
  assert.match(at?.reason ?? '', /^correlation 1 on 32 of 32 shards, [\d,]+ pages → brin$/);
  assert.equal(plan.statements.length, 2);
  for (const s of plan.statements) assert.ok(s.estimate.cost > 0 && s.estimate.pages > 1000, JSON.stringify(s.estimate));
  assert.deepEqual(plan.settings.citus, { perNode: 2, poolSize: 2, from: 'plan' });
  const sql = await cli(['plan', file, '-d', cluster.url]);
  assert.match(sql.out, /^SET citus\.max_adaptive_executor_pool_size = 2;$/m);
});

test('apply builds both indexes valid on all 32 shards, at most per_node shard builds at once per worker', { skip }, async (t) => {
  const file = planFile('events.yaml', EVENTS);
  const watch = watchShardBuilds();
  const applied = await cli(['apply', file, '-d', cluster.url, '--json']);
  const most = await watch.stop();
  assert.equal(applied.code, 0, applied.err + applied.out);
  // Progress over the shards, as the nodes report it (the coordinator's backend only waits for them).
  const phases = applied.out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; phase?: string; percent?: number }).filter((e) => e.type === 'progress');
  t.diagnostic(`progress: ${phases.map((e) => `${e.phase} (${e.percent}%)`).join(' | ')}`);
  assert.ok(phases.some((e) => /^\d+ of 32 shards built/.test(e.phase ?? '')), JSON.stringify(phases));
  assert.deepEqual(await shardIndexes('events'), { valid: 64, all: 64 });
  t.diagnostic(`most shard builds at once per worker: ${most.join(', ')}`);
  for (const n of most) assert.ok(n <= 2, `shard builds at once per worker: ${most.join(', ')}`);
  assert.ok(most.some((n) => n > 0), 'the watch saw the builds');
  const again = await cli(['plan', file, '-d', cluster.url, '--detailed-exitcode']);
  assert.equal(again.code, 0, again.out + again.err);
  // For comparison, the same kind of build without the bound (Citus's default pool size, 16).
  const unbounded = watchShardBuilds();
  await cluster.client.query('create index concurrently events_probe on events (kind, amount)');
  const unboundedMost = await unbounded.stop();
  t.diagnostic(`without the bound: ${unboundedMost.join(', ')}`);
  assert.ok(Math.max(...unboundedMost) > 2, 'the bound is what kept the builds at 2 per worker');
  await cluster.client.query('drop index concurrently events_probe');
});

test('a shard build killed on a worker: the run never reports it done, and a re-plan repairs it', { skip }, async (t) => {
  const file = planFile('amount.yaml', `version: 1
citus: {per_node: 1}
tables:
  - name: events
    indexes:
      - columns: [amount, kind]
`);
  const applying = cli(['apply', file, '-d', cluster.url]);
  // Kill the first shard build seen on the first worker.
  let killed = false;
  for (let i = 0; i < 2000 && !killed; i++) {
    const rows = await cluster.onWorker<{ killed: boolean }>(
      0,
      `select pg_terminate_backend(pid) as killed from pg_stat_progress_create_index limit 1`,
    );
    killed = rows[0]?.killed === true;
    if (!killed) await new Promise((r) => setTimeout(r, 5));
  }
  const first = await applying;
  assert.ok(killed, 'a shard build was seen and terminated');
  const shards = await shardIndexes('events');
  t.diagnostic(first.code === 0 ? 'repaired by the run itself (retry after dropping the INVALID index)' : 'repaired by a second apply');
  if (first.code === 0) {
    // The run retried (dropping what the failed build left): done means done on every shard.
    assert.deepEqual(shards, { valid: 96, all: 96 });
  } else {
    const replan = await cli(['plan', file, '-d', cluster.url]);
    assert.match(replan.out, /DROP INDEX CONCURRENTLY IF EXISTS/);
    const repaired = await cli(['apply', file, '-d', cluster.url]);
    assert.equal(repaired.code, 0, repaired.err + repaired.out);
    assert.deepEqual(await shardIndexes('events'), { valid: 96, all: 96 });
  }
  const again = await cli(['plan', file, '-d', cluster.url, '--detailed-exitcode']);
  assert.equal(again.code, 0, again.out + again.err);
});

test('a shard copy made INVALID behind a build\'s back: the run fails the build, the plan rebuilds the index', { skip }, async () => {
  const [shard] = (
    await cluster.client.query<{ id: string }>(`select shardid::text as id from citus_shards where table_name = 'events'::regclass and nodeport = $1 order by shardid limit 1`, [
      cluster.workers[0]?.port,
    ])
  ).rows;
  assert.ok(shard);
  await cluster.onWorker(0, `update pg_index set indisvalid = false where indexrelid = to_regclass('public.events_amount_kind_btree_idx_${shard.id}')`);
  // A build that the coordinator reports done (the index exists there): the shards say otherwise.
  const step = testStep({
    id: 'guard',
    sql: 'CREATE INDEX IF NOT EXISTS events_amount_kind_btree_idx ON public.events (amount, kind)',
    table: { schema: 'public', name: 'events' },
    index: { schema: 'public', name: 'events_amount_kind_btree_idx' },
  });
  const run = await executePlan(testPlan([step], { citus: { perNode: 1, poolSize: 1, from: 'plan' } }, 150000), { connection: { connectionString: cluster.url }, sink: () => undefined });
  assert.equal(run.results[0]?.state, 'failed');
  assert.match(run.results[0]?.error?.message ?? '', /^public\.events_amount_kind_btree_idx has no valid copy on 1 of its 32 shard placements/);
  const file = planFile('amount.yaml', `version: 1
tables:
  - name: events
    indexes:
      - columns: [amount, kind]
`);
  const replan = await cli(['plan', file, '-d', cluster.url]);
  assert.match(replan.out, /^DROP INDEX CONCURRENTLY IF EXISTS public\.events_amount_kind_btree_idx;$/m);
  assert.match(replan.out, /^CREATE INDEX CONCURRENTLY events_amount_kind_btree_idx ON public\.events/m);
  const repaired = await cli(['apply', file, '-d', cluster.url]);
  assert.equal(repaired.code, 0, repaired.err + repaired.out);
  assert.deepEqual(await shardIndexes('events'), { valid: 96, all: 96 });
  const again = await cli(['plan', file, '-d', cluster.url, '--detailed-exitcode']);
  assert.equal(again.code, 0, again.out + again.err);
});

test('reference, Citus-local and distributed partitioned tables; expression and partial indexes', { skip }, async () => {
  const q = (sql: string) => cluster.client.query(sql);
  await q('create table kinds (kind text primary key, label text)');
  await q(`select create_reference_table('kinds')`);
  await q(`insert into kinds select k, 'label ' || k from unnest(array['new','paid','sent','done','void']) k`);
  await q('create table notes (id int, note text)');
  await q(`select citus_add_local_table_to_metadata('notes')`);
  await q(`insert into notes select g, md5(g::text) from generate_series(1, 1000) g`);
  await q('create table measures (device int, taken date, v int) partition by range (taken)');
  await q(`create table measures_2025 partition of measures for values from ('2025-01-01') to ('2026-01-01')`);
  await q(`create table measures_2026 partition of measures for values from ('2026-01-01') to ('2027-01-01')`);
  await q(`select create_distributed_table('measures', 'device')`);
  await q(`insert into measures select g % 100, date '2025-01-01' + (g % 700), g from generate_series(1, 20000) g`);
  await q('analyze kinds, notes, measures');
  const file = planFile('rest.yaml', `version: 1
tables:
  - name: kinds
    columns: [label]
  - name: notes
    columns: [note]
  - name: measures
    columns: [v]
  - name: events
    indexes:
      - columns: [{expression: "lower(kind)"}]
      - columns: [amount]
        where: "amount > 900"
        # Citus shortens its shard copies' names (over 63 bytes): the run's check finds them by shard_name().
        name: events_amount_over_nine_hundred_partial_index_with_long_name
`);
  const plan = await cli(['plan', file, '-d', cluster.url]);
  assert.equal(plan.code, 0, plan.err);
  const applied = await cli(['apply', file, '-d', cluster.url]);
  assert.equal(applied.code, 0, applied.err + applied.out);
  assert.match(applied.out + applied.err, /\b0 skipped, 0 failed, 0 cancelled\b/, applied.out + applied.err);
  for (const t of ['kinds', 'measures_2025', 'measures_2026']) {
    const s = await shardIndexes(t);
    assert.ok(s.all > 0 && s.valid === s.all, `${t}: ${JSON.stringify(s)}`);
  }
  assert.deepEqual(await shardIndexes('events'), { valid: 160, all: 160 });
  const again = await cli(['plan', file, '-d', cluster.url, '--detailed-exitcode']);
  assert.equal(again.code, 0, again.out + again.err);
});
