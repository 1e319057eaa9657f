/**
 * Which step starts next: pure, so the rules can be tested without a server.
 *
 * - A step starts only once every step it depends on is done, and every step it comes `after` has
 *   ended (in any state).
 * - Longest build first, so the big builds do not end up alone at the tail: by the cost model's
 *   predicted seconds (Step.build), or the relative estimate where there is none (a statement of a
 *   SQL file); among equal costs, queue order (plan order, and a retried step behind the steps already queued).
 * - Lock-aware, from each step's `lock`: CREATE INDEX takes a SHARE lock, which other plain builds
 *   share; CONCURRENTLY (and DROP INDEX CONCURRENTLY, ATTACH) take SHARE UPDATE EXCLUSIVE, which
 *   conflicts with both. A step that would only wait for a running step's lock is passed over for
 *   one on another table, so no session sits blocked on a lock pgindex itself holds.
 *
 * The Scheduler keeps this state between dispatches, so that starting n steps costs O(n log n)
 * instead of a scan of every pending step per dispatch (a 400,000-statement `pgindex run` was
 * quadratic): a dependency counter per step; a ready queue (a heap by cost, then queue order); and
 * parking lots for ready steps that conflict with a running step's lock. A parking lot holds steps
 * of one table and one lock mode: whether a step conflicts with the running steps depends only on
 * those two, so the steps of a lot are blocked or free together. When a running step on a table
 * ends, only the best step of each lot on that table goes back to the ready queue, and the next one
 * follows when that one starts; a blocked lot costs nothing per dispatch.
 */
import { PlanningError } from '../errors.js';
import type { QualifiedName, Step } from '../plan/types.js';
import { lockModesConflict } from '../pg/locks.js';
import { isIndexBuild } from '../cost/budget.js';
import { Heap } from './heap.js';

/** Same table; a schema of '' means "as the search_path resolves it" and matches any schema. */
export function sameTable(a: QualifiedName | null, b: QualifiedName | null): boolean {
  if (!a || !b || a.name !== b.name) return false;
  return a.schema === b.schema || a.schema === '' || b.schema === '';
}

/** The two steps' table locks conflict (PostgreSQL's conflict table); a step of unknown lock conflicts with none. */
export function locksConflict(a: Step, b: Step): boolean {
  if (a.lock === null || b.lock === null || !sameTable(a.table, b.table)) return false;
  return lockModesConflict(a.lock, b.lock);
}

/** A step whose lock can conflict with another step's: it has a table and a known lock. */
type Locking = Step & { table: QualifiedName; lock: NonNullable<Step['lock']> };

function locking(step: Step): step is Locking {
  return step.table !== null && step.lock !== null;
}

interface Slot {
  readonly step: Step;
  /**
   * waiting: pending, some dependency not done yet; ready: pending, in the ready queue or a parking
   * lot; away: not pending (running, in a retry wait, or ended).
   */
  state: 'waiting' | 'ready' | 'away';
  /** Position in the queue: plan order at first, past every earlier one when requeued. */
  order: number;
  /** Dependencies (distinct) not done yet. */
  unmet: number;
  done: boolean;
  /** Direct dependents, in plan order. */
  readonly dependents: Slot[];
  /** Steps that come after this one (Step.after) without depending on it. */
  readonly followers: Slot[];
  /** ended() was called: the followers were told. */
  ended: boolean;
  /** The parking lot of the step's table and lock (created when first needed). */
  lot: ParkingLot | null;
}

/** A queue entry; stale once its slot left the queue or was queued again under a later order. */
interface Ticket {
  readonly slot: Slot;
  readonly order: number;
  /** The step's estimated cost, kept here so that comparing two tickets reads nothing else. */
  readonly cost: number;
}

/** Ready steps of one table and one lock mode that conflict with a running step, best first. */
interface ParkingLot {
  tickets: Heap<Ticket>;
}

/** Longest estimated cost first; equal costs in queue order (strictly greater wins in the scan this replaces). */
function before(a: Ticket, b: Ticket): boolean {
  return a.cost > b.cost || (a.cost === b.cost && a.order < b.order);
}

export class Scheduler {
  private readonly slots = new Map<string, Slot>();
  private readonly ready = new Heap<Ticket>(before);
  /** Parking lots by table name (schema left out: a schema of '' matches any), then by schema and lock. */
  private readonly lots = new Map<string, Map<string, ParkingLot>>();
  /** Running steps that hold a known lock on a table, by table name; one entry per start. */
  private readonly running = new Map<string, Locking[]>();
  /** Parking lots that may hold a ready step: where to look for why nothing can start (whyBlocked). */
  private readonly parked = new Set<ParkingLot>();
  private nextOrder: number;
  private pending = 0;
  private builds = 0;

