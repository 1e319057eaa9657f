import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependentsOf, locksConflict, Scheduler, validateSteps } from '../../../src/runner/scheduler.js';
import { PlanningError } from '../../../src/errors.js';
import type { Step } from '../../../src/plan/types.js';
import { LOCK_MODES, type LockMode } from '../../../src/pg/locks.js';
import { testStep } from '../../support/step.js';

function step(id: string, over: Partial<Step> = {}): Step {
  return testStep({ id, ...over });
}

const cost = (c: number) => ({ estimate: { pages: c, cost: c, sizeBytes: 0 } });
const table = (name: string, schema = 'public') => ({ table: { schema, name } });

// The scan the Scheduler replaced (O(pending) per dispatch), kept as the reference its choices are
// checked against: the same step, every time.
interface SchedulerView {
  pending: readonly Step[];
  running: readonly Step[];
  satisfied: ReadonlySet<string>;
}

function isReady(step: Step, satisfied: ReadonlySet<string>): boolean {
  return step.dependsOn.every((id) => satisfied.has(id));
}

function nextStep(view: SchedulerView): Step | null {
  let best: Step | null = null;
  for (const step of view.pending) {
    if (!isReady(step, view.satisfied)) continue;
    if (view.running.some((r) => locksConflict(step, r))) continue;
    if (best === null || step.estimate.cost > best.estimate.cost) best = step;
  }
  return best;
}

/**
 * A Scheduler and the reference driven side by side, the reference's state kept as the runner kept
 * it before (a pending array in queue order, a running list, a satisfied set): every pick is
 * checked to be the same step.
 */
class Both {
  readonly scheduler: Scheduler;
  pending: Step[];
  running: Step[] = [];
  readonly satisfied = new Set<string>();

  constructor(readonly steps: Step[]) {
    this.scheduler = new Scheduler(steps);
    this.pending = [...steps];
  }

  next(): string | null {
    const expected = nextStep({ pending: this.pending, running: this.running, satisfied: this.satisfied });
    const got = this.scheduler.next();
    assert.equal(got?.id ?? null, expected?.id ?? null, 'the Scheduler and the reference scan pick the same step');
    if (got) {
      this.pending = this.pending.filter((s) => s !== got);
      this.running.push(got);
    }
    return got?.id ?? null;
  }

  /** The step's statement returned done: dependents may start, and its lock is released. */
  done(id: string): void {
    const s = this.byId(id);
    this.satisfied.add(id);
    this.scheduler.satisfy(s);
    this.release(id);
  }

  release(id: string): void {
    const s = this.byId(id);
    this.running = this.running.filter((r) => r !== s);
    this.scheduler.release(s);
  }

  requeue(id: string): void {
    const s = this.byId(id);
    this.pending.push(s);
    this.scheduler.requeue(s);
  }

  withdraw(id: string): void {
    const s = this.byId(id);
    this.pending = this.pending.filter((p) => p !== s);
    this.scheduler.withdraw(s);
  }

  byId(id: string): Step {
    const s = this.steps.find((x) => x.id === id);
    if (!s) throw new Error(id);
    return s;
  }

  checkPending(): void {
    assert.deepEqual(
      this.scheduler.pendingInOrder().map((s) => s.id),
      this.pending.map((s) => s.id),
    );
    assert.equal(this.scheduler.pendingCount, this.pending.length);
    assert.equal(this.scheduler.pendingBuilds, this.pending.filter((s) => s.action === 'create').length);
  }
}

test('the longest estimated build starts first; ties keep plan order', () => {
  const run = new Both([step('a', cost(10)), step('b', cost(30)), step('c', cost(30)), step('d', cost(5))]);
  assert.equal(run.next(), 'b');
  assert.equal(run.next(), 'c');
  assert.equal(run.next(), 'a');
  assert.equal(run.next(), 'd');
  assert.equal(run.next(), null);
});

