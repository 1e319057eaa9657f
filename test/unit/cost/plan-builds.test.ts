import { test } from 'node:test';
import assert from 'node:assert/strict';
import { priceBuilds } from '../../../src/cost/plan-builds.js';
import { DEFAULT_MODEL, defaultCurve, type CostModel } from '../../../src/cost/kinds.js';
import { predictSeconds } from '../../../src/cost/model.js';
import { testPlan, testStep } from '../../support/step.js';

const MB = 1024 * 1024;
const facts = { server: { versionNum: 150004, version: '15.4', settings: { maxParallelMaintenanceWorkers: 2, maxWorkerProcesses: 8, maxParallelWorkers: 8, maintenanceWorkMem: 64 * MB, maxConnections: 100 } }, tables: [], opclasses: [], binaryCoercions: [] };
const build = (id: string, method: string, pages: number, parallelCapable = true) =>
  testStep({ id, method, parallelCapable, estimate: { pages, cost: pages, sizeBytes: pages * 2048 } });

test('longest predicted first on the sessions; the last build takes the cores the others freed; cores never exceeded', () => {
  const steps = [build('small', 'btree', 10_000), build('gin', 'gin', 30_000, false), build('big', 'btree', 60_000)];
  const settings = testPlan(steps, { parallelism: 2, cores: 4, maxWorkersPerBuild: 3, maintenanceWorkMemBytes: 1024 * MB }).settings;
  const { builds, predictedSeconds } = priceBuilds(steps, facts, settings, DEFAULT_MODEL);
  const b = Object.fromEntries(builds);
  // gin (30,000 pages × 3.4e-4 s) and the big btree start together: 2 builds on 4 cores. While
  // another waits each would get an even share of the spare cores (one worker), but the btree is on
  // the critical path (its 7.6 s alone are more than a core's share of the 19 s of work): it takes
  // both spare cores.
  assert.equal(b.gin?.workers, 0, 'GIN builds on 15 have no workers');
  assert.equal(b.gin?.maintenanceWorkMemBytes, 16 * MB, 'GIN: the least memory measured');
  assert.equal(b.big?.workers, 2);
  // Its sort in memory (2 × 120MB) capped at 128MB; with two workers, still 128MB (32MB a participant).
  assert.equal(b.big?.memoryBytes, 128 * MB);
  assert.equal(b.big?.maintenanceWorkMemBytes, 128 * MB);
  // The small one starts when the btree ends, beside the GIN build: at the tail it takes what is free.
  assert.equal(b.small?.workers, 2);
  assert.equal(builds.size, 3);
  for (const x of builds.values()) assert.ok(x.workers + 1 <= settings.cores);
  const gin = predictSeconds(defaultCurve('gin'), 30_000, 16 * MB, 0);
  assert.equal(predictedSeconds, Math.round(gin * 100) / 100, 'the GIN build is the critical path');
  assert.equal(b.gin?.seconds, Math.round(gin * 100) / 100);
});

test('a calibrated kind is priced by its curve and says so; the others by the defaults', () => {
  const steps = [build('a', 'btree', 10_000), build('g', 'gin', 10_000, false)];
  const settings = testPlan(steps, { parallelism: 1, cores: 1, maxWorkersPerBuild: 0, maintenanceWorkMemBytes: 1024 * MB }).settings;
  const curve = { a: 1, b: 1e-3, d: -1e-4, e: 0.5, memLo: 16 * MB, memHi: 256 * MB, sortsInMemory: false };
  const model: CostModel = { source: 'calibrated', calibratedAt: '2026-11-29T00:00:00.000Z', curves: [{ kind: { method: 'btree', opclass: '', major: 15 }, curve, points: 6, rmsSeconds: 0.1 }] };
  const { builds, predictedSeconds } = priceBuilds(steps, facts, settings, model);
  const [a, g] = steps.map((s) => builds.get(s.id));
  assert.deepEqual([a?.kind, a?.calibrated, g?.kind, g?.calibrated], ['btree/-/15', true, 'gin/-/15', false]);
  // Memory helps on this curve: the most it was measured at.
  assert.equal(a?.memoryBytes, 256 * MB);
  assert.equal(a?.seconds, Math.round(predictSeconds(curve, 10_000, 256 * MB, 0) * 100) / 100);
  // One session: the builds one after the other.
  assert.equal(predictedSeconds, Math.round(((a?.seconds ?? 0) + (g?.seconds ?? 0)) * 100) / 100);
});
