/**
 * Dispatch: starts steps on free sessions as the scheduler allows, runs each attempt, retries
 * transient failures with backoff, ends every step exactly once (skipping what depends on a step
 * that did not end done), and stops the run on an interrupt or --fail-fast.
 *
 * It is driven by the statements' own promises: a session is free the moment its statement's
 * promise settles, so there is no polling to find idle sessions and no delay between builds. Work
 * per dispatch and per ended step is O(log n) in the number of steps (the scheduler's queues, the
 * ledger's counters), so a run of hundreds of thousands of statements is limited by the server.
 */
import { shardBuildError } from './citus-shards.js';
import { sizeSetting } from '../pg/settings.js';
import type { Step } from '../plan/types.js';
import { buildBudget, isIndexBuild } from '../cost/budget.js';
import { displayName, stepLabel } from './describe.js';
import type { Leftovers } from './leftovers.js';
import type { Outcome, StepLedger } from './ledger.js';
import { builtIndexSize, sizeFromBuildResults, sizeWithBuild } from './progress.js';
import { backoffMs, classify, type Classified } from './retry.js';
import { describeWait, runTimesWaits, waitBudget, waitTimeoutMessage } from './build-waits.js';
import { SQLSTATE } from '../pg/sqlstate.js';
import { ControlFailure, type RunContext, type RunningJob } from './run-context.js';
import type { Scheduler } from './scheduler.js';
import type { Session } from './session.js';
import type { RunEvent, StepError, StepState } from './types.js';

/**
 * A failure as the run reports it. A build the run cancelled because its wait ran out failed for
 * that reason (a table lock: a lock timeout, retried like the server's own; older transactions:
 * not retried, the build would only wait again), and a lock timeout names the session in the way.
 */
function classifyBuildFailure(err: unknown, job: RunningJob, ctx: RunContext): Classified {
  const c = classify(err);
  const timedOut = job.waitTimedOut;
  if (timedOut && !ctx.stopping) {
    const message = waitTimeoutMessage(timedOut, waitBudget(ctx.plan.settings));
    const error = { ...c.error, message, detail: null, hint: null, position: null };
    if (timedOut.kind === 'table-lock') return { ...c, transient: true, error: { ...error, sqlstate: SQLSTATE.lockNotAvailable } };
    return { ...c, transient: false, error };
  }
  if (c.error.sqlstate === SQLSTATE.lockNotAvailable && job.wait?.blocker) {
    return { ...c, error: { ...c.error, message: `${c.error.message}: ${describeWait(job.wait)}` } };
  }
  return c;
}

type IdleEvent = Extract<RunEvent, { type: 'idle' }>;

/** An index build's memory and workers as session settings; none for other steps. */
function budgetSettings(job: RunningJob): Record<string, string> {
  if (!job.budget) return {};
  return {
    maintenance_work_mem: sizeSetting(job.budget.maintenanceWorkMemKb * 1024),
    max_parallel_maintenance_workers: String(job.budget.workers),
  };
}

/** How long a cancelled build may keep running before pg_cancel_backend is sent again. */
const RECANCEL_MS = 1000;
/** Control-connection failures one step may meet before the run stops: the run cannot go on blind. */
const MAX_CONTROL_FAILURES = 3;

export class Dispatcher {
  /** Sessions with nothing to run, in the order they became free. */
  readonly idle: Session[] = [];
  /** The attempts running now. */
  readonly jobs = new Set<RunningJob>();
  /** Steps waiting out a retry's backoff, by id, in the order they began to wait. */
  private readonly retryWaits = new Map<string, { step: Step; wait: AbortController }>();
  /** What each idle session was last reported waiting for (null: nothing left), by session number. */
  private readonly idleReported = new Map<number, string | null>();
  /** Predicted seconds of the builds not started yet (Step.build): what the critical path is judged by. */
  private predictedLeft: number;
  private finished!: () => void;
  /** Resolves once every step has ended and nothing runs or waits. */
  readonly allDone = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(
    private readonly ctx: RunContext,
    private readonly scheduler: Scheduler,
    private readonly ledger: StepLedger,
    private readonly leftovers: Leftovers,
  ) {
    this.predictedLeft = ctx.steps.reduce((sum, s) => sum + (s.build?.seconds ?? 0), 0);
  }