test('a step waits until every dependency is satisfied', () => {
  const parent = step('parent', { action: 'create-parent', ...cost(0) });
  const part = step('part', { dependsOn: ['parent'], ...cost(100), ...table('t_1') });
  const attach = step('attach', { action: 'attach', dependsOn: ['parent', 'part'], ...cost(0) });
  const run = new Both([part, attach, parent]);
  assert.equal(run.next(), 'parent');
  assert.equal(run.next(), null);
  run.done('parent');
  assert.equal(run.next(), 'part');
  // attach waits for part, which runs
  assert.equal(run.next(), null);
  run.done('part');
  assert.equal(run.next(), 'attach');
});

test('a dependency that is running, not done, keeps its dependents waiting even once its lock is released', () => {
  const run = new Both([step('a', cost(5)), step('b', { dependsOn: ['a'], ...cost(50), ...table('other') })]);
  assert.equal(run.next(), 'a');
  run.release('a');
  assert.equal(run.next(), null);
  run.done('a');
  assert.equal(run.next(), 'b');
});

test('never two CONCURRENTLY builds on one table: another table is picked instead', () => {
  const a1 = step('a1', { concurrently: true, ...table('a'), ...cost(100) });
  const a2 = step('a2', { concurrently: true, ...table('a'), ...cost(90) });
  const b1 = step('b1', { concurrently: true, ...table('b'), ...cost(10) });
  // the same name in another schema is another table
  const other = step('o', { concurrently: true, ...table('a', 'other'), ...cost(1) });
  const run = new Both([a1, a2, b1, other]);
  assert.equal(run.next(), 'a1');
  assert.equal(run.next(), 'b1');
  assert.equal(run.next(), 'o');
  assert.equal(run.next(), null);
  run.release('b1');
  assert.equal(run.next(), null, 'a2 still waits for a1');
  run.release('a1');
  assert.equal(run.next(), 'a2');
});

test('plain builds on one table run together (SHARE locks are compatible), but not beside a CONCURRENTLY one', () => {
  const c = step('c', { concurrently: true, ...cost(60) });
  const p1 = step('p1', { ...cost(50) });
  const p2 = step('p2', { ...cost(40) });
  const c2 = step('c2', { concurrently: true, ...cost(30) });
  const run = new Both([c, p1, p2, c2]);
  assert.equal(run.next(), 'c');
  assert.equal(run.next(), null, 'plain builds wait beside a CONCURRENTLY one');
  run.release('c');
  assert.equal(run.next(), 'p1');
  assert.equal(run.next(), 'p2', 'two plain builds share the table');
  assert.equal(run.next(), null, 'a CONCURRENTLY build waits beside plain ones');
  run.release('p1');
  assert.equal(run.next(), null);
  run.release('p2');
  assert.equal(run.next(), 'c2');
});

test('a table of unknown schema (a SQL file) conflicts with that name in any schema; unknown tables never conflict', () => {
  const known = step('k', { concurrently: true, ...table('t', 'public') });
  const bare = step('b', { concurrently: true, ...table('t', '') });
  assert.equal(locksConflict(known, bare), true);
  const sql1 = step('s1', { action: 'sql', table: null, index: null, concurrently: false });
  const sql2 = step('s2', { action: 'sql', table: null, index: null, concurrently: false });
  assert.equal(locksConflict(sql1, sql2), false);
  assert.equal(locksConflict(sql1, known), false);

  const elsewhere = step('e', { concurrently: true, ...table('t', 'other'), ...cost(1) });
  const run = new Both([step('k', { concurrently: true, ...table('t', 'public'), ...cost(3) }), step('b', { concurrently: true, ...table('t', ''), ...cost(2) }), elsewhere]);
  assert.equal(run.next(), 'k');
  assert.equal(run.next(), 'e', 'other.t is another table than public.t');
  assert.equal(run.next(), null, 'a bare t waits for public.t and other.t');
  run.release('k');
  assert.equal(run.next(), null, 'and still for other.t');
  run.release('e');
  assert.equal(run.next(), 'b');

  const free = new Both([step('s1', { action: 'sql', table: null, index: null, ...cost(0) }), step('s2', { action: 'sql', table: null, index: null, ...cost(0) })]);
  assert.equal(free.next(), 's1');
  assert.equal(free.next(), 's2');
});

