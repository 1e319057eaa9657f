/**
 * `pgindex calibrate` on a real server (PostgreSQL 18, and 15 with PGINDEX_TEST_PG_BIN): builds on
 * small samples, the curves printed, the cache file written per server (system identifier and
 * version); then `plan` reads it and says the model is calibrated, with each build's settings and
 * predicted time in --explain, the SQL comments and the JSON; without the cache, the defaults.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;
let systemIdentifier: string;
let versionNum: number;

const PLAN = `version: 1
concurrently: false
tables:
  - name: docs
    columns:
      - name: body
        method: gin
        opclass: jsonb_ops
      - name: label
        method: btree
`;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-calibrate-'));
  await db.query(`create table docs as
    select g as id, md5(g::text) as label, jsonb_build_object('k', g % 50, 'v', md5(g::text)) as body from generate_series(1, 20000) g`);
  await db.query('analyze docs');
  const { rows } = await db.query<{ id: string; v: string }>(`select system_identifier::text as id, current_setting('server_version_num') as v from pg_control_system()`);
  systemIdentifier = rows[0]?.id ?? '';
  versionNum = Number(rows[0]?.v);
  writeFileSync(join(dir, 'plan.yaml'), PLAN);
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The CLI with XDG_CACHE_HOME set as a user's would be. */
const cli = (argv: string[], cache: string) => runCli([...argv, '-d', db.url], { cwd: dir, env: { XDG_CACHE_HOME: cache } });

test("calibrate with a plan: its kinds on samples of its tables, the curves printed, the server's cache file written", async () => {
  const cache = join(dir, 'xdg');
  const r = await cli(['calibrate', 'plan.yaml', '--sample-pages', '60'], cache);
  assert.equal(r.code, 0, r.err);
  const major = Math.floor(versionNum / 10000);
  // Both kinds of the plan, fitted to two sample sizes at three memories.
  assert.match(r.out, new RegExp(`^gin \\(jsonb_ops\\), PostgreSQL ${major}: t = `, 'm'));
  assert.match(r.out, new RegExp(`^btree \\(text_ops\\), PostgreSQL ${major}: t = `, 'm'));
  assert.match(r.out, /fitted to 6 builds on a [\d.]+% sample of public\.docs/);
  assert.match(r.out, /^ {4}\d+ pages at 256MB: [\d.]+ s measured, [\d.]+ s fitted$/m);
  assert.match(r.out, /workers: not measured/);
  assert.match(r.err, /calibrating gin\/jsonb_ops\/\d+ on /);
  // One file per server, named by its system identifier and version.
  const file = join(cache, 'pgindex', `${systemIdentifier}-${versionNum}.json`);
  assert.ok(existsSync(file), `${file} in ${readdirSync(join(cache, 'pgindex')).join(', ')}`);
  assert.match(r.out, new RegExp(`cache: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(server ${systemIdentifier}, version ${versionNum}\\)`));
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { server: unknown; curves: { kind: { method: string; opclass: string }; points: number; curve: { b: number; memLo: number; memHi: number } }[] };
  assert.deepEqual(doc.server, { systemIdentifier, versionNum });
  assert.deepEqual(doc.curves.map((c) => `${c.kind.method}/${c.kind.opclass}/${c.points}`).sort(), ['btree/text_ops/6', 'gin/jsonb_ops/6']);
  for (const c of doc.curves) {
    assert.ok(Number.isFinite(c.curve.b), 'a fitted slope');
    assert.deepEqual([c.curve.memLo, c.curve.memHi], [16 * 1024 ** 2, 256 * 1024 ** 2], 'the measured range');
  }
  // Nothing left behind: the samples were temporary tables of the calibrating session.
  const { rows } = await db.query(`select relname from pg_class where relname like 'pgindex_calibration%'`);
  assert.deepEqual(rows, []);

  // plan reads the cache: the settings line says so, every build shows its calibrated settings.
  const explain = await cli(['plan', 'plan.yaml', '--explain'], cache);
  assert.equal(explain.code, 0, explain.err);
  assert.match(explain.out, /^Builds \(cost model calibrated \d{4}-\d\d-\d\d, builds predicted [\d.]+ s\):$/m);
  assert.match(explain.out, new RegExp(`^ {2}public\\.docs_body_gin_idx: maintenance_work_mem \\d+MB, 0 parallel workers, predicted [\\d.]+ s \\(gin/jsonb_ops/${major}, calibrated curve\\)$`, 'm'));
  const sql = await cli(['plan', 'plan.yaml'], cache);
  assert.match(sql.out, /^-- settings: .*cost model calibrated \d{4}-\d\d-\d\d/m);
  assert.match(sql.out, /^-- apply builds it with maintenance_work_mem \d+MB, \d parallel workers?, predicted [\d.]+ s \(btree\/text_ops\/\d+, calibrated curve\)\nCREATE INDEX docs_label_btree_idx/m);
  const json = JSON.parse((await cli(['plan', 'plan.yaml', '--format', 'json'], cache)).out) as {
    settings: { costModel: { source: string } };
    statements: { build: { calibrated: boolean; seconds: number; kind: string } | null }[];
  };
  assert.equal(json.settings.costModel.source, 'calibrated');
  assert.deepEqual(json.statements.map((s) => [s.build?.kind, s.build?.calibrated]), [
    [`gin/jsonb_ops/${major}`, true],
    [`btree/text_ops/${major}`, true],
  ]);

  // apply runs the builds with those settings and shows predicted beside actual.
  const applied = await cli(['apply', 'plan.yaml', '-y'], cache);
  assert.equal(applied.code, 0, applied.err);
  const summary = applied.out.replace(/\s+/g, ' ');
  assert.match(summary, / took\/est /);
  assert.match(summary, /public\.docs_body_gin_idx public\.docs gin [\d.]+m?s\/[\d.]+m?s /);
  assert.match(summary, /statements: 2 done, 0 skipped, 0 failed, 0 cancelled of 2 in [\d.]+m?s est: the cost model's prediction, [\d.]+m?s for all the plan's builds/);
});

