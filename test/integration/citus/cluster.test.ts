/**
 * The Citus harness (test/support/citus.ts): a coordinator and two workers that distribute a table's
 * shards between them. Skipped, saying why, where Citus is not installed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { citusSkipReason, startCitusCluster, type CitusCluster } from '../../support/citus.js';
import { runCli } from '../../support/cli.js';

const skip = citusSkipReason();
let cluster: CitusCluster | undefined;
before(async () => {
  if (!skip) cluster = await startCitusCluster();
});
after(async () => {
  await cluster?.stop();
});

test('a distributed table has 32 shards placed on both workers', { skip }, async () => {
  const c = cluster as CitusCluster;
  const nodes = await c.client.query<{ port: number }>(`select nodeport as port from pg_dist_node where noderole = 'primary' and shouldhaveshards order by nodeport`);
  assert.deepEqual(nodes.rows.map((r) => r.port).sort(), c.workers.map((w) => w.port).sort());
  await c.client.query('create table events (id bigint, at timestamptz)');
  await c.client.query(`select create_distributed_table('events', 'id')`);
  await c.client.query(`insert into events select g, now() from generate_series(1, 1000) g`);
  const placed = await c.client.query<{ port: number; shards: string }>(`select nodeport as port, count(*) as shards from citus_shards where table_name = 'events'::regclass group by nodeport order by nodeport`);
  assert.equal(placed.rows.length, 2);
  assert.equal(placed.rows.reduce((n, r) => n + Number(r.shards), 0), 32);
  // pg_class on a node hides the shards from ordinary sessions (citus.override_table_visibility): look them up by name.
  const onWorker = await c.onWorker<{ n: string }>(0, `select count(*) as n from pg_dist_shard where logicalrelid = 'events'::regclass and to_regclass('events_' || shardid) is not null`);
  assert.equal(Number(onWorker[0]?.n), 16);
});

test('a saved plan of a distributed table applies: its facts are read again with the shards', { skip }, async () => {
  const c = cluster as CitusCluster;
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-citus-saved-'));
  try {
    await c.client.query('analyze events');
    writeFileSync(join(dir, 'plan.yaml'), 'version: 1\ntables:\n  - name: events\n    columns: [at]\n');
    const saved = await runCli(['plan', 'plan.yaml', '-d', c.url, '--save', 'saved.json'], { cwd: dir });
    assert.equal(saved.code, 0, saved.err);
    const applied = await runCli(['apply', '--plan', 'saved.json', '-d', c.url, '-y'], { cwd: dir });
    assert.equal(applied.code, 0, applied.err + applied.out);
    const again = await runCli(['plan', 'plan.yaml', '-d', c.url, '--detailed-exitcode'], { cwd: dir });
    assert.equal(again.code, 0, again.out + again.err);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
