/**
 * schemas/events.schema.json against the events as jsonLine prints them: one of every type is
 * accepted, and the schema is no rubber stamp (a missing field, a wrong type, an unknown event or a
 * missing version are refused). Real runs' events are checked in test/integration/cli/json-events.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { jsonLine } from '../../../src/cli/progress/render.js';
import { EVENTS_VERSION, type RunEvent } from '../../../src/runner/types.js';

const schema = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../schemas/events.schema.json', import.meta.url)), 'utf8')) as { $defs: Record<string, unknown> };
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);
const line = (e: RunEvent) => JSON.parse(jsonLine(e, () => Date.UTC(2026, 10, 29))) as Record<string, unknown>;

const error = { sqlstate: '23505', message: 'duplicate', detail: 'Key (k)=(3) is duplicated.', hint: null, position: null };
const settings = { parallelism: 2, concurrently: true, maintenanceWorkMemBytes: 1 << 30, cores: 4, maxWorkersPerBuild: 2, lockTimeoutMs: 5000, snapshotWaitTimeoutMs: null, statementTimeoutMs: 0, retries: 3 };
const one: Record<RunEvent['type'], RunEvent> = {
  begin: { type: 'begin', runId: 'r', total: 1, sessions: 1, settings, estimatedCost: 12.5 },
  start: { type: 'start', stepId: 's', session: 1, attempt: 1, maintenanceWorkMemKb: null, workers: null, sql: 'select 1' },
  progress: { type: 'progress', stepId: 's', elapsedMs: 500, phase: 'building index', blocksDone: 1, blocksTotal: 2, tuplesDone: 0, tuplesTotal: 0, percent: 50, waitingFor: 'the table lock' },
  retry: { type: 'retry', stepId: 's', attempt: 1, delayMs: 1000, error: { ...error, sqlstate: null } },
  cleanup: { type: 'cleanup', stepId: 's', index: 'public.i', dropped: true, message: null },
  done: { type: 'done', stepId: 's', durationMs: 3, sizeBytes: 8192, attempts: 1 },
  failed: { type: 'failed', stepId: 's', durationMs: null, attempts: 1, error, sql: 'create index i on t (k)' },
  skipped: { type: 'skipped', stepId: 's', reason: 'depends on public.i, which failed' },
  cancelled: { type: 'cancelled', stepId: 's', reason: 'interrupted' },
  idle: { type: 'idle', session: 2, waitingFor: 'public.orders is busy with public.i', table: { schema: 'public', name: 'orders' }, heldBy: 'create:public.i' },
  warning: { type: 'warning', message: 'w' },
  note: { type: 'note', message: 'n' },
  summary: {
    type: 'summary', runId: 'r', total: 1, done: 1, skipped: 0, failed: 0, cancelled: 0, interrupted: false, stoppedEarly: false, durationMs: 3, leftovers: [],
    indexes: { built: 1, rebuilt: 0, attached: 0, failed: 0, notBuilt: 0 },
    results: [{ stepId: 's', action: 'create', index: { schema: 'public', name: 'i' }, table: { schema: 'public', name: 't' }, method: 'btree', state: 'done', reason: null, error: null, attempts: 1, durationMs: 3, sizeBytes: 8192 }],
  },
};

test('one event of every type, as --json prints it, is valid, and every type has its definition in the schema', () => {
  for (const e of Object.values(one)) assert.ok(validate(line(e)), `${e.type}: ${JSON.stringify(validate.errors)}`);
  assert.deepEqual(Object.keys(one).filter((t) => !(t in schema.$defs)), []);
  assert.equal(line(one.note).version, EVENTS_VERSION);
});

test('the schema refuses what a reader could not rely on', () => {
  const bad: [string, Record<string, unknown>][] = [
    ['no version', { ...line(one.done), version: undefined }],
    ['another version', { ...line(one.done), version: 2 }],
    ['done without its size', { ...line(one.done), sizeBytes: undefined }],
    ['a size that is text', { ...line(one.done), sizeBytes: '8 kB' }],
    ['an unknown event', { ...line(one.note), type: 'gossip' }],
    ['a field no event has', { ...line(one.skipped), extra: 1 }],
    ['a summary without its results', { ...line(one.summary), results: undefined }],
    ['a result of an unknown state', { ...line(one.summary), results: [{ ...(one.summary as { results: object[] }).results[0], state: 'maybe' }] }],
  ];
  for (const [what, e] of bad) assert.equal(validate(JSON.parse(JSON.stringify(e))), false, what);
});
