/**
 * Which step starts next: pure, so the rules can be tested without a server.
 *
 * - A step starts only once every step it depends on is done.
 * - Longest estimated build first, so the big builds do not end up alone at the tail.
 * - Lock-aware, from each step's `lock`: CREATE INDEX takes a SHARE lock, which other plain builds
 *   share; CONCURRENTLY (and DROP INDEX CONCURRENTLY, ATTACH) take SHARE UPDATE EXCLUSIVE, which
 *   conflicts with both. A
 *   step that would only wait for a running step's lock is passed over for one on another table, so no
 *   session sits blocked on a lock pgindex itself holds.
 */
import { PlanningError } from '../errors.js';
import type { QualifiedName, Step } from '../plan/types.js';
import { lockModesConflict } from '../pg/locks.js';

export interface SchedulerView {
  /** Steps not started yet (and not ended), in plan order. */
  pending: readonly Step[];
  running: readonly Step[];
  /** Ids of steps whose dependents may start: done. */
  satisfied: ReadonlySet<string>;
}

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

export function isReady(step: Step, satisfied: ReadonlySet<string>): boolean {
  return step.dependsOn.every((id) => satisfied.has(id));
}

/** The step to start now, or null when every ready step would wait for a running step's lock. */
export function nextStep(view: SchedulerView): Step | null {
  let best: Step | null = null;
  for (const step of view.pending) {
    if (!isReady(step, view.satisfied)) continue;
    if (view.running.some((r) => locksConflict(step, r))) continue;
    // Strictly greater keeps plan order among equal costs: deterministic.
    if (best === null || step.estimate.cost > best.estimate.cost) best = step;
  }
  return best;
}

/** Every step that depends on `id`, directly or through others. */
export function dependentsOf(steps: readonly Step[], id: string): Set<string> {
  const out = new Set<string>();
  const queue = [id];
  while (queue.length > 0) {
    const current = queue.pop() as string;
    for (const s of steps) {
      if (!out.has(s.id) && s.dependsOn.includes(current)) {
        out.add(s.id);
        queue.push(s.id);
      }
    }
  }
  return out;
}

/** Unique ids, known dependencies, no cycles: otherwise the run could never finish. */
export function validateSteps(steps: readonly Step[]): void {
  const ids = new Set<string>();
  for (const s of steps) {
    if (ids.has(s.id)) throw new PlanningError(`the plan has two steps with id "${s.id}"`);
    ids.add(s.id);
  }
  for (const s of steps) {
    for (const d of s.dependsOn) {
      if (!ids.has(d)) throw new PlanningError(`step "${s.id}" depends on unknown step "${d}"`);
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const visit = (id: string, path: string[]) => {
    const seen = state.get(id);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new PlanningError(`the plan's steps depend on each other in a cycle: ${[...path, id].join(' → ')}`);
    state.set(id, 'visiting');
    for (const d of byId.get(id)?.dependsOn ?? []) visit(d, [...path, id]);
    state.set(id, 'done');
  };
  for (const s of steps) visit(s.id, []);
}
