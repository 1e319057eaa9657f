import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCreateIndex, scriptSteps, withTablePages } from '../../../src/script/steps.js';
import { splitSql } from '../../../src/sql/split.js';
import { locateStep, planScript, SCRIPT_DEFAULTS, scriptChoices } from '../../../src/script/plan.js';
import { parseScript } from '../../../src/script/load.js';
import { qualifiedKey } from '../../../src/sql/qualified.js';
import { InputError } from '../../../src/errors.js';

test('CREATE INDEX heads are recognised: name, CONCURRENTLY, IF NOT EXISTS, ONLY, schema, USING', () => {
  assert.deepEqual(parseCreateIndex('create index concurrently if not exists "My Idx" on only app."Big T" using GIN (x)'), {
    unique: false,
    concurrently: true,
    name: 'My Idx',
    only: true,
    table: { schema: 'app', name: 'Big T' },
    method: 'gin',
  });
  assert.deepEqual(parseCreateIndex('CREATE UNIQUE INDEX ON T (a)'), {
    unique: true,
    concurrently: false,
    name: null,
    only: false,
    table: { schema: '', name: 't' },
    method: 'btree',
  });
  assert.equal(parseCreateIndex('/* c */ create -- x\n index i on t(a)')?.name, 'i');
  assert.equal(parseCreateIndex('create table t (a int)'), null);
  assert.equal(parseCreateIndex('select 1'), null);
});

test('steps of a file: index builds are create steps; other statements are sql steps located in the file', () => {
  const stmts = splitSql('set search_path = app;\ncreate index concurrently i on t (a);\nupdate t set a = 1;\ncreate index on only p (a);', 'x.sql');
  const script = scriptSteps(stmts, 'x.sql', 180000);
  assert.deepEqual(
    script.sessionSetup.map((s) => [s.sql, s.line, s.col]),
    [['set search_path = app', 1, 1]],
  );
  assert.deepEqual(
    script.steps.map((s) => [s.id, s.action, s.concurrently, s.index?.name ?? null, s.table?.name ?? null, s.reason, s.parallelCapable]),
    [
      ['s1', 'create', true, 'i', 't', 'x.sql:2:1', true],
      ['s2', 'sql', false, null, null, 'x.sql:3:1', false],
      ['s3', 'create-parent', false, null, 'p', 'x.sql:4:1', false],
    ],
  );
  assert.equal(script.statements.get('s2')?.line, 3);
});

test('parallel capability follows the server version (gin from 18, brin from 17)', () => {
  const stmts = splitSql('create index on t using gin (a); create index on t using brin (b)', 'x.sql');
  assert.deepEqual(
    scriptSteps(stmts, 'x.sql', 150000).steps.map((s) => s.parallelCapable),
    [false, false],
  );
  assert.deepEqual(
    scriptSteps(stmts, 'x.sql', 180000).steps.map((s) => s.parallelCapable),
    [true, true],
  );
});

test('a SET after the first statement, SET LOCAL and transaction control are refused with positions', () => {
  const stmts = splitSql('select 1;\nset work_mem = 1;\nbegin;\nset local x = 1;\ncommit;', 'x.sql');
  assert.throws(
    () => scriptSteps(stmts, 'x.sql', 180000),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.deepEqual(
        e.problems.map((p) => `${p.pos.line}:${p.pos.col}`),
        ['2:1', '3:1', '4:1', '5:1'],
      );
      assert.match(e.problems[0]?.message ?? '', /only the one session/);
      return true;
    },
  );
});

test('estimates come from table pages and the method factor, so the largest build starts first', () => {
  const { steps } = scriptSteps(splitSql('create index on small (a); create index on big using gin (a); select 1', 'x.sql'), 'x.sql', 180000);
  const pages = new Map([
    ['small', 10],
    ['big', 1000],
  ]);
  const estimated = withTablePages(steps, (t) => pages.get(t.name));
  assert.deepEqual(
    estimated.map((s) => s.estimate.cost),
    [10, 3000, 0],
  );
});

const server = {
  versionNum: 180000,
  version: '18.0',
  settings: { maxParallelMaintenanceWorkers: 2, maxWorkerProcesses: 8, maxParallelWorkers: 6, maintenanceWorkMem: 64 << 20, maxConnections: 100 },
};

test('the plan of a file: the Plan type of preparePlan, settings from the choices and the server, estimates from table pages', () => {
  const script = scriptSteps(splitSql('create index on app.big using gin (a);\ncreate index on small (a);\nselect 1', 'x.sql'), 'x.sql', 180000);
  const tablePages = new Map([
    [qualifiedKey({ schema: 'app', name: 'big' }), 1000],
    [qualifiedKey({ schema: '', name: 'small' }), 10],
  ]);
  const plan = planScript(script, { server, tablePages }, scriptChoices({ parallelism: 3, lockTimeoutMs: undefined }));
  assert.equal(plan.source, 'x.sql');
  assert.deepEqual(plan.server, { version: '18.0', versionNum: 180000 });
  assert.deepEqual(plan.settings, {
    parallelism: 3,
    concurrently: false,
    maintenanceWorkMemBytes: SCRIPT_DEFAULTS.maintenanceWorkMemBytes,
    // The server is elsewhere (no machine) and no --cores: one core per session.
    cores: 3,
    coresFrom: 'assumed',
    maxWorkersPerBuild: 2,
    // An undefined choice is no choice: a file written for psql waits for its locks.
    lockTimeoutMs: 0,
    statementTimeoutMs: SCRIPT_DEFAULTS.statementTimeoutMs,
    retries: SCRIPT_DEFAULTS.retries,
  });
  assert.deepEqual(
    plan.steps.map((s) => [s.id, s.estimate.pages, s.estimate.cost]),
    [
      ['s1', 1000, 3000],
      ['s2', 10, 10],
      ['s3', 0, 0],
    ],
  );
  assert.deepEqual([plan.columns, plan.warnings], [[], []]);
});

test('a step is located at its statement in the file, and at the error position within it', () => {
  const script = scriptSteps(parseScript('set search_path = app;\n\n  create index i on t (\n  nope);', 'x.sql').statements, 'x.sql', 180000);
  assert.equal(locateStep(script, 's1', null), 'x.sql:3:3');
  assert.equal(locateStep(script, 's1', 'create index i on t (\n  '.length + 1), 'x.sql:4:3');
  assert.equal(locateStep(script, 's9', null), null);
});