  /** Starts whatever can start on the free sessions. */
  pump(): void {
    while (!this.ctx.stopping && this.idle.length > 0) {
      const step = this.scheduler.next();
      if (!step) break;
      const session = this.idle.shift() as Session;
      this.idleReported.delete(session.n);
      const job: RunningJob = { step, session, budget: null, phase: 'prepare', buildStartedAt: 0, cancelSentAt: null };
      if (isIndexBuild(step)) {
        job.budget = buildBudget({
          settings: this.ctx.plan.settings,
          sessions: this.ctx.sessions.length,
          parallelCapable: step.parallelCapable,
          pages: step.estimate.pages,
          method: step.method,
          indexBytes: step.estimate.sizeBytes,
          planned: step.build,
          running: [...this.jobs].flatMap((j) => (j.budget ? [j.budget] : [])),
          waiting: this.scheduler.pendingBuilds + this.retryWaits.size,
          critical: step.build !== undefined && step.build.seconds * this.ctx.plan.settings.cores >= this.predictedLeft,
        });
        // A retried build counted once: it is the same work.
        if (step.build && this.ledger.of(step).firstStartedAt === null) this.predictedLeft = Math.max(0, this.predictedLeft - step.build.seconds);
      }
      this.jobs.add(job);
      void this.attempt(job).finally(() => {
        this.jobs.delete(job);
        this.scheduler.release(step);
        this.idle.push(session);
        this.pump();
      });
    }
    const pending = this.scheduler.pendingCount;
    if (!this.ctx.stopping && this.jobs.size === 0 && this.retryWaits.size === 0 && pending > 0) {
      // Validation rules this out; never hang if it happens anyway.
      for (const s of this.scheduler.pendingInOrder()) this.end(s, 'skipped', { reason: 'its dependencies can never be satisfied' });
    }
    this.reportIdle();
    if (this.scheduler.pendingCount === 0 && this.jobs.size === 0 && this.retryWaits.size === 0) this.finished();
  }

  /**
   * Tells the renderers why the idle sessions have nothing to run while statements remain (an idle
   * lane looked as if the run had stalled): the table a running build holds, the builds the rest
   * depend on, or a retry's backoff. Once per session and change, never per dispatch.
   */
  private reportIdle(): void {
    if (this.ctx.stopping || this.idle.length === 0) return;
    let why: Omit<IdleEvent, 'type' | 'session'> | undefined;
    for (const session of this.idle) {
      why ??= this.idleReason();
      const last = this.idleReported.get(session.n);
      // "Nothing left" only clears a wait reported before: a lane that just finished needs no event.
      if (last === why.waitingFor || (last === undefined && why.waitingFor === null)) continue;
      this.idleReported.set(session.n, why.waitingFor);
      this.ctx.emit({ type: 'idle', session: session.n, ...why });
    }
  }

  /** Why nothing can start now; computed once per dispatch that leaves a session idle. */
  private idleReason(): Omit<IdleEvent, 'type' | 'session'> {
    const pending = this.scheduler.pendingCount;
    if (pending === 0 && this.retryWaits.size === 0) return { waitingFor: null };
    const blocked = this.scheduler.whyBlocked();
    if (blocked?.step.table) {
      const table = blocked.step.table;
      return { waitingFor: `${displayName(table)} is busy with ${stepLabel(blocked.holder)}`, table, heldBy: blocked.holder.id };
    }
    const retrying = this.retryWaits.values().next().value;
    if (pending === 0 && retrying) return { waitingFor: `${stepLabel(retrying.step)} waits to be retried` };
    // No count in it: a count would change, and be sent again, with every step that ends.
    return { waitingFor: 'the statements left wait for steps they depend on' };
  }

