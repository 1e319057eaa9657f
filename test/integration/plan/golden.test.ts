/**
 * The example plans end to end on a real server: the SQL `pgindex plan` prints matches the golden file
 * byte for byte (the server version line aside), `psql -f` runs it, every planned index then exists
 * and is valid (partitioned parents included), and planning again finds nothing to do.
 *
 * PGINDEX_UPDATE_GOLDEN=1 rewrites the golden files from the current output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { createSampleData } from '../../../scripts/sample-data.js';
import { runCli } from '../../support/cli.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const golden = (name: string) => join(root, 'test', 'golden', name);

interface Example {
  name: string;
  plan: string;
  setup(db: TestDatabase): Promise<unknown>;
}

const fixture = (file: string) => (db: TestDatabase) => db.query(readFileSync(golden(file), 'utf8'));

const EXAMPLES: Example[] = [
  { name: 'demo', plan: 'examples/demo.yaml', setup: (db) => createSampleData(db.client, { scale: 0.01 }) },
  { name: 'film', plan: 'examples/film.yaml', setup: fixture('film.fixture.sql') },
  { name: 'awkward', plan: 'test/golden/awkward.yaml', setup: fixture('awkward.fixture.sql') },
  { name: 'partitions', plan: 'test/golden/partitions.yaml', setup: fixture('partitions.fixture.sql') },
  { name: 'orders', plan: 'examples/orders.yaml', setup: fixture('orders.fixture.sql') },
];

/**
 * The one line that names the server's exact version, which differs between the servers CI runs, and
 * the counts that follow this machine's CPUs (the server runs on it: src/db/server-machine.ts). The
 * cost model's per-build settings follow both (workers, the memory they need, predicted seconds,
 * the major version in the kind): the lines stay, their numbers are masked.
 */
function maskServer(sql: string): string {
  return sql
    .replace(/^-- server: .*$/m, '-- server: (masked in golden files)')
    .replace(/\b\d+ cores \(this machine's\), up to \d+ parallel workers per build/, "N cores (this machine's), up to N-1 parallel workers per build")
    .replace(/^SET max_parallel_maintenance_workers = \d+;$/m, 'SET max_parallel_maintenance_workers = N-1;')
    .replace(/builds predicted [\d.]+ s/, 'builds predicted N s')
    .replace(
      /^(-- apply builds it with) maintenance_work_mem \S+, \d+ parallel workers?, predicted [\d.]+ s \((\w+)\/(\w*|-)\/\d+, (default|calibrated) curve\)$/gm,
      '$1 maintenance_work_mem M, N parallel workers, predicted N s ($2/$3/NN, $4 curve)',
    );
}

for (const ex of EXAMPLES) {
  test(`${ex.plan}: golden SQL; psql -f runs it; every index valid; then nothing to do`, async () => {
    const db = await testDatabase('pgindex_golden');
    const tmp = mkdtempSync(join(tmpdir(), 'pgindex-golden-'));
    try {
      await ex.setup(db);
      const first = await runCli(['plan', ex.plan, '-d', db.url, '--detailed-exitcode'], { cwd: root });
      assert.equal(first.code, 2, first.err);
      assert.doesNotMatch(first.out, /connected to|warning:/, 'stdout carries only the SQL');

      const goldenFile = golden(`${ex.name}.sql`);
      const actual = maskServer(first.out);
      if (process.env.PGINDEX_UPDATE_GOLDEN === '1' || !existsSync(goldenFile)) {
        writeFileSync(goldenFile, actual);
        if (process.env.PGINDEX_UPDATE_GOLDEN !== '1') assert.fail(`wrote the missing golden file ${goldenFile}: check it in`);
      } else {
        assert.equal(actual, readFileSync(goldenFile, 'utf8'), `output differs from ${goldenFile} (PGINDEX_UPDATE_GOLDEN=1 rewrites it)`);
      }

      const json = await runCli(['plan', ex.plan, '-d', db.url, '--format', 'json'], { cwd: root });
      assert.equal(json.code, 0, json.err);
      const planned = (JSON.parse(json.out) as { statements: { action: string; index: { schema: string; name: string } }[] }).statements
        .filter((s) => s.action === 'create' || s.action === 'create-parent')
        .map((s) => s.index);
      assert.ok(planned.length > 0);

      const script = join(tmp, 'plan.sql');
      const written = await runCli(['plan', ex.plan, '-d', db.url, '-o', script], { cwd: root });
      assert.equal(written.code, 0, written.err);
      assert.equal(written.out, '');
      assert.equal(readFileSync(script, 'utf8'), first.out);
      execFileSync('psql', ['-X', '-q', '-d', db.url, '-f', script], { stdio: ['ignore', 'pipe', 'pipe'] });

      const { rows } = await db.query<{ schema: string; name: string; valid: boolean }>(
        `SELECT n.nspname AS schema, c.relname AS name, i.indisvalid AND i.indisready AS valid
           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace`,
      );
      for (const ix of planned) {
        const found = rows.find((r) => r.schema === ix.schema && r.name === ix.name);
        assert.ok(found, `index ${ix.schema}.${ix.name} exists under exactly that name`);
        assert.equal(found.valid, true, `index ${ix.schema}.${ix.name} is valid`);
      }

      const again = await runCli(['plan', ex.plan, '-d', db.url, '--detailed-exitcode'], { cwd: root });
      assert.equal(again.code, 0, `second plan still has changes:\n${again.out}`);
      assert.match(again.out, /-- nothing to do: every planned index already exists/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
      await db.drop();
    }
  });
}
