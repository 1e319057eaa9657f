import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { acquireRunLock, RunLockedError } from '../../../src/db/run-lock.js';

let db: TestDatabase;
let other: TestDatabase;
before(async () => {
  db = await testDatabase();
  other = await testDatabase();
});
after(async () => {
  await db?.drop();
  await other?.drop();
});

test('a second run refuses at once, naming the holder; the lock is free again once released', async () => {
  const first = await acquireRunLock({ connectionString: db.url }, { waitMs: 0, applicationName: 'pgindex/test/lock' });
  try {
    await assert.rejects(acquireRunLock({ connectionString: db.url }, { waitMs: 0 }), (err: unknown) => {
      assert.ok(err instanceof RunLockedError, String(err));
      assert.equal(err.holder?.pid, first.pid);
      assert.equal(err.holder?.applicationName, 'pgindex/test/lock');
      assert.ok(err.holder?.since instanceof Date);
      assert.match(err.message, new RegExp(`pid ${first.pid} from (local socket|[0-9a-f.:]+), running since \\d{4}-`));
      assert.match(err.message, /--lock-wait/);
      return true;
    });
  } finally {
    await first.release();
  }
  const again = await acquireRunLock({ connectionString: db.url }, { waitMs: 0 });
  await again.release();
});

test('--lock-wait: the second run gets the lock when the first releases it, or gives up after the wait', async () => {
  const first = await acquireRunLock({ connectionString: db.url }, { waitMs: 0 });
  const started = Date.now();
  await assert.rejects(acquireRunLock({ connectionString: db.url }, { waitMs: 600 }), (err: unknown) => err instanceof RunLockedError && err.waitedMs >= 600 && /waited/.test(err.message));
  assert.ok(Date.now() - started >= 600);
  const waiting = acquireRunLock({ connectionString: db.url }, { waitMs: 30_000 });
  setTimeout(() => void first.release(), 300);
  const second = await waiting;
  await second.release();
});

test('the lock is per database, and dies with its session', async () => {
  const here = await acquireRunLock({ connectionString: db.url }, { waitMs: 0 });
  const there = await acquireRunLock({ connectionString: other.url }, { waitMs: 0 });
  await there.release();
  await db.query('select pg_terminate_backend($1)', [here.pid]);
  const next = await acquireRunLock({ connectionString: db.url }, { waitMs: 5000 });
  await next.release();
  await here.release();
});
