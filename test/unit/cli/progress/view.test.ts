import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatSummary, RunView, describeFailure } from '../../../../src/cli/progress/view.js';
import { toProgressSample } from '../../../../src/runner/control.js';
import { stepLabel } from '../../../../src/runner/describe.js';
import { plainRenderer, jsonRenderer, deferredMessages } from '../../../../src/cli/progress/render.js';
import { ensureColumns, FALLBACK_COLUMNS } from '../../../../src/cli/progress/listr.js';
import { exitCode } from '../../../../src/cli/terminal.js';
import type { Step } from '../../../../src/plan/types.js';
import { testStep } from '../../../support/step.js';
import type { RunEvent, RunResult, StepResult } from '../../../../src/runner/types.js';
import { countIndexes, outcomes } from '../../../../src/runner/outcomes.js';

function step(id: string, cost: number, over: Partial<Step> = {}): Step {
  return testStep({
    id,
    sql: `CREATE INDEX CONCURRENTLY ${id} ON public.t (a)`,
    columns: ['a'],
    concurrently: true,
    estimate: { pages: cost, cost, sizeBytes: 0 },
    ...over,
  });
}

const settings = { parallelism: 2, concurrently: true, maintenanceWorkMemBytes: 1024 ** 3, cores: 4, maxWorkersPerBuild: 2, lockTimeoutMs: 5000, statementTimeoutMs: 0, retries: 3 };

test('durations read like people write them', () => {
  assert.deepEqual(
    [850, 12_340, 125_000, 3_780_000].map(formatDuration),
    ['850ms', '12.3s', '2m05s', '1h03m'],
  );
});

test('progress percent: blocks while scanning the table, tuples while loading, none while waiting', () => {
  const row = (phase: string, b: [number, number], t: [number, number]) =>
    toProgressSample({ phase, blocks_done: b[0], blocks_total: b[1], tuples_done: t[0], tuples_total: t[1] }).percent;
  assert.equal(row('building index: scanning table', [250, 1000], [0, 0]), 25);
  assert.equal(row('building index: loading tuples in tree', [1000, 1000], [300, 400]), 75);
  assert.equal(row('index validation: scanning table', [10, 40], [5, 10]), 25);
  assert.equal(row('waiting for writers before build', [0, 0], [0, 0]), null);
});

test('the view follows events: running builds with phase and percent, counts, and an ETA weighted by cost', () => {
  let now = 0;
  const steps = [step('big', 300), step('small', 100)];
  const view = new RunView(steps, () => now);
  view.apply({ type: 'begin', runId: 'r', total: 2, sessions: 2, settings, estimatedCost: 400 });
  view.apply({ type: 'start', stepId: 'big', session: 1, attempt: 1, maintenanceWorkMemKb: 512 * 1024, workers: 1, sql: '' });
  view.apply({ type: 'start', stepId: 'small', session: 2, attempt: 1, maintenanceWorkMemKb: 512 * 1024, workers: 1, sql: '' });
  now = 2000;
  view.apply({ type: 'progress', stepId: 'big', elapsedMs: 2000, phase: 'building index: scanning table', blocksDone: 500, blocksTotal: 1000, tuplesDone: 0, tuplesTotal: 0, percent: 50 });
  const big = view.running.get('big');
  assert.ok(big);
  assert.equal(view.buildLine(big), 'public.big on public.t (btree, 1 worker) · building index: scanning table 50.0% blocks 500/1,000 · 2.0s');
  assert.equal(view.etaMs(), null, 'no ETA before anything finished');
  view.apply({ type: 'done', stepId: 'small', durationMs: 2000, sizeBytes: 8192, attempts: 1 });
  // a quarter of the cost took 2s: 6s to go
  assert.equal(view.etaMs(), 6000);
  assert.equal(view.overallLine(), '1 of 2 finished · 1 running · elapsed 2.0s · ETA 6.0s');
});

test('an attach step is named by the partition index it attaches', () => {
  const attach = step('x', 0, {
    action: 'attach',
    sql: 'ALTER INDEX public.parent_idx ATTACH PARTITION "Odd"."child idx"',
    index: { schema: 'public', name: 'parent_idx' },
    attachChild: { schema: 'Odd', name: 'child idx' },
  });
  assert.equal(stepLabel(attach), '"Odd"."child idx" → public.parent_idx');
  assert.equal(stepLabel({ ...attach, attachChild: undefined }), 'public.parent_idx', 'without its child, the parent index');
  assert.equal(stepLabel(step('y', 0, { action: 'sql', index: null, reason: 'f.sql:3:1' })), 'f.sql:3:1');
});