  /** `steps` must have passed validateSteps. */
  constructor(steps: readonly Step[]) {
    steps.forEach((step, i) => {
      this.slots.set(step.id, { step, state: 'waiting', order: i, unmet: 0, done: false, dependents: [], followers: [], ended: false, lot: null });
    });
    this.nextOrder = steps.length;
    for (const step of steps) {
      const slot = this.slotOf(step.id);
      for (const id of new Set(step.dependsOn)) {
        slot.unmet++;
        this.slots.get(id)?.dependents.push(slot);
      }
      for (const id of new Set(step.after ?? [])) {
        if (step.dependsOn.includes(id)) continue;
        slot.unmet++;
        this.slots.get(id)?.followers.push(slot);
      }
    }
    for (const slot of this.slots.values()) {
      this.pending++;
      if (isIndexBuild(slot.step)) this.builds++;
      if (slot.unmet === 0) this.enqueue(slot);
    }
  }

  /** Steps not started and not ended (a step waiting to be retried is not pending). */
  get pendingCount(): number {
    return this.pending;
  }

  /** Index builds among the pending steps: the budget shares memory and cores with them. */
  get pendingBuilds(): number {
    return this.builds;
  }

  isPending(id: string): boolean {
    const slot = this.slots.get(id);
    return slot !== undefined && slot.state !== 'away';
  }

  /** The pending steps in queue order (a stop cancels them in this order). O(n log n); not for every dispatch. */
  pendingInOrder(): Step[] {
    return [...this.slots.values()]
      .filter((s) => s.state !== 'away')
      .sort((a, b) => a.order - b.order)
      .map((s) => s.step);
  }

  /** The steps that depend directly on this one, in plan order. */
  dependentsOf(id: string): Step[] {
    return (this.slots.get(id)?.dependents ?? []).map((s) => s.step);
  }

  /** Every step that depends on this one, directly or through others. */
  allDependentsOf(id: string): Set<string> {
    const out = new Set<string>();
    const stack = [...(this.slots.get(id)?.dependents ?? [])];
    while (stack.length > 0) {
      const slot = stack.pop() as Slot;
      if (out.has(slot.step.id)) continue;
      out.add(slot.step.id);
      stack.push(...slot.dependents);
    }
    return out;
  }

  /**
   * The step to start now, or null when no pending step is ready or every ready one would wait for
   * a running step's lock. The step counts as running (its lock blocks others) until release().
   */
  next(): Step | null {
    for (let ticket = this.ready.pop(); ticket !== undefined; ticket = this.ready.pop()) {
      const slot = ticket.slot;
      if (!this.live(ticket)) {
        // It may have stood in for its parking lot: the lot's next step takes its place.
        this.unpark(slot.lot);
        continue;
      }
      const step = slot.step;
      if (locking(step) && this.blocked(step)) {
        const lot = this.lotOf(slot, step);
        lot.tickets.push(ticket);
        this.parked.add(lot);
        continue;
      }
      this.leave(slot);
      if (locking(step)) {
        const holders = this.running.get(step.table.name);
        if (holders) holders.push(step);
        else this.running.set(step.table.name, [step]);
        // The lot was free of conflicts up to now; this start may block it, which its next step finds out.
        this.unpark(slot.lot);
      }
      return step;
    }
    return null;
  }

  /**
   * Why next() has nothing to start although steps are ready: the best ready step that waits for a
   * table, and the running step whose lock it waits for; null when no ready step waits for a lock
   * (the pending ones wait for their dependencies). Looks only at the parking lots that hold
   * something, so it costs nothing in a run where nothing waits for a table.
   */
  whyBlocked(): { step: Step; holder: Step } | null {
    for (const lot of this.parked) {
      let top = lot.tickets.peek();
      while (top !== undefined && !this.live(top)) {
        lot.tickets.pop();
        top = lot.tickets.peek();
      }
      if (top === undefined) {
        this.parked.delete(lot);
        continue;
      }
      const step = top.slot.step;
      if (!locking(step)) continue;
      const holder = this.running.get(step.table.name)?.find((r) => sameTable(step.table, r.table) && lockModesConflict(step.lock, r.lock));
      if (holder) return { step, holder };
    }
    return null;
  }

  /** The step's statement has returned: its lock no longer blocks anything. */
  release(step: Step): void {
    if (!locking(step)) return;
    const holders = this.running.get(step.table.name);
    const i = holders?.indexOf(step) ?? -1;
    if (!holders || i < 0) return;
    holders.splice(i, 1);
    if (holders.length === 0) this.running.delete(step.table.name);
    // Only a lot of this table name can have been blocked by it; each sends its best step back.
    for (const lot of this.lots.get(step.table.name)?.values() ?? []) this.unpark(lot);
  }

