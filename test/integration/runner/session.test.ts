/**
 * Session against a real server: one connection however many callers need it at once, none after
 * close(), one statement per query.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { Session, SessionClosedError } from '../../../src/runner/session.js';

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

test('callers querying at the same time are served one after another, in order, without a pg deprecation warning', async () => {
  const { s } = session();
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    await s.ensureOpen();
    // A statement that fails in the middle must not stop the ones queued behind it.
    const all = Array.from({ length: 12 }, (_, i) =>
      i === 5 ? s.query('select 1/0').then(() => -1, () => -5) : s.query<{ i: number }>('select $1::int as i, pg_sleep(0.002)', [i]).then((r) => r.rows[0]?.i ?? -1),
    );
    const order: number[] = [];
    await Promise.all(all.map((p) => p.then((v) => order.push(v))));
    assert.deepEqual(order, [0, 1, 2, 3, 4, -5, 6, 7, 8, 9, 10, 11]);
    // Let a warning emitted on the last query reach the listener.
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
    await s.close();
  }
  assert.deepEqual(warnings.filter((w) => /DeprecationWarning|already executing a query/.test(w)), []);
});

test('setAll sends only the settings the session does not have yet, in one statement, and again after a reconnect', async () => {
  const { s, app } = session();
  try {
    await s.ensureOpen();
    await s.setAll({ maintenance_work_mem: '64MB', max_parallel_maintenance_workers: '1' });
    const read = async () =>
      (await s.query<{ m: string; w: string }>("select current_setting('maintenance_work_mem') as m, current_setting('max_parallel_maintenance_workers') as w")).rows[0];
    assert.deepEqual({ ...(await read()) }, { m: '64MB', w: '1' });
    // The same values again: nothing is sent (a statement would show as the session's last query).
    const before = (await db.query<{ query: string }>('select query from pg_stat_activity where application_name = $1', [app])).rows[0]?.query;
    await s.setAll({ maintenance_work_mem: '64MB', max_parallel_maintenance_workers: '1' });
    const after = (await db.query<{ query: string }>('select query from pg_stat_activity where application_name = $1', [app])).rows[0]?.query;
    assert.equal(after, before, 'no statement was sent for settings the session already has');
    await s.setAll({ maintenance_work_mem: '32MB', max_parallel_maintenance_workers: '1' });
    const changed = (await db.query<{ query: string }>('select query from pg_stat_activity where application_name = $1', [app])).rows[0]?.query;
    assert.equal(changed, 'select set_config($1, $2, false)', 'only the changed setting, as a parameter');
    assert.deepEqual({ ...(await read()) }, { m: '32MB', w: '1' });
    // A reconnect starts from the server's defaults: the session sets them again.
    await db.query('select pg_terminate_backend($1)', [s.pid]);
    s.markLost();
    await s.ensureOpen();
    await s.setAll({ maintenance_work_mem: '32MB', max_parallel_maintenance_workers: '1' });
    assert.deepEqual({ ...(await read()) }, { m: '32MB', w: '1' });
  } finally {
    await s.close();
  }
});
