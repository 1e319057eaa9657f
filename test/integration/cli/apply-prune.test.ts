/**
 * Issue 11, items 3 and 4: `prune: true` drops the indexes of the matched tables that the plan does
 * not declare, never one a constraint needs nor one on a table no entry matches, and a partitioned
 * table's with a plain DROP INDEX; every drop is a hazard, marked in each output, and `apply` runs
 * a plan with one only with --allow-drop (without it: exit 1, each DROP listed, the catalog as it was).
 * Run on PostgreSQL 18 and 15.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-prune-'));
  await db.query(`
    create table zoo (id int primary key, code text constraint zoo_code_key unique, name text, status int, kind int, owner_id int,
                      period tsrange, constraint zoo_no_overlap exclude using gist (period with &&));
    insert into zoo select g, 'c' || g, 'n' || g, g % 7, g % 3, g % 11, null from generate_series(1, 500) g;
    -- a plain unique index that a foreign key references: DROP INDEX would refuse it
    create unique index zoo_name_uniq on zoo (name);
    create table keeper (zoo_name text references zoo (name));
    create index zoo_status_idx on zoo (status);
    create index zoo_kind_idx on zoo (kind);
    create index zoo_name_kind_idx on zoo (name, kind);
    create table ev (id int, kind int, at date) partition by range (at);
    create table ev_1 partition of ev for values from ('2025-01-01') to ('2026-01-01');
    create index ev_kind_idx on ev (kind);
    create table untouched (a int);
    create index untouched_a_idx on untouched (a);
    analyze;
  `);
  writeFileSync(
    join(dir, 'plan.yaml'),
    [
      'version: 1',
      'prune: true',
      'tables:',
      '  - name: zoo',
      '    indexes:',
      '      - columns: [status]',
      '      - columns: [owner_id]',
      '  - name: ev',
      '    indexes:',
      '      - columns: [id]',
      '',
    ].join('\n'),
  );
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function indexes(): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
      where t.relname in ('zoo', 'ev', 'ev_1', 'untouched', 'keeper') order by 1`,
  );
  return rows.map((r) => r.name);
}

const BEFORE = [
  'ev_1_kind_idx',
  'ev_kind_idx',
  'untouched_a_idx',
  'zoo_code_key',
  'zoo_kind_idx',
  'zoo_name_kind_idx',
  'zoo_name_uniq',
  'zoo_no_overlap',
  'zoo_pkey',
  'zoo_status_idx',
];

test('the plan marks each drop in JSON, SQL, --explain and Markdown, and lists what it keeps, with why', async () => {
  const json = await runCli(['plan', 'plan.yaml', '-d', db.url, '--format', 'json'], { cwd: dir });
  assert.equal(json.code, 0, json.err);
  const doc = JSON.parse(json.out) as {
    statements: { action: string; index: { name: string }; hazard: string | null; sql: string; concurrently: boolean }[];
    kept: { index: { name: string }; reason: string }[];
    summary: Record<string, unknown>;
  };
  const drops = doc.statements.filter((s) => s.hazard !== null);
  assert.deepEqual(
    drops.map((s) => [s.action, s.hazard, s.sql]),
    [
      ['drop', 'drop', 'DROP INDEX CONCURRENTLY IF EXISTS public.zoo_kind_idx'],
      ['drop', 'drop', 'DROP INDEX CONCURRENTLY IF EXISTS public.zoo_name_kind_idx'],
      ['drop', 'drop', 'DROP INDEX IF EXISTS public.ev_kind_idx'],
    ],
  );
  // The builds carry no hazard.
  assert.ok(doc.statements.filter((s) => s.action === 'create').every((s) => s.hazard === null));
  assert.equal(doc.summary.drop, 3);
  assert.deepEqual(
    doc.kept.map((k) => [k.index.name, k.reason]),
    [
      ['zoo_code_key', 'it backs the UNIQUE constraint public.zoo_code_key'],
      ['zoo_name_uniq', 'FOREIGN KEY constraint public.keeper_zoo_name_fkey references its table through it'],
      ['zoo_no_overlap', 'it backs the EXCLUDE constraint public.zoo_no_overlap'],
      ['zoo_pkey', 'it backs the PRIMARY KEY constraint public.zoo_pkey'],
    ],
  );

  const sql = await runCli(['plan', 'plan.yaml', '-d', db.url], { cwd: dir });
  assert.equal(sql.code, 0, sql.err);
  assert.match(sql.out, /^-- HAZARD: DROP public\.zoo_kind_idx on public\.zoo$/m);
  assert.match(sql.out, /^-- HAZARD: DROP public\.ev_kind_idx on public\.ev \(not CONCURRENTLY: ACCESS EXCLUSIVE lock\)$/m);
  assert.match(sql.out, /^-- HAZARD: drops an index; pgindex apply runs this only with --allow-drop\n-- prune: the plan does not declare public\.zoo_kind_idx .*\nDROP INDEX CONCURRENTLY IF EXISTS public\.zoo_kind_idx;$/m);
  assert.match(sql.out, /^-- public\.zoo_pkey on public\.zoo: it backs the PRIMARY KEY constraint public\.zoo_pkey$/m);

  const explain = await runCli(['plan', 'plan.yaml', '-d', db.url, '--explain'], { cwd: dir });
  assert.equal(explain.code, 0, explain.err);
  assert.match(explain.out, /^Drops \(hazard: apply runs them only with --allow-drop\):\n {2}DROP public\.zoo_kind_idx on public\.zoo: prune: /m);
  assert.match(explain.out, /^ {2}DROP public\.ev_kind_idx on public\.ev \(not CONCURRENTLY: ACCESS EXCLUSIVE lock\): .*ACCESS EXCLUSIVE on public\.ev and on each partition/m);

  const md = await runCli(['plan', 'plan.yaml', '-d', db.url, '--format', 'markdown'], { cwd: dir });
  assert.equal(md.code, 0, md.err);
  assert.match(md.out, /^> \*\*⚠ drops \(3\)\*\*: indexes are dropped \(pruned, or replaced by a new definition\); `pgindex apply` runs them only with `--allow-drop`$/m);
  assert.match(md.out, /^> - `public\.zoo_name_kind_idx` on `public\.zoo`: prune: /m);
  assert.match(md.out, /^> - kept: `public\.zoo_pkey` on `public\.zoo`: it backs the PRIMARY KEY constraint/m);
});

test('apply without --allow-drop exits 1 before running anything, listing each drop', async () => {
  assert.deepEqual(await indexes(), BEFORE);
  const r = await runCli(['apply', 'plan.yaml', '-d', db.url], { cwd: dir });
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.err, /the plan drops 3 indexes; nothing was run \(apply with --allow-drop to run it\):/);
  assert.match(r.err, /^ {2}DROP public\.zoo_kind_idx on public\.zoo$/m);
  assert.match(r.err, /^ {2}DROP public\.zoo_name_kind_idx on public\.zoo$/m);
  assert.match(r.err, /^ {2}DROP public\.ev_kind_idx on public\.ev \(not CONCURRENTLY: ACCESS EXCLUSIVE lock\)$/m);
  // Not even the builds ran.
  assert.deepEqual(await indexes(), BEFORE);
});

test('apply --allow-drop removes exactly the undeclared indexes that no constraint needs', async () => {
  const r = await runCli(['apply', 'plan.yaml', '-d', db.url, '--allow-drop'], { cwd: dir });
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(await indexes(), [
    'ev_1_id_btree_idx',
    'ev_id_btree_idx',
    'untouched_a_idx',
    'zoo_code_key',
    'zoo_name_uniq',
    'zoo_no_overlap',
    'zoo_owner_id_btree_idx',
    'zoo_pkey',
    'zoo_status_idx',
  ]);
  // Planned again: nothing left to drop or build.
  const again = await runCli(['apply', 'plan.yaml', '-d', db.url], { cwd: dir });
  assert.equal(again.code, 0, again.out + again.err);
  assert.match(again.err, /nothing to do/);
});

test('a redefinition through apply: refused without --allow-drop (the old one is dropped), run with it', async () => {
  await db.query('create table redo (a int, b int); insert into redo select g, g from generate_series(1, 100) g; create index redo_named on redo (a)');
  writeFileSync(join(dir, 'redo.yaml'), ['version: 1', 'tables:', '  - name: redo', '    indexes:', '      - columns: [b]', '        name: redo_named', ''].join('\n'));
  const defs = async () =>
    (await db.query<{ def: string }>(`select pg_get_indexdef(indexrelid) as def from pg_index where indrelid = 'redo'::regclass order by 1`)).rows.map((r) => r.def);
  const refused = await runCli(['apply', 'redo.yaml', '-d', db.url], { cwd: dir });
  assert.equal(refused.code, 1, refused.out + refused.err);
  assert.match(refused.err, /^ {2}DROP public\.redo_named on public\.redo$/m);
  assert.deepEqual(await defs(), ['CREATE INDEX redo_named ON public.redo USING btree (a)']);
  const r = await runCli(['apply', 'redo.yaml', '-d', db.url, '--allow-drop'], { cwd: dir });
  assert.equal(r.code, 0, r.out + r.err);
  assert.deepEqual(await defs(), ['CREATE INDEX redo_named ON public.redo USING btree (b)']);
  // The summary says what the DROP and the rename did, under the name they acted on.
  assert.match(r.out, /^public\.redo_named_pgindex_new +public\.redo +btree .* done$/m);
  assert.match(r.out, /^public\.redo_named +public\.redo +btree .* dropped$/m);
  assert.match(r.out, /^public\.redo_named +public\.redo +btree .* renamed$/m);
});