  /** The step is done: the steps that waited only for it are ready. */
  satisfy(step: Step): void {
    const slot = this.slots.get(step.id);
    if (!slot || slot.done) return;
    slot.done = true;
    for (const dependent of slot.dependents) {
      dependent.unmet--;
      if (dependent.unmet === 0 && dependent.state === 'waiting') this.enqueue(dependent);
    }
  }

  /** The step has ended, in whatever state: the steps that only come after it may start. */
  ended(step: Step): void {
    const slot = this.slots.get(step.id);
    if (!slot || slot.ended) return;
    slot.ended = true;
    for (const follower of slot.followers) {
      follower.unmet--;
      if (follower.unmet === 0 && follower.state === 'waiting') this.enqueue(follower);
    }
  }

  /** A pending step ended without starting (skipped, cancelled): it leaves the queue. */
  withdraw(step: Step): void {
    const slot = this.slots.get(step.id);
    if (slot && slot.state !== 'away') this.leave(slot);
  }

  /** A step back after a retry wait: pending again, behind the steps already queued at its cost. */
  requeue(step: Step): void {
    const slot = this.slots.get(step.id);
    if (!slot || slot.state !== 'away') return;
    slot.order = this.nextOrder++;
    this.pending++;
    if (isIndexBuild(step)) this.builds++;
    this.enqueue(slot);
  }

  private slotOf(id: string): Slot {
    const slot = this.slots.get(id);
    if (!slot) throw new Error(`unknown step "${id}"`);
    return slot;
  }

  private enqueue(slot: Slot): void {
    slot.state = 'ready';
    this.ready.push({ slot, order: slot.order, cost: slot.step.build?.seconds ?? slot.step.estimate.cost });
  }

  private leave(slot: Slot): void {
    slot.state = 'away';
    this.pending--;
    if (isIndexBuild(slot.step)) this.builds--;
  }

  private live(ticket: Ticket): boolean {
    return ticket.slot.state === 'ready' && ticket.slot.order === ticket.order;
  }

  /** A running step holds a lock on the step's table that conflicts with the step's. */
  private blocked(step: Locking): boolean {
    const holders = this.running.get(step.table.name);
    return holders !== undefined && holders.some((r) => sameTable(step.table, r.table) && lockModesConflict(step.lock, r.lock));
  }

  private lotOf(slot: Slot, step: Locking): ParkingLot {
    if (slot.lot) return slot.lot;
    let byKey = this.lots.get(step.table.name);
    if (!byKey) this.lots.set(step.table.name, (byKey = new Map()));
    const key = `${step.table.schema}\u0000${step.lock}`;
    let lot = byKey.get(key);
    if (!lot) byKey.set(key, (lot = { tickets: new Heap<Ticket>(before) }));
    slot.lot = lot;
    return lot;
  }

  /** Sends the best live step of a lot back to the ready queue, where it is checked again. */
  private unpark(lot: ParkingLot | null): void {
    if (!lot) return;
    for (let ticket = lot.tickets.pop(); ticket !== undefined; ticket = lot.tickets.pop()) {
      if (!this.live(ticket)) continue;
      this.ready.push(ticket);
      return;
    }
  }
}

/** Every step that depends on `id`, directly or through others. */
export function dependentsOf(steps: readonly Step[], id: string): Set<string> {
  return new Scheduler(steps).allDependentsOf(id);
}

/** Unique ids, known dependencies, no cycles: otherwise the run could never finish. */
export function validateSteps(steps: readonly Step[]): void {
  const ids = new Set<string>();
  for (const s of steps) {
    if (ids.has(s.id)) throw new PlanningError(`the plan has two steps with id "${s.id}"`);
    ids.add(s.id);
  }
  for (const s of steps) {
    for (const d of [...s.dependsOn, ...(s.after ?? [])]) {
      if (!ids.has(d)) throw new PlanningError(`step "${s.id}" depends on unknown step "${d}"`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  // One path, pushed and popped: copying it at every step made deep dependency chains quadratic.
  const path: string[] = [];
  const visit = (id: string) => {
    const seen = state.get(id);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new PlanningError(`the plan's steps depend on each other in a cycle: ${[...path, id].join(' → ')}`);
    state.set(id, 'visiting');
    path.push(id);
    const step = byId.get(id);
    for (const d of step?.dependsOn ?? []) visit(d);
    for (const d of step?.after ?? []) visit(d);
    path.pop();
    state.set(id, 'done');
  };
  for (const s of steps) visit(s.id);
}
