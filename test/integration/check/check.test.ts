/**
 * `pgindex check` on a real server (PostgreSQL 18, and 15 with PGINDEX_TEST_PG_BIN): a database with
 * one planted defect of each kind finds each exactly once, with its fix; a clean one (foreign keys
 * served by a primary key's prefix and by a partial `IS NOT NULL` index, every other index scanned
 * or unique) finds nothing and exits 0.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';
import type { CheckReport } from '../../../src/check/types.js';

let planted: TestDatabase;
let clean: TestDatabase;
let dir: string;

/** What both databases have: every index either unique, backing a constraint, or scanned below. */
const CLEAN = [
  'create table customers (id int primary key, email text)',
  'create table orders (id int primary key, customer_id int not null references customers, referrer_id int references customers, status text)',
  // A primary key whose prefix serves the foreign key.
  'create table order_lines (order_id int references orders, line_no int, primary key (order_id, line_no))',
  'create index orders_customer_idx on orders (customer_id)',
  'create index orders_referrer_partial on orders (referrer_id) where referrer_id is not null',
  'insert into customers select g, g || \'@x\' from generate_series(1, 100) g',
  'insert into orders select g, g % 100 + 1, g % 7 + 1, \'s\' || (g % 3) from generate_series(1, 1000) g',
];

/** Scan the non-unique indexes of CLEAN once, and make sure the statistics say so before check reads them. */
async function scanCleanIndexes(db: TestDatabase): Promise<void> {
  await db.query('set enable_seqscan = off');
  await db.query('set enable_bitmapscan = off');
  await db.query('select * from orders where customer_id = 5');
  await db.query('select * from orders where referrer_id = 5');
  await db.query('select pg_stat_force_next_flush()');
  await db.query('select 1');
  await db.query('reset enable_seqscan');
  await db.query('reset enable_bitmapscan');
}

const DEFECTS = [
  // unindexed-foreign-key: nothing leads with coupon_owner.
  'create table coupons (code text primary key, owner_id int references customers, note text)',
  // duplicate: a second unique index with the unique constraint's definition.
  'alter table customers add constraint customers_email_key unique (email)',
  'create unique index customers_email_again on customers (email)',
  // redundant: (status) leads the unique (status, id).
  'create index orders_status on orders (status)',
  'create unique index orders_status_id on orders (status, id)',
  // unused: never scanned.
  'create index coupons_note on coupons (note)',
];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pgindex-check-'));
  [planted, clean] = await Promise.all([testDatabase(), testDatabase()]);
  for (const db of [planted, clean]) {
    for (const sql of CLEAN) await db.query(sql);
    await scanCleanIndexes(db);
  }
  for (const sql of DEFECTS) await planted.query(sql);
  // invalid: a unique build that failed on duplicate values leaves its INVALID index behind.
  await planted.query('insert into coupons values (\'a\', 1, \'same\'), (\'b\', 1, \'same\')');
  await assert.rejects(planted.query('create unique index concurrently coupons_note_unique on coupons (note)'), /could not create unique index/);
});

after(async () => {
  await Promise.all([planted?.drop(), clean?.drop()]);
  rmSync(dir, { recursive: true, force: true });
});

test('a clean database: nothing found, exit 0, in text and JSON', async () => {
  const text = await runCli(['check', '-d', clean.url]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^No problems found in the indexes of 3 tables of /);
  const json = await runCli(['check', '-d', clean.url, '--format', 'json']);
  assert.equal(json.code, 0, json.err);
  const report = JSON.parse(json.out) as CheckReport;
  assert.deepEqual(report.findings, []);
  assert.deepEqual(report.tables, ['public.customers', 'public.order_lines', 'public.orders']);
});

test('one planted defect of each kind: each found exactly once, with its fix; exit 2', async () => {
  const result = await runCli(['check', '-d', planted.url, '--format', 'json']);
  assert.equal(result.code, 2, result.err);
  const report = JSON.parse(result.out) as CheckReport;
  assert.equal(report.version, 1);
  const found = report.findings.map((f) => [f.kind, f.table, f.index, f.fix]);
  assert.deepEqual(found, [
    ['invalid', 'public.coupons', 'public.coupons_note_unique', { sql: 'REINDEX INDEX CONCURRENTLY public.coupons_note_unique;' }],
    ['duplicate', 'public.customers', 'public.customers_email_again', { sql: 'DROP INDEX CONCURRENTLY public.customers_email_again;' }],
    ['redundant', 'public.orders', 'public.orders_status', { sql: 'DROP INDEX CONCURRENTLY public.orders_status;' }],
    ['unindexed-foreign-key', 'public.coupons', null, { sql: 'CREATE INDEX CONCURRENTLY ON public.coupons (owner_id);' }],
    ['unused', 'public.coupons', 'public.coupons_note', { sql: 'DROP INDEX CONCURRENTLY public.coupons_note;' }],
  ]);
  const byKind = new Map(report.findings.map((f) => [f.kind, f.detail]));
  assert.match(byKind.get('duplicate') ?? '', /the same definition as customers_email_key/);
  assert.match(byKind.get('redundant') ?? '', /lead those of orders_status_id \(status, id\)/);
  assert.match(byKind.get('unindexed-foreign-key') ?? '', /foreign key coupons_owner_id_fkey \(owner_id\) references public\.customers/);
  assert.match(byKind.get('unused') ?? '', /never scanned since the statistics (began \(never reset\)|were reset at \d{4}-)/);
});

test('the text output: grouped by kind, every line within 80 columns, each fix there', async () => {
  const result = await runCli(['check', '-d', planted.url]);
  assert.equal(result.code, 2, result.err);
  const lines = result.out.trimEnd().split('\n');
  assert.deepEqual(lines.filter((l) => l.length > 80), []);
  assert.deepEqual(
    lines.filter((l) => /^\S.*\(\d+\):$/.test(l)),
    ['Invalid indexes (1):', 'Duplicate indexes (1):', 'Redundant indexes (1):', 'Foreign keys without an index (1):', 'Unused indexes (1):'],
  );
  assert.ok(lines.includes('    fix: CREATE INDEX CONCURRENTLY ON public.coupons (owner_id);'), result.out);
});

test('with a plan: only its tables', async () => {
  writeFileSync(join(dir, 'orders.yaml'), 'version: 1\ntables:\n  - name: orders\n    columns: [status]\n');
  const result = await runCli(['check', '-d', planted.url, 'orders.yaml', '--format', 'json'], { cwd: dir });
  assert.equal(result.code, 2, result.err);
  const report = JSON.parse(result.out) as CheckReport;
  assert.deepEqual(report.tables, ['public.orders']);
  assert.deepEqual(report.findings.map((f) => [f.kind, f.index]), [['redundant', 'public.orders_status']]);
});

test('usage errors are one line and exit 1', async () => {
  const result = await runCli(['check', '-d', clean.url, '--format', 'yaml']);
  assert.equal(result.code, 1);
  assert.equal(result.err, 'pgindex check: --format must be text or json, not "yaml" (see pgindex check --help)\n');
});
