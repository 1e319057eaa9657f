import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeUnanalyzed } from '../../../src/catalog/analyze.js';
import { resolveTables } from '../../../src/catalog/resolve.js';
import { takeSnapshot } from '../../../src/catalog/snapshot.js';
import { PlanningError } from '../../../src/errors.js';
import pg from 'pg';
import type { CatalogSnapshot, TableInfo } from '../../../src/catalog/types.js';
import type { PlanFile, TableSpec } from '../../../src/planfile/types.js';
import { planFile } from '../../support/plan-file.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;
before(async () => {
  db = await testDatabase();
  await db.query(`
    create extension hstore;
    create schema a;
    create schema b;
    set search_path = a, b, public;
    create domain public.d1 as int;
    create domain public.d2 as public.d1;
    create table a.t (
      id int primary key,
      dd public.d2,
      dda public.d2[],
      name varchar(20) not null collate "C",
      dropme int,
      twice int generated always as (id * 2) stored,
      h hstore
    );
    alter table a.t drop column dropme;
    create index t_name_desc on a.t (name desc nulls last) include (dd);
    create index t_lower on a.t (lower(name) text_pattern_ops) where id > 0;
    create table b.t (x int);
    create view a.v as select 1 as one;
    create table b.v (y int);
    create table b.bulk_1 (z int);
    create table b.bulk_2 (z int);
    create table b."Mixed Case" ("Col" int);
    create table a.p (k int, v text) partition by list (k);
    create table b.p1 partition of a.p for values in (1, 2) partition by list (v);
    create table b.p11 partition of b.p1 for values in ('x');
    create table b.p12 partition of b.p1 for values in ('y');
    create table a.p3 partition of a.p for values in (3);
    create index p_k on a.p (k);
    insert into a.t (id, dd, dda, name, h) select g, g, array[g], 'n' || g, hstore('k', g::text) from generate_series(1, 500) g;
    insert into a.p select 1 + g % 3, case when g % 2 = 0 then 'x' else 'y' end from generate_series(1, 3000) g;
    create table a.dup (v int);
    insert into a.dup values (1), (1);
    create materialized view a.mv as select id, name from a.t;
    analyze a.t;
    analyze a.p;
  `);
  // A failed CREATE INDEX CONCURRENTLY leaves an invalid index behind.
  await db.query('create unique index concurrently dup_v on a.dup (v)').catch(() => undefined);
});
after(async () => {
  await db?.drop();
});

function plan(names: string[]): PlanFile {
  return planFile(
    names.map((name, i): TableSpec => ({ name, columns: 'all', exclude: [], pos: { file: 'plan.yaml', line: i + 1, col: 3 } })),
    { concurrently: false, lockTimeoutMs: 0, retries: 0 },
  );
}

