import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepFacts, type StepShape } from '../../../src/plan/step-facts.js';

const base: StepShape = { action: 'create', concurrently: true, table: { schema: 'public', name: 't' }, index: { schema: 'public', name: 'i' } };

test('retry safety: index builds yes (CONCURRENTLY only when its leftover can be found), plain SQL never', () => {
  const safe = (s: Partial<StepShape>) => stepFacts({ ...base, ...s }, null).retrySafe;
  assert.equal(safe({}), true);
  assert.equal(safe({ index: null }), true, 'unnamed: its leftover is the new INVALID index on its table');
  assert.equal(safe({ index: null, table: null }), false);
  assert.equal(safe({ index: null, concurrently: false }), true);
  assert.equal(safe({ action: 'sql', index: null, table: null }), false);
  assert.equal(safe({ action: 'attach' }), true);
});

test('the table lock each statement takes', () => {
  const lock = (s: Partial<StepShape>) => stepFacts({ ...base, ...s }, null).lock;
  assert.equal(lock({ concurrently: false }), 'ShareLock');
  assert.equal(lock({}), 'ShareUpdateExclusiveLock');
  assert.equal(lock({ action: 'create-parent', concurrently: false }), 'ShareLock');
  assert.equal(lock({ action: 'drop-invalid' }), 'ShareUpdateExclusiveLock');
  assert.equal(lock({ action: 'attach', concurrently: false }), 'ShareUpdateExclusiveLock');
  assert.equal(lock({ action: 'sql', table: null, index: null, concurrently: false }), null);
});

test('only CONCURRENTLY builds on a known table can leave an INVALID index', () => {
  const leaves = (s: Partial<StepShape>) => stepFacts({ ...base, ...s }, null).mayLeaveInvalid;
  assert.equal(leaves({}), true);
  assert.equal(leaves({ index: null }), true);
  assert.equal(leaves({ concurrently: false }), false);
  assert.equal(leaves({ table: null }), false);
  assert.equal(leaves({ action: 'drop-invalid' }), false);
});

test('the source position is carried as given', () => {
  assert.deepEqual(stepFacts(base, { file: 'x.sql', line: 3, col: 1 }).source, { file: 'x.sql', line: 3, col: 1 });
});

test('hazards: a drop is one, the DROP of an INVALID leftover before its rebuild and every other statement are not', () => {
  const hazard = (s: Partial<StepShape>) => stepFacts({ ...base, ...s }, null).hazard;
  assert.equal(hazard({ action: 'drop' }), 'drop');
  assert.equal(hazard({ action: 'drop', concurrently: false }), 'drop');
  for (const action of ['create', 'drop-invalid', 'create-parent', 'attach', 'rename', 'sql'] as const) assert.equal(hazard({ action }), null, action);
});

test('a drop and a rename: their locks, and a rename is never retried (it may have happened)', () => {
  const facts = (s: Partial<StepShape>) => stepFacts({ ...base, ...s }, null);
  assert.equal(facts({ action: 'drop' }).lock, 'ShareUpdateExclusiveLock');
  assert.equal(facts({ action: 'drop', concurrently: false }).lock, 'AccessExclusiveLock', "a partitioned table's index: plain DROP INDEX");
  assert.equal(facts({ action: 'drop' }).retrySafe, true, 'DROP INDEX ... IF EXISTS');
  assert.equal(facts({ action: 'rename', concurrently: false }).lock, 'ShareUpdateExclusiveLock');
  assert.equal(facts({ action: 'rename', concurrently: false }).retrySafe, false);
  assert.equal(facts({ action: 'drop' }).mayLeaveInvalid, false);
});
