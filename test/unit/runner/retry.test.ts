import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, classify, toStepError } from '../../../src/runner/retry.js';
import { ConnectionError, SqlError } from '../../../src/errors.js';

const pgError = (code: string, message = 'x', extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });

test('lock timeout, deadlock, serialization failure and shutdowns are transient', () => {
  for (const code of ['55P03', '40P01', '40001', '57P01', '57P02', '57P03']) {
    assert.equal(classify(pgError(code)).transient, true, code);
  }
});

test('terminated or shut-down sessions, network errors and a closed connection mean reconnecting', () => {
  assert.equal(classify(pgError('57P01', 'terminating connection due to administrator command')).connectionLost, true);
  assert.equal(classify(pgError('ECONNRESET', 'read ECONNRESET')).connectionLost, true);
  const ended = classify(new Error('Connection terminated unexpectedly'));
  assert.deepEqual([ended.transient, ended.connectionLost, ended.error.sqlstate], [true, true, null]);
  assert.equal(classify(new ConnectionError('cannot connect to u@h:5432/db: connect ECONNREFUSED')).transient, true);
  assert.equal(classify(pgError('55P03')).connectionLost, false);
});

test('anything else fails the statement: syntax errors, duplicates, unique violations, statement timeouts, cancels', () => {
  for (const code of ['42601', '42P07', '23505', '57014', '53100', '42501']) {
    const c = classify(pgError(code));
    assert.deepEqual([c.transient, c.connectionLost], [false, false], code);
  }
  assert.equal(classify(new Error('something unrelated')).transient, false);
});

test("the server's fields are kept: SQLSTATE, message, detail, hint, position", () => {
  const e = toStepError(pgError('42703', 'column "nosuch" does not exist', { position: '25', hint: 'Perhaps you meant "such".', detail: 'd' }));
  assert.deepEqual(e, { sqlstate: '42703', message: 'column "nosuch" does not exist', detail: 'd', hint: 'Perhaps you meant "such".', position: 25 });
  const wrapped = toStepError(new SqlError('SET x = 1', pgError('42704', 'unrecognized configuration parameter "x"')));
  assert.equal(wrapped.sqlstate, '42704');
  assert.equal(toStepError(pgError('ECONNRESET', 'read ECONNRESET')).sqlstate, null, 'a network code is no SQLSTATE');
});

test('backoff doubles from the base, is capped, and is jittered within [half, full]', () => {
  const opts = { baseMs: 1000, maxMs: 5000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffMs(n, opts, () => 1)),
    [1000, 2000, 4000, 5000, 5000],
  );
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffMs(n, opts, () => 0)),
    [500, 1000, 2000],
  );
});

