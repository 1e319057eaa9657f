/**
 * INVALID leftovers of failed CONCURRENTLY builds, against a real server: the server reports a
 * build's error before it clears the build's pg_stat_progress_create_index row, so a leftover check
 * that trusted the row right after the failure sometimes kept the INVALID index. These tests make
 * many builds fail at once, several times, and look for INVALID indexes after each run.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { executePlan } from '../../../src/runner/execute.js';
import { testPlan, testStep } from '../../support/step.js';
import type { Plan, Step } from '../../../src/plan/types.js';
import type { RunEvent } from '../../../src/runner/types.js';
import { quoteIdent } from '../../../src/sql/quote.js';

const TABLES = 6;
const ROUNDS = 8;
let db: TestDatabase;

before(async () => {
  db = await testDatabase();
  // Fails with serialization_failure (transient) the first time a sequence is used: a build that
  // fails once after its INVALID index is in the catalog, then succeeds on its retry.
  await db.query(`create function fail_once(seq regclass, i int) returns int language plpgsql immutable as $$
    begin if nextval(seq) = 1 then raise exception 'first attempt fails' using errcode = '40001'; end if; return i; end $$`);
  for (let t = 0; t < TABLES; t++) {
    // Duplicates in a: a unique build fails in its build phase, its INVALID index already committed.
    await db.query(`create table dup${t} as select g % 50 as a from generate_series(1, 400) g`);
    await db.query(`create sequence seq${t}`);
  }
  await db.query(`create table pt (k int not null, v int) partition by list (k)`);
  for (const k of [1, 2, 3]) await db.query(`create table pt${k} partition of pt for values in (${k})`);
  await db.query('insert into pt select g % 3 + 1, g from generate_series(1, 300) g');
});
after(async () => {
  await db?.drop();
});

function step(id: string, table: string, index: string, sql: string, over: Partial<Step> = {}): Step {
  return testStep({
    id,
    sql,
    reason: 'test',
    table: { schema: 'public', name: table },
    index: { schema: 'public', name: index },
    columns: ['a'],
    concurrently: true,
    parallelCapable: false,
    estimate: { pages: 1, cost: 1, sizeBytes: 0 },
    ...over,
  });
}

function plan(steps: Step[], parallelism = 2): Plan {
  return testPlan(steps, { parallelism, retries: 2 }, 150000);
}

async function invalidIndexes(): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('select indexrelid::regclass::text as name from pg_index where not indisvalid');
  return rows.map((r) => r.name);
}

test('a unique CONCURRENTLY build on duplicates never leaves its INVALID index behind', async () => {
  for (let round = 1; round <= ROUNDS; round++) {
    const steps = Array.from({ length: TABLES }, (_, t) =>
      step(`u${t}`, `dup${t}`, `dup${t}_a_uniq`, `CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(`dup${t}_a_uniq`)} ON public.dup${t} (a)`),
    );
    const events: RunEvent[] = [];
    const result = await executePlan(plan(steps), { connection: { connectionString: db.url }, sink: (e) => events.push(e) });
    assert.deepEqual(
      result.results.map((r) => [r.state, r.error?.sqlstate ?? null, r.attempts]),
      steps.map(() => ['failed', '23505', 1]),
      `round ${round}`,
    );
    assert.deepEqual(await invalidIndexes(), [], `round ${round}: no INVALID index is left`);
    const dropped = events.flatMap((e) => (e.type === 'cleanup' && e.dropped ? [e.index] : [])).sort();
    assert.deepEqual(dropped, steps.map((s) => `public.${s.index?.name}`).sort(), `round ${round}: every leftover was dropped`);
    assert.deepEqual(result.leftovers, []);
  }
});

test('a CONCURRENTLY build that fails transiently after registering its index is retried after its leftover is dropped', async () => {
  for (let round = 1; round <= ROUNDS; round++) {
    for (let t = 0; t < TABLES; t++) await db.query(`alter sequence seq${t} restart`);
    const steps = Array.from({ length: TABLES }, (_, t) =>
      step(`f${t}`, `dup${t}`, `dup${t}_flaky`, `CREATE INDEX CONCURRENTLY ${quoteIdent(`dup${t}_flaky`)} ON public.dup${t} (fail_once('seq${t}', a))`),
    );
    const events: RunEvent[] = [];
    const result = await executePlan(plan(steps), {
      connection: { connectionString: db.url },
      sink: (e) => events.push(e),
      backoff: { baseMs: 1, maxMs: 2 },
    });
    assert.deepEqual(
      result.results.map((r) => [r.state, r.attempts]),
      steps.map(() => ['done', 2]),
      `round ${round}: ${JSON.stringify(result.results.map((r) => r.error?.message ?? null))}`,
    );
    assert.deepEqual(await invalidIndexes(), [], `round ${round}: no INVALID index is left`);
    for (const s of steps) await db.query(`drop index ${quoteIdent(s.index?.name ?? '')}`);
  }
});

/** ON ONLY parent pt_v on pt, partition builds (the one of `failing` fails), attaches: as apply plans them. */
function partitioned(failing: number, foreign: number | null = null): Step[] {
  const parent = step('parent', 'pt', 'pt_v', 'CREATE INDEX pt_v ON ONLY public.pt (v)', { action: 'create-parent', concurrently: false, estimate: { pages: 1, cost: 100, sizeBytes: 0 } });
  const steps = [parent];
  for (const k of [1, 2, 3]) {
    const child = { schema: 'public', name: k === foreign ? `pt${k}_legacy` : `pt${k}_v` };
    const attach = (dependsOn: string[]) =>
      step(`attach${k}`, 'pt', 'pt_v', `ALTER INDEX public.pt_v ATTACH PARTITION public.${child.name}`, {
        action: 'attach',
        concurrently: false,
        attachChild: child,
        dependsOn: ['parent', ...dependsOn],
        estimate: { pages: 1, cost: 0, sizeBytes: 0 },
      });
    if (k === foreign) {
      steps.push(attach([]));
      continue;
    }
    const column = k === failing ? 'nosuch' : 'v';
    // The failing build comes last: the others are built and attached when it fails.
    steps.push(
      step(`build${k}`, `pt${k}`, child.name, `CREATE INDEX CONCURRENTLY ${child.name} ON public.pt${k} (${column})`, {
        dependsOn: ['parent'],
        estimate: { pages: 1, cost: k === failing ? 1 : 10, sizeBytes: 0 },
      }),
      attach([`build${k}`]),
    );
  }
  return steps;
}

