/**
 * Session against a real server: one connection however many callers need it at once, none after
 * close(), one statement per query.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabase, type TestDatabase } from '../support/db.js';
import { Session, SessionClosedError } from '../../src/runner/session.js';

let db: TestDatabase;
before(async () => {
  db = await testDatabase();
});
after(async () => {
  await db?.drop();
});

let seq = 0;
function session(): { s: Session; app: string } {
  const app = `pgindex-session-test/${++seq}`;
  return { s: new Session(1, { connectionString: db.url, application_name: app }, ["SET lock_timeout = '1s'"]), app };
}

async function backends(app: string): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1 order by pid', [app]);
  return rows.map((r) => r.pid);
}

test('callers that need the session at the same time share one connection, also after it was lost', async () => {
  const { s, app } = session();
  try {
    await Promise.all([s.ensureOpen(), s.ensureOpen(), s.ensureOpen()]);
    const first = await backends(app);
    assert.equal(first.length, 1);
    assert.deepEqual([s.pid], first);
    await db.query('select pg_terminate_backend($1)', [s.pid]);
    s.markLost();
    await Promise.all([s.ensureOpen(), s.ensureOpen(), s.ensureOpen()]);
    const second = await backends(app);
    assert.equal(second.length, 1, `one connection, saw ${second.length}`);
    assert.notEqual(second[0], first[0]);
    assert.deepEqual([s.pid], second);
    const { rows } = await s.query<{ v: string }>("select current_setting('lock_timeout') as v");
    assert.equal(rows[0]?.v, '1s', 'the settings are applied again on reconnect');
  } finally {
    await s.close();
  }
  assert.deepEqual(await backends(app), []);
});

test('close() during a connect ends that connection too, and nothing opens one afterwards', async () => {
  const { s, app } = session();
  const opening = s.ensureOpen();
  await s.close();
  await opening.then(
    () => assert.fail('a connect that close() overtook must not succeed'),
    (e: unknown) => assert.ok(e instanceof SessionClosedError, String(e)),
  );
  await assert.rejects(s.ensureOpen(), SessionClosedError);
  assert.deepEqual(await backends(app), []);
});

test('a query carries exactly one statement', async () => {
  const { s } = session();
  try {
    await s.ensureOpen();
    await db.query('create table kept (a int)');
    await assert.rejects(s.query('select 1; drop table kept'), (e: unknown) => {
      assert.equal((e as { code?: string }).code, '42601');
      return true;
    });
    const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_class where relname = 'kept'");
    assert.equal(rows[0]?.n, 1);
  } finally {
    await s.close();
  }
});
