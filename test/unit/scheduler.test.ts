import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependentsOf, locksConflict, nextStep, validateSteps } from '../../src/runner/scheduler.js';
import { PlanningError } from '../../src/errors.js';
import type { Step } from '../../src/plan/types.js';
import { testStep } from '../support/step.js';

function step(id: string, over: Partial<Step> = {}): Step {
  return testStep({ id, ...over });
}

const cost = (c: number) => ({ estimate: { pages: c, cost: c, sizeBytes: 0 } });
const table = (name: string, schema = 'public') => ({ table: { schema, name } });
const none = new Set<string>();

test('the longest estimated build starts first; ties keep plan order', () => {
  const pending = [step('a', cost(10)), step('b', cost(30)), step('c', cost(30)), step('d', cost(5))];
  assert.equal(nextStep({ pending, running: [], satisfied: none })?.id, 'b');
  assert.equal(nextStep({ pending: pending.filter((s) => s.id !== 'b'), running: [], satisfied: none })?.id, 'c');
});

test('a step waits until every dependency is satisfied', () => {
  const parent = step('parent', { action: 'create-parent', ...cost(0) });
  const part = step('part', { dependsOn: ['parent'], ...cost(100), ...table('t_1') });
  const attach = step('attach', { action: 'attach', dependsOn: ['parent', 'part'], ...cost(0) });
  assert.equal(nextStep({ pending: [part, attach, parent], running: [], satisfied: none })?.id, 'parent');
  assert.equal(nextStep({ pending: [part, attach], running: [], satisfied: new Set(['parent']) })?.id, 'part');
  assert.equal(nextStep({ pending: [attach], running: [part], satisfied: new Set(['parent']) }), null);
  assert.equal(nextStep({ pending: [attach], running: [], satisfied: new Set(['parent', 'part']) })?.id, 'attach');
});

test('never two CONCURRENTLY builds on one table: another table is picked instead', () => {
  const a1 = step('a1', { concurrently: true, ...table('a'), ...cost(100) });
  const a2 = step('a2', { concurrently: true, ...table('a'), ...cost(90) });
  const b1 = step('b1', { concurrently: true, ...table('b'), ...cost(10) });
  assert.equal(nextStep({ pending: [a2, b1], running: [a1], satisfied: none })?.id, 'b1');
  assert.equal(nextStep({ pending: [a2], running: [a1, b1], satisfied: none }), null);
  // the same name in another schema is another table
  const other = step('o', { concurrently: true, ...table('a', 'other'), ...cost(1) });
  assert.equal(nextStep({ pending: [a2, other], running: [a1], satisfied: none })?.id, 'o');
});

test('plain builds on one table run together (SHARE locks are compatible), but not beside a CONCURRENTLY one', () => {
  const p1 = step('p1', { ...cost(50) });
  const p2 = step('p2', { ...cost(40) });
  assert.equal(nextStep({ pending: [p2], running: [p1], satisfied: none })?.id, 'p2');
  const c = step('c', { concurrently: true, ...cost(60) });
  assert.equal(nextStep({ pending: [c], running: [p1], satisfied: none }), null);
  assert.equal(nextStep({ pending: [p2], running: [c], satisfied: none }), null);
});

test('a table of unknown schema (a SQL file) conflicts with that name in any schema; unknown tables never conflict', () => {
  const known = step('k', { concurrently: true, ...table('t', 'public') });
  const bare = step('b', { concurrently: true, ...table('t', '') });
  assert.equal(locksConflict(known, bare), true);
  const sql1 = step('s1', { action: 'sql', table: null, index: null, concurrently: false });
  const sql2 = step('s2', { action: 'sql', table: null, index: null, concurrently: false });
  assert.equal(locksConflict(sql1, sql2), false);
  assert.equal(locksConflict(sql1, known), false);
});

test('DROP INDEX CONCURRENTLY and ATTACH take the self-conflicting lock too', () => {
  const build = step('b');
  for (const action of ['drop-invalid', 'attach'] as const) {
    assert.equal(locksConflict(build, step('x', { action, concurrently: false })), true, action);
  }
});

test('dependentsOf follows dependencies transitively', () => {
  const steps = [step('a'), step('b', { dependsOn: ['a'] }), step('c', { dependsOn: ['b'] }), step('d')];
  assert.deepEqual([...dependentsOf(steps, 'a')].sort(), ['b', 'c']);
  assert.deepEqual([...dependentsOf(steps, 'd')], []);
});

test('validateSteps refuses duplicate ids, unknown dependencies and cycles', () => {
  assert.doesNotThrow(() => validateSteps([step('a'), step('b', { dependsOn: ['a'] })]));
  assert.throws(() => validateSteps([step('a'), step('a')]), (e: unknown) => e instanceof PlanningError && /two steps with id "a"/.test(e.message));
  assert.throws(() => validateSteps([step('a', { dependsOn: ['x'] })]), /depends on unknown step "x"/);
  assert.throws(
    () => validateSteps([step('a', { dependsOn: ['c'] }), step('b', { dependsOn: ['a'] }), step('c', { dependsOn: ['b'] })]),
    /cycle: a → c → b → a/,
  );
});