async function indexesOf(table: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname as name from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid = $1::regclass order by 1`,
    [table],
  );
  return rows.map((r) => r.name);
}

test('an ON ONLY parent index whose partitions were not all attached is dropped at the end, with the partition indexes this run attached to it', async () => {
  const events: RunEvent[] = [];
  const result = await executePlan(plan(partitioned(3), 1), { connection: { connectionString: db.url }, sink: (e) => events.push(e) });
  const states = Object.fromEntries(result.results.map((r) => [r.stepId, r.state]));
  assert.deepEqual(states, { parent: 'done', build1: 'done', attach1: 'done', build2: 'done', attach2: 'done', build3: 'failed', attach3: 'skipped' });
  assert.deepEqual(await invalidIndexes(), []);
  assert.deepEqual([await indexesOf('pt'), await indexesOf('pt1'), await indexesOf('pt2')], [[], [], []], 'the parent went, and its attached partition indexes with it');
  const note = events.find((e) => e.type === 'note');
  assert.match(note?.type === 'note' ? note.message : '', /dropped public\.pt_v, created ON ONLY by this run .*\(public\.pt1_v, public\.pt2_v\); apply again/);
  assert.ok(events.some((e) => e.type === 'cleanup' && e.index === 'public.pt_v' && e.dropped));
  assert.deepEqual(result.leftovers, []);
});

test('--fail-fast: the parent is dropped as well', async () => {
  // The failing build first: everything else is cancelled before it starts.
  const steps = partitioned(1).map((s) => (s.id === 'build1' ? { ...s, estimate: { ...s.estimate, cost: 50 } } : s));
  const result = await executePlan(plan(steps, 1), { connection: { connectionString: db.url }, sink: () => undefined, failFast: true });
  assert.equal(result.stoppedEarly, true);
  assert.equal(result.results.find((r) => r.stepId === 'parent')?.state, 'done');
  assert.deepEqual(await invalidIndexes(), []);
  assert.deepEqual(await indexesOf('pt'), []);
  assert.deepEqual(result.leftovers, []);
});

test('a parent with a partition index this run did not build attached to it is left, with a warning and the statement that drops it', async () => {
  await db.query('create index pt3_legacy on pt3 (v)');
  const events: RunEvent[] = [];
  const result = await executePlan(plan(partitioned(2, 3), 1), { connection: { connectionString: db.url }, sink: (e) => events.push(e) });
  assert.equal(result.results.find((r) => r.stepId === 'attach3')?.state, 'done');
  assert.equal(result.results.find((r) => r.stepId === 'build2')?.state, 'failed');
  assert.deepEqual(result.leftovers, ['DROP INDEX IF EXISTS public.pt_v;']);
  const warning = events.find((e) => e.type === 'warning');
  assert.match(warning?.type === 'warning' ? warning.message : '', /public\.pt_v .* would also drop public\.pt3_legacy, which this run did not build/);
  assert.deepEqual(await indexesOf('pt3'), ['pt3_legacy'], "the user's index is still there");
  assert.deepEqual(await invalidIndexes(), ['pt_v']);
  await db.query('drop index pt_v');
  await db.query('drop index if exists pt1_v');
});
