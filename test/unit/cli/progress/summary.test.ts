/**
 * The end-of-run summary: indexes counted honestly (a rebuilt INVALID leftover is one index, not "2
 * done of 2"), and text that fits the terminal's width (80 when it is not known).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSummary, indexLine, wrap } from '../../../../src/cli/progress/summary.js';
import { countIndexes, outcomes } from '../../../../src/runner/outcomes.js';
import type { RunResult, StepResult } from '../../../../src/runner/types.js';

const ACCOUNTS = { schema: 'public', name: 'accounts' };
const EMAIL = { schema: 'public', name: 'accounts_email_btree_uniq' };

function step(over: Partial<StepResult> & { stepId: string }): StepResult {
  return {
    action: 'create',
    sql: '',
    index: { schema: 'public', name: over.stepId },
    table: { schema: 'public', name: 't' },
    method: 'btree',
    state: 'done',
    reason: null,
    error: null,
    attempts: 1,
    durationMs: 1500,
    sizeBytes: 16384,
    ...over,
  };
}

function run(results: StepResult[], over: Partial<RunResult> = {}): RunResult {
  const n = (s: string) => results.filter((r) => r.state === s).length;
  return {
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
    indexes: countIndexes(outcomes(results)),
    results,
    ...over,
  };
}

const label = (r: StepResult) => (r.index ? `${r.index.schema}.${r.index.name}` : r.stepId);

/** A DROP of the INVALID leftover, then the CREATE of the same index. */
const rebuild = [
  step({ stepId: 'drop-invalid:public.accounts_email_btree_uniq', action: 'drop-invalid', index: EMAIL, table: ACCOUNTS, method: 'btree', durationMs: 12, sizeBytes: null }),
  step({ stepId: 'create:public.accounts_email_btree_uniq', index: EMAIL, table: ACCOUNTS, durationMs: 1500, sizeBytes: 40960 }),
];

test('a rebuilt INVALID leftover is one index on one line, not "2 done of 2"', () => {
  assert.equal(
    formatSummary(run(rebuild), label),
    [
      // 80 columns leave the status too little room beside these names: two lines per index.
      'public.accounts_email_btree_uniq',
      '  public.accounts · btree · 1.5s · 40 kB · rebuilt: its INVALID leftover dropped',
      '  first',
      '',
      'indexes: 1 index built (rebuilt after dropping an INVALID leftover)',
      'statements: 2 done, 0 skipped, 0 failed, 0 cancelled of 2 in 4.2s',
      '',
    ].join('\n'),
  );
  assert.deepEqual(countIndexes(outcomes(rebuild)), { built: 1, rebuilt: 1, attached: 0, failed: 0, notBuilt: 0 });
});

test('a leftover that could not be dropped fails its index: the line says so, and the build it kept from running is not counted twice', () => {
  const results = [
    { ...rebuild[0], state: 'failed', error: { sqlstate: '55P03', message: 'lock timeout', detail: null, hint: null, position: null } } as StepResult,
    { ...rebuild[1], state: 'skipped', durationMs: null, sizeBytes: null, attempts: 0, reason: 'depends on public.accounts_email_btree_uniq, which failed' } as StepResult,
  ];
  const text = formatSummary(run(results), label, { columns: 200 });
  assert.match(text, /\npublic\.accounts_email_btree_uniq +public\.accounts +btree +12ms +failed dropping its INVALID leftover: 55P03 lock timeout\n/);
  assert.match(text, /\nindexes: 0 indexes built, 1 failed\n/);
  assert.equal(text.split('\n').filter((l) => l.includes('accounts_email')).length, 1);
});

test('a partitioned roll-out: the ON ONLY parent and each partition are indexes built, the attaches are counted apart', () => {
  const P = { schema: 'public', name: 'ticks' };
  const results = [
    step({ stepId: 'create-parent:p', action: 'create-parent', index: { schema: 'public', name: 'ticks_v_idx' }, table: P, sizeBytes: 0 }),
    step({ stepId: 'create:a', index: { schema: 'public', name: 'ticks_a_v_idx' } }),
    step({ stepId: 'attach:a', action: 'attach', index: { schema: 'public', name: 'ticks_v_idx' }, table: P, sizeBytes: null }),
    step({ stepId: 'create:b', index: { schema: 'public', name: 'ticks_b_v_idx' }, state: 'failed', error: { sqlstate: '57014', message: 'canceling statement', detail: null, hint: null, position: null } }),
    step({ stepId: 'attach:b', action: 'attach', index: { schema: 'public', name: 'ticks_v_idx' }, table: P, state: 'skipped', reason: 'depends on b', sizeBytes: null }),
  ];
  assert.deepEqual(countIndexes(outcomes(results)), { built: 2, rebuilt: 0, attached: 1, failed: 1, notBuilt: 0 });
  assert.equal(indexLine(countIndexes(outcomes(results))), 'indexes: 2 indexes built, 1 partition index attached, 1 failed');
  // Statements of a SQL file that build nothing: no index line at all.
  assert.equal(indexLine(countIndexes(outcomes([step({ stepId: 's', action: 'sql', index: null })]))), null);
});

