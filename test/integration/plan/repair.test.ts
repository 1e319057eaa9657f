/**
 * The diff against a live database: an INVALID leftover of a failed CONCURRENTLY build is dropped and
 * rebuilt; the planned name taken by another definition is an error showing both and nothing on
 * stdout; an interrupted partitioned roll-out is completed and its parent index ends valid. One table
 * of cases (cases.ts), each on a database of its own; the command-line usage errors, which plan
 * nothing, are a test of their own at the end.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';
import { planCases, type PlanCase } from './cases.js';

const ACCOUNTS = [
  'CREATE TABLE accounts (id integer, email text, name text)',
  "INSERT INTO accounts SELECT g, 'u' || (g % 500) || '@example.org', 'n' || g FROM generate_series(1, 1000) g",
  'ANALYZE accounts',
];
const TICKS = [
  'CREATE TABLE ticks (at timestamptz NOT NULL, v integer) PARTITION BY RANGE (at)',
  "CREATE TABLE ticks_a PARTITION OF ticks FOR VALUES FROM ('2024-01-01') TO ('2024-02-01')",
  "CREATE TABLE ticks_b PARTITION OF ticks FOR VALUES FROM ('2024-02-01') TO ('2024-03-01')",
  "CREATE TABLE ticks_c PARTITION OF ticks FOR VALUES FROM ('2024-03-01') TO ('2024-04-01')",
  "INSERT INTO ticks SELECT timestamptz '2024-01-01' + g * interval '1 hour', g FROM generate_series(1, 2000) g",
  'ANALYZE ticks',
];
/** The whole roll-out of ticks.v: the parent's ON ONLY index, then each partition's build and attach. */
const TICKS_ROLLOUT = [
  'CREATE INDEX ticks_v_btree_idx ON ONLY public.ticks USING btree (v)',
  'CREATE INDEX CONCURRENTLY ticks_a_v_btree_idx ON public.ticks_a USING btree (v)',
  'ALTER INDEX public.ticks_v_btree_idx ATTACH PARTITION public.ticks_a_v_btree_idx',
  'CREATE INDEX CONCURRENTLY ticks_b_v_btree_idx ON public.ticks_b USING btree (v)',
  'ALTER INDEX public.ticks_v_btree_idx ATTACH PARTITION public.ticks_b_v_btree_idx',
  'CREATE INDEX CONCURRENTLY ticks_c_v_btree_idx ON public.ticks_c USING btree (v)',
  'ALTER INDEX public.ticks_v_btree_idx ATTACH PARTITION public.ticks_c_v_btree_idx',
];
const TICKS_PLAN = 'version: 1\ntables:\n  - name: ticks\n    columns: [v]\n';
const NAME_BTREE = 'version: 1\ntables:\n  - name: accounts\n    columns:\n      - name: name\n        method: btree\n';