test('DROP INDEX CONCURRENTLY and ATTACH take the self-conflicting lock too', () => {
  const build = step('b');
  for (const action of ['drop-invalid', 'attach'] as const) {
    assert.equal(locksConflict(build, step('x', { action, concurrently: false })), true, action);
    const run = new Both([step('b', cost(2)), step('x', { action, concurrently: false, ...cost(1) })]);
    assert.equal(run.next(), 'b');
    assert.equal(run.next(), null, action);
    run.release('b');
    assert.equal(run.next(), 'x', action);
  }
});

test('a retried step goes back behind the queued steps of its cost; an ended pending step leaves the queue', () => {
  const run = new Both([step('a', { ...cost(10), ...table('a') }), step('b', { ...cost(10), ...table('b') }), step('c', { ...cost(10), ...table('c') }), step('d', { dependsOn: ['c'], ...table('d') })]);
  assert.equal(run.next(), 'a');
  run.release('a');
  run.requeue('a');
  run.checkPending();
  assert.equal(run.next(), 'b');
  run.withdraw('c');
  run.withdraw('d');
  run.checkPending();
  assert.equal(run.next(), 'a');
  assert.equal(run.next(), null);
  run.checkPending();
  assert.equal(run.scheduler.pendingCount, 0);
});

test('dependentsOf follows dependencies transitively', () => {
  const steps = [step('a'), step('b', { dependsOn: ['a'] }), step('c', { dependsOn: ['b'] }), step('d')];
  assert.deepEqual([...dependentsOf(steps, 'a')].sort(), ['b', 'c']);
  assert.deepEqual([...dependentsOf(steps, 'd')], []);
  const scheduler = new Scheduler(steps);
  assert.deepEqual(
    scheduler.dependentsOf('a').map((s) => s.id),
    ['b'],
  );
  assert.deepEqual([...scheduler.allDependentsOf('a')].sort(), ['b', 'c']);
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

/** A small deterministic generator (mulberry32), so that a failing seed can be replayed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomPlan(random: () => number, n: number): Step[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const names = ['t1', 't2', 't3', 't4'];
  const schemas = ['public', 'other', ''];
  const locks: (LockMode | null)[] = [null, 'ShareLock', 'ShareUpdateExclusiveLock', 'ShareUpdateExclusiveLock', ...LOCK_MODES];
  const actions = ['create', 'create', 'create', 'create-parent', 'attach', 'drop-invalid', 'sql'] as const;
  const steps: Step[] = [];
  for (let i = 0; i < n; i++) {
    const deps = new Set<string>();
    if (i > 0 && random() < 0.3) {
      const k = 1 + Math.floor(random() * 3);
      for (let j = 0; j < k; j++) deps.add(`s${Math.floor(random() * i)}`);
    }
    steps.push(
      step(`s${i}`, {
        action: pick(actions),
        table: random() < 0.1 ? null : { schema: pick(schemas), name: pick(names) },
        lock: pick(locks),
        // Few distinct costs: ties are common, and must keep queue order.
        ...cost(Math.floor(random() * 4) * 10),
        dependsOn: [...deps],
      }),
    );
  }
  return steps;
}

test('on random plans the Scheduler picks exactly the steps the scan picked, in the same order', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const random = generator(seed);
    const steps = randomPlan(random, 5 + Math.floor(random() * 60));
    const run = new Both(steps);
    const sessions = 1 + Math.floor(random() * 4);
    const ended = new Set<string>();
    const retried = new Map<string, number>();
    /** Steps in a retry wait: they come back later, behind the queue. */
    const waiting: string[] = [];
    const skipDependents = (id: string) => {
      for (const d of run.scheduler.dependentsOf(id)) {
        if (!ended.has(d.id) && run.pending.includes(d)) {
          ended.add(d.id);
          run.withdraw(d.id);
          skipDependents(d.id);
        }
      }
    };
    let guard = 0;
    while (ended.size < steps.length) {
      assert.ok(guard++ < 100_000, `seed ${seed}: the run never ends`);
      while (run.running.length < sessions && run.next() !== null) {
        // keep filling the free sessions, as pump() does
      }
      const r = random();
      if (waiting.length > 0 && (r < 0.2 || run.running.length === 0)) {
        const id = waiting.splice(Math.floor(random() * waiting.length), 1)[0] as string;
        run.requeue(id);
        continue;
      }
      const running = run.running[Math.floor(random() * run.running.length)];
      assert.ok(running, `seed ${seed}: nothing runs, nothing waits, yet steps are pending`);
      const outcome = random();
      if (outcome < 0.1 && (retried.get(running.id) ?? 0) < 2) {
        retried.set(running.id, (retried.get(running.id) ?? 0) + 1);
        run.release(running.id);
        waiting.push(running.id);
      } else if (outcome < 0.2) {
        ended.add(running.id);
        run.release(running.id);
        skipDependents(running.id);
      } else {
        ended.add(running.id);
        run.done(running.id);
      }
      run.checkPending();
    }
    assert.equal(run.next(), null);
  }
});

