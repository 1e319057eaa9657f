/**
 * TABLES_SQL at scale (issue 16): the same rows as the plain formulation it replaced, on awkward
 * names and several search_paths; and work that grows with the catalog plus the plan, not their
 * product, measured in rows the server handled (EXPLAIN ANALYZE), never in time.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MATCHED_SQL, RELATIONS_SQL, TABLES_SQL } from '../../../src/catalog/queries.js';
import { patternParams } from '../../../src/catalog/snapshot.js';
import type { PlanFile, TableSpec } from '../../../src/planfile/types.js';
import { planFile } from '../../support/plan-file.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';

/**
 * How TABLES_SQL matched patterns before issue 16: every pattern joined with every relation by LIKE.
 * Quadratic, but plainly right: the reference the rewrite must agree with, row for row. The rest of
 * the query (partitions, the columns returned) is TABLES_SQL's own.
 */
const REFERENCE_MATCHING = `
with recursive
pat as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[])
    with ordinality as p(schema_exact, schema_like, table_exact, table_like, i)
),
path as (
  select s.nspname, s.pos from unnest(current_schemas(false)) with ordinality as s(nspname, pos)
),
cand as (
  select p.*, c.oid, c.relkind, c.relname, c.relnamespace
    from pat p join pg_class c on c.relname = p.table_exact::name
  union all
  select p.*, c.oid, c.relkind, c.relname, c.relnamespace
    from pat p join pg_class c on c.relname like p.table_like
   where p.table_like is not null
),
qualified as (
  select c.oid, c.relkind, c.table_exact, c.relname, c.relnamespace from cand c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = c.schema_exact::name or n.nspname like c.schema_like
),
visible as (
  select distinct on (c.i, c.relname) c.oid, c.relkind, c.table_exact, c.relname, c.relnamespace
    from cand c
    join pg_namespace n on n.oid = c.relnamespace
    join path s on s.nspname = n.nspname
   where c.schema_exact is null and c.schema_like is null
   order by c.i, c.relname, s.pos
),
matched as (
  select * from qualified
  union all
  select * from visible
),
`;

const TREE = TABLES_SQL.indexOf('tree(oid, relkind, relname, relnamespace) as (');
const REFERENCE_SQL = REFERENCE_MATCHING + TABLES_SQL.slice(TREE);

test('the reference shares TABLES_SQL from its tree CTE on', () => {
  assert.ok(TREE > 0, 'TABLES_SQL has a `tree(oid, relkind, relname, relnamespace) as (` CTE after `matched`');
});

let db: TestDatabase;
before(async () => {
  db = await testDatabase();
});
after(async () => {
  await db?.drop();
});

function plan(names: string[]): PlanFile {
  return planFile(names.map((name, i): TableSpec => ({ name, columns: 'all', exclude: [], pos: { file: 'plan.yaml', line: i + 1, col: 3 } })));
}

const LONG = 'l'.repeat(70);

/**
 * Names that LIKE, prefixes and truncation to 63 bytes could get wrong, and search_path hiding (of a
 * table by a view or an index of its name in an earlier schema, for a glob too).
 */
const AWKWARD_CATALOG = `
  create schema a;
  create schema b;
  create schema "s_1";
  create schema "s%2";
  create schema sx1;
  create schema "Weird.Schema";
  create schema "é";
  create table a.t (id int primary key);
  create table b.t (id int);
  create view a.v as select 1 as one;
  create table b.v (y int);
  create sequence b.seq;
  create table b.bulk_1 (z int);
  create table b.bulk_2 (z int);
  create table b.bulkx1 (z int);
  create view a.bulkv as select 1 as one;
  create table b.bulkv (z int);
  create table b.bulkw (z int);
  create index bulkw on a.t (id);
  create table b."Mixed Case" (z int);
  create table b."per%cent" (z int);
  create table b."per_cent" (z int);
  create table b."back\\slash" (z int);
  create table b."back\\\\double" (z int);
  create table b."naïve" (z int);
  create table b."naïveté" (z int);
  create table b."日本語テーブル" (z int);
  create table b."emoji😀t" (z int);
  create table b."${LONG}" (z int);
  create table b."${'é'.repeat(40)}" (z int);
  create table "s_1".t (z int);
  create table "s%2".t (z int);
  create table sx1.t (z int);
  create table "Weird.Schema"."x.y" (z int);
  create table "é"."é" (z int);
  create table a.p (k int, v text) partition by list (k);
  create table b.p1 partition of a.p for values in (1, 2) partition by list (v);
  create table b.p11 partition of b.p1 for values in ('x');
  create table a.p3 partition of a.p for values in (3);
  create materialized view a.mv as select 1 as one;
`;

