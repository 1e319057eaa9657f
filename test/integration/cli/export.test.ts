/**
 * `pgindex export` on a real server (PostgreSQL 18, and 15 with PGINDEX_TEST_PG_BIN): a schema with
 * every kind of index a plan can declare, exported; planning the export finds nothing to do; then
 * the round trip: every exported index dropped, the export applied, and pg_get_indexdef of each one
 * exactly as before, names included. What the export leaves out (constraints, partition indexes
 * attached to their parent's, an operator class with parameters) stays as it was.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { parsePlanText } from '../../../src/planfile/load.js';
import { parseIdentifier } from '../../../src/catalog/names.js';
import { quoteQualified } from '../../../src/sql/quote.js';

let db: TestDatabase;
let dir: string;

/** Every feature of issue 10, plus what an export must leave out. */
const SCHEMA = [
  `create table orders (
     id int primary key,
     code text unique,
     customer_id int, created_at timestamptz, email text, uid int, amount numeric, status text,
     tags int[], doc jsonb, during tsrange, pt point, blob text, tsv tsvector, "Mixed Case" int,
     exclude using gist (during with &&)
   )`,
  `insert into orders (id, code, customer_id, created_at, email, uid, amount, status, tags, doc, during, pt, blob, tsv, "Mixed Case")
   select g, 'c' || g, g % 50, now() - g * interval '1 minute', 'U' || g || '@x', g, g, 's' || (g % 3), array[g % 7],
          jsonb_build_object('k', g % 5), tsrange(now()::timestamp + g * interval '1 hour', now()::timestamp + (g + 1) * interval '1 hour'),
          point(g, g), repeat('b', g % 20), to_tsvector('simple', 'w' || g), g % 9
     from generate_series(1, 500) g`,
  'create index orders_customer_created_idx on orders (customer_id, created_at desc nulls last)',
  'create index orders_created_nulls_first on orders (created_at nulls first)',
  'create index orders_created_desc_nulls_last on orders (created_at desc nulls last)',
  'create index orders_email_lower_idx on orders (lower(email))',
  'create index orders_email_pattern_idx on orders (email collate "C" text_pattern_ops)',
  'create index orders_email_lower_pattern on orders ((lower(email)) text_pattern_ops)',
  'create index orders_email_lower_c on orders ((lower(email)) collate "C" desc nulls last)',
  `create index orders_status_coalesce on orders ((coalesce(status, 'none, "x": #y')), (customer_id + 1))`,
  'create index orders_status_posix on orders (status collate "POSIX")',
  "create index orders_amount_partial on orders (amount) include (status) with (fillfactor = 70) where amount > 0 and status <> 'x'",
  'create unique index orders_uid_nnd on orders (uid) nulls not distinct',
  'create unique index orders_uid_email_lower on orders (uid, lower(email) desc)',
  'create index orders_dedup on orders (status, customer_id) with (deduplicate_items = off)',
  'create index orders_tags_gin on orders using gin (tags) with (fastupdate = off, gin_pending_list_limit = 128)',
  'create index orders_doc_gin on orders using gin (doc jsonb_path_ops)',
  'create index orders_during_gist on orders using gist (during) with (buffering = on)',
  'create index orders_created_brin on orders using brin (created_at) with (pages_per_range = 32, autosummarize = on)',
  'create index orders_blob_hash on orders using hash (blob)',
  'create index orders_pt_spgist on orders using spgist (pt)',
  'create index "Orders Mixed ""idx""" on orders ("Mixed Case")',
  // An operator class with a parameter: not something a plan can say.
  'create index orders_tsv_siglen on orders using gist (tsv tsvector_ops (siglen = 100))',
  'create table events (id int, at date, kind text, primary key (id, at)) partition by range (at)',
  "create table events_2024 partition of events for values from ('2024-01-01') to ('2025-01-01')",
  "create table events_2025 partition of events for values from ('2025-01-01') to ('2026-01-01')",
  "insert into events select g, date '2024-01-01' + g, 'k' || (g % 4) from generate_series(0, 700) g",
  'create index events_at_kind_idx on events (at, kind desc)',
  "create index events_kind_partial on events (kind) where kind <> 'k0'",
  'create index events_2024_kind_local on events_2024 (kind)',
  'create materialized view order_totals as select customer_id, sum(amount) as total from orders group by 1',
  'create index order_totals_total_idx on order_totals (total desc)',
  'create table "Odd Table" ("Key" int, "select" int)',
  'create index "Odd Table_key_idx" on "Odd Table" ("Key", "select")',
  // Outside search_path: exported only when --schema names it.
  'create schema "Sales"',
  'create table "Sales"."Items" (id int, name text)',
  'create index "Items_name_idx" on "Sales"."Items" (name)',
  'analyze',
];

/** The indexes left out on purpose: they must be listed in the file and left alone by the round trip. */
const LEFT_OUT = ['orders_pkey', 'orders_code_key', 'orders_during_excl', 'events_pkey', 'orders_tsv_siglen'];

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-export-'));
  for (const sql of SCHEMA) await db.query(sql);
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(argv: string[]): Promise<CliResult> {
  return runCli([...argv, '-d', db.url], { cwd: dir });
}

