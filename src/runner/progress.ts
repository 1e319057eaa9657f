/**
 * What a run reports while it runs, from the control connection: a progress event per long build
 * every interval (pg_stat_progress_create_index), and the index sizes of finished builds. The
 * interval also repeats cancellations a stopping run's builds have not obeyed yet.
 */
import type { Step } from '../plan/types.js';
import { indexKey } from './control.js';
import { describeWait, nextWait, runTimesWaits, waitBudget, waitExceeded } from './build-waits.js';
import type { StepLedger } from './ledger.js';
import type { RunContext, RunningJob } from './run-context.js';

export class ProgressTicker {
  private timer: NodeJS.Timeout | null = null;
  /** The sample in flight: at most one at a time, however slow the control connection is. */
  private ticking: Promise<void> | null = null;

  constructor(
    private readonly ctx: RunContext,
    /** The steps running now, each on its session. */
    private readonly jobs: () => Iterable<RunningJob>,
    /** Sends (again) pg_cancel_backend to the builds of a stopping run. */
    private readonly cancelRunning: () => Promise<void>,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.ctx.progressIntervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Builds that have run for at least a progress interval: shorter ones have no progress worth showing. */
  private longBuilds(): RunningJob[] {
    const since = this.ctx.now() - this.ctx.progressIntervalMs;
    return [...this.jobs()].filter((j) => j.phase === 'build' && j.session.pid !== null && j.buildStartedAt <= since);
  }

  /** Every progress interval: sample the builds running long enough, and repeat cancellations the server missed. */
  private tick(): void {
    if (this.ticking || !this.ctx.control) return;
    // No query (and no promise) while builds come and go faster than progress could show.
    if (!this.ctx.stopping && this.longBuilds().length === 0) return;
    this.ticking = this.ctx.track(this.sample()).then(() => {
      this.ticking = null;
    });
  }

  private async sample(): Promise<void> {
    if (this.ctx.stopping) {
      // A cancel that reaches a backend just before it starts reading its statement is ignored.
      await this.cancelRunning();
      return;
    }
    const builds = this.longBuilds();
    if (builds.length === 0) return;
    let samples;
    try {
      samples = await this.ctx.viaControl((c) => c.progress(builds.map((j) => j.session.pid as number)));
    } catch {
      // No progress this time; the next control query reconnects if the connection was lost.
      return;
    }
    const now = this.ctx.now();
    const budget = waitBudget(this.ctx.plan.settings);
    for (const job of builds) {
      const pid = job.session.pid;
      const sample = pid === null ? undefined : samples.get(pid);
      if (!sample || job.phase !== 'build' || pid === null) continue;
      job.wait = nextWait(job.wait ?? null, sample.wait, now);
      if (runTimesWaits(job.step) && !job.waitTimedOut && waitExceeded(job.wait, budget, now)) {
        // The run keeps a CONCURRENTLY build's clocks itself (it runs with lock_timeout 0): its wait ran out.
        job.waitTimedOut = job.wait;
        await this.ctx.viaControl((c) => c.cancel([pid])).catch(() => undefined);
      }
      const progress = sample.progress ?? { phase: 'waiting for the table lock', blocksDone: 0, blocksTotal: 0, tuplesDone: 0, tuplesTotal: 0, percent: null };
      this.ctx.emit({
        type: 'progress',
        stepId: job.step.id,
        elapsedMs: now - job.buildStartedAt,
        ...progress,
        ...(job.wait ? { waitingFor: describeWait(job.wait) } : {}),
      });
    }
  }
}

/** Steps that build an index whose size is worth reporting. */
function buildsIndex(step: Step): boolean {
  return step.action === 'create' || step.action === 'create-parent';
}

/** The built index's size, or null (a failed lookup costs the step nothing). */
export async function indexSizeOf(ctx: RunContext, step: Step): Promise<number | null> {
  const { index, table } = step;
  if (!index || !table || !buildsIndex(step)) return null;
  try {
    const found = await ctx.viaControl((c) => c.indexes([{ index, table }]));
    return found.get(indexKey(index, table))?.sizeBytes ?? null;
  } catch {
    return null;
  }
}

/** The index sizes of the summary, in one query for every build that finished without one. */
export async function fillSizes(ctx: RunContext, ledger: StepLedger): Promise<void> {
  if (!ctx.control) return;
  const targets = ctx.steps.flatMap((s) => {
    const r = ledger.of(s).result;
    if (!r || r.state !== 'done' || r.sizeBytes !== null || !s.index || !s.table) return [];
    if (!buildsIndex(s)) return [];
    return [{ result: r, index: s.index, table: s.table }];
  });
  if (targets.length === 0) return;
  try {
    const found = await ctx.viaControl((c) => c.indexes(targets));
    for (const t of targets) t.result.sizeBytes = found.get(indexKey(t.index, t.table))?.sizeBytes ?? null;
  } catch {
    // Sizes are for reading; the run's outcome does not depend on them.
  }
}
