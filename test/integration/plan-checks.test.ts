/**
 * `pgindex plan` against a real server, for what QA found in round 1: planning bounded by
 * lock_timeout behind another session's lock (#4), overlapping globs (#5), statements the server
 * would refuse found at plan time (#9), one index planned once (#10), an existing index that does not
 * serve the column's collation or operator class (#11), materialized views and views (#12), and every
 * planning problem reported in one run (#13).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { runCli } from './plan-support.js';

let db: TestDatabase;
let dir: string;
before(async () => {
  db = await testDatabase('pgindex_checks');
  dir = mkdtempSync(join(tmpdir(), 'pgindex-checks-'));
  await db.query(`
    CREATE TABLE orders (id int PRIMARY KEY, total numeric, status text, note text);
    INSERT INTO orders SELECT g, g, 's' || (g % 7), 'n' || g FROM generate_series(1, 500) g;
    CREATE TABLE gp (id int, v int, k int) PARTITION BY LIST (k);
    CREATE TABLE gp_1 PARTITION OF gp FOR VALUES IN (1);
    CREATE TABLE gp_2 PARTITION OF gp FOR VALUES IN (2);
    INSERT INTO gp SELECT g, g, 1 + g % 2 FROM generate_series(1, 200) g;
    CREATE TABLE t3 (z text, y text);
    CREATE INDEX foo_coll ON t3 (z COLLATE "C");
    CREATE INDEX foo_pattern ON t3 (y text_pattern_ops);
    CREATE MATERIALIZED VIEW mv_orders AS SELECT id, status FROM orders;
    CREATE VIEW v_orders AS SELECT id FROM orders;
    CREATE SEQUENCE seq_orders;
    ANALYZE;
  `);
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

function planFile(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

/** The FILE:LINE: prefixes of the problems in an error output, in order. */
function problemLines(err: string, file: string): number[] {
  return [...err.matchAll(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:(\\d+):\\d+: `, 'gm'))].map((m) => Number(m[1]));
}

test('QA #4: behind another session\'s ACCESS EXCLUSIVE lock, plan finishes or fails within lock_timeout, naming the table and saying who holds it', async () => {
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query('BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE');
    const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;

    // Plain columns: nothing in planning needs a lock on the table.
    let start = performance.now();
    const plain = await runCli(['plan', planFile('locked.yaml', 'version: 1\nlock_timeout: 1s\ntables:\n  - name: orders\n    columns: [total]\n'), '-d', db.url]);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /CREATE INDEX CONCURRENTLY orders_total_btree_idx ON public\.orders USING btree \(total\);/);
    assert.ok(performance.now() - start < 5000);

    // A `where` must be checked on a copy of the table, which waits for a lock: a problem at its line.
    start = performance.now();
    const path = planFile('locked-where.yaml', "version: 1\nlock_timeout: 1s\ntables:\n  - name: orders\n    columns:\n      - name: total\n        where: status = 'paid'\n");
    const partial = await runCli(['plan', path, '-d', db.url]);
    assert.equal(partial.code, 1);
    assert.match(
      partial.err,
      new RegExp(`locked-where\\.yaml:6:\\d+: where: status = 'paid': could not be checked on the server: gave up waiting for a lock \\(lock_timeout 1s\\): another session holds a lock on table public\\.orders \\(pid ${pid} holds AccessExclusiveLock\\)`),
    );
    assert.equal(partial.out, '');
    assert.ok(performance.now() - start < 5000, 'bounded by lock_timeout');
  } finally {
    await holder.end();
  }
});

test('QA #4: lock_timeout 0 in the plan still bounds planning (5 s)', async () => {
  await db.query('CREATE TABLE locked_partial (id int, v int); CREATE INDEX locked_partial_v ON locked_partial (v) WHERE v > 0');
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query('BEGIN; LOCK TABLE locked_partial IN ACCESS EXCLUSIVE MODE');
    const start = performance.now();
    const r = await runCli(['plan', planFile('zero.yaml', 'version: 1\nlock_timeout: 0\ntables:\n  - name: locked_partial\n    columns: [id]\n'), '-d', db.url]);
    const ms = performance.now() - start;
    assert.equal(r.code, 1);
    assert.match(r.err, /reading the definitions of existing indexes: gave up waiting for a lock \(lock_timeout 5s\): another session holds a lock on table public\.locked_partial \(pid \d+ holds AccessExclusiveLock\)/);
    assert.ok(ms >= 4500 && ms < 9000, `${ms} ms`);
  } finally {
    await holder.end();
  }
});

test('QA #5: overlapping globs and exact names merge per table; nothing is dropped silently', async () => {
  const globs = await runCli(['plan', planFile('globs.yaml', 'version: 1\ntables:\n  - name: "gp*"\n    columns: [v]\n  - name: "gp_?"\n    columns: [id]\n'), '-d', db.url, '--format', 'json']);
  assert.equal(globs.code, 0, globs.err);
  const doc = JSON.parse(globs.out) as { columns: { table: { name: string }; column: string; action: string }[] };
  assert.deepEqual(doc.columns.map((c) => `${c.table.name}.${c.column}:${c.action}`), ['gp.v:create', 'gp_1.id:create', 'gp_2.id:create']);

  const exact = await runCli(
    ['plan', planFile('exact.yaml', 'version: 1\ntables:\n  - name: "gp*"\n    columns: [v]\n  - name: gp_1\n    columns: [id, {name: v, method: hash}]\n'), '-d', db.url, '--format', 'json'],
  );
  assert.equal(exact.code, 0, exact.err);
  const doc2 = JSON.parse(exact.out) as { columns: { table: { name: string }; column: string; method: string | null }[] };
  assert.deepEqual(doc2.columns.map((c) => `${c.table.name}.${c.column}:${c.method}`), ['gp.v:btree', 'gp_1.id:btree', 'gp_1.v:hash']);
});

test('QA #9 and #13: every problem the server would raise later is reported now, together, each at its plan line', async () => {
  const role = `${db.name}_other`;
  await db.query(`CREATE ROLE ${role} LOGIN PASSWORD 'other-secret'; CREATE TABLE mine (a int, b int); ALTER TABLE mine OWNER TO ${role}`);
  try {
    const yaml = [
      'version: 1', //                                   1
      'tables:', //                                      2
      '  - name: gp', //                                 3
      '    columns:', //                                 4
      '      - name: v', //                              5
      '        unique: true', //                         6
      '  - name: mine', //                               7
      '    columns:', //                                 8
      '      - name: a', //                              9
      '        tablespace: pg_global', //                10
      '      - name: b', //                              11
      '        tablespace: nowhere', //                  12
      '      - name: a', //                              13
      '        opclass: no_such_ops', //                 14
      '      - name: b', //                              15
      '        method: bloom', //                        16
      '      - name: b', //                              17
      "        where: nope > 0", //                      18
      '      - name: a', //                              19
      '        opclass: jsonb_path_ops', //              20
      '        method: gin', //                          21
      '      - name: a', //                              22
      '        opclass: gin_trgm_ops', //                23
      '  - name: orders', //                             24
      '    columns: [total]', //                         25
      '',
    ].join('\n');
    const path = planFile('many.yaml', yaml);
    const url = new URL(db.url);
    url.username = role;
    url.password = 'other-secret';
    await db.query(`GRANT SELECT ON orders TO ${role}`);
    const r = await runCli(['plan', path, '-d', url.toString()]);
    assert.equal(r.code, 1, r.err);
    assert.equal(r.out, '');
    assert.deepEqual(problemLines(r.err, path), [5, 5, 9, 11, 13, 15, 17, 19, 22, 25], r.err);
    assert.match(r.err, /:5:\d+: public\.gp\.v: unique: true on a partitioned table needs every partition key column in the index, but public\.gp is partitioned by \(k\)/);
    assert.match(r.err, /:9:\d+: tablespace "pg_global" holds only shared system catalogs/);
    assert.match(r.err, /:11:\d+: tablespace "nowhere" does not exist/);
    assert.match(r.err, /:13:\d+: public\.mine\.a: operator class "no_such_ops" does not exist/);
    assert.match(r.err, /:15:\d+: public\.mine\.b: access method "bloom" does not exist on this server .*; CREATE EXTENSION bloom adds it/);
    assert.match(r.err, /:17:\d+: where: nope > 0: column "nope" does not exist/);
    assert.match(r.err, /:19:\d+: public\.mine\.a: operator class "jsonb_path_ops" does not accept integer/);
    assert.match(r.err, /:22:\d+: public\.mine\.a: operator class "gin_trgm_ops" does not exist; CREATE EXTENSION pg_trgm provides it/);
    assert.match(r.err, /:5:\d+: permission denied: only the owner of public\.gp \(owned by postgres\)/);
    assert.match(r.err, new RegExp(`:25:\\d+: permission denied: only the owner of public\\.orders \\(owned by postgres\\) can create indexes on it; the plan connects as ${role}`));
  } finally {
    await db.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
  }
});

test('QA #9: a partition owned by another role is a problem under concurrently, not when one CREATE INDEX goes through the parent', async () => {
  const role = `${db.name}_parent`;
  await db.query(`
    CREATE ROLE ${role} LOGIN PASSWORD 'parent-secret';
    CREATE TABLE owned (k int, v int) PARTITION BY LIST (k);
    CREATE TABLE owned_1 PARTITION OF owned FOR VALUES IN (1);
    CREATE TABLE owned_2 PARTITION OF owned FOR VALUES IN (2);
    ALTER TABLE owned OWNER TO ${role};
    ALTER TABLE owned_2 OWNER TO ${role};
  `);
  try {
    const url = new URL(db.url);
    url.username = role;
    url.password = 'parent-secret';
    const conc = planFile('owned.yaml', 'version: 1\ntables:\n  - name: owned\n    columns: [v]\n');
    const r = await runCli(['plan', conc, '-d', url.toString()]);
    assert.equal(r.code, 1);
    assert.match(r.err, /owned\.yaml:4:\d+: permission denied: only the owner of public\.owned_1 \(owned by postgres\) can create indexes on it.*with concurrently: false one CREATE INDEX on public\.owned builds it/);
    const plain = await runCli(['plan', planFile('owned-plain.yaml', 'version: 1\nconcurrently: false\ntables:\n  - name: owned\n    columns: [v]\n'), '-d', url.toString()]);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, /^CREATE INDEX owned_v_btree_idx ON public\.owned USING btree \(v\);$/m);
  } finally {
    await db.query(`DROP TABLE owned; DROP OWNED BY ${role}; DROP ROLE ${role}`);
  }
});

test('QA #10: two entries giving the same index plan it once, with a warning naming both lines', async () => {
  const path = planFile('twice.yaml', 'version: 1\ntables:\n  - name: orders\n    columns:\n      - name: total\n        method: btree\n      - name: total\n        method: btree\n        opclass: numeric_ops\n');
  const r = await runCli(['plan', path, '-d', db.url]);
  assert.equal(r.code, 0, r.err);
  assert.equal([...r.out.matchAll(/^CREATE INDEX/gm)].length, 1, r.out);
  assert.match(r.err, /twice\.yaml:7:\d+: public\.orders\.total gives the same index as .*twice\.yaml:5:\d+ \(btree\): planned once/);
});

test('QA #11: an index in another collation or with another operator class does not lead the column', async () => {
  const r = await runCli(['plan', planFile('coll.yaml', 'version: 1\ntables:\n  - name: t3\n    columns: all\n'), '-d', db.url, '--format', 'json']);
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { columns: { column: string; action: string; reason: string }[] };
  assert.deepEqual(doc.columns.map((c) => [c.column, c.action]), [['z', 'create'], ['y', 'create']]);
  // The same index in the column's own collation and default class does lead it.
  await db.query('CREATE TABLE t4 (z text); CREATE INDEX t4_z ON t4 (z COLLATE "default")');
  const again = await runCli(['plan', planFile('coll2.yaml', 'version: 1\ntables:\n  - name: t4\n    columns: all\n'), '-d', db.url, '--format', 'json']);
  const doc2 = JSON.parse(again.out) as { columns: { column: string; action: string; reason: string }[] };
  assert.deepEqual(doc2.columns.map((c) => [c.column, c.action, c.reason]), [['z', 'exists', 'already led by valid index public.t4_z (btree)']]);
});

test('QA #12: a materialized view is indexed (CONCURRENTLY works); a view or a sequence is an error that says what it is', async () => {
  const r = await runCli(['plan', planFile('mv.yaml', 'version: 1\ntables:\n  - name: mv_orders\n    columns: [status]\n'), '-d', db.url]);
  assert.equal(r.code, 0, r.err);
  const create = r.out.match(/^CREATE INDEX CONCURRENTLY .*;$/m)?.[0];
  assert.equal(create, 'CREATE INDEX CONCURRENTLY mv_orders_status_btree_idx ON public.mv_orders USING btree (status);');
  await db.query(create.slice(0, -1));
  const again = await runCli(['plan', planFile('mv.yaml', 'version: 1\ntables:\n  - name: mv_orders\n    columns: [status]\n'), '-d', db.url, '--detailed-exitcode']);
  assert.equal(again.code, 0, again.err);

  const path = planFile('views.yaml', 'version: 1\ntables:\n  - name: v_orders\n    columns: all\n  - name: public.seq_orders\n    columns: all\n');
  const bad = await runCli(['plan', path, '-d', db.url]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /views\.yaml:3:\d+: public\.v_orders is a view: only tables, partitioned tables and materialized views can be indexed/);
  assert.match(bad.err, /views\.yaml:5:\d+: public\.seq_orders is a sequence: only tables, partitioned tables and materialized views can be indexed/);
});