function widest(text: string): number {
  return Math.max(...text.split('\n').map((l) => [...l].length));
}

const longFailure = step({
  stepId: 'create:public.orders_customer_id_created_at_btree_idx',
  index: { schema: 'public', name: 'orders_customer_id_created_at_btree_idx' },
  table: { schema: 'public', name: 'orders' },
  state: 'failed',
  sizeBytes: null,
  error: { sqlstate: '23505', message: 'could not create unique index "orders_customer_id_created_at_btree_idx" because of duplicate keys', detail: null, hint: null, position: null },
});

test('the summary fits 80 columns when the width is not known: the status column wraps under itself', () => {
  const text = formatSummary(run([step({ stepId: 'a' }), { ...longFailure, index: { schema: 'public', name: 'oc_idx' } }]), label);
  assert.ok(widest(text) <= 80, text);
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes('failed: 23505'));
  const column = lines[at]?.indexOf('failed: 23505') ?? -1;
  assert.ok(column > 0);
  // The continuation starts under the status column, blank before it.
  assert.equal(lines[at + 1]?.slice(0, column).trim(), '');
  assert.match(lines[at + 1]?.slice(column) ?? '', /^\S/);
});

test('too narrow for the table: two lines per index, its name and then the rest, within the width', () => {
  const text = formatSummary(run([step({ stepId: 'a' }), longFailure], { leftovers: ['DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_created_at_btree_idx;'] }), label, { columns: 40 });
  assert.ok(widest(text) <= 40, text);
  assert.match(
    text,
    /^public\.a\n {2}public\.t · btree · 1\.5s · 16 kB · done\npublic\.orders_customer_id_created_at_btr\nee_idx\n {2}public\.orders · btree · 1\.5s · failed:\n {2}23505 could not create unique index\n/,
  );
  // The totals and the leftovers wrap too, word by word.
  assert.match(text, /\nleft behind \(INVALID\): DROP INDEX\nCONCURRENTLY IF EXISTS\n/);
});

test('a terminal wide enough gets the table on one line per index', () => {
  const text = formatSummary(run([step({ stepId: 'a' }), longFailure]), label, { columns: 200 });
  assert.equal(text.split('\n').filter((l) => l.includes('23505')).length, 1);
  assert.ok(widest(text) <= 200);
});

test('wrap: words to a width, a word longer than it cut', () => {
  assert.deepEqual(wrap('one two three', 7), ['one two', 'three']);
  assert.deepEqual(wrap('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
  assert.deepEqual(wrap('', 10), ['']);
});

test("the cost model's predictions: took/est per build, and the builds' predicted total after the statements", () => {
  const results = [step({ stepId: 'big', durationMs: 8100, predictedSeconds: 8.6 }), step({ stepId: 'small', durationMs: 400, predictedSeconds: 0.25 })];
  const text = formatSummary(run(results, { predictedSeconds: 8.85 }), label, { columns: 120 });
  const lines = text.split('\n');
  assert.match(lines[0] ?? '', /^index +table +method +took\/est +size +status$/);
  assert.match(text, /^public\.big +public\.t +btree +8\.1s\/8\.6s +16 kB +done$/m);
  assert.match(text, /^public\.small +public\.t +btree +400ms\/250ms +16 kB +done$/m);
  assert.match(text, /^statements: 2 done, 0 skipped, 0 failed, 0 cancelled of 2 in 4\.2s\nest: the cost model's prediction, 8\.8s for all the plan's builds$/m);
  // Without predictions (a SQL file's statements, a plan saved before): the summary as it was.
  const plain = formatSummary(run([step({ stepId: 'big' })]), label, { columns: 120 });
  assert.match(plain, /^index +table +method +duration +size +status$/m);
  assert.doesNotMatch(plain, /predicted/);
});
