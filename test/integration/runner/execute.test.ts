/**
 * executePlan against a real server, with plans built by hand (plain data). Builds are made slow
 * deterministically: an index on slow(a), an IMMUTABLE function that sleeps a few milliseconds per row.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { executePlan } from '../../../src/runner/execute.js';
import { testPlan, testStep } from '../../support/step.js';
import type { Plan, Step } from '../../../src/plan/types.js';
import type { RunEvent } from '../../../src/runner/types.js';
import { quoteIdent } from '../../../src/sql/quote.js';
import { ConnectionError } from '../../../src/errors.js';

let db: TestDatabase;
before(async () => {
  db = await testDatabase();
  await db.query(`create function slow(i int) returns int language plpgsql immutable as $$
    begin perform pg_sleep(0.002); return i; end $$`);
  for (const t of ['ta', 'tb', 'tc']) {
    await db.query(`create table ${t} as select g as a, g % 7 as b from generate_series(1, 150) g`);
  }
  await db.query('create table locked as select g as a from generate_series(1, 50) g');
  await db.query('create table victim as select g as a from generate_series(1, 600) g');
  // About 4s to build: long enough that waiting for it instead of cancelling it shows.
  await db.query('create table longer as select g as a from generate_series(1, 2000) g');
});
after(async () => {
  await db?.drop();
});

const connection = () => ({ connectionString: db.url });
let seq = 0;

function build(table: string, over: Partial<Step> = {}): Step {
  seq++;
  const index = `${table}_slow_${seq}`;
  const concurrently = over.concurrently ?? true;
  return testStep({
    id: `${table}-${seq}`,
    action: 'create',
    sql: `CREATE INDEX ${concurrently ? 'CONCURRENTLY ' : ''}${quoteIdent(index)} ON public.${quoteIdent(table)} (slow(a))`,
    reason: 'test',
    table: { schema: 'public', name: table },
    index: { schema: 'public', name: index },
    method: 'btree',
    columns: ['a'],
    concurrently,
    parallelCapable: false,
    dependsOn: [],
    estimate: { pages: 1, cost: 1, sizeBytes: 0 },
    ...over,
  });
}

function plan(steps: Step[], settings: Partial<Plan['settings']> = {}): Plan {
  return testPlan(steps, settings);
}

async function invalidIndexes(): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('select indexrelid::regclass::text as name from pg_index where not indisvalid');
  return rows.map((r) => r.name);
}

async function validIndex(name: string): Promise<boolean> {
  const { rows } = await db.query<{ valid: boolean }>('select indisvalid as valid from pg_index where indexrelid = to_regclass($1)', [name]);
  return rows[0]?.valid === true;
}

/** Polls until `check` returns a value, or fails after `ms`. */
async function waitFor<T>(what: string, check: () => Promise<T | null | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await check();
    if (v !== null && v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a parallel run builds everything valid, within parallelism sessions and one CONCURRENTLY build per table', async () => {
  const steps = [build('ta'), build('ta'), build('tb'), build('tb'), build('tc'), build('tc', { concurrently: false })];
  const events: RunEvent[] = [];
  const runId = 'par' + Date.now().toString(36);
  const sampler = new pg.Client({ connectionString: db.url });
  await sampler.connect();
  let maxSessions = 0;
  let maxPerTable = 0;
  let sampling = true;
  const samples = (async () => {
    while (sampling) {
      const { rows } = await sampler.query<{ app: string; query: string; state: string }>(
        `select application_name as app, query, state from pg_stat_activity where application_name like $1`,
        [`pgindex/${runId}/%`],
      );
      // Sessions running a statement: every session is connected from the start, busy or not.
      const workers = rows.filter((r) => !r.app.endsWith('/control') && r.state === 'active');
      maxSessions = Math.max(maxSessions, workers.length);
      const perTable = new Map<string, number>();
      for (const r of workers) {
        const m = /^CREATE INDEX CONCURRENTLY \S+ ON public\.(\w+)/.exec(r.query);
        if (m?.[1]) perTable.set(m[1], (perTable.get(m[1]) ?? 0) + 1);
      }
      maxPerTable = Math.max(maxPerTable, ...perTable.values(), 0);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const result = await executePlan(plan(steps, { parallelism: 3 }), { connection: connection(), sink: (e) => events.push(e), runId, progressIntervalMs: 100 });
  sampling = false;
  await samples;
  await sampler.end();

  assert.deepEqual(
    result.results.map((r) => r.state),
    steps.map(() => 'done'),
  );
  assert.equal(result.failed + result.cancelled, 0);
  for (const s of steps) assert.ok(await validIndex(s.index?.name ?? ''), `${s.index?.name} is valid`);
  assert.deepEqual(await invalidIndexes(), []);
  assert.ok(maxSessions <= 3, `at most 3 sessions, saw ${maxSessions}`);
  assert.ok(maxSessions >= 2, `the run was parallel, saw ${maxSessions} busy sessions`);
  assert.equal(maxPerTable, 1, 'never two CONCURRENTLY builds on one table at once');
  assert.ok(
    events.some((e) => e.type === 'progress' && e.phase.length > 0),
    'progress events came from pg_stat_progress_create_index',
  );
  assert.ok(result.results.every((r) => r.sizeBytes !== null && r.sizeBytes > 0));
  // Every done event has its index's true size: read in the plain build's own message, or after a
  // CONCURRENTLY build on its session.
  for (const s of steps) {
    const done = events.find((e): e is Extract<RunEvent, { type: 'done' }> => e.type === 'done' && e.stepId === s.id);
    const { rows } = await db.query<{ size: string }>('select pg_relation_size(to_regclass($1))::text as size', [`public.${s.index?.name ?? ''}`]);
    assert.equal(done?.sizeBytes, Number(rows[0]?.size), `${s.id}: done event size`);
  }
  const summary = events.at(-1);
  assert.equal(summary?.type, 'summary');
});

test('a plain build ending in a line comment (a SQL file\'s statement) runs with its size read in the same message', async () => {
  const step = build('tb', { concurrently: false });
  const commented = { ...step, sql: `${step.sql} -- built by a script; select 1/0` };
  const events: RunEvent[] = [];
  const result = await executePlan(plan([commented]), { connection: connection(), sink: (e) => events.push(e) });
  assert.equal(result.results[0]?.state, 'done', JSON.stringify(result.results[0]?.error));
  const done = events.find((e): e is Extract<RunEvent, { type: 'done' }> => e.type === 'done');
  assert.ok(done?.sizeBytes !== null && (done?.sizeBytes ?? 0) > 0, 'the done event carries the size');
  assert.ok(await validIndex(step.index?.name ?? ''));
});

test('a failing plain build reports the server\'s error and position for its own statement, and leaves no index', async () => {
  const step = build('tc', { concurrently: false });
  const broken = { ...step, sql: step.sql.replace('(slow(a))', '(slow(a::no_such_type))') };
  const result = await executePlan(plan([broken], { retries: 0 }), { connection: connection(), sink: () => undefined });
  const r = result.results[0];
  assert.equal(r?.state, 'failed');
  assert.equal(r?.error?.sqlstate, '42704');
  assert.equal(r?.error?.position, broken.sql.indexOf('no_such_type') + 1);
  assert.equal(await validIndex(step.index?.name ?? ''), false);
});

test('a session terminated mid-build is retried after its INVALID index is dropped', async () => {
  const step = build('victim');
  const events: RunEvent[] = [];
  const runId = 'kill' + Date.now().toString(36);
  const running = executePlan(plan([step], { parallelism: 1 }), {
    connection: connection(),
    sink: (e) => events.push(e),
    runId,
    backoff: { baseMs: 50, maxMs: 100 },
  });
  // Terminate once the build has registered its (still invalid) index and is scanning the table.
  const pid = await waitFor('the build to be scanning', async () => {
    const { rows } = await db.query<{ pid: number }>(
      `select p.pid from pg_stat_progress_create_index p join pg_stat_activity a using (pid)
        where a.application_name = $1 and p.phase like 'building index%'`,
      [`pgindex/${runId}/1`],
    );
    return rows[0]?.pid;
  });
  assert.equal((await invalidIndexes()).length, 1, 'the build in progress is an invalid index');
  await db.query('select pg_terminate_backend($1)', [pid]);
  const result = await running;

  const r = result.results[0];
  assert.equal(r?.state, 'done', JSON.stringify(r));
  assert.equal(r?.attempts, 2);
  const retry = events.find((e) => e.type === 'retry');
  assert.equal(retry?.type === 'retry' ? retry.error.sqlstate : undefined, '57P01');
  assert.ok(events.some((e) => e.type === 'cleanup' && e.dropped));
  assert.ok(await validIndex(step.index?.name ?? ''));
  assert.deepEqual(await invalidIndexes(), []);
});

test('a build blocked by a lock hits lock_timeout, is retried, and succeeds once the lock is released', async () => {
  const locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
  await locker.query('begin');
  await locker.query('lock table locked in access exclusive mode');
  const step = build('locked');
  const events: RunEvent[] = [];
  let released = false;
  const result = await executePlan(plan([step], { parallelism: 1, lockTimeoutMs: 100, retries: 8 }), {
    connection: connection(),
    backoff: { baseMs: 50, maxMs: 100 },
    sink: (e) => {
      events.push(e);
      // Release after the second lock timeout.
      if (e.type === 'retry' && e.attempt === 2 && !released) {
        released = true;
        void locker.query('commit').then(() => locker.end());
      }
    },
  });
  const r = result.results[0];
  assert.equal(r?.state, 'done', JSON.stringify(r));
  assert.equal(r?.attempts, 3);
  const retries = events.filter((e) => e.type === 'retry');
  assert.deepEqual(
    retries.map((e) => (e.type === 'retry' ? e.error.sqlstate : null)),
    ['55P03', '55P03'],
  );
  assert.ok(await validIndex(step.index?.name ?? ''));
  assert.deepEqual(await invalidIndexes(), []);
});

test('a failing step fails alone with its SQLSTATE; its dependents are skipped, the others go on', async () => {
  const bad: Step = { ...build('ta'), id: 'bad', sql: 'CREATE INDEX bad_one ON public.ta (nosuch)', index: { schema: 'public', name: 'bad_one' } };
  const dependent = build('tb', { dependsOn: ['bad'] });
  const other = build('tc', { concurrently: false });
  const result = await executePlan(plan([bad, dependent, other]), { connection: connection(), sink: () => undefined });
  const [rb, rd, ro] = result.results;
  assert.equal(rb?.state, 'failed');
  assert.equal(rb?.error?.sqlstate, '42703');
  assert.match(rb?.error?.message ?? '', /column "nosuch" does not exist/);
  assert.equal(rb?.attempts, 1, 'not transient: not retried');
  assert.equal(rd?.state, 'skipped');
  assert.match(rd?.reason ?? '', /depends on public\.bad_one, which failed/);
  assert.equal(ro?.state, 'done');
});

test('--fail-fast cancels the running build on the server and the rest of the queue', async () => {
  const bad: Step = build('ta', { concurrently: false, id: 'bad2', sql: 'SELECT 1/0', action: 'sql', index: null, table: null });
  const long = build('longer', { estimate: { pages: 1, cost: 10, sizeBytes: 0 } });
  const queued = build('tb');
  const events: RunEvent[] = [];
  const started = Date.now();
  const result = await executePlan(plan([bad, long, queued]), {
    connection: connection(),
    failFast: true,
    sink: (e) => events.push(e),
  });
  const states = Object.fromEntries(result.results.map((r) => [r.stepId, r.state]));
  assert.deepEqual(states, { bad2: 'failed', [long.id]: 'cancelled', [queued.id]: 'cancelled' });
  assert.equal(result.stoppedEarly, true);
  assert.ok(Date.now() - started < 3000, 'the long build was cancelled, not waited for');
  assert.deepEqual(await invalidIndexes(), [], 'the cancelled CONCURRENTLY build left nothing behind');
});

test('aborting the signal cancels running builds, drops their INVALID index and reports interrupted', async () => {
  const long = build('victim');
  const controller = new AbortController();
  const events: RunEvent[] = [];
  const running = executePlan(plan([long, build('ta')], { parallelism: 1 }), {
    connection: connection(),
    signal: controller.signal,
    progressIntervalMs: 50,
    sink: (e) => {
      events.push(e);
      if (e.type === 'progress' && e.phase.startsWith('building index')) controller.abort();
    },
  });
  const result = await running;
  assert.equal(result.interrupted, true);
  assert.deepEqual(
    result.results.map((r) => r.state),
    ['cancelled', 'cancelled'],
  );
  assert.ok(events.some((e) => e.type === 'cleanup' && e.dropped));
  assert.deepEqual(await invalidIndexes(), []);
});

test('a connection that cannot be made fails the run before anything starts, without the password', async () => {
  const url = new URL(db.url);
  url.password = 'wrong-secret';
  await assert.rejects(
    executePlan(plan([build('ta')]), { connection: { connectionString: url.toString() }, sink: () => undefined }),
    (e: unknown) => e instanceof ConnectionError && /password authentication failed/.test(e.message) && !e.message.includes('wrong-secret'),
  );
});

test('steps run exactly as planned: no skip by name, and an INVALID index of an earlier run is left to the plan', async () => {
  const existing = build('tb', { concurrently: false });
  await db.query(existing.sql);
  // An INVALID index under the step's name, as an interrupted CONCURRENTLY build of an earlier run leaves it.
  const earlier = build('tc');
  await db.query(`create index ${earlier.index?.name} on tc (a)`);
  await db.query(`update pg_index set indisvalid = false where indexrelid = $1::regclass`, [earlier.index?.name]);
  // The plan's own way to repair one: a drop-invalid step the rebuild depends on.
  const repairedName = `tc_repaired_${seq}`;
  await db.query(`create index ${repairedName} on tc (a)`);
  await db.query(`update pg_index set indisvalid = false where indexrelid = $1::regclass`, [repairedName]);
  const drop: Step = {
    ...build('tc'),
    id: 'drop-repaired',
    action: 'drop-invalid',
    sql: `DROP INDEX CONCURRENTLY IF EXISTS public.${repairedName}`,
    index: { schema: 'public', name: repairedName },
  };
  const rebuild = build('tc', { dependsOn: ['drop-repaired'], index: { schema: 'public', name: repairedName }, sql: `CREATE INDEX CONCURRENTLY ${repairedName} ON public.tc (slow(a))` });
  const events: RunEvent[] = [];
  const result = await executePlan(plan([existing, earlier, drop, rebuild], { parallelism: 1 }), { connection: connection(), sink: (e) => events.push(e) });
  assert.deepEqual(
    result.results.map((r) => [r.state, r.error?.sqlstate ?? null, r.attempts]),
    [
      ['failed', '42P07', 1],
      ['failed', '42P07', 1],
      ['done', null, 1],
      ['done', null, 1],
    ],
  );
  assert.ok(!events.some((e) => e.type === 'cleanup'), 'nothing dropped that this run did not create');
  assert.deepEqual(result.leftovers, []);
  assert.deepEqual(await invalidIndexes(), [earlier.index?.name], 'the earlier INVALID index is still there');
  assert.ok(await validIndex(repairedName));
  await db.query(`drop index ${earlier.index?.name}`);
});

test('every statement goes alone over the extended protocol, with the session settings applied', async () => {
  const checks: Step = build('ta', {
    id: 'checks',
    action: 'sql',
    table: null,
    index: null,
    // client_connection_check_interval: a build whose client vanished stops on the server.
    sql: `DO $$ begin
      if current_setting('client_connection_check_interval') <> '1s' then raise exception 'check interval %', current_setting('client_connection_check_interval'); end if;
      if current_setting('lock_timeout') <> '5s' then raise exception 'lock_timeout %', current_setting('lock_timeout'); end if;
    end $$`,
  });
  const smuggled: Step = { ...checks, id: 'two', sql: 'select 1; drop table ta' };
  const result = await executePlan(plan([checks, smuggled], { parallelism: 1 }), { connection: connection(), sink: () => undefined });
  assert.equal(result.results[0]?.state, 'done', JSON.stringify(result.results[0]?.error));
  assert.equal(result.results[1]?.state, 'failed');
  assert.equal(result.results[1]?.error?.sqlstate, '42601');
  assert.match(result.results[1]?.error?.message ?? '', /cannot insert multiple commands into a prepared statement/);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_class where relname = 'ta'");
  assert.equal(rows[0]?.n, 1, 'the second statement never ran');
});

test('losing the control connection again and again costs no step an attempt, and the run ends', async () => {
  const steps = [build('ta'), build('tb'), build('tc'), build('ta'), build('tb')];
  const events: RunEvent[] = [];
  const runId = 'ctl' + Date.now().toString(36);
  // Connecting is not what this is about: a connection lost while the run opens its sessions fails
  // the run by design, so the kills start once the run has begun (on a busy machine, connecting
  // took long enough for a kill to land in it).
  let begun = false;
  const running = executePlan(plan(steps, { parallelism: 2 }), {
    connection: connection(),
    sink: (e) => {
      events.push(e);
      if (e.type === 'begin') begun = true;
    },
    runId,
    progressIntervalMs: 20,
    backoff: { baseMs: 20, maxMs: 50 },
  });
  let settled = false;
  const settle = () => (settled = true);
  // Both ways: a rejection is reported by `await running` below, not as an unhandled rejection.
  void running.then(settle, settle);
  let kills = 0;
  while (!settled) {
    if (begun) {
      const { rows } = await db.query<{ n: number }>(
        'select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1) t',
        [`pgindex/${runId}/control`],
      );
      kills += rows[0]?.n ?? 0;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const result = await running;
  assert.ok(kills >= 2, `the control connection was terminated ${kills} times`);
  assert.deepEqual(
    result.results.map((r) => [r.state, r.attempts]),
    steps.map(() => ['done', 1]),
    JSON.stringify(events.filter((e) => e.type === 'warning' || e.type === 'failed' || e.type === 'retry')),
  );
  assert.ok(!events.some((e) => e.type === 'retry' || e.type === 'failed'));
  assert.deepEqual(await invalidIndexes(), []);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_stat_activity where application_name like $1", [`pgindex/${runId}/%`]);
  assert.equal(rows[0]?.n, 0, 'no connection outlives the run');
});

test('an interrupted build whose cleanup waits on an old transaction gives up within the cleanup lock_timeout and reports the leftover', async () => {
  const step = build('tb');
  const writer = new pg.Client({ connectionString: db.url });
  await writer.connect();
  await writer.query('begin');
  await writer.query('insert into tb values (0, 0)');
  const controller = new AbortController();
  const runId = 'bnd' + Date.now().toString(36);
  const events: RunEvent[] = [];
  const running = executePlan(plan([step], { parallelism: 1, lockTimeoutMs: 0 }), {
    connection: connection(),
    sink: (e) => events.push(e),
    signal: controller.signal,
    runId,
    cleanupLockTimeoutMs: 200,
  });
  try {
    await waitFor('the build to wait for the writer', async () => {
      const { rows } = await db.query(
        `select 1 from pg_stat_progress_create_index p join pg_stat_activity a using (pid)
          where a.application_name = $1 and p.phase like 'waiting for writers%'`,
        [`pgindex/${runId}/1`],
      );
      return rows[0];
    });
    const stoppedAt = Date.now();
    controller.abort();
    const result = await running;
    assert.ok(Date.now() - stoppedAt < 5000, 'the cleanup did not wait for the writer');
    assert.equal(result.results[0]?.state, 'cancelled');
    assert.deepEqual(result.leftovers, [`DROP INDEX CONCURRENTLY IF EXISTS public.${step.index?.name};`]);
    const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    assert.deepEqual(
      warnings.filter((w) => w.includes(`INVALID index public.${step.index?.name} is left behind`)).length,
      1,
      `one warning names the index: ${JSON.stringify(warnings)}`,
    );
  } finally {
    await writer.query('rollback');
    await writer.end();
  }
  await db.query(`drop index if exists ${step.index?.name}`);
  assert.deepEqual(await invalidIndexes(), []);
});

test("every plain build runs with its own memory, sent in its message only when the session lacks it, a failed build's taken back", async () => {
  // Raises unless the build runs with the memory it names: checked by the server, row by row.
  await db.query(`create function budget_is(i int, want text) returns int language plpgsql immutable as $$
    begin
      if current_setting('maintenance_work_mem') <> want then
        raise exception 'maintenance_work_mem is % where % was planned', current_setting('maintenance_work_mem'), want;
      end if;
      return i;
    end $$`);
  await db.query('create table budgets as select g as a from generate_series(1, 20) g');
  const MB = 1024 * 1024;
  const withMemory = (mb: number, over: Partial<Step> = {}): Step => {
    const step = build('budgets', { concurrently: false, parallelCapable: false, ...over });
    return {
      ...step,
      sql: step.sql.replace('(slow(a))', `((budget_is(a, '${mb}MB')))`),
      // Equal predicted seconds: plan order on one session.
      build: { kind: 'btree', calibrated: false, memoryBytes: mb * MB, usefulWorkers: 0, workers: 0, maintenanceWorkMemBytes: mb * MB, seconds: 1 },
    };
  };
  const failing = withMemory(19);
  const steps = [
    withMemory(17),
    withMemory(17), // the session has 17MB: nothing sent, and it holds
    { ...failing, sql: failing.sql.replace(`(budget_is(a, '19MB'))`, `((budget_is(a, '19MB') / 0))`) }, // fails: its 19MB is rolled back
    withMemory(19), // so 19MB is sent again
    withMemory(23, { concurrently: true }), // CONCURRENTLY: its SET goes alone
    withMemory(23), // and the plain build after it has it
    withMemory(17),
  ];
  const events: RunEvent[] = [];
  const result = await executePlan(plan(steps, { parallelism: 1, retries: 0, maintenanceWorkMemBytes: 1024 * MB }), { connection: connection(), sink: (e) => events.push(e) });
  assert.deepEqual(
    result.results.map((r) => [r.state, r.error?.sqlstate ?? null]),
    steps.map((_, i) => (i === 2 ? ['failed', '22012'] : ['done', null])),
    JSON.stringify(result.results.map((r) => r.error?.message)),
  );
  const starts = events.filter((e): e is Extract<RunEvent, { type: 'start' }> => e.type === 'start');
  assert.deepEqual(
    starts.map((e) => e.maintenanceWorkMemKb),
    [17, 17, 19, 19, 23, 23, 17].map((mb) => mb * 1024),
  );
});

test('a plain build costs its session one query, its budget and size read included, however the budgets alternate', async () => {
  await db.query('create table trips as select g as a from generate_series(1, 20) g');
  const MB = 1024 * 1024;
  const steps = [16, 32, 16, 32, 32, 16].map((mb) => {
    const step = build('trips', { concurrently: false, parallelCapable: false });
    return { ...step, sql: step.sql.replace('(slow(a))', '(a)'), build: { kind: 'btree', calibrated: false, memoryBytes: mb * MB, usefulWorkers: 0, workers: 0, maintenanceWorkMemBytes: mb * MB, seconds: 1 } };
  });
  const runId = 'trips' + Date.now().toString(36);
  // Every message a pg client sends is one query() call: counted per connection of this run.
  const queries = new Map<string, number>();
  const original = pg.Client.prototype.query;
  const counting = function (this: pg.Client, ...args: unknown[]): unknown {
    const app = (this as unknown as { connectionParameters?: { application_name?: string } }).connectionParameters?.application_name ?? '';
    if (app.startsWith(`pgindex/${runId}/`)) queries.set(app, (queries.get(app) ?? 0) + 1);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  pg.Client.prototype.query = counting as typeof pg.Client.prototype.query;
  let result;
  try {
    result = await executePlan(plan(steps, { parallelism: 1, maintenanceWorkMemBytes: 1024 * MB }), { connection: connection(), sink: () => undefined, runId });
  } finally {
    pg.Client.prototype.query = original;
  }
  assert.deepEqual(
    result.results.map((r) => r.state),
    steps.map(() => 'done'),
  );
  assert.ok(result.results.every((r) => (r.sizeBytes ?? 0) > 0), 'every size read');
  // One message of settings and backend pid at connect, then one per build.
  assert.deepEqual(Object.fromEntries(queries), { [`pgindex/${runId}/1`]: 1 + steps.length, [`pgindex/${runId}/control`]: 1 });
});