  /** One attempt of a step on a session; never throws. */
  private async attempt(job: RunningJob): Promise<void> {
    const { step, session } = job;
    const attempt = this.ledger.startAttempt(step, this.ctx.now());
    try {
      await this.leftovers.beforeAttempt(step);
      await session.ensureOpen();
      // A retry: first drop what the failed attempt left, or the build would only meet its own leftover.
      if (this.leftovers.hasFailedBuild(step)) await this.leftovers.cleanup(step, session, job);
      if (this.ctx.stopReason() !== null) {
        this.end(step, 'cancelled', { reason: this.ctx.stopReason() as string });
        return;
      }
      const withSize = sizeWithBuild(step);
      const budget = budgetSettings(job);
      // A plain build's budget rides in its own message (no round trip), unless the statement's own
      // settings (a SQL file's SET) come after it and must win.
      const budgetRides = withSize !== null && !step.settings;
      if (!budgetRides) await session.setAll(budget);
      if (step.settings) await session.setAll(step.settings);
      this.ctx.emit({
        type: 'start',
        stepId: step.id,
        session: session.n,
        attempt,
        maintenanceWorkMemKb: job.budget?.maintenanceWorkMemKb ?? null,
        workers: job.budget?.workers ?? null,
        sql: step.sql,
      });
      if (this.ctx.stopReason() !== null) {
        this.end(step, 'cancelled', { reason: this.ctx.stopReason() as string });
        return;
      }
      // A CONCURRENTLY build's waits are timed by the run (build-waits.ts); everything else keeps
      // the session's own lock_timeout.
      if (runTimesWaits(step)) await session.unboundLockWaits();
      else await session.restoreLockTimeout();
      if (step.action === 'drop-invalid' && step.index && step.table) {
        // Checked again right before the DROP: the plan saw a leftover, but a session that started
        // building an index of that name since must not have it dropped under it.
        const { index, table } = step;
        const pid = await this.ctx.viaControl((c) => c.buildingPid(index, table));
        if (pid !== null) {
          this.end(step, 'failed', {
            error: { sqlstate: null, message: `not dropped: pid ${pid} may be building ${stepLabel(step)} right now (a CREATE INDEX CONCURRENTLY in progress, or a session holding SHARE UPDATE EXCLUSIVE on its table); apply again once it has ended`, detail: null, hint: null, position: null },
          });
          return;
        }
      }
      job.phase = 'build';
      job.buildStartedAt = this.ctx.now();
      job.wait = null;
      job.waitTimedOut = null;
      const sizeRead = await this.build(step, session, withSize, budgetRides ? budget : {});
      job.phase = 'after';
      const shards = await shardBuildError(session, step, this.ctx.plan);
      if (shards) {
        this.end(step, 'failed', { error: shards });
        return;
      }
      // Every build's `done` event carries its index's size (it used to be only those over a second).
      const size = sizeRead === undefined ? await builtIndexSize(session, step, this.ctx.cleanupLockTimeoutMs) : sizeRead;
      this.end(step, 'done', { sizeBytes: size });
    } catch (err) {
      job.phase = 'after';
      if (err instanceof ControlFailure) {
        this.controlFailed(step, attempt, err);
        return;
      }
      const c = classifyBuildFailure(err, job, this.ctx);
      if (c.connectionLost) session.markLost();
      if (this.ctx.stopping) {
        await this.leftovers.cleanupQuietly(step, session, job);
        this.end(step, 'cancelled', { reason: this.ctx.stopping.reason });
        return;
      }
      if (c.transient && step.retrySafe && attempt <= this.ctx.plan.settings.retries) {
        const delayMs = backoffMs(attempt, this.ctx.backoff, this.ctx.random);
        this.ctx.emit({ type: 'retry', stepId: step.id, attempt, delayMs, error: c.error });
        this.requeueAfter(step, delayMs);
        return;
      }
      await this.leftovers.cleanupQuietly(step, session, job);
      this.end(step, 'failed', { error: c.error });
    }
  }

  /**
   * The step's own statement; for a plain build, with the read of its index's size in the same
   * message (`withSize`: progress.ts, sizeWithBuild) and the `settings` the session does not have
   * yet in front of it (Session.queryMessage). The size read that way, or undefined when it still
   * has to be read.
   */
  private async build(step: Step, session: Session, withSize: string | null, settings: Readonly<Record<string, string>>): Promise<number | null | undefined> {
    this.leftovers.buildStarting(step, session);
    try {
      if (withSize !== null) return sizeFromBuildResults(await session.queryMessage(withSize, settings));
      await session.query(step.sql);
      return undefined;
    } catch (err) {
      this.leftovers.buildFailed(step, err);
      throw err;
    } finally {
      // A statement of a SQL file may change any setting: the next budget is set again.
      if (step.action === 'sql') session.forgetSettings();
    }
  }

  /**
   * A control query failed before or around the step's statement: the attempt does not count, the
   * worker session is fine, and the step starts again once the control connection is back. If it
   * keeps failing, the run stops: without it there is no progress, cancellation or cleanup.
   */
  private controlFailed(step: Step, attempt: number, failure: ControlFailure): void {
    const record = this.ledger.of(step);
    record.attempts = attempt - 1;
    const failures = ++record.controlFailures;
    if (!this.ctx.stopping && failures > MAX_CONTROL_FAILURES) this.stop(`the control connection keeps failing: ${failure.message}`, false);
    if (this.ctx.stopping) {
      this.end(step, 'cancelled', { reason: this.ctx.stopping.reason });
      return;
    }
    const delayMs = backoffMs(failures, this.ctx.backoff, this.ctx.random);
    this.ctx.emit({ type: 'warning', message: `control connection: ${failure.message}; ${stepLabel(step)} starts again` });
    this.requeueAfter(step, delayMs);
  }

