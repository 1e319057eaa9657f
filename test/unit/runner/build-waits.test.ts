import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeBlocker, describeWait, nextWait, waitExceeded, waitKind, waitTimeoutMessage, type Blocker } from '../../../src/runner/build-waits.js';

const blocker: Blocker = { pid: 42, applicationName: 'psql', state: 'idle in transaction', transactionAgeMs: 41_000, queryAgeMs: 40_500 };

test('the wait kind comes from the wait event: the table lock, or older transactions', () => {
  assert.equal(waitKind({ waitEventType: 'Lock', waitEvent: 'relation' }), 'table-lock');
  assert.equal(waitKind({ waitEventType: 'Lock', waitEvent: 'virtualxid' }), 'old-transactions');
  assert.equal(waitKind({ waitEventType: 'Lock', waitEvent: 'transactionid' }), 'old-transactions');
  assert.equal(waitKind({ waitEventType: 'IO', waitEvent: 'DataFileRead' }), null);
  assert.equal(waitKind({ waitEventType: null, waitEvent: null }), null);
});

test('a wait keeps its clock across samples; a new kind of wait starts a new one; no wait clears it', () => {
  const lock = { waitEventType: 'Lock', waitEvent: 'relation', blocker };
  const first = nextWait(null, lock, 1000);
  assert.deepEqual(first, { kind: 'table-lock', since: 1000, blocker });
  assert.equal(nextWait(first, lock, 3000)?.since, 1000);
  const snap = nextWait(first, { waitEventType: 'Lock', waitEvent: 'virtualxid', blocker: null }, 5000);
  assert.deepEqual(snap, { kind: 'old-transactions', since: 5000, blocker: null });
  assert.equal(nextWait(snap, { waitEventType: null, waitEvent: null, blocker: null }, 6000), null);
});

test('lock_timeout bounds only the table lock; snapshot_wait_timeout (default none) the older transactions', () => {
  const budget = { lockTimeoutMs: 2000, snapshotWaitTimeoutMs: null };
  const lock = { kind: 'table-lock' as const, since: 0, blocker };
  const snap = { kind: 'old-transactions' as const, since: 0, blocker };
  assert.equal(waitExceeded(lock, budget, 1999), false);
  assert.equal(waitExceeded(lock, budget, 2000), true);
  assert.equal(waitExceeded(snap, budget, 10 ** 9), false, 'a finished build is never thrown away for lock_timeout');
  assert.equal(waitExceeded(snap, { ...budget, snapshotWaitTimeoutMs: 60_000 }, 60_000), true);
  assert.equal(waitExceeded(lock, { ...budget, lockTimeoutMs: 0 }, 10 ** 9), false, 'lock_timeout 0 waits for ever');
  assert.equal(waitExceeded(null, budget, 10 ** 9), false);
});

test('the blocker and the wait are named', () => {
  assert.equal(describeBlocker(blocker), 'pid 42 (psql, idle in transaction, transaction open 41s, query started 41s ago)');
  assert.equal(describeWait({ kind: 'table-lock', since: 0, blocker }), `waiting for the table lock, held by ${describeBlocker(blocker)}`);
  assert.match(describeWait({ kind: 'old-transactions', since: 0, blocker: null }), /older transactions to end: another session/);
  assert.match(waitTimeoutMessage({ kind: 'table-lock', since: 0, blocker }, { lockTimeoutMs: 2000, snapshotWaitTimeoutMs: null }), /lock_timeout 2s: held by pid 42/);
  assert.match(waitTimeoutMessage({ kind: 'old-transactions', since: 0, blocker }, { lockTimeoutMs: 2000, snapshotWaitTimeoutMs: 30_000 }), /snapshot_wait_timeout 30s: pid 42/);
});
