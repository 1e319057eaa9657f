/**
 * The per-node bound of shard builds on a Citus coordinator (src/plan/citus.ts): from the plan's
 * `citus: {per_node}` or the nodes' cores, through the sessions' pool size and, if need be, fewer sessions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citusRunSettings } from '../../../src/plan/citus.js';
import { deriveRunSettings, sessionSettingsSql } from '../../../src/plan/settings.js';
import { buildPlan } from '../../../src/plan/build.js';
import { renderSql } from '../../../src/plan/render.js';
import { T, column, snapshot, table } from '../../support/catalog.js';
import { colSpec, planFile, tableSpec } from '../../support/plan-file.js';
import { testStep } from '../../support/step.js';
import type { CatalogSnapshot } from '../../../src/catalog/types.js';

const events = () =>
  table('public.events', [column('id', T.int8, {}), column('kind', T.text, {})], {
    citus: { kind: 'distributed', distributionColumn: 'id', shards: 32, nodes: [{ node: 'w1:5432', shards: 16, pages: 100, sizeBytes: 819200 }] },
  });
const cluster = (cores: number[]): CatalogSnapshot['citus'] => ({ version: '13.2-1', nodes: cores.map((c, i) => ({ node: `w${i}:5432`, cores: c })) });
const settings = (parallelism: number) =>
  deriveRunSettings({ maxParallelWorkers: 8, maxWorkerProcesses: 8 }, { parallelism, concurrently: true, lockTimeoutMs: 5000, statementTimeoutMs: 0, retries: 3 });
const build = testStep({ id: 'create:public.e_kind', table: { schema: 'public', name: 'events' } });

test('remote nodes: their fewest max_parallel_workers, shared by the sessions, with a warning to set per_node', () => {
  const out = citusRunSettings({}, snapshot([events()], { citus: cluster([8, 4]) }), [build], settings(2));
  assert.deepEqual(out.settings.citus, { perNode: 4, poolSize: 2, from: 'nodes' });
  assert.equal(out.settings.parallelism, 2);
  assert.equal(out.warnings.length, 1);
  assert.match(out.warnings[0] ?? '', /not visible from the coordinator: 4 shard builds at once per node .* set citus: \{per_node: N\}/);
});

test('nodes on this machine: this machine\'s cores, not their max_parallel_workers', () => {
  const local: CatalogSnapshot['citus'] = { version: '13.2-1', nodes: [{ node: '127.0.0.1:9701', cores: 8 }, { node: 'localhost:9702', cores: 8 }] };
  const onMachine = deriveRunSettings({ maxParallelWorkers: 8, maxWorkerProcesses: 8 }, { parallelism: 2, concurrently: true, lockTimeoutMs: 5000, statementTimeoutMs: 0, retries: 3 }, { cores: 2 });
  const out = citusRunSettings({}, snapshot([events()], { citus: local }), [build], onMachine);
  assert.deepEqual(out.settings.citus, { perNode: 2, poolSize: 1, from: 'machine' });
  assert.deepEqual(out.warnings, []);
  // a coordinator reached from elsewhere knows nothing of those nodes' machine
  assert.equal(citusRunSettings({}, snapshot([events()], { citus: local }), [build], settings(2)).settings.citus?.from, 'nodes');
});

test('given: per_node wins, and more sessions than it allows are cut, saying so', () => {
  const out = citusRunSettings({ citus: { perNode: 2 } }, snapshot([events()], { citus: cluster([8, 8]) }), [build], settings(4));
  assert.deepEqual(out.settings.citus, { perNode: 2, poolSize: 1, from: 'plan' });
  assert.equal(out.settings.parallelism, 2);
  assert.match(out.warnings[0] ?? '', /^parallelism 4 cut to 2: .* 2 per node is the bound \(citus: per_node\)$/);
  // sessions × pool size never exceeds the bound
  for (const perNode of [1, 2, 3, 5, 16]) {
    for (const parallelism of [1, 2, 3, 4, 8]) {
      const s = citusRunSettings({ citus: { perNode } }, snapshot([events()], { citus: cluster([2]) }), [build], settings(parallelism)).settings;
      assert.ok(s.parallelism * (s.citus?.poolSize ?? 0) <= perNode, `${perNode} per node, parallelism ${parallelism}`);
    }
  }
});

test('nothing changes without Citus, or without a build on a Citus table', () => {
  const plain = testStep({ id: 'create:public.p', table: { schema: 'public', name: 'plain' } });
  const snap = snapshot([events(), table('public.plain', [column('id', T.int4, {})])], { citus: cluster([2]) });
  assert.deepEqual(citusRunSettings({}, snap, [plain], settings(4)).settings, settings(4));
  assert.deepEqual(citusRunSettings({}, snapshot([events()]), [build], settings(4)).settings, settings(4));
});

test('the plan carries the bound, and the script sets the pool size as every session does', () => {
  const plan = buildPlan(planFile([tableSpec('events', [colSpec('kind')])], { parallelism: 1, citus: { perNode: 3 } }), snapshot([events()], { citus: cluster([2, 2]) }));
  assert.deepEqual(plan.settings.citus, { perNode: 3, poolSize: 3, from: 'plan' });
  assert.ok(renderSql(plan).includes('SET citus.max_adaptive_executor_pool_size = 3;\n'));
  assert.deepEqual(sessionSettingsSql({ citusPoolSize: 3 }), ['SET citus.max_adaptive_executor_pool_size = 3']);
});