/** The client, counting the statements sent through it. */
function counting(client: pg.Client): { client: pg.ClientBase; count: () => number } {
  let n = 0;
  const proxy = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'query') {
        return (...args: unknown[]) => {
          n++;
          return (target.query as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { client: proxy, count: () => n };
}

const byName = (s: CatalogSnapshot, q: string): TableInfo => {
  const t = s.tables.find((x) => `${x.schema}.${x.name}` === q);
  assert.ok(t, `${q} is in the snapshot (${s.tables.map((x) => `${x.schema}.${x.name}`).join(', ')})`);
  return t;
};

describe('takeSnapshot', () => {
  let snap: CatalogSnapshot;
  before(async () => {
    snap = await takeSnapshot(db.client, plan(['t', 'v', 'b.bulk_*', 'b."Mixed Case"', 'a.p', 'a.dup', 'nothing_*', 'mv']));
  });

  test('server facts: version, settings in bytes, search_path, extensions, methods, opclasses, casts', async () => {
    const { rows } = await db.query<{ v: number; mwm: string }>(
      "select current_setting('server_version_num')::int as v, pg_size_bytes(current_setting('maintenance_work_mem')) as mwm",
    );
    assert.equal(snap.server.versionNum, rows[0]?.v);
    assert.equal(snap.server.settings.maintenanceWorkMem, Number(rows[0]?.mwm));
    assert.equal(snap.server.settings.maxConnections, 100);
    assert.ok(snap.server.settings.maxWorkerProcesses >= snap.server.settings.maxParallelWorkers);
    assert.equal(snap.database, db.name);
    assert.deepEqual(snap.searchPath, ['a', 'b', 'public']);
    const hstore = snap.extensions.find((e) => e.name === 'hstore');
    assert.equal(hstore?.schema, 'public');
    assert.ok(hstore?.installed);
    assert.equal(snap.extensions.find((e) => e.name === 'btree_gin')?.installed, null);
    assert.deepEqual(snap.accessMethods, ['brin', 'btree', 'gin', 'gist', 'hash', 'spgist']);
    const ginHstore = snap.opclasses.find((o) => o.method === 'gin' && o.name === 'gin_hstore_ops');
    assert.ok(Number.isInteger(ginHstore?.oid) && (ginHstore?.oid ?? 0) > 0);
    assert.deepEqual({ ...ginHstore, inputType: 0, oid: 0 }, {
      oid: 0,
      method: 'gin',
      name: 'gin_hstore_ops',
      schema: 'public',
      inputType: 0,
      inputTypeName: 'hstore',
      isDefault: true,
      extension: 'hstore',
      inputTypeCategory: 'U',
      inputTypePreferred: false,
    });
    const inetGist = snap.opclasses.find((o) => o.method === 'gist' && o.name === 'inet_ops');
    assert.equal(inetGist?.isDefault, false);
    assert.equal(inetGist?.extension, null);
    // varchar → text is binary and implicit
    assert.ok(snap.binaryCoercions.some((c) => c.source === 1043 && c.target === 25));
    assert.ok(snap.tablespaces.includes('pg_default'));
  });

  test('names resolve as PostgreSQL does: search_path order, a view hiding a table, quotes, globs, partitions', () => {
    assert.deepEqual(
      snap.tables.map((t) => `${t.schema}.${t.name}`),
      ['a.dup', 'a.mv', 'a.p', 'a.p3', 'a.t', 'b.Mixed Case', 'b.bulk_1', 'b.bulk_2', 'b.p1', 'b.p11', 'b.p12'],
    );
    // The view named exactly is kept aside, to say what it is; it hides the table b.v.
    assert.deepEqual(snap.otherRelations, [{ schema: 'a', name: 'v', relkind: 'v' }]);
    assert.equal(byName(snap, 'a.mv').kind, 'matview');
    assert.deepEqual(byName(snap, 'a.mv').columns.map((c) => c.name), ['id', 'name']);
  });

  test('privileges and partition keys: the owner, whether this role may index, the key columns', () => {
    assert.equal(snap.role, 'postgres');
    const t = byName(snap, 'a.t');
    assert.equal(t.owner, 'postgres');
    assert.equal(t.canIndex, true);
    assert.deepEqual(byName(snap, 'a.p').partitionKey, ['k']);
    assert.deepEqual(byName(snap, 'b.p1').partitionKey, ['v']);
    assert.equal(byName(snap, 'b.p11').partitionKey, undefined);
  });

  test('columns: domains unwrapped (arrays too), dropped columns gone, generated, collation, not null, extension types', () => {
    const t = byName(snap, 'a.t');
    assert.deepEqual(t.columns.map((c) => c.name), ['id', 'dd', 'dda', 'name', 'twice', 'h']);
    const col = (n: string) => t.columns.find((c) => c.name === n)!;
    assert.deepEqual(col('dd').type, { declared: 'd2', base: 'integer', baseOid: 23, category: 'N', kind: 'base', isDomain: true });
    assert.equal(col('dda').type.category, 'A');
    assert.equal(col('dda').type.elementBase, 'integer');
    assert.equal(col('dda').type.elementOid, 23);
    assert.equal(col('name').type.declared, 'character varying(20)');
    assert.equal(col('name').type.base, 'character varying');
    assert.equal(col('name').collation, 'C');
    assert.equal(col('name').notNull, true);
    assert.equal(col('twice').generated, 's');
    assert.equal(col('id').generated, '');
    assert.equal(col('h').type.extension, 'hstore');
    assert.equal(col('id').stats?.nDistinct, -1);
    assert.equal(col('id').stats?.correlation, 1);
    assert.equal(col('dd').stats?.avgWidth, 4);
    assert.ok(t.lastAnalyzed);
    assert.ok(t.reltuples === 500 && t.relpages > 0 && t.sizeBytes > 0);
  });

  test('indexes: keys, options, include, predicate, expressions, opclasses, validity, partition parents', () => {
    const t = byName(snap, 'a.t');
    assert.deepEqual(t.indexes.map((i) => i.name), ['t_lower', 't_name_desc', 't_pkey']);
    const [lower, desc, pkey] = t.indexes;
    assert.deepEqual(desc?.keys, [
      { column: 'name', expression: 'name', opclass: 'text_ops', opclassIsDefault: true, collation: 'C', descending: true, nullsFirst: false },
    ]);
    assert.deepEqual(desc?.include, ['dd']);
    assert.equal(lower?.keys[0]?.column, null);
    assert.match(lower?.keys[0]?.expression ?? '', /^lower\(/);
    assert.equal(lower?.keys[0]?.opclass, 'text_pattern_ops');
    assert.equal(lower?.keys[0]?.opclassIsDefault, false);
    assert.equal(lower?.predicate, 'id > 0');
    assert.ok(pkey?.primary && pkey.unique && pkey.valid && pkey.ready);
    assert.match(pkey?.definition ?? '', /^CREATE UNIQUE INDEX t_pkey ON a\.t USING btree \(id\)$/);
    const dup = byName(snap, 'a.dup').indexes[0];
    assert.equal(dup?.name, 'dup_v');
    assert.equal(dup?.valid, false);
    const p11 = byName(snap, 'b.p11').indexes[0];
    assert.deepEqual(p11?.parentIndex, { schema: 'b', name: byName(snap, 'b.p1').indexes[0]?.name });
    assert.deepEqual(byName(snap, 'b.p1').indexes[0]?.parentIndex, { schema: 'a', name: 'p_k' });
  });

  test('partitions: parents, direct partitions, pages and rows rolled up, inherited statistics', () => {
    const p = byName(snap, 'a.p');
    const p1 = byName(snap, 'b.p1');
    const leaves = ['b.p11', 'b.p12', 'a.p3'].map((n) => byName(snap, n));
    assert.equal(p.kind, 'partitioned');
    assert.deepEqual(p.partitions, [{ schema: 'a', name: 'p3' }, { schema: 'b', name: 'p1' }]);
    assert.deepEqual(p1.parent, { schema: 'a', name: 'p' });
    assert.deepEqual(p1.partitions, [{ schema: 'b', name: 'p11' }, { schema: 'b', name: 'p12' }]);
    assert.equal(p.relpages, leaves.reduce((s, t) => s + t.relpages, 0));
    assert.ok(p.relpages > 0);
    assert.equal(p.reltuples, 3000);
    assert.equal(p.columns.find((c) => c.name === 'k')?.stats?.nDistinct, 3);
  });

  test('the snapshot resolves the plan it was taken for', () => {
    const resolved = resolveTables(plan(['t', 'b.bulk_*', 'b."Mixed Case"', 'a.p']), snap).tables;
    assert.deepEqual(
      resolved.map((r) => `${r.table.schema}.${r.table.name}`),
      ['a.t', 'b.bulk_1', 'b.bulk_2', 'b.Mixed Case', 'a.p'],
    );
  });
});

test('index definitions are built from the catalog as pg_get_indexdef writes them', async () => {
  await db.query(`
    create table b.shapes (id int, name text, code varchar(10) collate "C", at timestamptz, n numeric);
    create index shapes_1 on b.shapes (name desc nulls last, id) include (at, n);
    create index shapes_2 on b.shapes using hash (name);
    create unique index shapes_3 on b.shapes (code varchar_pattern_ops);
    create index shapes_4 on b.shapes (name collate "C" nulls first);
    create index shapes_5 on b.shapes (at desc);
    create index "Shapes 6" on b.shapes (n) where n > 0;
  `);
  const snap = await takeSnapshot(db.client, plan(['b.shapes']));
  const { rows } = await db.query<{ name: string; def: string }>(
    "select c.relname as name, pg_get_indexdef(c.oid) as def from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid = 'b.shapes'::regclass order by 1",
  );
  const ours = new Map(byName(snap, 'b.shapes').indexes.map((i) => [i.name, i.definition]));
  assert.equal(rows.length, 6);
  for (const r of rows) if (r.name !== 'Shapes 6') assert.equal(ours.get(r.name), r.def, r.name);
  // A predicate is deparsed once, the way the equivalence check compares it (pg_get_expr, pretty).
  assert.equal(ours.get('Shapes 6'), 'CREATE INDEX "Shapes 6" ON b.shapes USING btree (n) WHERE (n > 0::numeric)');
});

test('another session holding ACCESS EXCLUSIVE: plain indexes are read without waiting; deparsing waits at most lock_timeout, then names the table and the session', async () => {
  await db.query(`
    create table b.locked_plain (id int primary key, v text);
    create index locked_plain_v on b.locked_plain (v desc);
    create table b.locked_partial (id int, v text);
    create index locked_partial_v on b.locked_partial (v) where id > 0;
  `);
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query('begin; lock table b.locked_plain, b.locked_partial in access exclusive mode');
    const pid = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
    await db.query("set lock_timeout = '500ms'");
    let start = performance.now();
    const snap = await takeSnapshot(db.client, plan(['b.locked_plain']));
    assert.ok(performance.now() - start < 2000, 'no wait for a lock');
    const t = byName(snap, 'b.locked_plain');
    assert.deepEqual(t.indexes.map((i) => i.definition), [
      'CREATE UNIQUE INDEX locked_plain_pkey ON b.locked_plain USING btree (id)',
      'CREATE INDEX locked_plain_v ON b.locked_plain USING btree (v DESC)',
    ]);
    assert.equal(t.sizeBytes, 8192 * t.relpages);

    start = performance.now();
    await assert.rejects(takeSnapshot(db.client, plan(['b.locked_partial'])), (err: unknown) => {
      assert.ok(err instanceof PlanningError, String(err));
      assert.match(err.message, new RegExp(`gave up waiting for a lock \\(lock_timeout 500ms\\): another session holds a lock on table b\\.locked_partial \\(pid ${pid} holds AccessExclusiveLock\\)`));
      return true;
    });
    assert.ok(performance.now() - start < 3000, 'bounded by lock_timeout');
  } finally {
    await db.query('reset lock_timeout');
    await holder.end();
  }
});

test('analyzeUnanalyzed analyzes the tables without statistics, once', async () => {
  await db.query('create table b.fresh (id int); insert into b.fresh select generate_series(1, 10)');
  const file = plan(['b.fresh', 'a.t']);
  const before = await takeSnapshot(db.client, file);
  assert.equal(before.tables.find((t) => t.name === 'fresh')?.lastAnalyzed, null);
  assert.deepEqual(await analyzeUnanalyzed(db.client, before), ['b.fresh']);
  const after = await takeSnapshot(db.client, file);
  const fresh = after.tables.find((t) => t.name === 'fresh');
  assert.ok(fresh?.lastAnalyzed);
  assert.equal(fresh.columns[0]?.stats?.nDistinct, -1);
  assert.deepEqual(await analyzeUnanalyzed(db.client, after), []);
});

test('400 tables of 7 columns: the same fixed number of queries as for one table', async (t) => {
  await db.query(`
    create schema bulk;
    do $$ begin
      for i in 1..400 loop
        execute format('create table bulk.t%s (id int primary key, a int, b text, c timestamptz, d numeric, e jsonb, f uuid)', i);
      end loop;
    end $$;
  `);
  const small = counting(db.client);
  await takeSnapshot(small.client, plan(['bulk.t1']));

  const globbed = counting(db.client);
  let start = performance.now();
  const snap = await takeSnapshot(globbed.client, plan(['bulk.*']));
  const globMs = performance.now() - start;

  const named = counting(db.client);
  start = performance.now();
  const snap2 = await takeSnapshot(named.client, plan(Array.from({ length: 400 }, (_, i) => `bulk.t${i + 1}`)));
  const namedMs = performance.now() - start;

  assert.equal(snap.tables.length, 400);
  assert.equal(snap2.tables.length, 400);
  assert.ok(snap.tables.every((x) => x.columns.length === 7 && x.indexes.length === 1));
  assert.equal(globbed.count(), small.count());
  assert.equal(named.count(), small.count());
  assert.equal(small.count(), 7, "begin, five catalog queries (a superuser's statistics come with the columns), commit (no index key has a collation here)");
  t.diagnostic(`snapshot of 400 tables × 7 columns: ${globMs.toFixed(0)} ms by one glob, ${namedMs.toFixed(0)} ms by 400 names`);
});

test('a large snapshot reads the indexes on a second session, which sees exactly the first session\'s catalog', async () => {
  await db.query(`
    create schema helper;
    create table helper.h1 (id int primary key, name text collate "C", at timestamptz);
    create index h1_name on helper.h1 (name desc nulls first) include (at);
    create table helper.h2 (id int, body text, note text);
    create index h2_expr on helper.h2 (lower(body)) where id > 0;
    insert into helper.h2 select g, 'b' || g, 'n' || g from generate_series(1, 100) g;
    analyze helper.h2;
  `);
  const file = plan(['helper.*']);
  const oneSession = await takeSnapshot(db.client, file);
  const note = (s: CatalogSnapshot) => byName(s, 'helper.h2').columns.find((c) => c.name === 'note')?.stats?.nDistinct;
  assert.equal(note(oneSession), -1);

  // The helper is opened (by a third session's rules) after the first session's snapshot was taken:
  // an index created meanwhile must not be seen, nor statistics gathered meanwhile.
  const opened: pg.Client[] = [];
  const openHelper = async () => {
    const helper = new pg.Client({ connectionString: db.url });
    await helper.connect();
    opened.push(helper);
    await helper.query(`create index if not exists h2_late_${opened.length} on helper.h2 (id)`);
    await helper.query("update helper.h2 set note = 'same'; analyze helper.h2");
    return helper;
  };
  // 2: opened once the matching has found the two tables (a plan of one entry is below it).
  const twoSessions = await takeSnapshot(db.client, file, { helperFromTables: 2, openHelper });
  assert.equal(opened.length, 1);
  assert.deepEqual(twoSessions, oneSession);
  assert.ok(!byName(twoSessions, 'helper.h2').indexes.some((i) => i.name.startsWith('h2_late')));
  // The helper is closed by takeSnapshot: a query on it now fails.
  for (const helper of opened) await assert.rejects(helper.query('select 1'));
  const later = await takeSnapshot(db.client, file);
  assert.ok(byName(later, 'helper.h2').indexes.some((i) => i.name.startsWith('h2_late')));
  assert.equal(note(later), 1);

  // A plan of that many entries: the helper connects while the patterns are matched, same catalog.
  const early: pg.Client[] = [];
  const entries = plan(['helper.h1', 'helper.h2']);
  const beforeTables = await takeSnapshot(db.client, entries, {
    helperFromTables: 2,
    openHelper: async () => {
      const helper = new pg.Client({ connectionString: db.url });
      await helper.connect();
      early.push(helper);
      return helper;
    },
  });
  assert.equal(early.length, 1);
  assert.deepEqual(beforeTables, await takeSnapshot(db.client, entries));

  // Below the threshold, no second session.
  await takeSnapshot(db.client, file, { helperFromTables: 3, openHelper: async () => assert.fail('no helper for 2 tables') });
});

test('a helper that cannot connect while the patterns are matched fails the snapshot with its error, nothing left open', async () => {
  const failing = async (): Promise<pg.Client> => {
    throw new Error('no connection for the helper');
  };
  await assert.rejects(takeSnapshot(db.client, plan(['a.t', 'b.t']), { helperFromTables: 2, openHelper: failing }), /no connection for the helper/);
  // The session is usable again: its transaction was rolled back.
  assert.equal((await takeSnapshot(db.client, plan(['a.t']))).tables.length, 1);
  // Likewise a helper that cannot join the snapshot (its connection is gone).
  const gone = async () => {
    const helper = new pg.Client({ connectionString: db.url });
    await helper.connect();
    await helper.end();
    return helper;
  };
  await assert.rejects(takeSnapshot(db.client, plan(['a.t', 'b.t']), { helperFromTables: 2, openHelper: gone }), /not queryable/);
  assert.equal((await takeSnapshot(db.client, plan(['b.t']))).tables.length, 1);
});

test('statistics read from pg_statistic by a superuser are pg_stats\'s, as a role that may read the table sees them', async () => {
  const role = `${db.name}_stats`;
  await db.query(`create role ${role} login password 'stats-reader'; grant usage on schema a, b to ${role}; grant select on a.t, a.p, b.p1, b.p11, b.p12, a.p3 to ${role}`);
  const url = new URL(db.url);
  url.username = role;
  url.password = 'stats-reader';
  const reader = new pg.Client({ connectionString: url.toString() });
  await reader.connect();
  try {
    const file = plan(['a.t', 'a.p']);
    const bySuperuser = await takeSnapshot(db.client, file);
    const byReader = await takeSnapshot(reader, file);
    const stats = (s: CatalogSnapshot) => s.tables.map((t) => [`${t.schema}.${t.name}`, t.columns.map((c) => [c.name, c.stats])]);
    assert.deepEqual(stats(bySuperuser), stats(byReader));
    // Real statistics on both paths, the inherited ones of the partitioned table included.
    assert.equal(byName(bySuperuser, 'a.t').columns.find((c) => c.name === 'id')?.stats?.nDistinct, -1);
    assert.equal(byName(bySuperuser, 'a.p').columns.find((c) => c.name === 'k')?.stats?.nDistinct, 3);
    // Without the SELECT privilege pg_stats hides the rows: the reader's snapshot has none, the superuser's keeps them.
    await db.query(`revoke select on a.t from ${role}`);
    const hidden = await takeSnapshot(reader, plan(['a.t']));
    assert.ok(byName(hidden, 'a.t').columns.every((c) => c.stats === null));
  } finally {
    await reader.end();
    await db.query(`drop owned by ${role}; drop role ${role}`);
  }
});

test('the server sends columns and indexes unordered: each table has its columns by attnum and its indexes in the server\'s order of names', async () => {
  // Setting a column's statistics target rewrites its pg_attribute row further on: read in the
  // table's physical order, c1 comes after c3.
  await db.query(`
    create schema ord;
    create table ord.o (c1 int, c2 int, c3 int);
    alter table ord.o alter column c1 set statistics 50;
    create index b_idx on ord.o (c1);
    create index "A_idx" on ord.o (c2);
    create index "é_idx" on ord.o (c3);
    create index "ｍ_idx" on ord.o (c1, c2);
    create index "😀_idx" on ord.o (c2, c3);
    create index "z_idx" on ord.o (c3, c1);
  `);
  const physical = await db.query<{ attname: string }>("select attname from pg_attribute where attrelid = 'ord.o'::regclass and attnum > 0 order by ctid");
  assert.deepEqual(physical.rows.map((r) => r.attname), ['c2', 'c3', 'c1'], 'the physical order this test needs');
  const serverOrder = await db.query<{ relname: string }>("select c.relname from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid = 'ord.o'::regclass order by c.relname");
  const names = serverOrder.rows.map((r) => r.relname);
  // UTF-16 code units put the emoji (a surrogate pair) before U+FF4D; the server's byte order after it.
  assert.deepEqual(names, ['A_idx', 'b_idx', 'z_idx', 'é_idx', 'ｍ_idx', '😀_idx']);
  for (const opts of [{}, { helperFromTables: 1, openHelper: async () => {
    const helper = new pg.Client({ connectionString: db.url });
    await helper.connect();
    return helper;
  } }]) {
    const t = byName(await takeSnapshot(db.client, plan(['ord.o']), opts), 'ord.o');
    assert.deepEqual(t.columns.map((c) => [c.attnum, c.name]), [[1, 'c1'], [2, 'c2'], [3, 'c3']]);
    assert.deepEqual(t.indexes.map((i) => i.name), names);
    assert.ok(t.indexes.every((i) => i.schema === 'ord'));
  }
});
