/**
 * `pgindex apply` as a child process on a partitioned table: Ctrl-C while the partition builds wait
 * must leave no INVALID index, not even the ON ONLY parent; and the process never gives pg two
 * queries at once on one connection (pg's DeprecationWarning). Also --json's planning warnings.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { startCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-interrupt-'));
  await db.query('create table pt (k int not null, v int, w int) partition by list (k)');
  for (const k of [1, 2, 3]) await db.query(`create table pt${k} partition of pt for values in (${k})`);
  await db.query('insert into pt select g % 3 + 1, g, g % 10 from generate_series(1, 600) g');
  await db.query('create table other as select g as a from generate_series(1, 10) g');
  await db.query('analyze');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function planFile(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

async function invalidIndexes(): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('select indexrelid::regclass::text as name from pg_index where not indisvalid');
  return rows.map((r) => r.name);
}


const start = (args: string[]) => startCli(args, dir);

test('Ctrl-C while partition builds wait for an old snapshot: exit 130, no INVALID index (the ON ONLY parent is dropped, with a note), no pg deprecation warning', async () => {
  const file = planFile(
    'pt.yaml',
    `version: 1
parallelism: 2
lock_timeout: 0
tables:
  - name: pt
    columns: [v, w]
`,
  );
  // An old snapshot on another table: CREATE INDEX CONCURRENTLY waits for it in its last phase,
  // while nothing holds a lock on pt (the drops at the end must not wait for it).
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query('begin isolation level repeatable read');
    await holder.query('select count(*) from other');
    const child = start(['apply', file, '-d', db.url]);
    const until = Date.now() + 20_000;
    let waiting = 0;
    while (waiting < 2 && Date.now() < until) {
      const { rows } = await db.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_progress_create_index p join pg_stat_activity a using (pid)
          where a.application_name like 'pgindex/%' and a.datname = current_database() and p.phase like 'waiting for old snapshots%'`,
      );
      waiting = rows[0]?.n ?? 0;
      if (waiting < 2) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(waiting, 2, `two partition builds wait at once; stderr: ${child.err()}`);
    assert.ok((await invalidIndexes()).length >= 3, 'the parent and the builds in progress are INVALID');
    child.kill('SIGINT');
    const code = await child.exited;
    assert.equal(code, 130, child.err() + child.out());
    assert.deepEqual(await invalidIndexes(), [], child.err() + child.out());
    const { rows } = await db.query<{ n: number }>(
      "select count(*)::int as n from pg_class c join pg_index i on i.indexrelid = c.oid where i.indrelid in ('pt'::regclass, 'pt1'::regclass, 'pt2'::regclass, 'pt3'::regclass)",
    );
    assert.equal(rows[0]?.n, 0, 'nothing of the interrupted run is left');
    assert.match(child.err(), /note: dropped public\.pt_v\S*, created ON ONLY by this run/);
    assert.doesNotMatch(child.err(), /DeprecationWarning/);
  } finally {
    await holder.query('rollback');
    await holder.end();
  }

  // The next run plans and builds everything again.
  const again = start(['apply', file, '-d', db.url]);
  assert.equal(await again.exited, 0, again.err());
  assert.match(again.out(), /0 failed, 0 cancelled/);
  assert.deepEqual(await invalidIndexes(), []);
  assert.doesNotMatch(again.err(), /DeprecationWarning/);
});

test('--json: planning warnings are warning events on stdout, before the run begins', async () => {
  const file = planFile(
    'warn.yaml',
    `version: 1
tables:
  - name: "nomatch_*"
    columns: [a]
  - name: other
    columns: [a]
`,
  );
  const child = start(['apply', file, '-d', db.url, '--json']);
  assert.equal(await child.exited, 0, child.err());
  const events = child
    .out()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; message?: string });
  assert.equal(events[0]?.type, 'warning');
  assert.match(events[0]?.message ?? '', /"nomatch_\*" matched no table/);
  assert.equal(events[1]?.type, 'begin');
  assert.equal(events.at(-1)?.type, 'summary');
  assert.doesNotMatch(child.err(), /matched no table/, 'not printed twice');
});