function result(results: StepResult[], over: Partial<RunResult> = {}): RunResult {
  const n = (s: string) => results.filter((r) => r.state === s).length;
  return {
    indexes: countIndexes(outcomes(results)),
    runId: 'r',
    total: results.length,
    done: n('done'),
    skipped: n('skipped'),
    failed: n('failed'),
    cancelled: n('cancelled'),
    interrupted: false,
    stoppedEarly: false,
    durationMs: 4200,
    leftovers: [],
    results,
    ...over,
  };
}

const base = { action: 'create' as const, sql: '', index: { schema: 'public', name: 'i' }, table: { schema: 'public', name: 't' }, method: 'btree', reason: null, error: null, attempts: 1, durationMs: 1500, sizeBytes: 16384 };

test('the summary table: index, table, method, duration, size, status; failures with SQLSTATE', () => {
  const text = formatSummary(
    result([
      { ...base, stepId: 'a', state: 'done', attempts: 2 },
      { ...base, stepId: 'b', state: 'failed', sizeBytes: null, error: { sqlstate: '42P07', message: 'relation "i" already exists', detail: null, hint: null, position: null } },
      { ...base, stepId: 'c', state: 'skipped', durationMs: null, sizeBytes: null, reason: 'depends on public.i, which failed' },
    ]),
    (r) => r.stepId,
    { columns: 120 },
  );
  assert.equal(
    text,
    [
      'index  table     method  duration  size   status',
      '-----  --------  ------  --------  -----  ------',
      'a      public.t  btree   1.5s      16 kB  done (2 attempts)',
      'b      public.t  btree   1.5s             failed: 42P07 relation "i" already exists',
      'c      public.t  btree                    skipped: depends on public.i, which failed',
      '',
      'indexes: 1 index built, 1 failed, 1 not built (skipped or cancelled)',
      'statements: 1 done, 1 skipped, 1 failed, 0 cancelled of 3 in 4.2s',
      '',
    ].join('\n'),
  );
});

test('exit codes: 0 all done or skipped, 1 anything failed or left behind, 130 interrupted', () => {
  const done = { ...base, stepId: 'a', state: 'done' as const };
  assert.equal(exitCode(result([done, { ...done, stepId: 'b', state: 'skipped' }])), 0);
  assert.equal(exitCode(result([done, { ...done, stepId: 'b', state: 'failed' }])), 1);
  assert.equal(exitCode(result([done], { leftovers: ['DROP INDEX CONCURRENTLY IF EXISTS public.i;'] })), 1);
  assert.equal(exitCode(result([{ ...done, state: 'cancelled' }], { interrupted: true })), 130);
});

test('a failure is shown with its SQL, a caret under the position, detail and hint', () => {
  const text = describeFailure({ sqlstate: '42703', message: 'column "nosuch" does not exist', detail: null, hint: 'Perhaps you meant "such".', position: 8 }, 'select nosuch from t');
  assert.equal(text, 'ERROR 42703: column "nosuch" does not exist\n  select nosuch from t\n         ^\nHINT: Perhaps you meant "such".');
});

function collect(): { out: { write(t: string): void }; text: () => string } {
  let s = '';
  return { out: { write: (t: string) => void (s += t) }, text: () => s };
}

test('plain renderer: timestamped lines, failures on stderr located in the file, the summary at the end', async () => {
  const steps = [step('i1', 10), step('s2', 0, { action: 'sql', index: null, table: null, method: null, sql: 'select nosuch', reason: 'f.sql:2:1' })];
  const out = collect();
  const err = collect();
  const r = plainRenderer({ stdout: out.out, stderr: err.out, steps, now: () => 0, locate: (id, pos) => (id === 's2' ? `f.sql:2:${pos ?? 1}` : null) });
  const events: RunEvent[] = [
    { type: 'begin', runId: 'r1', total: 2, sessions: 2, settings, estimatedCost: 10 },
    { type: 'start', stepId: 'i1', session: 1, attempt: 1, maintenanceWorkMemKb: 524288, workers: 1, sql: '' },
    { type: 'retry', stepId: 'i1', attempt: 1, delayMs: 1000, error: { sqlstate: '55P03', message: 'canceling statement due to lock timeout', detail: null, hint: null, position: null } },
    { type: 'failed', stepId: 's2', durationMs: 3, attempts: 1, sql: 'select nosuch', error: { sqlstate: '42703', message: 'column "nosuch" does not exist', detail: null, hint: null, position: 8 } },
  ];
  for (const e of events) r.sink(e);
  await r.close(null);
  assert.equal(
    out.text(),
    [
      'run r1: 2 statements on 2 sessions (maintenance_work_mem 1GB in total, 4 cores)',
      '[00:00.0] start     public.i1 on public.t (session 1, 512MB, 1 worker)',
      '[00:00.0] retry     public.i1: 55P03 canceling statement due to lock timeout; attempt 2 in 1.0s',
      '[00:00.0] FAILED    f.sql:2:1',
      '',
    ].join('\n'),
  );
  assert.match(err.text(), /^f\.sql:2:8: ERROR 42703: column "nosuch" does not exist\n {2}select nosuch\n {9}\^\n$/);
});

