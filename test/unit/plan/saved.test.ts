/**
 * The saved plan's pure parts: its fingerprint, the differences that make it stale, and reading the
 * file back (src/plan/saved.ts). A real server runs them end to end in
 * test/integration/cli/saved-plan.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fingerprintDiff, fingerprintOf, looksLikeSavedPlan, parseSavedPlan, savedPlanText, type Fingerprint } from '../../../src/plan/saved.js';
import type { Plan } from '../../../src/plan/types.js';

function fingerprint(): Fingerprint {
  return {
    database: 'app',
    server: { version: '18.1', versionNum: 180001 },
    settings: { maxParallelMaintenanceWorkers: 2, maxWorkerProcesses: 8, maxParallelWorkers: 8, maintenanceWorkMem: 65536 * 1024, maxConnections: 100 },
    tables: [
      {
        schema: 'public',
        name: 'zoo',
        oid: 16384,
        kind: 'table',
        parent: null,
        columns: [
          { name: 'id', attnum: 1, type: 'integer' },
          { name: 'status', attnum: 2, type: 'text' },
        ],
        indexes: [{ name: 'public.zoo_pkey', definition: 'CREATE UNIQUE INDEX zoo_pkey ON public.zoo USING btree (id)', valid: true, ready: true }],
      },
    ],
  };
}

const plan = { version: 1, source: 'plan.yaml', steps: [{ id: 'create:public.zoo_status_btree_idx', sql: 'CREATE INDEX CONCURRENTLY zoo_status_btree_idx ON public.zoo USING btree (status)' }], settings: {}, warnings: [], columns: [] } as unknown as Plan;

test('the same facts: no difference', () => {
  assert.deepEqual(fingerprintDiff(fingerprint(), fingerprint()), []);
});

test('every difference is named, one line each, server first then by table', () => {
  const now = fingerprint();
  const zoo = now.tables[0]!;
  now.server = { version: '18.2', versionNum: 180002 };
  now.settings.maxParallelWorkers = 4;
  zoo.columns[1] = { name: 'status', attnum: 2, type: 'character varying(20)' };
  zoo.columns.push({ name: 'extra', attnum: 3, type: 'integer' });
  zoo.indexes[0] = { ...zoo.indexes[0]!, valid: false };
  zoo.indexes.push({ name: 'public.by_hand', definition: 'CREATE INDEX by_hand ON public.zoo USING btree (status)', valid: true, ready: true });
  zoo.indexes.push({ name: 'public.by_gin', definition: 'CREATE INDEX by_gin ON public.zoo USING gin (tags)', valid: true, ready: true });
  assert.deepEqual(fingerprintDiff(fingerprint(), now), [
    "the server's version changed from 18.1 to 18.2",
    'server setting max_parallel_workers changed from 8 to 4',
    'column public.zoo.status changed type from text to character varying(20)',
    'public.zoo has a new column extra (integer)',
    'index public.zoo_pkey on public.zoo became INVALID',
    'public.zoo has a new index by_hand (status)',
    'public.zoo has a new index by_gin USING gin (tags)',
  ]);
});

test('a dropped column, a column dropped and added again, a redefined or dropped index, a table gone or recreated', () => {
  const now = fingerprint();
  const zoo = now.tables[0]!;
  zoo.columns = [{ name: 'status', attnum: 3, type: 'text' }];
  zoo.indexes = [];
  assert.deepEqual(fingerprintDiff(fingerprint(), now), [
    'column public.zoo.id was dropped',
    'column public.zoo.status was dropped and added again',
    'index public.zoo_pkey on public.zoo was dropped',
  ]);
  const redefined = fingerprint();
  redefined.tables[0]!.indexes[0]!.definition = 'CREATE UNIQUE INDEX zoo_pkey ON public.zoo USING btree (id DESC)';
  assert.deepEqual(fingerprintDiff(fingerprint(), redefined), [
    'index public.zoo_pkey was redefined: was CREATE UNIQUE INDEX zoo_pkey ON public.zoo USING btree (id); is CREATE UNIQUE INDEX zoo_pkey ON public.zoo USING btree (id DESC)',
  ]);
  assert.deepEqual(fingerprintDiff(fingerprint(), { ...fingerprint(), tables: [] }), ['public.zoo no longer exists']);
  const recreated = fingerprint();
  recreated.tables[0]!.oid = 99999;
  assert.deepEqual(fingerprintDiff(fingerprint(), recreated), ['public.zoo was dropped and created again']);
  assert.deepEqual(fingerprintDiff(fingerprint(), { ...fingerprint(), database: 'other' }), ['it was saved on database app, this is database other']);
});

test('a partition attached, detached or new under a saved partitioned table is named', () => {
  const base = fingerprint();
  const part = { ...structuredClone(base.tables[0]!), name: 'zoo_1', oid: 16390, parent: 'public.zoo', indexes: [] };
  base.tables.push(part);
  const now = structuredClone(base);
  now.tables[1]!.parent = null;
  now.tables.push({ ...structuredClone(part), name: 'zoo_2', oid: 16400 });
  assert.deepEqual(fingerprintDiff(base, now), ['public.zoo_1 was detached from public.zoo', 'public.zoo has a new partition public.zoo_2']);
});

test('the fingerprint of a snapshot keeps names, types and index state, sorted, and no sizes', () => {
  const ix = (name: string, valid: boolean) => ({ schema: 'public', name, definition: `CREATE INDEX ${name} ON public.b USING btree (x)`, valid, ready: true, sizeBytes: 8192 });
  const table = (name: string, indexes: ReturnType<typeof ix>[]) => ({
    oid: name.length,
    schema: 'public',
    name,
    kind: 'table',
    parent: null,
    relpages: 10,
    columns: [
      { name: 'y', attnum: 2, type: { declared: 'text' } },
      { name: 'x', attnum: 1, type: { declared: 'integer' } },
    ],
    indexes,
  });
  const snapshot = {
    database: 'app',
    server: fingerprint().server,
    settings: undefined,
    tables: [table('bb', [ix('z', true), ix('a', false)]), table('a', [])],
  } as unknown as Parameters<typeof fingerprintOf>[0];
  (snapshot.server as { settings: unknown }).settings = fingerprint().settings;
  const f = fingerprintOf(snapshot);
  assert.deepEqual(f.tables.map((t) => t.name), ['a', 'bb']);
  assert.deepEqual(f.tables[1]!.columns, [
    { name: 'x', attnum: 1, type: 'integer' },
    { name: 'y', attnum: 2, type: 'text' },
  ]);
  assert.deepEqual(f.tables[1]!.indexes.map((i) => [i.name, i.valid]), [['public.a', false], ['public.z', true]]);
  assert.ok(!JSON.stringify(f).includes('8192'), 'sizes move all the time: not a fact the plan depends on');
});

test('the file round-trips; damaged, edited, foreign and future files are refused, saying why', () => {
  const text = savedPlanText(plan, fingerprint());
  assert.ok(looksLikeSavedPlan(text));
  assert.ok(!looksLikeSavedPlan('version: 1\ntables: []\n'));
  assert.ok(!looksLikeSavedPlan('{"version": 1, "tables": []}'), 'a plan file written as JSON is still a plan file');
  assert.ok(looksLikeSavedPlan(text.slice(0, 40)), 'recognised even when cut short, to be refused as damaged');
  const back = parseSavedPlan(text, 's.json');
  assert.deepEqual(back.plan, plan);
  assert.deepEqual(back.fingerprint, fingerprint());
  assert.equal(savedPlanText(back.plan, back.fingerprint), text, 'deterministic');

  const refuse = (t: string, why: RegExp) => assert.throws(() => parseSavedPlan(t, 's.json'), (err: Error) => /^s\.json: not a saved plan pgindex can apply: /.test(err.message) && why.test(err.message));
  refuse(text.slice(0, 100), /it is not valid JSON/);
  refuse('[]', /it is not a JSON object/);
  const data = JSON.parse(text) as Record<string, unknown>;
  refuse(JSON.stringify({ ...data, format: 'other' }), /its "format" is "other", not "pgindex-saved-plan"/);
  refuse(JSON.stringify({ ...data, version: 2 }), /it is version 2, written by a newer pgindex; this one reads version 1/);
  refuse(JSON.stringify({ ...data, version: '1' }), /its "version" is "1", not an integer/);
  refuse(JSON.stringify({ ...data, plan: { steps: 'x' } }), /its "plan" is missing or incomplete/);
  refuse(JSON.stringify({ ...data, fingerprint: {} }), /its "fingerprint" is missing or incomplete/);
  refuse(text.replace('CREATE INDEX CONCURRENTLY', 'CREATE INDEX'), /its checksum does not match its content/);
});