const cases: PlanCase[] = [
  {
    name: 'an INVALID leftover of a failed CREATE UNIQUE INDEX CONCURRENTLY is dropped, then built again',
    setup: [
      ...ACCOUNTS,
      { sql: 'CREATE UNIQUE INDEX CONCURRENTLY accounts_email_btree_uniq ON accounts (email)', fails: /could not create unique index/ },
      'DELETE FROM accounts WHERE id > 500',
    ],
    assume: ["NOT (SELECT indisvalid FROM pg_index WHERE indexrelid = 'accounts_email_btree_uniq'::regclass)"],
    plan: 'version: 1\ntables:\n  - name: accounts\n    columns:\n      - name: email\n        unique: true\n',
    statements: [
      'DROP INDEX CONCURRENTLY IF EXISTS public.accounts_email_btree_uniq',
      'CREATE UNIQUE INDEX CONCURRENTLY accounts_email_btree_uniq ON public.accounts USING btree (email)',
    ],
    columns: ['accounts.email: rebuild btree (unique → btree (the only method with unique indexes); INVALID index accounts_email_btree_uniq was left by an interrupted build)'],
    applied: { valid: ['accounts_email_btree_uniq'] },
    more({ doc, script }) {
      assert.deepEqual(
        doc?.statements.map((s) => [s.action, s.dependsOn]),
        [
          ['drop-invalid', []],
          ['create', ['drop-invalid:public.accounts_email_btree_uniq']],
        ],
      );
      assert.match(script, /-- INVALID index accounts_email_btree_uniq was left by an interrupted build: drop it before building again\nDROP INDEX CONCURRENTLY IF EXISTS public\.accounts_email_btree_uniq;\n/);
    },
  },
  {
    name: 'the planned name taken by another definition is an error showing both definitions; stdout stays empty',
    setup: [...ACCOUNTS, 'CREATE INDEX accounts_name_btree_idx ON accounts USING hash (name)'],
    plan: NAME_BTREE,
    error: [
      'pgindex plan: an index name is already taken by indexes with other definitions; nothing was run.',
      'plan.yaml:5:15: index public.accounts_name_btree_idx already exists with another definition (method hash, planned btree)',
      '  existing: CREATE INDEX accounts_name_btree_idx ON public.accounts USING hash (name)',
      '  planned:  CREATE INDEX CONCURRENTLY accounts_name_btree_idx ON public.accounts USING btree (name)',
      'Rename or drop the existing index (or change the plan), then plan again.',
    ].join('\n'),
  },
  {
    name: "a relation outside the plan's tables holding the planned name is a conflict too",
    setup: [...ACCOUNTS, 'CREATE SEQUENCE accounts_id_btree_idx'],
    plan: 'version: 1\ntables:\n  - name: accounts\n    columns: [id]\n',
    error: [
      "pgindex plan: planned index names are taken by relations outside the plan's tables; nothing was run.",
      '  public.accounts_id_btree_idx is already a sequence',
      'Index names share their schema with tables, sequences and views: rename or drop the relation, then plan again.',
    ].join('\n'),
  },
  {
    name: 'another name for an index of another definition is no conflict',
    setup: [...ACCOUNTS, 'CREATE INDEX accounts_name_hash ON accounts USING hash (name)'],
    plan: NAME_BTREE,
    statements: ['CREATE INDEX CONCURRENTLY accounts_name_btree_idx ON public.accounts USING btree (name)'],
  },
  {
    name: 'a partitioned table is rolled out online: ON ONLY the parent, each partition built concurrently and attached; the parent ends valid',
    setup: TICKS,
    plan: TICKS_PLAN,
    statements: TICKS_ROLLOUT,
    applied: { valid: ['ticks_v_btree_idx'] },
  },
  {
    name: 'an interrupted partitioned roll-out is completed: attached partitions are left alone, the parent ends valid',
    // Only the parent's ON ONLY index and the first partition's build and attach ran, as if interrupted.
    setup: [...TICKS, ...TICKS_ROLLOUT.slice(0, 3)],
    assume: ["NOT (SELECT indisvalid FROM pg_index WHERE indexrelid = 'ticks_v_btree_idx'::regclass)"],
    plan: TICKS_PLAN,
    statements: TICKS_ROLLOUT.slice(3),
    columns: ['ticks.v: rebuild btree (integer → btree; completes the unfinished partitioned index ticks_v_btree_idx: 2 partition index(es) to build, 2 to attach)'],
    applied: { valid: ['ticks_v_btree_idx'] },
  },
  {
    name: 'an INVALID partitioned index whose partitions are all attached (the one missing was detached) is repaired: one partition index attached again, the parent ends valid',
    setup: [...TICKS, ...TICKS_ROLLOUT.slice(0, 5), 'ALTER TABLE ticks DETACH PARTITION ticks_c'],
    assume: ["NOT (SELECT indisvalid FROM pg_index WHERE indexrelid = 'ticks_v_btree_idx'::regclass)"],
    plan: TICKS_PLAN,
    statements: ['ALTER INDEX public.ticks_v_btree_idx ATTACH PARTITION public.ticks_a_v_btree_idx'],
    columns: ['ticks.v: attach btree (integer → btree; completes the unfinished partitioned index ticks_v_btree_idx: 0 partition index(es) to build, 1 to attach)'],
    applied: { valid: ['ticks_v_btree_idx'] },
  },
  {
    name: '--explain prints an aligned table per table on stdout; notes go to stderr; analyze: true analyzes first',
    setup: [
      'CREATE TABLE fresh (id integer, tags text[], flag boolean, body json)',
      "INSERT INTO fresh SELECT g, ARRAY['t' || (g % 3)], g % 2 = 0, '{}' FROM generate_series(1, 3000) g",
    ],
    plan: 'version: 1\nanalyze: true\ntables:\n  - name: fresh\n    columns: all\n',
    notes: ['analyzed 1 table that had no statistics: public.fresh'],
    statements: ['CREATE INDEX CONCURRENTLY fresh_id_btree_idx ON public.fresh USING btree (id)', 'CREATE INDEX CONCURRENTLY fresh_tags_gin_idx ON public.fresh USING gin (tags)'],
    columns: [
      'fresh.id: create btree (integer → btree)',
      'fresh.tags: create gin (text[] → gin)',
      'fresh.flag: skip - (boolean: too few distinct values for an index to pay off)',
      'fresh.body: skip - (json has no operator class for any index method)',
    ],
    async more({ plan }) {
      const r = await plan(['--explain']);
      assert.equal(r.code, 0, r.err);
      assert.doesNotMatch(r.out, /analyzed|connected/);
      const lines = r.out.split('\n');
      assert.match(lines[0] ?? '', /^public\.fresh \(3,000 rows, \d+ pages, \d+ kB\)$/);
      assert.match(lines[1] ?? '', /^ {2}column +type +action +method +opclass +index +reason$/);
      const at = (lines[1] ?? '').indexOf('action');
      for (const l of lines.slice(2, 6)) assert.match(l.slice(at), /^(create|skip|exists) /, l);
      assert.match(r.out, /\n {2}tags +text\[\] +create +gin /);
      assert.match(r.out, /\n {2}flag +boolean +skip /);
      assert.match(r.out, /\n {2}body +json +skip /);
      assert.match(r.out, /statements? pending/);
    },
  },
  {
    name: 'a table that does not exist is a problem at its line',
    plan: 'version: 1\ntables:\n  - name: nope\n    columns: [x]\n',
    problems: ['plan.yaml:3:11: table "nope" does not exist (looked in search_path: public; write schema.table for another schema)'],
  },
  {
    name: 'a `where` the server rejects is a problem at its line',
    setup: ACCOUNTS,
    plan: 'version: 1\ntables:\n  - name: accounts\n    columns:\n      - name: id\n        where: no_such_column > 0\n',
    problems: ['plan.yaml:5:15: where: no_such_column > 0: column "no_such_column" does not exist'],
  },
  {
    name: 'a wrong password fails with exit 1 and a clear message, without the password',
    setup: ACCOUNTS,
    as: { password: 'wrong-secret' },
    plan: 'version: 1\ntables:\n  - name: accounts\n    columns: [id]\n',
    error: /cannot connect/,
  },
  {
    name: 'without the TEMP privilege the predicate cannot be checked on the server: a note on stderr, and the plan still comes out',
    // The role owns its table (CREATE INDEX needs that) but may not create temporary tables.
    setup: [
      "CREATE ROLE {db}_notemp LOGIN PASSWORD 'notemp-secret'",
      'REVOKE TEMP ON DATABASE {db} FROM PUBLIC',
      'CREATE TABLE notemp (id int)',
      'ALTER TABLE notemp OWNER TO {db}_notemp',
    ],
    teardown: ['DROP OWNED BY {db}_notemp', 'DROP ROLE {db}_notemp'],
    as: { user: '{db}_notemp', password: 'notemp-secret' },
    plan: 'version: 1\ntables:\n  - name: notemp\n    columns:\n      - name: id\n        where: id > 0\n',
    notes: [/^note: could not check the predicate of public\.notemp on the server \(permission denied[^)]*\); it is written into the statements as given and compared with existing indexes as text$/],
    statements: ['CREATE INDEX CONCURRENTLY notemp_id_btree_idx ON public.notemp USING btree (id) WHERE id > 0'],
    warnings: ['table public.notemp was never analyzed; statistics rules were not applied (set analyze: true)'],
  },
];

planCases('pgindex_repair', cases);

let db: TestDatabase;
let dir: string;
before(async () => {
  db = await testDatabase('pgindex_repair');
  dir = mkdtempSync(join(tmpdir(), 'pgindex-repair-'));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

test('usage errors fail with exit 1 and a clear message', async () => {
  const plan = join(dir, 'usage.yaml');
  writeFileSync(plan, 'version: 1\ntables:\n  - name: accounts\n    columns: [id]\n');
  const badFormat = await runCli(['plan', plan, '-d', db.url, '--format', 'yaml']);
  assert.equal(badFormat.code, 1);
  assert.match(badFormat.err, /--format must be sql, json or markdown/);
  const both = await runCli(['plan', plan, '-d', db.url, '--format', 'json', '--explain']);
  assert.equal(both.code, 1);
  const noFile = await runCli(['plan', '-d', db.url]);
  assert.match(noFile.err, /name a plan file/);
});
