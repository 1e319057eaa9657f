/**
 * The leading SETs of a SQL file reach every session of `pgindex run`, in one DO block inside the
 * connect's one message (src/runner/session-setup.ts), or each alone where the block cannot run (no
 * plpgsql in the database): either way the statements run with them (PostgreSQL 18, and 15 with
 * PGINDEX_TEST_PG_BIN).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';
import { prepareScript } from '../../../src/script/prepare.js';
import { parseScript } from '../../../src/script/load.js';

const dbs: TestDatabase[] = [];
const dir = mkdtempSync(join(tmpdir(), 'pgindex-header-'));

after(async () => {
  for (const db of dbs) await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

// Two statements that read the settings, on whichever sessions run them.
const SQL = `SET work_mem = '7MB';
SET statement_timeout = '1h';
SELECT pg_catalog.set_config('search_path', 'app, public', false);
create table app.probe_a as select current_setting('work_mem') as w, current_setting('statement_timeout') as s, current_schema() as c;
create table app.probe_b as select current_setting('work_mem') as w, current_setting('statement_timeout') as s, current_schema() as c;
`;

/** What every session runs for the file's leading settings. */
async function sessionSetup(db: TestDatabase): Promise<string[]> {
  const prepared = await prepareScript({ script: parseScript(SQL, 'x.sql'), dbFlag: db.url, env: {} });
  return prepared.sessionSetup;
}

async function runIn(db: TestDatabase): Promise<string[][]> {
  await db.query('create schema app');
  const file = join(dir, `${dbs.length}.sql`);
  writeFileSync(file, SQL);
  const r = await runCli(['run', '-y', '-j', '2', '-d', db.url, file], { cwd: dir, env: {} });
  assert.equal(r.code, 0, r.err);
  const { rows } = await db.query<{ w: string; s: string; c: string }>('select w, s, c from app.probe_a union all select w, s, c from app.probe_b');
  return rows.map((row) => [row.w, row.s, row.c]);
}

const AS_WRITTEN = ["SET work_mem = '7MB'", "SET statement_timeout = '1h'", "SELECT pg_catalog.set_config('search_path', 'app, public', false)"];

test('the leading settings hold on the sessions', async () => {
  const db = await testDatabase();
  dbs.push(db);
  assert.deepEqual(await sessionSetup(db), AS_WRITTEN);
  assert.deepEqual(await runIn(db), [
    ['7MB', '1h', 'app'],
    ['7MB', '1h', 'app'],
  ]);
});

test('without plpgsql the block cannot run: the settings are sent each alone, and hold the same', async () => {
  const db = await testDatabase();
  dbs.push(db);
  await db.query('drop extension plpgsql');
  assert.deepEqual(await sessionSetup(db), AS_WRITTEN);
  assert.deepEqual(await runIn(db), [
    ['7MB', '1h', 'app'],
    ['7MB', '1h', 'app'],
  ]);
});
