/**
 * Candidates from a shop workload (queries with literal values, as in a --queries file) on a real
 * server: the access method and operator class of each come from the server's pg_amop, for the
 * extensions installed. Runs on the harness server (PostgreSQL 18 embedded, 15 with
 * PGINDEX_TEST_PG_BIN).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { workloadCandidates, type Candidate } from '../../../src/advisor/workload/candidates.js';
import { snapshotLookup } from '../../../src/advisor/workload/lookup.js';
import { readOperators } from '../../../src/advisor/workload/operators.js';
import { fileQueries } from '../../../src/advisor/workload/sources.js';
import { analyseWorkload } from '../../../src/advisor/workload/workload.js';
import { takeSnapshot } from '../../../src/catalog/snapshot.js';
import { loadSqlParser } from '../../../src/sql/parse.js';
import { splitSql } from '../../../src/sql/split.js';
import { planFile, tableSpec } from '../../support/plan-file.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;

before(async () => {
  db = await testDatabase();
  await db.query(`
    create schema shop;
    create table shop.customers (id bigint primary key, email text not null, name text, spot point);
    create table shop.orders (id bigint primary key, customer_id bigint not null references shop.customers, status text not null,
                              created timestamptz not null, data jsonb, tags text[], note text, during tstzrange);
    insert into shop.customers select g, 'c' || g || '@example.com', 'name ' || g, point(g % 100, g / 100) from generate_series(1, 2000) g;
    insert into shop.orders select g, 1 + g % 2000, (array['new','paid','sent','gone'])[1 + g % 4], now() - g * interval '1 min',
                                   jsonb_build_object('gift', g % 50 = 0), array['t' || g % 30], 'note ' || g,
                                   tstzrange(now() - g * interval '1 min', now())
      from generate_series(1, 20000) g;
    analyze;
  `);
});

after(async () => {
  await db?.drop();
});

const WORKLOAD = `
SELECT * FROM shop.orders WHERE status = 'paid' AND customer_id = 42 AND created >= '2024-01-01' ORDER BY created DESC LIMIT 10;
SELECT * FROM shop.customers WHERE lower(email) = 'c7@example.com';
SELECT * FROM shop.orders WHERE data @> '{"gift": true}';
SELECT * FROM shop.orders WHERE tags && ARRAY['t3'];
SELECT * FROM shop.orders WHERE note LIKE 'note 1%';
SELECT * FROM shop.orders WHERE note ILIKE '%E 12%';
SELECT * FROM shop.orders WHERE during && tstzrange(now() - interval '1 h', now());
SELECT * FROM shop.customers ORDER BY spot <-> point(5, 5) LIMIT 3;
SELECT * FROM shop.customers WHERE id = 7;
SELECT o.id FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id WHERE c.name = 'name 5';
`;

function label(c: Candidate): string {
  const keys = c.keys.map((k) => `${k.column ?? k.expression}${k.opclass ? ' ' + k.opclass : ''}${k.descending ? ' DESC' : ''}`);
  return `${c.table.name} ${c.method} (${keys.join(', ')})`;
}

async function candidates() {
  const snapshot = await takeSnapshot(db.client, planFile([tableSpec('shop.*', 'all')]));
  const workload = analyseWorkload(fileQueries({ file: 'q.sql', statements: splitSql(WORKLOAD, 'q.sql') }), await loadSqlParser(), snapshotLookup(snapshot));
  assert.deepEqual(workload.notes, []);
  return workloadCandidates(workload.queries, snapshot, await readOperators(db.client));
}

test('candidates from the operators the installed operator classes support (no pg_trgm)', async () => {
  const set = await candidates();
  assert.deepEqual(set.candidates.map(label).sort(), [
    'customers btree (lower(email))',
    'customers btree (name)',
    'customers gist (spot)',
    'orders btree (created)',
    'orders btree (customer_id)',
    'orders btree (customer_id, status, created)',
    'orders btree (note text_pattern_ops)',
    'orders btree (status)',
    'orders gin (data jsonb_path_ops)',
    'orders gin (tags)',
    'orders gist (during)',
  ]);
  // Lookups by primary key: the primary key's index serves them, so no candidate (customers (id) is absent).
  const composite = set.candidates.find((c) => c.keys.length === 3);
  assert.equal(composite?.serves, 'customer_id =, status =, created >=');
  // The join key is also the first query's equality: one candidate, marked as a join key.
  assert.deepEqual(set.candidates.filter((c) => c.join).map(label), ['orders btree (customer_id)']);
  assert.equal(set.notes.length, 1);
  assert.match(set.notes[0] ?? '', /^shop\.orders\.note ILIKE: no installed operator class serves it; CREATE EXTENSION pg_trgm( \(after installing it: this server does not have it\))? would enable gin gin_trgm_ops$/);
});

test('with pg_trgm installed, ILIKE gets gin gin_trgm_ops', async (t) => {
  const available = await db.query("select 1 from pg_available_extensions where name = 'pg_trgm'");
  if (available.rowCount === 0) {
    t.skip('pg_trgm is not available on this server (PostgreSQL contrib is not installed)');
    return;
  }
  await db.query('create extension pg_trgm');
  const set = await candidates();
  const trgm = set.candidates.find((c) => c.keys[0]?.opclass === 'gin_trgm_ops');
  assert.equal(trgm && label(trgm), 'orders gin (note gin_trgm_ops)');
  assert.equal(trgm?.extension, 'pg_trgm');
  assert.deepEqual(set.notes, []);
});