const AWKWARD_PATTERNS = [
  't', 'v', 'seq', 'b.seq', 'B.T', '*.t', '?.t', '*', 'b.*', '*.*', 'a.p', 'p*', 'mv',
  'b.bulk_*', 'b.bulk?1', 'b."bulk_"*', 'bulk*', 'b.per%*', 'b.per_*', 'b."per%cent"', 'b.per?cent',
  'b."back\\slash"', 'b.back\\*', 'back\\\\*', 'b.*\\*', 'naïve*', 'na?ve', 'b.naïve', '日本*', '"日本語テーブル"', '*テーブル',
  'emoji*', 'b.emoji😀?', LONG, `${LONG}*`, 'lll*', `b.${'é'.repeat(40)}`, `${'é'.repeat(31)}*`, 'é.*', '"é"."é"', '?.?',
  's_1.t', 's%2.*', 's?1.*', 's*.t', '"s_1"*.t', '"Weird.Schema".*', '"Weird.Schema"."x.y"', 'Weird*.x*', 'zz.t', 'zz*.t',
  'nothing_*', 'b.t', 't', '*.t_pkey', 't_pkey', 'b."Mixed Case"', 'b.mixed*', 'b.Mixed*', 'b."Mixed"*', '_', '%', 'b.%*',
];

/** The rows without last_analyzed: autovacuum may analyze a catalog table between the two queries. */
function settled(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map(({ last_analyzed: _analyzed, ...rest }) => rest);
}

/**
 * What the snapshot reads in two steps (MATCHED_SQL's oid arrays, then RELATIONS_SQL by oid): the
 * rows of TABLES_SQL, the indexable ones' oids (the partitioned ones' apart) and their distinct
 * schema and table names.
 */
async function twoSteps(params: unknown[], rows: Record<string, unknown>[]): Promise<void> {
  const [matched] = (await db.query<{ tables: string[]; partitioned: string[]; relations: string[]; schemas: string[]; names: string[] }>(MATCHED_SQL, params)).rows;
  assert.ok(matched);
  assert.deepEqual(settled((await db.query(RELATIONS_SQL, [matched.relations])).rows), settled(rows));
  const indexable = rows.filter((r) => ['r', 'p', 'm'].includes(r.relkind as string));
  const sorted = (values: unknown[]) => [...new Set(values.map(String))].sort();
  assert.deepEqual(sorted(matched.tables), sorted(indexable.map((r) => r.oid)));
  assert.equal(matched.tables.length, indexable.length);
  assert.deepEqual(sorted(matched.partitioned), sorted(indexable.filter((r) => r.relkind === 'p').map((r) => r.oid)));
  assert.deepEqual(sorted(matched.schemas), sorted(indexable.map((r) => r.schema)));
  assert.deepEqual(sorted(matched.names), sorted(indexable.map((r) => r.name)));
}