  /** Puts a step back in the queue after a delay (a retry's backoff); a stop ends it instead. */
  private requeueAfter(step: Step, delayMs: number): void {
    const wait = new AbortController();
    this.retryWaits.set(step.id, { step, wait });
    const signal = AbortSignal.any([wait.signal, this.ctx.stopAll.signal]);
    const wake = () => {
      if (!this.retryWaits.has(step.id)) return;
      this.retryWaits.delete(step.id);
      const stop = this.ctx.stopReason();
      if (stop !== null) this.end(step, 'cancelled', { reason: stop });
      else this.scheduler.requeue(step);
      this.pump();
    };
    // An injected sleep that rejects must not leave the step waiting forever.
    void this.ctx.sleep(delayMs, signal).then(wake, wake);
  }

  /** Records a step's final state, once, and settles what depends on it. */
  private end(step: Step, state: StepState, outcome: Outcome = {}): void {
    const result = this.ledger.settle(step, state, outcome, this.ctx.now());
    if (!result) return;
    this.scheduler.withdraw(step);
    switch (state) {
      case 'done':
        this.scheduler.satisfy(step);
        this.ctx.emit({ type: 'done', stepId: step.id, durationMs: result.durationMs ?? 0, sizeBytes: result.sizeBytes, attempts: result.attempts });
        break;
      case 'skipped':
        this.ctx.emit({ type: 'skipped', stepId: step.id, reason: outcome.reason ?? '' });
        break;
      case 'failed':
        this.ctx.emit({ type: 'failed', stepId: step.id, durationMs: result.durationMs, attempts: result.attempts, error: outcome.error as StepError, sql: step.sql });
        break;
      case 'cancelled':
        this.ctx.emit({ type: 'cancelled', stepId: step.id, reason: outcome.reason ?? '' });
        break;
    }
    this.scheduler.ended(step);
    if (state !== 'done') {
      const label = stepLabel(step);
      const outcomeWords = state === 'failed' ? 'failed' : state === 'cancelled' ? 'was cancelled' : 'was skipped';
      // Direct dependents in plan order, each ending its own: every step that depends on this one
      // ends, each naming the first of its dependencies to end, as a walk of all of them would.
      for (const dependent of this.scheduler.dependentsOf(step.id)) {
        if (this.scheduler.isPending(dependent.id)) this.end(dependent, 'skipped', { reason: `depends on ${label}, which ${outcomeWords}` });
      }
    }
    if (state === 'failed' && this.ctx.options.failFast) this.stop(`--fail-fast: ${stepLabel(step)} failed`, false);
  }

  /** Interrupt or --fail-fast: nothing new starts, waiting retries end, running builds are cancelled on the server. */
  stop(reason: string, interrupted: boolean): void {
    if (this.ctx.stopping) return;
    this.ctx.stopping = { reason, interrupted };
    this.ctx.stopAll.abort();
    for (const step of this.scheduler.pendingInOrder()) this.end(step, 'cancelled', { reason });
    for (const [id, { step, wait }] of [...this.retryWaits]) {
      this.retryWaits.delete(id);
      wait.abort();
      this.end(step, 'cancelled', { reason });
    }
    if (this.ctx.control) void this.ctx.track(this.cancelRunning());
    this.pump();
  }

  /** Cancels the running builds (not the cleanups: those are bounded, and leave nothing behind). */
  async cancelRunning(): Promise<void> {
    const now = this.ctx.now();
    for (const job of this.jobs) {
      if (job.phase !== 'build' || job.session.pid === null) continue;
      if (job.cancelSentAt !== null && now - job.cancelSentAt < RECANCEL_MS) continue;
      job.cancelSentAt = now;
      try {
        await this.ctx.viaControl((c) => c.cancel([job.session.pid as number]));
      } catch (err) {
        this.ctx.emit({ type: 'warning', message: `could not cancel ${stepLabel(job.step)}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
  }

  /**
   * The process is about to exit (a second Ctrl-C): fire pg_cancel_backend at every session, cleanups
   * included, waiting at most `deadlineMs` for the server to take the request.
   */
  async cancelAllNow(deadlineMs: number): Promise<void> {
    const pids = this.ctx.sessions.flatMap((s) => (s.pid === null ? [] : [s.pid]));
    const control = this.ctx.control;
    if (!control || pids.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([control.cancel(pids).then(() => undefined, () => undefined), deadline]);
    clearTimeout(timer);
  }
}
