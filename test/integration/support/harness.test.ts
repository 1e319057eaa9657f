import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;
before(async () => {
  db = await testDatabase();
});
after(async () => {
  await db?.drop();
});

test('the harness gives each test file its own database on a real server', async () => {
  const { rows } = await db.query<{ db: string; v: number }>(
    "select current_database() as db, current_setting('server_version_num')::int as v",
  );
  assert.equal(rows[0]?.db, db.name);
  assert.ok((rows[0]?.v ?? 0) >= 150000, `server version ${rows[0]?.v} is at least 15`);
});
