/**
 * What a run reports while it runs, from the control connection: a progress event per long build
 * every interval (pg_stat_progress_create_index), and the index sizes of finished builds. The
 * interval also repeats cancellations a stopping run's builds have not obeyed yet.
 */
import type { Step } from '../plan/types.js';
import { durationSetting } from '../pg/settings.js';
import { quoteLiteral, quoteMaybeQualified } from '../sql/quote.js';
import { indexKey } from './control.js';
import { describeWait, nextWait, runTimesWaits, waitBudget, waitExceeded } from './build-waits.js';
import type { StepLedger } from './ledger.js';
import type { RunContext, RunningJob } from './run-context.js';
import type { Session } from './session.js';
import { shardProgress } from './citus-shards.js';

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
      // Citus: the coordinator's backend waits for the nodes; the shards' progress is the build's.
      const shards = sample.progress === null && this.ctx.plan.settings.citus ? await this.ctx.viaControl((c) => shardProgress(c.session, job.step, this.ctx.plan)).catch(() => null) : null;
      const progress = shards ?? sample.progress ?? { phase: 'waiting for the table lock', blocksDone: 0, blocksTotal: 0, tuplesDone: 0, tuplesTotal: 0, percent: null };
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

/**
 * The size of the index a step builds, as one select-list expression over the literal name (no
 * parameter: it also rides behind the build in one simple-protocol message, see sizeWithBuild).
 * A partitioned index has no storage of its own: its size is its partitions' indexes (none yet for
 * ON ONLY). pg_partition_tree (PostgreSQL 12+) lists nothing for an index in no partition tree.
 * Null when the step builds no index.
 */
function indexSizeExpression(step: Step): string | null {
  const { index, table } = step;
  if (!index || !table || !buildsIndex(step)) return null;
  // An index lives in its table's schema; an unqualified one resolves as its table did (search_path).
  const name = quoteLiteral(quoteMaybeQualified({ schema: index.schema || table.schema, name: index.name }));
  return `coalesce((select sum(pg_relation_size(relid)) from pg_partition_tree(to_regclass(${name}))), pg_relation_size(to_regclass(${name})))::text as size`;
}

function sizeOf(rows: readonly { size?: string | null }[] | undefined): number | null {
  const size = rows?.[0]?.size;
  return size === null || size === undefined ? null : Number(size);
}

/**
 * A plain (not CONCURRENTLY) index build and the read of its index's size, as one message: every
 * `done` event carries an honest size at no round trip of its own. A separate read after each build
 * made 400 tiny builds 2.3 × one session's time (bench --quick --k 3). The two statements run in the
 * message's implicit transaction, where the build holds the new index's lock, so the read never
 * waits. The build comes first, so a failure's position in the text is the statement's own; the line
 * break ends a trailing `--` comment of a SQL file's statement. Null where the read cannot ride
 * along: CONCURRENTLY cannot run in a transaction block.
 */
export function sizeWithBuild(step: Step): string | null {
  if (step.action !== 'create' || step.concurrently) return null;
  const size = indexSizeExpression(step);
  return size === null ? null : `${step.sql}\n;\nselect ${size}`;
}

/** The size from the result of a sizeWithBuild message (pg returns one result per statement). */
export function sizeFromBuildResults(results: readonly { rows: readonly { size?: string | null }[] }[]): number | null {
  return sizeOf(results[results.length - 1]?.rows);
}

/**
 * The index a step has just built, its size read on the build's own session right after the
 * statement, for the builds whose statement cannot carry the read (sizeWithBuild): so that the
 * `done` event has it. The control connection was the first choice, but one lookup per build there
 * queued every session's builds behind one connection: 400 tiny builds took three times as long.
 *
 * pg_relation_size takes ACCESS SHARE on the new index, which only someone dropping or reindexing
 * that very index could hold up; a CONCURRENTLY build's session runs with lock_timeout 0, so the
 * statement sets its own bound first, transaction-local (the implicit transaction of the statement:
 * the session's value is back when it returns, and Session's record of it stays true). PostgreSQL
 * evaluates a select list in order. Null when it cannot be read: the summary tries again.
 */
export async function builtIndexSize(session: Session, step: Step, lockTimeoutMs: number): Promise<number | null> {
  const size = indexSizeExpression(step);
  if (size === null) return null;
  try {
    const { rows } = await session.query<{ size: string | null }>(`select set_config('lock_timeout', $1, true), ${size}`, [durationSetting(lockTimeoutMs)]);
    return sizeOf(rows);
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