/** pg_get_indexdef of each named index of schema public, by name. */
async function indexdefs(names: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ name: string; def: string }>(
    `select c.relname as name, pg_get_indexdef(c.oid) as def
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('i', 'I') and c.relname = any($1::text[])`,
    [names],
  );
  return new Map(rows.map((r) => [r.name, r.def]));
}

/** The partition indexes attached to each index (by name of the parent index), as (partition, definition without the name). */
async function attached(): Promise<string[]> {
  const { rows } = await db.query<{ parent: string; child_table: string; def: string }>(
    `select p.relname as parent, t.relname as child_table,
            regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE (UNIQUE )?INDEX \\S+ ', 'CREATE \\1INDEX ') as def
       from pg_inherits h join pg_class p on p.oid = h.inhparent join pg_index i on i.indexrelid = h.inhrelid
       join pg_class t on t.oid = i.indrelid
      order by 1, 2`,
  );
  return rows.map((r) => `${r.parent} ← ${r.child_table}: ${r.def}`);
}

test('export, plan it (nothing to do), drop every exported index, apply the export: the same indexes, names included', async () => {
  const exported = await cli(['export', '-o', 'export.yaml']);
  assert.equal(exported.code, 0, exported.err);
  assert.equal(exported.out, '');
  const text = readFileSync(join(dir, 'export.yaml'), 'utf8');
  assert.match(text.split('\n')[0] ?? '', /^# yaml-language-server: \$schema=\S*schemas\/pgindex\.schema\.json$/);
  assert.ok(!text.includes('Items'), 'a schema outside search_path is not exported by default');

  // What is left out is listed, and what cannot be expressed is a warning too.
  for (const name of LEFT_OUT) assert.match(text, new RegExp(`#\\s+${name}: `), `${name} listed as left out`);
  assert.match(exported.err, /warning: public\.orders: index orders_tsv_siglen cannot be expressed in a plan: an operator class with parameters/);
  assert.match(text, /orders_pkey: PRIMARY KEY constraint orders_pkey/);
  assert.match(text, /orders_code_key: UNIQUE constraint orders_code_key/);
  assert.match(text, /orders_during_excl: EXCLUDE constraint orders_during_excl/);

  // The same database gives the same bytes.
  const again = await cli(['export']);
  assert.equal(again.code, 0, again.err);
  assert.equal(again.out.split('\n').slice(1).join('\n'), text.split('\n').slice(1).join('\n'));

  const file = parsePlanText(text, 'export.yaml');
  assert.deepEqual(
    file.tables.map((t) => t.name),
    ['public."Odd Table"', 'public.events', 'public.events_2024', 'public.order_totals', 'public.orders'],
  );
  const names = file.tables.flatMap((t) => (t.indexes ?? []).map((ix) => parseIdentifier(ix.name ?? '')));
  assert.deepEqual(names, [
    'Odd Table_key_idx',
    'events_at_kind_idx',
    'events_kind_partial',
    'events_2024_kind_local',
    'order_totals_total_idx',
    'Orders Mixed "idx"',
    'orders_amount_partial',
    'orders_blob_hash',
    'orders_created_brin',
    'orders_created_desc_nulls_last',
    'orders_created_nulls_first',
    'orders_customer_created_idx',
    'orders_dedup',
    'orders_doc_gin',
    'orders_during_gist',
    'orders_email_lower_c',
    'orders_email_lower_idx',
    'orders_email_lower_pattern',
    'orders_email_pattern_idx',
    'orders_pt_spgist',
    'orders_status_coalesce',
    'orders_status_posix',
    'orders_tags_gin',
    'orders_uid_email_lower',
    'orders_uid_nnd',
  ]);

  // Offline too: the schema, and the expressions and predicates through PostgreSQL's own parser.
  const validated = await runCli(['validate', 'export.yaml'], { cwd: dir });
  assert.equal(validated.code, 0, validated.err);

  const planned = await cli(['plan', 'export.yaml', '--detailed-exitcode']);
  assert.equal(planned.code, 0, `plan of the export is not empty:\n${planned.out}\n${planned.err}`);

  const before = await indexdefs([...names, ...LEFT_OUT]);
  assert.equal(before.size, names.length + LEFT_OUT.length);
  const attachedBefore = await attached();
  for (const name of names) {
    // A partition's own index first would not matter; the parents' drops take their attached ones.
    await db.query(`drop index if exists ${quoteQualified({ schema: 'public', name })}`);
  }
  assert.equal((await indexdefs(names)).size, 0);

  const applied = await cli(['apply', 'export.yaml', '-y']);
  assert.equal(applied.code, 0, `${applied.out}\n${applied.err}`);
  const after = await indexdefs([...names, ...LEFT_OUT]);
  assert.deepEqual(Object.fromEntries(after), Object.fromEntries(before));
  // The partitions' indexes attached to the parents' again, with the same definitions (their names are the planner's).
  assert.deepEqual((await attached()).map((a) => a.replace(/ ← \S+: /, ' ← ')), attachedBefore.map((a) => a.replace(/ ← \S+: /, ' ← ')));

  const replanned = await cli(['plan', 'export.yaml', '--detailed-exitcode']);
  assert.equal(replanned.code, 0, replanned.out);
});

test('--schema and --table narrow the export; a selection with no table is an error', async () => {
  const sales = await cli(['export', '--schema', '"Sales"']);
  assert.equal(sales.code, 0, sales.err);
  assert.match(sales.out, /^ {2}- name: "\\"Sales\\"\.\\"Items\\""$/m);
  assert.match(sales.out, /^ {6}- name: "\\"Items_name_idx\\""$/m);
  assert.ok(!sales.out.includes('orders'));

  const events = await cli(['export', '--table', 'event?']);
  assert.equal(events.code, 0, events.err);
  assert.deepEqual(
    [...events.out.matchAll(/^ {2}- name: (.*)$/gm)].map((m) => m[1]),
    ['public.events', 'public.events_2024'],
    'the partitions of a selected partitioned table come with it',
  );

  const none = await cli(['export', '--table', 'nothing_here_*']);
  assert.equal(none.code, 1);
  assert.equal(none.out, '');
  assert.match(none.err, /nothing to export: the selection matches no table/);

  await db.query('create table only_keys (id int primary key)');
  try {
    const keys = await cli(['export', '--table', 'only_keys']);
    assert.equal(keys.code, 1);
    assert.equal(keys.out, '');
    assert.match(keys.err, /nothing to export: the 1 selected table has no index a plan can declare \(1 backs a constraint\)/);
  } finally {
    await db.query('drop table only_keys');
  }

  const bad = await cli(['export', '--table', 'a.b.c']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /pgindex export: --table "a\.b\.c": .*more than one unquoted dot.*\(see pgindex export --help\)/);
});

test('a second index with the definition of another is a warning and a comment: a plan builds one index per definition', async () => {
  await db.query('create table dups (a int, b int)');
  await db.query('create index dups_a_idx on dups (a) include (b)');
  await db.query('create index dups_a_zz on dups (a) include (b)');
  try {
    const exported = await cli(['export', '--table', 'dups', '-o', 'dups.yaml']);
    assert.equal(exported.code, 0, exported.err);
    const text = readFileSync(join(dir, 'dups.yaml'), 'utf8');
    assert.equal((await cli(['plan', 'dups.yaml', '--detailed-exitcode'])).code, 0, 'the one declared is there');
    assert.match(exported.err, /warning: public\.dups: index dups_a_zz is a duplicate of dups_a_idx; left out/);
    assert.match(text, /# {3}dups_a_zz: a duplicate of dups_a_idx/);
    assert.deepEqual([...text.matchAll(/^ {6}- name: (.*)$/gm)].map((m) => m[1]), ['dups_a_idx']);
  } finally {
    await db.query('drop table dups');
  }
});

test('an index in a tablespace of its own is exported with it, and the round trip builds it there again', async () => {
  // An in-place tablespace (a developer option): no directory to prepare, wherever the server runs.
  const ts = `pgindex_export_${db.name.slice(-8)}`;
  await db.query('set allow_in_place_tablespaces = on');
  await db.query(`create tablespace ${ts} location ''`);
  try {
    await db.query('create table placed (a int, b int)');
    await db.query(`create index placed_a_idx on placed (a) with (fillfactor = 50) tablespace ${ts}`);
    await db.query('create index placed_b_idx on placed (b)');
    const where = async () =>
      (await db.query<{ indexname: string; tablespace: string | null; indexdef: string }>("select indexname, tablespace, indexdef from pg_indexes where tablename = 'placed' order by 1")).rows;
    const before = await where();
    assert.equal(before[0]?.tablespace, ts);

    const exported = await cli(['export', '--table', 'placed', '-o', 'placed.yaml']);
    assert.equal(exported.code, 0, exported.err);
    const text = readFileSync(join(dir, 'placed.yaml'), 'utf8');
    assert.match(text, new RegExp(`- name: placed_a_idx\\n(?: {8}.*\\n)* {8}tablespace: ${ts}\\n`));
    assert.doesNotMatch(text.slice(text.indexOf('placed_b_idx')), /tablespace/, 'the default tablespace is not written');
    assert.equal((await cli(['plan', 'placed.yaml', '--detailed-exitcode'])).code, 0);

    await db.query('drop index placed_a_idx, placed_b_idx');
    const applied = await cli(['apply', 'placed.yaml', '-y']);
    assert.equal(applied.code, 0, `${applied.out}\n${applied.err}`);
    assert.deepEqual(await where(), before);
  } finally {
    await db.query('drop table if exists placed');
    await db.query(`drop tablespace if exists ${ts}`);
  }
});
