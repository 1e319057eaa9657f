import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBudget, workersForPages, type BudgetInput, type BuildBudget } from '../../../src/cost/budget.js';

const MB = 1024 * 1024;
const settings = { maintenanceWorkMemBytes: 1024 * MB, cores: 8, maxWorkersPerBuild: 8 };
const BIG = 1_000_000; // pages: enough for PostgreSQL to allow many workers

function input(over: Partial<BudgetInput>): BudgetInput {
  // A btree whose sort would want more than the 128MB a build takes at most.
  return { settings, sessions: 4, parallelCapable: true, pages: BIG, method: 'btree', indexBytes: 1024 * MB, running: [], waiting: 0, ...over };
}

/** Starts `n` builds one after another the way the runner does, with `queue` more waiting. */
function fill(n: number, queue: number, over: Partial<BudgetInput> = {}): BuildBudget[] {
  const running: BuildBudget[] = [];
  for (let i = 0; i < n; i++) {
    const waiting = queue + (n - i - 1);
    running.push(buildBudget(input({ running: [...running], waiting, ...over })));
  }
  return running;
}

test('memory is shared by the builds that will run at once, fixed when each starts', () => {
  const small = { settings: { ...settings, maintenanceWorkMemBytes: 256 * MB } };
  const four = fill(4, 10, small);
  assert.deepEqual(
    four.map((b) => b.maintenanceWorkMemKb),
    [65536, 65536, 65536, 65536],
  );
  // A larger total is a ceiling, not a share to fill: a btree takes at most 128MB.
  assert.deepEqual(
    fill(4, 10).map((b) => b.maintenanceWorkMemKb),
    [131072, 131072, 131072, 131072],
  );
});

test('per kind: gin 16MB, gist and spgist 32MB, brin 16MB, a btree what sorts its index in memory (16MB to 128MB)', () => {
  const alone = (method: string, indexBytes: number, over: Partial<BudgetInput> = {}) =>
    buildBudget(input({ method, indexBytes, parallelCapable: false, ...over })).maintenanceWorkMemKb / 1024;
  assert.equal(alone('gin', 10_000 * MB), 16, 'not the 1GB the plan allows: GIN builds got slower with more');
  assert.equal(alone('gist', 10_000 * MB), 32);
  assert.equal(alone('spgist', 10_000 * MB), 32);
  assert.equal(alone('brin', 10_000 * MB), 16);
  assert.equal(alone('btree', 1 * MB), 16);
  assert.equal(alone('btree', 40 * MB), 80, 'twice the estimated index');
  assert.equal(alone('btree', 10_000 * MB), 128);
  assert.equal(alone('btree', 10_000 * MB, { settings: { ...settings, maintenanceWorkMemBytes: 64 * MB } }), 64, 'never beyond the plan\'s total');
  // A parallel btree build: 32MB for each participant (PostgreSQL plans no worker otherwise).
  const parallel = buildBudget(input({ method: 'btree', indexBytes: 1 * MB, running: [], waiting: 0 }));
  assert.equal(parallel.workers, 7);
  assert.equal(parallel.maintenanceWorkMemKb / 1024, 8 * 32);
});

test('builds plus their workers never exceed the cores, while the queue is full', () => {
  const four = fill(4, 10);
  const used = four.length + four.reduce((s, b) => s + b.workers, 0);
  assert.ok(used <= settings.cores, `${used} cores used`);
  assert.deepEqual(
    four.map((b) => b.workers),
    [1, 1, 1, 1],
  );
});

test('at the tail, a build starting when others finished takes the free cores (not single-threaded)', () => {
  const others: BuildBudget[] = [{ maintenanceWorkMemKb: 262144, workers: 1 }];
  const tail = buildBudget(input({ running: others, waiting: 0 }));
  // 8 cores - 2 builds - 1 worker in use = 5 free; 32MB for each of its 6 participants
  assert.equal(tail.workers, 5);
  assert.equal(tail.maintenanceWorkMemKb, 192 * 1024);
  const last = buildBudget(input({ running: [], waiting: 0 }));
  assert.equal(last.workers, 7);
  assert.equal(last.maintenanceWorkMemKb, 256 * 1024);
});

test('memory never goes beyond what is left, nor below PostgreSQL\'s 1MB minimum', () => {
  const greedy: BuildBudget[] = [{ maintenanceWorkMemKb: 900 * 1024, workers: 0 }];
  assert.equal(buildBudget(input({ running: greedy, waiting: 0 })).maintenanceWorkMemKb, 124 * 1024);
  const tiny = buildBudget(input({ settings: { ...settings, maintenanceWorkMemBytes: 2 * MB }, sessions: 8, waiting: 20 }));
  assert.equal(tiny.maintenanceWorkMemKb, 1024);
});

test('workers only for parallel-capable builds, within max per build, table size and 32MB per participant', () => {
  assert.equal(buildBudget(input({ parallelCapable: false })).workers, 0);
  assert.equal(buildBudget(input({ settings: { ...settings, maxWorkersPerBuild: 2 } })).workers, 2);
  assert.equal(buildBudget(input({ pages: 100 })).workers, 0, 'a table under 8MB gets no worker');
  assert.equal(buildBudget(input({ pages: 3 * 1024 })).workers, 2);
  // 96MB for one build: leader + 2 workers of 32MB each
  assert.equal(buildBudget(input({ settings: { ...settings, maintenanceWorkMemBytes: 96 * MB } })).workers, 2);
  assert.equal(buildBudget(input({ pages: 0 })).workers, 7, 'unknown size: no cap from size');
});

test('fewer cores than sessions: no workers at all, never negative', () => {
  const b = fill(4, 4, { settings: { ...settings, cores: 2 } });
  assert.deepEqual(
    b.map((x) => x.workers),
    [0, 0, 0, 0],
  );
});

test("workersForPages follows PostgreSQL's compute_parallel_worker", () => {
  assert.equal(workersForPages(1023), 0);
  assert.equal(workersForPages(1024), 1);
  assert.equal(workersForPages(3072), 2);
  assert.equal(workersForPages(9216), 3);
  assert.equal(workersForPages(0), Number.POSITIVE_INFINITY);
});

test('a build on the critical path takes the spare cores while builds still wait; the others keep an even share', () => {
  const settings = { maintenanceWorkMemBytes: 1024 ** 3, cores: 8, maxWorkersPerBuild: 7 };
  const base = { settings, sessions: 2, parallelCapable: true, pages: 1_000_000, method: 'btree', indexBytes: 64 * 1024 ** 2, running: [], waiting: 5 };
  // 2 sessions on 8 cores with builds waiting: an even share of the 6 spare cores is 3 workers.
  assert.equal(buildBudget(base).workers, 3);
  // On the critical path: all but the core the next build's leader needs (8 - 1 - 1).
  const critical = buildBudget({ ...base, critical: true });
  assert.equal(critical.workers, 6);
  assert.equal(critical.maintenanceWorkMemKb, 7 * 32 * 1024, '32MB a participant');
  // The next build still has its core.
  assert.equal(buildBudget({ ...base, running: [critical], waiting: 4 }).workers, 0);
});
