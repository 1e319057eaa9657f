/**
 * `pgindex apply` end to end: plan files on a real server, in-process through main() and as a child
 * process for SIGINT.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { CLI_PATH, runCli, type CliResult } from '../../support/cli.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = CLI_PATH;
let db: TestDatabase;
let dir: string;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-apply-'));
  await db.query(readFileSync(join(root, 'test/golden/partitions.fixture.sql'), 'utf8'));
  await db.query(`create table items as
    select g as a, g % 100 as b, md5(g::text) as c, now() - g * interval '1 minute' as d from generate_series(1, 2000) g`);
  await db.query('create table waits as select g as a, g % 10 as b from generate_series(1, 100) g');
  await db.query('analyze');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli_(argv: string[]): Promise<CliResult> {
  return runCli(argv, { cwd: dir });
}

function planFile(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

async function invalidIndexes(): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('select indexrelid::regclass::text as name from pg_index where not indisvalid');
  return rows.map((r) => r.name);
}

const PLAN = `version: 1
parallelism: 3
tables:
  - name: items
    columns: [a, b, c, d]
  - name: measurements
    columns: [device, taken_at]
  - name: logs
    concurrently: false
    columns: [level]
`;

test('--dry-run prints exactly what pgindex plan prints and builds nothing', async () => {
  const file = planFile('dry.yaml', PLAN);
  const plan = await cli_(['plan', file, '-d', db.url]);
  assert.equal(plan.code, 0, plan.err);
  const dry = await cli_(['apply', file, '-d', db.url, '--dry-run']);
  assert.equal(dry.code, 0, dry.err);
  assert.equal(dry.out, plan.out);
  assert.match(dry.out, /CREATE INDEX CONCURRENTLY/);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_class where relname like 'items_%'");
  assert.equal(rows[0]?.n, 0);
});

test('a parallel apply builds everything valid, on up to its sessions at once and one CONCURRENTLY build per table; planning again finds nothing to do', async () => {
  const file = planFile('all.yaml', PLAN.replace('parallelism: 3\n', 'parallelism: 3\nlock_timeout: 60s\n'));
  // Builds on tiny tables finish in milliseconds: an open writer on every table holds them (CONCURRENTLY
  // ones wait for it, plain ones for its lock) until the sessions have been seen busy at once.
  const writer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  await writer.query('begin');
  await writer.query('lock table items, measurements, logs in row exclusive mode');
  const sampler = new pg.Client({ connectionString: db.url });
  await sampler.connect();
  let maxBusy = 0;
  let maxPerTable = 0;
  let sampling = true;
  let released = false;
  const heldUntil = Date.now() + 10_000;
  const samples = (async () => {
    while (sampling) {
      const { rows } = await sampler.query<{ app: string; query: string }>(
        "select application_name as app, query from pg_stat_activity where application_name like 'pgindex/%/%' and datname = current_database() and state = 'active'",
      );
      const busy = rows.filter((r) => !r.app.endsWith('/control'));
      maxBusy = Math.max(maxBusy, busy.length);
      const perTable = new Map<string, number>();
      for (const r of busy) {
        const m = /^CREATE INDEX CONCURRENTLY \S+ ON (\S+)/.exec(r.query);
        if (m?.[1]) perTable.set(m[1], (perTable.get(m[1]) ?? 0) + 1);
      }
      maxPerTable = Math.max(maxPerTable, ...perTable.values(), 0);
      if (!released && (maxBusy >= 2 || Date.now() > heldUntil)) {
        released = true;
        await writer.query('rollback');
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  let applied;
  try {
    applied = await cli_(['apply', file, '-d', db.url]);
  } finally {
    sampling = false;
    await samples;
    await sampler.end();
    await writer.end();
  }
  assert.equal(applied.code, 0, applied.err + applied.out);
  assert.match(applied.out, /on 3 sessions/);
  // The summary (its layout follows the width: these names make it two lines per index at 80 columns).
  assert.match(applied.out, /\npublic\.items_a_btree_idx\n {2}public\.items · btree · \S+ · \d+ kB · done\n/);
  assert.match(applied.out, /\nindexes: \d+ indexes built, \d+ partition indexes attached\n/);
  assert.match(applied.out, /(\d+) done, 0 skipped, 0 failed, 0 cancelled of \1 /);
  assert.ok(maxBusy >= 2, `builds ran in parallel: at most ${maxBusy} sessions were busy at once`);
  assert.ok(maxBusy <= 3, `at most 3 sessions busy, saw ${maxBusy}`);
  assert.ok(maxPerTable <= 1, `one CONCURRENTLY build per table, saw ${maxPerTable}`);
  assert.deepEqual(await invalidIndexes(), []);

  const again = await cli_(['plan', file, '-d', db.url, '--detailed-exitcode']);
  assert.equal(again.code, 0, again.out);
  const reapply = await cli_(['apply', file, '-d', db.url]);
  assert.equal(reapply.code, 0);
  assert.match(reapply.err, /nothing to do/);
});

test('SIGINT during a build exits 130 and leaves no INVALID index; apply again builds only what is missing', async () => {
  const file = planFile(
    'waits.yaml',
    `version: 1
parallelism: 2
lock_timeout: 60s
tables:
  - name: waits
    columns: [a, b]
`,
  );
  // An open writing transaction: CREATE INDEX CONCURRENTLY registers its (INVALID) index, then waits
  // for this writer to finish: a build in progress for as long as the test wants.
  const writer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  await writer.query('begin');
  await writer.query('insert into waits values (0, 0)');

  const child = spawn(process.execPath, [cli, 'apply', file, '-d', db.url, '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const until = Date.now() + 15_000;
  let waiting = false;
  while (!waiting && Date.now() < until) {
    const { rows } = await db.query(
      `select 1 from pg_stat_progress_create_index p join pg_stat_activity a using (pid)
        where a.application_name like 'pgindex/%' and a.datname = current_database() and p.phase like 'waiting for writers%'`,
    );
    waiting = rows.length > 0;
    if (!waiting) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(waiting, `the build reached its wait; stderr: ${err}`);
  assert.equal((await invalidIndexes()).length, 1, 'the build in progress is an INVALID index');
  child.kill('SIGINT');
  // Once the build is cancelled (ending the writer earlier would let it finish), end the writer: the
  // cleanup's DROP INDEX CONCURRENTLY waits for it too.
  const cancelledBy = Date.now() + 15_000;
  let building = true;
  while (building && Date.now() < cancelledBy) {
    const { rows } = await db.query(
      `select 1 from pg_stat_progress_create_index p join pg_stat_activity a using (pid) where a.application_name like 'pgindex/%' and a.datname = current_database()`,
    );
    building = rows.length > 0;
    if (building) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(!building, 'the build was cancelled on the server');
  await writer.query('rollback');
  await writer.end();
  const code = await exited;
  assert.equal(code, 130, err);
  const summary = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { type?: string; interrupted?: boolean; done?: number };
  assert.deepEqual([summary.type, summary.interrupted, summary.done], ['summary', true, 0]);
  assert.deepEqual(await invalidIndexes(), []);

  const again = await cli_(['apply', file, '-d', db.url, '-j', '1']);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /2 done, 0 skipped, 0 failed, 0 cancelled of 2/);
  assert.deepEqual(await invalidIndexes(), []);
  const plan = await cli_(['plan', file, '-d', db.url, '--detailed-exitcode']);
  assert.equal(plan.code, 0, plan.out);
});