test('without a cache the defaults price the builds, and a damaged cache is said, not fatal', async () => {
  const empty = join(dir, 'empty');
  await db.query('drop index if exists docs_body_gin_idx, docs_label_btree_idx');
  const r = await cli(['plan', 'plan.yaml'], empty);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^-- settings: .*cost model default \(not calibrated: see pgindex calibrate\)/m);
  assert.match(r.out, /\(gin\/jsonb_ops\/\d+, default curve\)/);
  const damaged = join(dir, 'damaged');
  const file = join(damaged, 'pgindex', `${systemIdentifier}-${versionNum}.json`);
  await import('node:fs').then((fs) => fs.mkdirSync(join(damaged, 'pgindex'), { recursive: true }));
  writeFileSync(file, '{"version": 1, "curves": "no"}');
  const d = await cli(['plan', 'plan.yaml'], damaged);
  assert.equal(d.code, 0, d.err);
  assert.match(d.err, /the calibration cache .* is not a pgindex 1 cache: run pgindex calibrate again; the default cost model prices the builds/);
  assert.match(d.out, /cost model default/);
});

test('calibrate without a plan: generated rows for the common kinds, into --cache-dir', async () => {
  const r = await runCli(['calibrate', '--sample-pages', '20', '--cache-dir', 'given', '-d', db.url], { cwd: dir, env: {} });
  assert.equal(r.code, 0, r.err);
  for (const kind of ['btree \\(int8_ops\\)', 'btree \\(text_ops\\)', 'gin \\(jsonb_ops\\)', 'gin \\(array_ops\\)', 'brin \\(int8_minmax_ops\\)']) {
    assert.match(r.out, new RegExp(`^${kind}, PostgreSQL \\d+: t = `, 'm'));
  }
  assert.match(r.out, /fitted to 6 builds on 2,000 generated rows/);
  assert.ok(existsSync(join(dir, 'given', `${systemIdentifier}-${versionNum}.json`)));
  const bad = await runCli(['calibrate', '--sample-pages', '0', '-d', db.url], { cwd: dir, env: {} });
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--sample-pages must be a positive integer, not "0"/);
});
