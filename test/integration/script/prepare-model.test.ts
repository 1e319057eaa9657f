/**
 * `pgindex run` prices a SQL file's steps with the cost model (src/script/price.ts) as `apply` prices
 * its builds: the server's calibration when `pgindex calibrate` cached one (PostgreSQL 18, and 15
 * with PGINDEX_TEST_PG_BIN), else the default curves; a cache that cannot be used is a warning.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';
import { prepareScript } from '../../../src/script/prepare.js';
import { parseScript } from '../../../src/script/load.js';
import { cacheDir, cacheFile, serverIdentity, writeModel, type ServerIdentity } from '../../../src/cost/cache.js';
import { defaultCurve } from '../../../src/cost/kinds.js';
import { predictSeconds } from '../../../src/cost/model.js';
import type { Step } from '../../../src/plan/types.js';

let db: TestDatabase;
let xdg: string;
let identity: ServerIdentity;

const SQL = 'create index t_x on t (x);\ncreate index t_y on t using brin (y);\nselect 1';

before(async () => {
  db = await testDatabase();
  xdg = mkdtempSync(join(tmpdir(), 'pgindex-run-model-'));
  await db.query('create table t as select g as x, g as y from generate_series(1, 50000) g');
  await db.query('vacuum analyze t');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    identity = await serverIdentity(client);
  } finally {
    await client.end();
  }
});

after(async () => {
  await db?.drop();
  if (xdg) rmSync(xdg, { recursive: true, force: true });
});

async function planned(env: NodeJS.ProcessEnv): Promise<{ steps: Step[]; warnings: string[] }> {
  const prepared = await prepareScript({ script: parseScript(SQL, 'x.sql'), dbFlag: db.url, env });
  return { steps: prepared.plan.steps, warnings: prepared.plan.warnings };
}

const costOf = (steps: Step[], id: string) => steps.find((s) => s.id === id)?.estimate.cost;

test('without a calibration, the default curves price the builds; a statement that builds nothing is instant', async () => {
  const { steps, warnings } = await planned({ XDG_CACHE_HOME: xdg });
  const pages = steps[0]?.estimate.pages ?? 0;
  assert.ok(pages > 100, `the table's pages (${pages})`);
  const btree = costOf(steps, 's1') ?? 0;
  assert.ok(Math.abs(btree - predictSeconds(defaultCurve('btree'), pages, 16 * 1024 * 1024, 0)) < 0.01 + btree * 0.2, `btree ${btree}`);
  assert.ok((costOf(steps, 's2') ?? 0) < btree, 'a BRIN build is priced below a btree build of the table');
  assert.equal(costOf(steps, 's3'), 0);
  assert.deepEqual(warnings, []);
});

test("the server's calibration, when cached, prices its method's builds", async () => {
  const dir = cacheDir({ XDG_CACHE_HOME: xdg });
  const curve = { a: 7, b: 0, d: 0, e: 0.7, memLo: 16 * 1024 * 1024, memHi: 256 * 1024 * 1024, sortsInMemory: false };
  await writeModel(dir, identity, [{ kind: { method: 'btree', opclass: 'int4_ops', major: Math.floor(identity.versionNum / 10000) }, curve, points: 6, rmsSeconds: 0.01 }], '2026-11-29T00:00:00.000Z');
  try {
    const { steps, warnings } = await planned({ XDG_CACHE_HOME: xdg });
    // Seven seconds whatever the size: the calibrated btree curve, not the default one.
    assert.equal(costOf(steps, 's1'), 7);
    assert.ok((costOf(steps, 's2') ?? 0) < 1, 'BRIN keeps the default curve');
    assert.deepEqual(warnings, []);
  } finally {
    rmSync(cacheFile(dir, identity));
  }
});

test('a cache file that is not a model is a warning, and the default curves price the builds', async () => {
  const dir = cacheDir({ XDG_CACHE_HOME: xdg });
  mkdirSync(dir, { recursive: true });
  writeFileSync(cacheFile(dir, identity), 'not json');
  try {
    const { steps, warnings } = await planned({ XDG_CACHE_HOME: xdg });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /is not JSON.*the default cost model prices the builds/);
    assert.ok((costOf(steps, 's1') ?? 0) < 7);
    // pgindex run says so, as apply does: on stderr, or as a warning event with --json.
    const sqlFile = join(xdg, 'build.sql');
    writeFileSync(sqlFile, 'create index if not exists t_w on t (x)');
    const r = await runCli(['run', '-y', '-d', db.url, sqlFile], { cwd: xdg, env: { XDG_CACHE_HOME: xdg } });
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /pgindex run: warning: the calibration cache .* is not JSON/);
    const j = await runCli(['run', '--json', '-d', db.url, sqlFile], { cwd: xdg, env: { XDG_CACHE_HOME: xdg } });
    assert.equal(j.code, 0, j.err);
    const first = JSON.parse(j.out.split('\n')[0] ?? '{}') as { type?: string; message?: string };
    assert.equal(first.type, 'warning');
    assert.match(first.message ?? '', /is not JSON/);
  } finally {
    rmSync(cacheFile(dir, identity));
  }
});
