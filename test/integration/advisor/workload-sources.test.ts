/**
 * The workload from pg_stat_statements on a real server started with
 * shared_preload_libraries = pg_stat_statements (PGINDEX_TEST_PG_BIN's binaries, else the embedded
 * PostgreSQL 18), after a parameterised workload run through the driver; and the errors that say how
 * to enable it, on the harness's server, which does not load it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { snapshotLookup } from '../../../src/advisor/workload/lookup.js';
import { statStatementsQueries, WorkloadSourceError, type WorkloadQuery } from '../../../src/advisor/workload/sources.js';
import { analyseWorkload } from '../../../src/advisor/workload/workload.js';
import { takeSnapshot } from '../../../src/catalog/snapshot.js';
import { loadSqlParser } from '../../../src/sql/parse.js';
import { planFile, tableSpec } from '../../support/plan-file.js';
import { startServer, type TestServer } from '../../support/server.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';

let server: TestServer;
let client: pg.Client;
let versionNum = 0;

before(async () => {
  server = await startServer({ binDir: process.env.PGINDEX_TEST_PG_BIN || undefined, settings: { shared_preload_libraries: 'pg_stat_statements' } });
  client = new pg.Client({ connectionString: server.url });
  await client.connect();
  versionNum = Number((await client.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]?.v);
  await client.query(`
    create extension pg_stat_statements;
    create schema shop;
    create table shop.customers (id bigint primary key, email text not null);
    create table shop.orders (id bigint primary key, customer_id bigint not null, status text, created timestamptz);
    insert into shop.customers select g, 'c' || g || '@example.com' from generate_series(1, 500) g;
    insert into shop.orders select g, 1 + g % 500, (array['new','paid','sent'])[1 + g % 3], now() - g * interval '1 min' from generate_series(1, 5000) g;
    analyze;
    select pg_stat_statements_reset();
  `);
  // The driver sends parameters separately: pg_stat_statements records $1, $2, as an application's queries.
  for (let i = 1; i <= 7; i++) {
    await client.query('SELECT * FROM shop.orders o WHERE o.customer_id = $1 AND o.created >= $2 ORDER BY o.created DESC LIMIT 10', [i, '2020-01-01']);
  }
  for (let i = 1; i <= 3; i++) await client.query('SELECT id FROM shop.customers WHERE lower(email) = $1', [`c${i}@example.com`]);
  await client.query('SELECT 1');
});

after(async () => {
  await client?.end().catch(() => undefined);
  await server?.stop();
});

test('pg_stat_statements: the queries run, with calls and times, parsed into per-table predicates', async () => {
  const queries = await statStatementsQueries(client, { versionNum });
  const snapshot = await takeSnapshot(client, planFile([tableSpec('shop.*', 'all')]));
  const workload = analyseWorkload(queries, await loadSqlParser(), snapshotLookup(snapshot));

  const orders = workload.queries.find((q) => q.shape.accesses[0]?.table.name === 'orders');
  assert.ok(orders, `the orders query is read: ${JSON.stringify(workload.queries.map((q) => q.query.text))}`);
  const q = orders.query as Extract<WorkloadQuery, { source: 'pg_stat_statements' }>;
  assert.equal(q.source, 'pg_stat_statements');
  assert.equal(q.stats.calls, 7);
  assert.match(q.stats.queryid, /^-?\d+$/);
  assert.ok(q.stats.meanMs > 0 && q.stats.totalMs >= q.stats.meanMs);
  assert.equal(q.stats.rows, 70);
  assert.match(q.text, /\$1/);
  const access = orders.shape.accesses[0];
  assert.deepEqual(
    access?.predicates.map((p) => `${p.operand.kind === 'column' ? p.operand.column : p.operand.sql} ${p.operator} ${p.values.map((v) => v.kind).join()}`),
    ['customer_id = param', 'created >= param'],
  );
  assert.deepEqual(access?.orderBy.map((k) => [k.operand, k.descending]), [[{ kind: 'column', column: 'created' }, true]]);
  // pg_stat_statements makes every constant a parameter, the LIMIT's too.
  assert.equal(access?.limit, 'param');

  const customers = workload.queries.find((x) => x.shape.accesses[0]?.table.name === 'customers');
  assert.deepEqual(customers?.shape.accesses[0]?.predicates[0]?.operand, { kind: 'expression', sql: 'lower(email)', columns: ['email'] });
  assert.equal(customers?.query.source === 'pg_stat_statements' && customers.query.stats.calls, 3);
  // The setup's statements (CREATE, INSERT … generate_series, ANALYZE, SELECT 1) read no planned table.
  assert.ok(workload.ignored > 0);
  // The most time-consuming first (ties by queryid, so the same statistics give the same order).
  const totals = queries.map((x) => (x.source === 'pg_stat_statements' ? x.stats.totalMs : 0));
  assert.deepEqual(totals, [...totals].sort((a, b) => b - a));
});

let plain: TestDatabase;
before(async () => {
  plain = await testDatabase();
});
after(async () => {
  await plain?.drop();
});

test('no pg_stat_statements in the database: an error that says how to enable it and that --queries works without it', async () => {
  await assert.rejects(
    statStatementsQueries(plain.client, { versionNum }),
    (err: unknown) => {
      assert.ok(err instanceof WorkloadSourceError);
      assert.match(err.message, /^pg_stat_statements is not installed in database pgindex_test_[0-9a-f]+: /);
      assert.match(err.message, /shared_preload_libraries/);
      assert.match(err.message, /CREATE EXTENSION pg_stat_statements/);
      assert.match(err.message, /--queries FILE\.sql, which works without it/);
      return true;
    },
  );
});

test('pg_stat_statements created but not loaded (the harness server does not preload it): the same advice, with the server’s message', async () => {
  await plain.query('create extension pg_stat_statements');
  await assert.rejects(
    statStatementsQueries(plain.client, { versionNum }),
    (err: unknown) => {
      assert.ok(err instanceof WorkloadSourceError);
      assert.match(err.message, /installed in database .* but not loaded \(pg_stat_statements must be loaded via "?shared_preload_libraries"?\)/);
      assert.match(err.message, /--queries FILE\.sql/);
      return true;
    },
  );
});
