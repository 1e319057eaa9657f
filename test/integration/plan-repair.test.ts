/**
 * The diff against a live database: an INVALID leftover of a failed CONCURRENTLY build is dropped and
 * rebuilt; the planned name taken by another definition is an error showing both and nothing on
 * stdout; an interrupted partitioned roll-out is completed and its parent index ends valid.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { runCli } from './plan-support.js';

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

function planFile(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

function psql(sql: string): void {
  const file = join(dir, `script-${Math.random().toString(16).slice(2)}.sql`);
  writeFileSync(file, sql);
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db.url, '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
}

async function indexState(name: string): Promise<{ valid: boolean; def: string } | undefined> {
  const { rows } = await db.query<{ valid: boolean; def: string }>(
    `SELECT i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1`,
    [name],
  );
  return rows[0];
}

test('an INVALID leftover of a failed CREATE UNIQUE INDEX CONCURRENTLY is dropped, then built again', async () => {
  await db.query(`CREATE TABLE accounts (id integer, email text, name text)`);
  await db.query(`INSERT INTO accounts SELECT g, 'u' || (g % 500) || '@example.org', 'n' || g FROM generate_series(1, 1000) g`);
  await db.query('ANALYZE accounts');
  await assert.rejects(db.query('CREATE UNIQUE INDEX CONCURRENTLY accounts_email_btree_uniq ON accounts (email)'), /could not create unique index/);
  assert.equal((await indexState('accounts_email_btree_uniq'))?.valid, false);
  await db.query('DELETE FROM accounts WHERE id > 500');

  const plan = planFile('unique.yaml', 'version: 1\ntables:\n  - name: accounts\n    columns:\n      - name: email\n        unique: true\n');
  const json = await runCli(['plan', plan, '-d', db.url, '--format', 'json']);
  assert.equal(json.code, 0, json.err);
  const doc = JSON.parse(json.out) as { statements: { id: string; action: string; dependsOn: string[]; sql: string }[]; columns: { action: string }[] };
  assert.deepEqual(
    doc.statements.map((s) => [s.action, s.sql, s.dependsOn]),
    [
      ['drop-invalid', 'DROP INDEX CONCURRENTLY IF EXISTS public.accounts_email_btree_uniq', []],
      ['create', 'CREATE UNIQUE INDEX CONCURRENTLY accounts_email_btree_uniq ON public.accounts USING btree (email)', ['drop-invalid:public.accounts_email_btree_uniq']],
    ],
  );
  assert.equal(doc.columns[0]?.action, 'rebuild');

  const sql = await runCli(['plan', plan, '-d', db.url, '--detailed-exitcode']);
  assert.equal(sql.code, 2);
  assert.match(sql.out, /-- INVALID index accounts_email_btree_uniq was left by an interrupted build: drop it before building again\nDROP INDEX CONCURRENTLY IF EXISTS public\.accounts_email_btree_uniq;\n/);
  psql(sql.out);
  assert.equal((await indexState('accounts_email_btree_uniq'))?.valid, true);
  const again = await runCli(['plan', plan, '-d', db.url, '--detailed-exitcode']);
  assert.equal(again.code, 0, again.out);
});

test('the planned name taken by another definition is an error showing both definitions; stdout stays empty', async () => {
  await db.query('CREATE INDEX accounts_name_btree_idx ON accounts USING hash (name)');
  const plan = planFile('conflict.yaml', 'version: 1\ntables:\n  - name: accounts\n    columns:\n      - name: name\n        method: btree\n');
  const r = await runCli(['plan', plan, '-d', db.url, '--detailed-exitcode']);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /conflict\.yaml:5:\d+: index public\.accounts_name_btree_idx already exists with another definition \(method hash, planned btree\)/);
  assert.match(r.err, /existing: CREATE INDEX accounts_name_btree_idx ON public\.accounts USING hash \(name\)/);
  assert.match(r.err, /planned: {2}CREATE INDEX CONCURRENTLY accounts_name_btree_idx ON public\.accounts USING btree \(name\)/);
  assert.match(r.err, /nothing was run/);
  assert.doesNotMatch(r.err, /pgindex-test/, 'never the password');
  // A relation outside the plan's tables holding the name is caught too.
  await db.query('CREATE SEQUENCE accounts_id_btree_idx');
  const seq = await runCli(['plan', planFile('seq.yaml', 'version: 1\ntables:\n  - name: accounts\n    columns: [id]\n'), '-d', db.url]);
  assert.equal(seq.code, 1);
  assert.match(seq.err, /public\.accounts_id_btree_idx is already a sequence/);
  await db.query('DROP SEQUENCE accounts_id_btree_idx');
  // Another name for an index of another definition is no conflict.
  await db.query('ALTER INDEX accounts_name_btree_idx RENAME TO accounts_name_hash');
  const ok = await runCli(['plan', plan, '-d', db.url, '--detailed-exitcode']);
  assert.equal(ok.code, 2, ok.err);
});

test('an interrupted partitioned roll-out is completed: attached partitions are left alone, the parent ends valid', async () => {
  await db.query(`CREATE TABLE ticks (at timestamptz NOT NULL, v integer) PARTITION BY RANGE (at)`);
  for (const [name, from, to] of [['ticks_a', '2024-01-01', '2024-02-01'], ['ticks_b', '2024-02-01', '2024-03-01'], ['ticks_c', '2024-03-01', '2024-04-01']]) {
    await db.query(`CREATE TABLE ${name} PARTITION OF ticks FOR VALUES FROM ('${from}') TO ('${to}')`);
  }
  await db.query(`INSERT INTO ticks SELECT timestamptz '2024-01-01' + g * interval '1 hour', g FROM generate_series(1, 2000) g`);
  await db.query('ANALYZE ticks');
  const plan = planFile('ticks.yaml', 'version: 1\ntables:\n  - name: ticks\n    columns: [v]\n');
  const full = await runCli(['plan', plan, '-d', db.url]);
  assert.equal(full.code, 0, full.err);
  // Run only the parent's ON ONLY index and the first partition's build and attach, as if interrupted.
  const statements = full.out.split('\n').filter((l) => /^(CREATE|ALTER)/.test(l));
  assert.equal(statements.length, 7);
  psql(statements.slice(0, 3).join('\n') + '\n');
  assert.equal((await indexState('ticks_v_btree_idx'))?.valid, false);

  const rest = await runCli(['plan', plan, '-d', db.url, '--format', 'json']);
  const doc = JSON.parse(rest.out) as { statements: { sql: string }[]; columns: { action: string; reason: string }[] };
  assert.deepEqual(doc.statements.map((s) => s.sql), [
    'CREATE INDEX CONCURRENTLY ticks_b_v_btree_idx ON public.ticks_b USING btree (v)',
    'ALTER INDEX public.ticks_v_btree_idx ATTACH PARTITION public.ticks_b_v_btree_idx',
    'CREATE INDEX CONCURRENTLY ticks_c_v_btree_idx ON public.ticks_c USING btree (v)',
    'ALTER INDEX public.ticks_v_btree_idx ATTACH PARTITION public.ticks_c_v_btree_idx',
  ]);
  assert.equal(doc.columns[0]?.action, 'rebuild');
  assert.match(doc.columns[0]?.reason ?? '', /completes the unfinished partitioned index ticks_v_btree_idx: 2 partition index\(es\) to build, 2 to attach/);
  psql((await runCli(['plan', plan, '-d', db.url])).out);
  assert.equal((await indexState('ticks_v_btree_idx'))?.valid, true);
  assert.equal((await runCli(['plan', plan, '-d', db.url, '--detailed-exitcode'])).code, 0);
});

test('--explain prints an aligned table per table on stdout; notes go to stderr; analyze: true analyzes first', async () => {
  await db.query(`CREATE TABLE fresh (id integer, tags text[], flag boolean, body json)`);
  await db.query(`INSERT INTO fresh SELECT g, ARRAY['t' || (g % 3)], g % 2 = 0, '{}' FROM generate_series(1, 3000) g`);
  const plan = planFile('explain.yaml', 'version: 1\nanalyze: true\ntables:\n  - name: fresh\n    columns: all\n');
  const r = await runCli(['plan', plan, '-d', db.url, '--explain']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /analyzed 1 table/);
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
});

test('usage errors and a wrong password fail with exit 1 and a clear message', async () => {
  const plan = planFile('usage.yaml', 'version: 1\ntables:\n  - name: accounts\n    columns: [id]\n');
  const badFormat = await runCli(['plan', plan, '-d', db.url, '--format', 'yaml']);
  assert.equal(badFormat.code, 1);
  assert.match(badFormat.err, /--format must be sql or json/);
  const both = await runCli(['plan', plan, '-d', db.url, '--format', 'json', '--explain']);
  assert.equal(both.code, 1);
  const noFile = await runCli(['plan', '-d', db.url]);
  assert.match(noFile.err, /name a plan file/);
  const url = new URL(db.url);
  url.password = 'wrong-secret';
  const denied = await runCli(['plan', plan, '-d', url.toString()]);
  assert.equal(denied.code, 1);
  assert.match(denied.err, /cannot connect/);
  assert.doesNotMatch(denied.err, /wrong-secret/);
  const missing = await runCli(['plan', planFile('missing.yaml', 'version: 1\ntables:\n  - name: nope\n    columns: [x]\n'), '-d', db.url]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /missing\.yaml:3:\d+: table "nope" does not exist/);
  const badWhere = await runCli(['plan', planFile('where.yaml', 'version: 1\ntables:\n  - name: accounts\n    columns:\n      - name: id\n        where: no_such_column > 0\n'), '-d', db.url]);
  assert.equal(badWhere.code, 1);
  assert.match(badWhere.err, /where\.yaml:5:\d+: where: no_such_column > 0: column "no_such_column" does not exist/);
});

test('without the TEMP privilege the predicate cannot be checked on the server: a note on stderr, and the plan still comes out', async () => {
  const role = `${db.name}_notemp`;
  await db.query(`CREATE ROLE ${role} LOGIN PASSWORD 'notemp-secret'`);
  try {
    // The role owns its table (CREATE INDEX needs that) but may not create temporary tables.
    await db.query(`REVOKE TEMP ON DATABASE ${db.name} FROM PUBLIC; CREATE TABLE notemp (id int); ALTER TABLE notemp OWNER TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = 'notemp-secret';
    const plan = planFile('notemp.yaml', 'version: 1\ntables:\n  - name: notemp\n    columns:\n      - name: id\n        where: id > 0\n');
    const r = await runCli(['plan', plan, '-d', url.toString()]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /note: could not check the predicate of public\.notemp on the server \(permission denied[^)]*\); it is written into the statements as given/);
    assert.match(r.out, /\nCREATE INDEX CONCURRENTLY notemp_id_btree_idx ON public\.notemp USING btree \(id\) WHERE id > 0;\n/);
  } finally {
    await db.query(`GRANT TEMP ON DATABASE ${db.name} TO PUBLIC; DROP OWNED BY ${role}; DROP ROLE ${role}`);
  }
});