test('TABLES_SQL returns exactly the rows of the plain patterns × relations formulation, whatever the search_path', async () => {
  await db.query(AWKWARD_CATALOG);
  const params = patternParams(plan(AWKWARD_PATTERNS));
  for (const path of ['a, b, public', 'b, a', '"$user", public', 'sx1, "s_1", b', 'nonexistent', 'pg_catalog, b', '"é", "Weird.Schema", a']) {
    await db.query(`set search_path = ${path}`);
    const expected = settled((await db.query(REFERENCE_SQL, params)).rows);
    const actual = settled((await db.query(TABLES_SQL, params)).rows);
    assert.ok(expected.length > 0 || path === 'nonexistent', `search_path ${path}: the reference finds something`);
    assert.deepEqual(actual, expected, `search_path ${path}`);
    await twoSteps(params, (await db.query(TABLES_SQL, params)).rows);
  }
  await db.query('reset search_path');
});

test('each pattern alone matches what it matched before', async () => {
  await db.query('set search_path = a, b, public');
  try {
    for (const pattern of AWKWARD_PATTERNS) {
      const params = patternParams(plan([pattern]));
      const expected = settled((await db.query(REFERENCE_SQL, params)).rows);
      const rows = (await db.query(TABLES_SQL, params)).rows;
      assert.deepEqual(settled(rows), expected, pattern);
      await twoSteps(params, rows);
    }
  } finally {
    await db.query('reset search_path');
  }
});

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

/**
 * The most rows one node of an EXPLAIN ANALYZE plan produced over all its loops. A join of every
 * pattern with every relation shows up here as their product, whatever else the plan does.
 */
function busiestNode(node: PlanNode): { type: string; rows: number } {
  const own = { type: node['Node Type'], rows: node['Actual Rows'] * node['Actual Loops'] };
  return (node.Plans ?? []).map(busiestNode).reduce((a, b) => (b.rows > a.rows ? b : a), own);
}

async function explainBusiest(sql: string, params: unknown[]): Promise<{ type: string; rows: number }> {
  const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (analyze, timing off, costs off, format json) ${sql}`, params);
  return busiestNode((rows[0]?.['QUERY PLAN'][0] as { Plan: PlanNode }).Plan);
}

test('matching 1,200 names and globs against a catalog of 1,200 tables: no step handles patterns × relations rows', async (t) => {
  await db.query(`
    create schema scale;
    do $$ begin
      for k in 1..1200 loop
        execute format('create table scale.%I (id int primary key)', 's' || lpad(k::text, 4, '0'));
      end loop;
    end $$;
  `);
  // a glob over each group of ten tables (`s012?`, `scale.s013*`), exact names for the rest, and a
  // few globs without a literal prefix
  const names: string[] = [];
  for (let k = 1; k <= 1200; k++) {
    const name = 's' + String(k).padStart(4, '0');
    if (k % 10 === 0) names.push(k % 20 === 0 ? `scale.${name.slice(0, -1)}*` : `${name.slice(0, -1)}?`);
    else names.push(k % 2 === 0 ? `scale.${name}` : name);
  }
  names.push('scale.*1', '*.*99', '?0001');
  await db.query('set search_path = scale, public');
  try {
    const params = patternParams(plan(names));
    const relations = Number((await db.query<{ n: string }>('select count(*) as n from pg_class')).rows[0]?.n);
    const busiest = await explainBusiest(TABLES_SQL, params);
    // The former nested loop handled 123 globs × every relation (about 3,000 here) in one node:
    // some 350,000 rows. Today's busiest steps handle the relations times the prefix lengths (2), or
    // the tables times the schemas (a dozen), at most.
    const bound = 10 * (relations + names.length);
    assert.ok(busiest.rows < bound, `a ${busiest.type} handled ${busiest.rows} rows for ${relations} relations and ${names.length} patterns (bound ${bound})`);
    t.diagnostic(`busiest step: ${busiest.type}, ${busiest.rows} rows; plain formulation: ${JSON.stringify(await explainBusiest(REFERENCE_SQL, params))}`);
    assert.equal((await db.query(TABLES_SQL, params)).rows.length, 1200);
  } finally {
    await db.query('reset search_path');
  }
});
