/**
 * The machine's real cores, not the server's max_parallel_workers: the harness's server runs on this
 * machine with max_parallel_workers at its default of 8, more than the cores of a small machine.
 * Planned over loopback and over the Unix socket, and applied: builds plus their parallel workers
 * never exceed the cores at any moment.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { executePlan, preparePlan, type RunEvent } from '../../../src/index.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;
let dir: string;
const cores = availableParallelism();

before(async () => {
  db = await testDatabase('pgindex_cores');
  dir = mkdtempSync(join(tmpdir(), 'pgindex-cores-'));
  // Over min_parallel_table_scan_size (1024 pages), so that PostgreSQL would give its builds workers.
  await db.query('create table wide as select g as a, g % 1000 as b, md5(g::text) as c from generate_series(1, 200000) g');
  await db.query('analyze wide');
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

function planPath(yaml: string): string {
  const path = join(dir, `plan-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, yaml);
  return path;
}

const PLAN = 'version: 1\nparallelism: 2\nconcurrently: false\ntables:\n  - name: wide\n    columns: [a, b, c]\n';

async function prepare(yaml: string, dbFlag: string) {
  return preparePlan({ planPath: planPath(yaml), dbFlag, env: {}, cwd: dir, log: () => undefined });
}

test('over loopback: the cores are this machine\'s CPU count, whatever max_parallel_workers says', async () => {
  const { rows } = await db.query<{ n: string }>('show max_parallel_workers');
  const prepared = await prepare(PLAN, db.url);
  const s = prepared.plan.settings;
  assert.equal(s.cores, cores);
  assert.equal(s.coresFrom, 'machine');
  assert.ok(s.maxWorkersPerBuild <= cores - 1, `at most ${cores - 1} workers per build, not ${rows[0]?.n} (max_parallel_workers)`);
});

test('over the Unix socket: the same machine', async () => {
  const { rows } = await db.query<{ dir: string; port: string }>(
    "select split_part(current_setting('unix_socket_directories'), ',', 1) as dir, current_setting('port') as port",
  );
  const u = new URL(db.url);
  const conninfo = `host=${rows[0]?.dir} port=${rows[0]?.port} dbname=${db.name} user=${decodeURIComponent(u.username)} password=${decodeURIComponent(u.password)}`;
  const prepared = await prepare(PLAN, conninfo);
  assert.equal(prepared.plan.settings.cores, cores);
  assert.equal(prepared.plan.settings.coresFrom, 'machine');
});

test('the plan\'s cores: lowers the machine\'s count, never raises it', async () => {
  const low = await prepare(PLAN.replace('parallelism: 2', 'parallelism: 2\ncores: 1'), db.url);
  assert.deepEqual([low.plan.settings.cores, low.plan.settings.coresFrom, low.plan.settings.maxWorkersPerBuild], [1, 'plan', 0]);
  const high = await prepare(PLAN.replace('parallelism: 2', `parallelism: 2\ncores: ${cores + 8}`), db.url);
  assert.deepEqual([high.plan.settings.cores, high.plan.settings.coresFrom], [cores, 'machine']);
});

test('apply: builds plus their workers never exceed the cores', async () => {
  const prepared = await prepare(PLAN, db.url);
  const events: RunEvent[] = [];
  const running = new Map<string, number>();
  let peak = 0;
  const result = await executePlan(prepared.plan, {
    connection: prepared.connection,
    sink: (e) => {
      events.push(e);
      if (e.type === 'start' && e.workers !== null) running.set(e.stepId, 1 + e.workers);
      if (e.type === 'done' || e.type === 'failed') running.delete(e.stepId);
      peak = Math.max(peak, [...running.values()].reduce((a, b) => a + b, 0));
    },
  });
  assert.equal(result.done, result.total, JSON.stringify(result.results.map((r) => r.error)));
  assert.ok(result.total >= 3);
  assert.ok(peak <= Math.max(cores, prepared.plan.settings.parallelism), `at most ${cores} processes at once, saw ${peak}`);
  const begin = events.find((e) => e.type === 'begin');
  assert.equal(begin?.type === 'begin' ? begin.settings.coresFrom : null, 'machine');
});

test('apply: each build\'s memory follows its kind, not an even split of the plan\'s 1GB', async () => {
  await db.query('create table tagged as select g as a, array[g % 10, g % 7] as tags from generate_series(1, 20000) g');
  await db.query('analyze tagged');
  const prepared = await prepare('version: 1\nparallelism: 2\nconcurrently: false\ntables:\n  - name: tagged\n    columns: [a, tags]\n', db.url);
  assert.equal(prepared.plan.settings.maintenanceWorkMemBytes, 1024 ** 3);
  const starts: Extract<RunEvent, { type: 'start' }>[] = [];
  const result = await executePlan(prepared.plan, { connection: prepared.connection, sink: (e) => e.type === 'start' && starts.push(e) });
  assert.equal(result.done, 2, JSON.stringify(result.results.map((r) => r.error)));
  const memoryOf = (method: string) => {
    const step = prepared.plan.steps.find((s) => s.method === method);
    return starts.find((e) => e.stepId === step?.id)?.maintenanceWorkMemKb;
  };
  assert.equal(memoryOf('gin'), 16 * 1024, 'gin: 16MB');
  assert.equal(memoryOf('btree'), 16 * 1024, 'a small btree: 16MB, enough to sort it in memory');
});
