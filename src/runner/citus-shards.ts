/**
 * On a Citus coordinator, a CREATE INDEX that returned is not yet proof of an index on every shard:
 * the build is checked on the nodes, and a shard copy that is INVALID or missing fails the step
 * (never a success while one shard is INVALID). The next plan sees the same copies and rebuilds.
 * While it runs, its progress is the shards' (pg_stat_progress_create_index on the nodes).
 */
import type { Plan, Step } from '../plan/types.js';
import { quoteMaybeQualified } from '../sql/quote.js';
import { shardBuildProgress, shardCopiesNotValid, type ShardBuildRow } from '../catalog/citus.js';
import { toProgressSample } from './control.js';
import type { Session } from './session.js';
import type { ProgressSample, StepError } from './types.js';

/** The error that fails the step, or null when every shard has a valid copy (or Citus is not involved). */
export async function shardBuildError(session: Session, step: Step, plan: Plan): Promise<StepError | null> {
  if (!plan.settings.citus || step.action !== 'create' || !step.index || !step.table) return null;
  const index = quoteMaybeQualified({ schema: step.index.schema || step.table.schema, name: step.index.name });
  const { missing, placements } = await shardCopiesNotValid(session, index);
  if (missing === 0) return null;
  return {
    sqlstate: null,
    message: `${index} has no valid copy on ${missing} of its ${placements} shard placements (a shard build failed or was cancelled): plan again to rebuild it`,
    detail: null,
    hint: null,
    position: null,
  };
}

/**
 * Progress of a build on a Citus table, over its shards: the share of placements built is the
 * percent, and the phase says how many are done and what the slowest running one is doing (the
 * coordinator's own backend only waits for the nodes meanwhile, with no progress row).
 */
export function shardProgressSample(p: { done: number; total: number; running: ShardBuildRow[] }): ProgressSample {
  const samples = p.running.map(toProgressSample);
  const slowest = samples.reduce<ProgressSample | null>((a, s) => (a === null || (s.percent ?? 0) < (a.percent ?? 0) ? s : a), null);
  const sum = (f: (s: ProgressSample) => number) => samples.reduce((a, s) => a + f(s), 0);
  return {
    phase: `${p.done} of ${p.total} shards built${slowest ? `, ${samples.length} building (slowest: ${slowest.phase})` : ''}`,
    blocksDone: sum((s) => s.blocksDone),
    blocksTotal: sum((s) => s.blocksTotal),
    tuplesDone: sum((s) => s.tuplesDone),
    tuplesTotal: sum((s) => s.tuplesTotal),
    percent: p.total > 0 ? Math.round((100 * p.done) / p.total) : null,
  };
}

/** The step's progress over its shards, or null when it is not a build on a Citus table (or the nodes cannot say). */
export async function shardProgress(session: Session, step: Step, plan: Plan): Promise<ProgressSample | null> {
  if (!plan.settings.citus || step.action !== 'create' || !step.index || !step.table) return null;
  await session.ensureOpen();
  const p = await shardBuildProgress(session, quoteMaybeQualified(step.table), quoteMaybeQualified({ schema: step.index.schema || step.table.schema, name: step.index.name }));
  return p ? shardProgressSample(p) : null;
}