test('dispatching many steps is near-linear: 10 times the steps cost far less than 100 times the time', () => {
  const make = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      step(`s${i}`, { concurrently: i % 2 === 0, ...table(`t${i % 50}`), ...cost(i % 7), dependsOn: i % 10 === 9 ? [`s${i - 1}`] : [] }),
    );
  /** CPU time (less disturbed by a busy machine than wall time) to start and finish every step on 4 sessions. */
  const cpuMs = (steps: Step[]) => {
    const before = process.cpuUsage();
    const scheduler = new Scheduler(steps);
    const running: Step[] = [];
    let started = 0;
    while (started < steps.length) {
      let s;
      while (running.length < 4 && (s = scheduler.next()) !== null) {
        running.push(s);
        started++;
      }
      const finished = running.shift();
      assert.ok(finished, 'a step is always running or ready');
      scheduler.satisfy(finished);
      scheduler.release(finished);
    }
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000;
  };
  const small = make(2_000);
  const large = make(20_000);
  cpuMs(small); // warm-up
  const smallMs = cpuMs(small);
  const largeMs = cpuMs(large);
  // n log n makes 10 times the steps about 12 times the work; the scan this replaced, 100 times.
  assert.ok(largeMs < Math.max(smallMs, 5) * 40, `2,000 steps: ${smallMs.toFixed(0)} ms; 20,000 steps: ${largeMs.toFixed(0)} ms of CPU`);
});

test('whyBlocked names the ready step that waits for a table and the running step that holds it; nothing when the rest wait for dependencies', () => {
  const a = step('a', { ...table('orders'), ...cost(10), concurrently: true });
  const b = step('b', { ...table('orders'), ...cost(5), concurrently: true });
  const c = step('c', { ...table('items'), ...cost(1), concurrently: true, dependsOn: ['a'] });
  const s = new Scheduler([a, b, c]);
  assert.equal(s.whyBlocked(), null, 'nothing running, nothing blocked');
  assert.equal(s.next()?.id, 'a');
  assert.equal(s.next(), null, 'b waits for orders, c for a');
  const why = s.whyBlocked();
  assert.deepEqual([why?.step.id, why?.holder.id], ['b', 'a']);
  s.release(a);
  s.satisfy(a);
  s.withdraw(a);
  assert.equal(s.next()?.id, 'b');
  assert.equal(s.next()?.id, 'c', 'items is free');
  assert.equal(s.whyBlocked(), null, 'the parked step started: nothing waits for a table any more');
});