test('plain renderer: every kind of line, the 9-letter "cancelled" too, is followed by a space, and the texts line up', async () => {
  const steps = [step('i1', 10), step('i2', 5), step('i3', 1)];
  const out = collect();
  const r = plainRenderer({ stdout: out.out, stderr: collect().out, steps, now: () => 0 });
  const events: RunEvent[] = [
    { type: 'begin', runId: 'r1', total: 3, sessions: 1, settings, estimatedCost: 16 },
    { type: 'start', stepId: 'i1', session: 1, attempt: 1, maintenanceWorkMemKb: null, workers: null, sql: '' },
    { type: 'progress', stepId: 'i1', elapsedMs: 0, phase: 'building index', percent: 50, blocksDone: 1, blocksTotal: 2, tuplesDone: 0, tuplesTotal: 0 },
    { type: 'cancelled', stepId: 'i1', reason: 'interrupted' },
    { type: 'skipped', stepId: 'i2', reason: 'a dependency failed' },
    { type: 'cancelled', stepId: 'i3', reason: 'interrupted' },
  ];
  for (const e of events) r.sink(e);
  await r.close(null);
  const lines = out.text().split('\n').filter((l) => l.startsWith('['));
  assert.deepEqual(lines, [
    '[00:00.0] start     public.i1 on public.t (session 1)',
    '[00:00.0] progress  public.i1 on public.t (btree) · building index 50.0% blocks 1/2 · 0ms',
    '[00:00.0] cancelled public.i1: interrupted',
    '[00:00.0] skipped   public.i2: a dependency failed',
    '[00:00.0] cancelled public.i3: interrupted',
  ]);
});

test('JSON renderer: one parseable object per event, with a time', async () => {
  const out = collect();
  const r = jsonRenderer({ stdout: out.out, stderr: out.out, steps: [], now: () => Date.UTC(2025, 0, 1) });
  r.sink({ type: 'warning', message: 'x' });
  await r.close(null);
  assert.deepEqual(JSON.parse(out.text()), { version: 1, time: '2025-01-01T00:00:00.000Z', type: 'warning', message: 'x' });
});

test('notes (what the run did on its own) go to stderr in plain output, and after the live display', async () => {
  const out = collect();
  const err = collect();
  const r = plainRenderer({ stdout: out.out, stderr: err.out, steps: [], now: () => 0 });
  r.sink({ type: 'note', message: 'dropped public.p_idx' });
  await r.close(null);
  assert.equal(err.text(), 'note: dropped public.p_idx\n');
  assert.equal(out.text(), '');
  const deferred = collect();
  const d = deferredMessages({ stdout: out.out, stderr: deferred.out, steps: [], now: () => 0 });
  d.sink({ type: 'note', message: 'n1' });
  d.sink({ type: 'warning', message: 'w1' });
  assert.equal(deferred.text(), '', 'nothing while the display owns the terminal');
  d.flush();
  assert.equal(deferred.text(), 'note: n1\nwarning: w1\n');
});

test('a terminal that reports 0 or no columns is laid out as 80 wide; a real width is kept', () => {
  for (const columns of [0, undefined, Number.NaN, -1]) {
    const stream: { columns?: number } = columns === undefined ? {} : { columns };
    ensureColumns(stream);
    assert.equal(stream.columns, FALLBACK_COLUMNS, String(columns));
  }
  const wide = { columns: 132 };
  ensureColumns(wide);
  assert.equal(wide.columns, 132);
});

test('a build that waits names what it waits for, instead of the counters of the phase before', () => {
  let now = 0;
  const view = new RunView([step('big', 300)], () => now);
  view.apply({ type: 'begin', runId: 'r', total: 1, sessions: 1, settings, estimatedCost: 300 });
  view.apply({ type: 'start', stepId: 'big', session: 1, attempt: 1, maintenanceWorkMemKb: 1024, workers: 0, sql: '' });
  now = 3000;
  view.apply({
    type: 'progress',
    stepId: 'big',
    elapsedMs: 3000,
    phase: 'waiting for old snapshots',
    blocksDone: 2499,
    blocksTotal: 2500,
    tuplesDone: 0,
    tuplesTotal: 0,
    percent: 100,
    waitingFor: 'waiting for older transactions to end: pid 42 (psql, idle in transaction, transaction open 41s)',
  });
  const big = view.running.get('big');
  assert.ok(big);
  assert.equal(
    view.buildLine(big),
    'public.big on public.t (btree) · waiting for old snapshots · waiting for older transactions to end: pid 42 (psql, idle in transaction, transaction open 41s) · 3.0s',
  );
});
