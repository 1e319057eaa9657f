/**
 * The live display keeps the record (issue 17, item 9): steps that ended stay as ✔/✖ lines with their
 * time and size, and a session with nothing to run says why. The view model, from plain events; the
 * terminal path itself is tested through a pseudo-terminal (test/integration/cli/live-display.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunView } from '../../../../src/cli/progress/view.js';
import { endedBadly, finalLine } from '../../../../src/cli/progress/listr.js';
import { plainRenderer } from '../../../../src/cli/progress/render.js';
import type { Step } from '../../../../src/plan/types.js';
import type { RunResult } from '../../../../src/runner/types.js';
import { testStep } from '../../../support/step.js';

const settings = { parallelism: 2, concurrently: true, maintenanceWorkMemBytes: 1024 ** 3, cores: 4, maxWorkersPerBuild: 2, lockTimeoutMs: 5000, statementTimeoutMs: 0, retries: 3 };
const orders = { schema: 'public', name: 'orders' };

function step(id: string, over: Partial<Step> = {}): Step {
  return testStep({ id, table: orders, concurrently: true, estimate: { pages: 10, cost: 10, sizeBytes: 0 }, ...over });
}

const error = { sqlstate: '23505', message: 'could not create unique index "u"', detail: null, hint: null, position: null };

test('finished builds stay as ✔ and ✖ lines with their time and size, in the order they ended', () => {
  let now = 0;
  const view = new RunView([step('a'), step('u'), step('later')], () => now);
  view.apply({ type: 'begin', runId: 'r', total: 3, sessions: 2, settings, estimatedCost: 30 });
  view.apply({ type: 'start', stepId: 'a', session: 1, attempt: 1, maintenanceWorkMemKb: null, workers: null, sql: '' });
  view.apply({ type: 'start', stepId: 'u', session: 2, attempt: 1, maintenanceWorkMemKb: null, workers: null, sql: '' });
  now = 1200;
  view.apply({ type: 'failed', stepId: 'u', durationMs: 1200, attempts: 1, error, sql: '' });
  now = 2500;
  view.apply({ type: 'done', stepId: 'a', durationMs: 2500, sizeBytes: 456 * 1024, attempts: 2 });
  // A step cancelled before it ever started was not a build of this run: it is counted, not kept.
  view.apply({ type: 'cancelled', stepId: 'later', reason: 'interrupted' });
  assert.deepEqual(view.recordLines(10), [
    { state: 'failed', text: '✖ public.u on public.orders · failed after 1.2s: 23505 could not create unique index "u"' },
    { state: 'done', text: '✔ public.a on public.orders · 2.5s · 456 kB · 2 attempts' },
  ]);
  assert.equal(view.running.size, 0);
});

test('a session with nothing to run says why: the table it waits for and the build that holds it', () => {
  let now = 0;
  const view = new RunView([step('a'), step('b')], () => now);
  view.apply({ type: 'begin', runId: 'r', total: 2, sessions: 2, settings, estimatedCost: 20 });
  assert.equal(view.laneLine(2), 'session 2: idle');
  view.apply({ type: 'start', stepId: 'a', session: 1, attempt: 1, maintenanceWorkMemKb: null, workers: null, sql: '' });
  view.apply({ type: 'idle', session: 2, waitingFor: 'public.orders is busy with public.a', table: orders, heldBy: 'a' });
  now = 700;
  assert.equal(view.laneLine(1), 'session 1: public.a on public.orders (btree) · starting · 700ms');
  assert.equal(view.laneLine(2), 'session 2 · waiting: public.orders is busy with public.a');
  view.apply({ type: 'done', stepId: 'a', durationMs: 700, sizeBytes: 8192, attempts: 1 });
  assert.equal(view.laneLine(1), 'session 1: idle');
  view.apply({ type: 'start', stepId: 'b', session: 2, attempt: 1, maintenanceWorkMemKb: null, workers: null, sql: '' });
  assert.match(view.laneLine(2), /^session 2: public\.b on public\.orders /, 'its start ends the wait');
  view.apply({ type: 'done', stepId: 'b', durationMs: 10, sizeBytes: 8192, attempts: 1 });
  view.apply({ type: 'idle', session: 1, waitingFor: 'something' });
  view.apply({ type: 'idle', session: 1, waitingFor: null });
  assert.equal(view.laneLine(1), 'session 1: idle', 'nothing left: the wait is over');
});

test('past the height of the terminal the oldest ✔ lines fold into a count; failures are the last to fold', () => {
  const ids = Array.from({ length: 8 }, (_, i) => `s${i}`);
  const view = new RunView(ids.map((id) => step(id)), () => 0);
  view.apply({ type: 'begin', runId: 'r', total: ids.length, sessions: 1, settings, estimatedCost: 80 });
  for (const [i, id] of ids.entries()) {
    view.apply({ type: 'start', stepId: id, session: 1, attempt: 1, maintenanceWorkMemKb: null, workers: null, sql: '' });
    if (i === 1) view.apply({ type: 'failed', stepId: id, durationMs: 5, attempts: 1, error, sql: '' });
    else view.apply({ type: 'done', stepId: id, durationMs: 5, sizeBytes: 8192, attempts: 1 });
  }
  const lines = view.recordLines(4).map((l) => l.text);
  assert.deepEqual(lines, [
    '✔ 5 earlier finished: all in the summary at the end',
    '✖ public.s1 on public.orders · failed after 5ms: 23505 could not create unique index "u"',
    '✔ public.s6 on public.orders · 5ms · 8 kB',
    '✔ public.s7 on public.orders · 5ms · 8 kB',
  ]);
  assert.equal(view.recordLines(100).length, 8, 'all of it while it fits');
  assert.deepEqual(view.recordLines(1).map((l) => l.text), ['✖ 8 earlier finished (1 failed): all in the summary at the end']);
});

test('the overall line ends on ✖ for failures, cancellations, leftovers and an interrupt; ✔ only for a clean run', () => {
  const clean: RunResult = {
    runId: 'r', total: 2, done: 2, skipped: 0, failed: 0, cancelled: 0, interrupted: false, stoppedEarly: false, durationMs: 1500, leftovers: [],
    indexes: { built: 2, rebuilt: 0, attached: 0, failed: 0, notBuilt: 0 }, results: [],
  };
  assert.equal(endedBadly(clean), false);
  assert.equal(finalLine(clean), '2 of 2 statements done · in 1.5s');
  assert.equal(endedBadly({ ...clean, done: 1, failed: 1 }), true);
  assert.equal(endedBadly({ ...clean, leftovers: ['DROP INDEX CONCURRENTLY IF EXISTS public.i;'] }), true);
  const interrupted = { ...clean, done: 1, cancelled: 1, interrupted: true };
  assert.equal(endedBadly(interrupted), true);
  assert.equal(finalLine(interrupted), 'interrupted: 1 of 2 statements done · 1 cancelled · in 1.5s');
  assert.equal(endedBadly(null), true, 'the run threw');
});

test('plain lines: a session waiting for a busy table gets a line, once per wait; the tail of a run, waiting for dependencies, does not', async () => {
  let out = '';
  const r = plainRenderer({ stdout: { write: (t: string) => void (out += t) }, stderr: { write: () => undefined }, steps: [step('a'), step('b')], now: () => 0 });
  r.sink({ type: 'begin', runId: 'r', total: 2, sessions: 2, settings, estimatedCost: 20 });
  r.sink({ type: 'idle', session: 2, waitingFor: 'public.orders is busy with public.a', table: orders, heldBy: 'a' });
  // Another build holding the same table: the same wait, no second line.
  r.sink({ type: 'idle', session: 2, waitingFor: 'public.orders is busy with public.b', table: orders, heldBy: 'b' });
  r.sink({ type: 'idle', session: 1, waitingFor: 'the statements left wait for steps they depend on' });
  r.sink({ type: 'start', stepId: 'a', session: 2, attempt: 1, maintenanceWorkMemKb: null, workers: null, sql: '' });
  r.sink({ type: 'idle', session: 2, waitingFor: 'public.orders is busy with public.b', table: orders, heldBy: 'b' });
  await r.close(null);
  assert.deepEqual(
    out.split('\n').filter((l) => l.startsWith('[') && !l.includes(' start ')),
    ['[00:00.0] waiting   session 2: public.orders is busy with public.a', '[00:00.0] waiting   session 2: public.orders is busy with public.b'],
  );
});

test('the DROP of an INVALID leftover is on the record as what it is, not as a second build of the index', () => {
  const view = new RunView([step('i', { id: 'drop-invalid:i', action: 'drop-invalid', index: { schema: 'public', name: 'i' } }), step('i')], () => 0);
  view.apply({ type: 'begin', runId: 'r', total: 2, sessions: 1, settings, estimatedCost: 10 });
  view.apply({ type: 'start', stepId: 'drop-invalid:i', session: 1, attempt: 1, maintenanceWorkMemKb: null, workers: null, sql: '' });
  view.apply({ type: 'done', stepId: 'drop-invalid:i', durationMs: 12, sizeBytes: null, attempts: 1 });
  view.apply({ type: 'start', stepId: 'i', session: 1, attempt: 1, maintenanceWorkMemKb: null, workers: null, sql: '' });
  view.apply({ type: 'done', stepId: 'i', durationMs: 1500, sizeBytes: 40960, attempts: 1 });
  assert.deepEqual(view.recordLines(10).map((l) => l.text), [
    '✔ public.i on public.orders · INVALID leftover dropped · 12ms',
    '✔ public.i on public.orders · 1.5s · 40 kB',
  ]);
});
