/**
 * Session against a real server: one connection however many callers need it at once, none after
 * close(), one statement per query; its settings sent once, in as few messages as it can.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { Session, SessionClosedError } from '../../../src/runner/session.js';
import { SqlError } from '../../../src/errors.js';
import { applicationName, Preconnected } from '../../../src/db/preconnect.js';
import { SetupError, setupMessage } from '../../../src/db/session-setup.js';

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
  return { s: new Session(1, { connectionString: db.url, application_name: app }, { own: ["SET lock_timeout = '1s'"], written: [], order: 'own-first' }), app };
}

async function backends(app: string): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1 order by pid', [app]);
  return rows.map((r) => r.pid);
}

/** Waits (up to 20 s, for a busy machine) until `count` backends have that application_name. */
async function backendsBecome(app: string, count: number): Promise<void> {
  for (let i = 0; i < 2000 && (await backends(app)).length !== count; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal((await backends(app)).length, count, `${app}: ${count} backends`);
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

async function lastQuery(app: string): Promise<string | undefined> {
  return (await db.query<{ query: string }>('select query from pg_stat_activity where application_name = $1', [app])).rows[0]?.query;
}

test("a connect's own SETs, a SQL file's SETs (one DO block, before or after them) and the read of the backend pid are one message", async () => {
  const app = `pgindex-session-test/${++seq}`;
  const own = ["SET lock_timeout = '1s'", "SET statement_timeout = '7s'"];
  const written = ["SET lock_timeout = '2s'"];
  const first = new Session(1, { connectionString: db.url, application_name: app }, { own, written: [], order: 'own-first' });
  try {
    await first.ensureOpen();
    assert.equal(await lastQuery(app), `${own.join(';\n')};\nselect pg_backend_pid() as pid`);
    assert.deepEqual([first.pid], await backends(app));
  } finally {
    await first.close();
  }
  const read = async (s: Session) => (await s.query<{ l: string; st: string }>("select current_setting('lock_timeout') as l, current_setting('statement_timeout') as st")).rows[0];
  for (const [order, lock] of [['own-first', '2s'], ['written-first', '1s']] as const) {
    const s = new Session(1, { connectionString: db.url, application_name: app }, { own, written, order });
    try {
      await s.ensureOpen();
      assert.equal(await lastQuery(app), setupMessage({ own, written, order }));
      assert.deepEqual({ ...(await read(s)) }, { l: lock, st: '7s' }, `${order}: the later one wins`);
    } finally {
      await s.close();
    }
  }
});

test('a setting the server refuses at connect is named in the error', async () => {
  const app = `pgindex-session-test/${++seq}`;
  const bad = "SET lock_timeout = 'soon'";
  const s = new Session(1, { connectionString: db.url, application_name: app }, { own: ["SET statement_timeout = '7s'", bad], written: [], order: 'own-first' });
  try {
    await assert.rejects(s.ensureOpen(), (e: unknown) => {
      assert.ok(e instanceof SqlError, String(e));
      assert.equal(e.sql, bad);
      assert.equal(e.sqlstate, '22023');
      return true;
    });
  } finally {
    await s.close();
  }
  assert.deepEqual(await backends(app), []);
});

test("a SQL file's setting the server refuses is named with its index; the block fails whole, so none before it holds", async () => {
  const app = `pgindex-session-test/${++seq}`;
  const written = ["SET work_mem = '7MB'", "SET lock_timeout = 'soon'"];
  const s = new Session(1, { connectionString: db.url, application_name: app }, { own: [], written, order: 'own-first' });
  try {
    await assert.rejects(s.ensureOpen(), (e: unknown) => {
      assert.ok(e instanceof SetupError, String(e));
      assert.equal(e.sql, written[1]);
      assert.equal(e.writtenIndex, 1);
      assert.equal(e.sqlstate, '22023');
      return true;
    });
  } finally {
    await s.close();
  }
  assert.deepEqual(await backends(app), []);
});

test('connections opened ahead are taken by their sessions (one backend each, no second connect); one the server closed meanwhile is replaced; the rest are closed', async () => {
  const runId = `ahead${++seq}`;
  const ahead = new Preconnected(runId, { connectionString: db.url }, 2);
  const s1 = new Session(1, { connectionString: db.url, application_name: applicationName(runId, 1) }, { own: ["SET lock_timeout = '1s'"], written: [], order: 'own-first' }, ahead.take(1));
  try {
    // Wait until the three opened ahead (the control connection, sessions 1 and 2) are there.
    for (const n of ['control', 1, 2] as const) await backendsBecome(applicationName(runId, n), 1);
    const [pid1] = await backends(applicationName(runId, 1));
    const [pid2] = await backends(applicationName(runId, 2));
    assert.ok(pid1 !== undefined && pid2 !== undefined);
    await s1.ensureOpen();
    assert.equal(s1.pid, pid1);
    assert.deepEqual(await backends(applicationName(runId, 1)), [pid1]);
    // The server ends the one of session 2 before it is taken: the session opens another.
    await db.query('select pg_terminate_backend($1)', [pid2]);
    await backendsBecome(applicationName(runId, 2), 0);
    const s2Ahead = new Session(2, { connectionString: db.url, application_name: applicationName(runId, 2) }, { own: [], written: [], order: 'own-first' }, ahead.take(2));
    try {
      await s2Ahead.ensureOpen();
      assert.ok(s2Ahead.pid !== null && s2Ahead.pid !== pid2);
      assert.deepEqual((await s2Ahead.query<{ one: number }>('select 1 as one')).rows, [{ one: 1 }]);
    } finally {
      await s2Ahead.close();
    }
  } finally {
    await Promise.all([s1.close(), ahead.close()]);
  }
  for (const n of ['control', 1, 2] as const) await backendsBecome(applicationName(runId, n), 0);
});

test('queryMessage sends the settings the session lacks in front of the text, takes them back with a failed message, and counts positions from the text', async () => {
  const { s, app } = session();
  const read = async () => (await s.query<{ m: string }>("select current_setting('maintenance_work_mem') as m")).rows[0]?.m;
  try {
    await s.ensureOpen();
    const results = await s.queryMessage('select 1 as x;\nselect 2 as y', { maintenance_work_mem: '40MB' });
    assert.deepEqual(
      results.map((r) => r.rows),
      [[{ x: 1 }], [{ y: 2 }]],
      "the text's own results only",
    );
    assert.equal(await lastQuery(app), "select set_config('maintenance_work_mem', '40MB', false);\nselect 1 as x;\nselect 2 as y", 'one message');
    assert.equal(await read(), '40MB');
    // The session has it: the message is the text alone, and the setting holds.
    await s.queryMessage('select 3 as z', { maintenance_work_mem: '40MB' });
    assert.equal(await lastQuery(app), 'select 3 as z');
    assert.equal(await read(), '40MB');
    // A message that fails takes its setting back with it, and reports its position in the text.
    const text = 'select 4;\nselect no_such_column';
    await assert.rejects(s.queryMessage(text, { maintenance_work_mem: '41MB' }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, '42703');
      assert.equal(Number((e as { position?: string }).position), text.indexOf('no_such_column') + 1);
      return true;
    });
    assert.equal(await read(), '40MB', 'rolled back with the message');
    // So it is sent again next time.
    await s.queryMessage('select 5 as v', { maintenance_work_mem: '41MB' });
    assert.equal(await read(), '41MB');
    // setAll knows what a message set, and the other way round.
    await s.setAll({ maintenance_work_mem: '41MB' });
    assert.equal(await lastQuery(app), "select current_setting('maintenance_work_mem') as m", 'setAll sent nothing');
    await s.setAll({ maintenance_work_mem: '42MB' });
    await s.queryMessage('select 6 as w', { maintenance_work_mem: '42MB' });
    assert.equal(await lastQuery(app), 'select 6 as w');
    assert.equal(await read(), '42MB');
  } finally {
    await s.close();
  }
});
