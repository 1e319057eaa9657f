/**
 * executePlan: runs a Plan's steps on a pool of sessions, plus one control connection.
 *
 * Dispatch is driven by the statements' own promises: a session is free the moment its statement's
 * promise settles, so there is no polling to find idle sessions and no delay between builds. The
 * control connection samples pg_stat_progress_create_index for the progress events, looks at the
 * catalog for INVALID leftovers, and sends pg_cancel_backend when the run is interrupted. Every step
 * ends in exactly one state (done, skipped, failed, cancelled), and every connection is closed
 * whatever happens.
 *
 * The steps run exactly as planned: nothing is skipped or dropped because of a name. The only
 * statements apply adds are DROP INDEX CONCURRENTLY of INVALID indexes this run's own failed
 * CONCURRENTLY builds left (before their retry, and at the end): indexes that were not on the table
 * before the step's first attempt. Leftovers of earlier runs are the Plan's business (its
 * drop-invalid steps).
 */
import { randomBytes } from 'node:crypto';
import { sessionSettingsSql } from '../plan/settings.js';
import { dropInvalidIndexSql } from '../plan/sql.js';
import type { Plan, Step } from '../plan/types.js';
import { buildBudget, type BuildBudget } from './budget.js';
import { Control, type IndexState } from './control.js';
import { displayName, stepLabel } from './describe.js';
import { backoffMs, classify, isConnectionLost, retrySafe, toStepError } from './retry.js';
import { dependentsOf, nextStep, validateSteps } from './scheduler.js';
import { Session } from './session.js';
import type { ExecuteOptions, RunEvent, RunResult, StepError, StepResult, StepState } from './types.js';

const DEFAULT_BACKOFF = { baseMs: 1000, maxMs: 30_000 };
/** How long a cancelled build may keep running before pg_cancel_backend is sent again. */
const RECANCEL_MS = 1000;
/** lock_timeout of a cleanup DROP: it waits for every transaction on the table, never for long. */
const CLEANUP_LOCK_TIMEOUT_MS = 5000;
/** PostgreSQL 14+: a build whose client has gone (killed, network lost) stops within this. */
const CLIENT_CHECK_INTERVAL_MS = 1000;
/** Control-connection failures one step may meet before the run stops: the run cannot go on blind. */
const MAX_CONTROL_FAILURES = 3;

interface Job {
  step: Step;
  session: Session;
  budget: BuildBudget | null;
  /** 'build' while the step's own statement runs: the only time a cancel is sent to its session. */
  phase: 'prepare' | 'cleanup' | 'build' | 'after';
  buildStartedAt: number;
  cancelSentAt: number | null;
}

/** A control-connection query failed: the run's problem, not the step's. */
class ControlFailure extends Error {
  constructor(readonly original: unknown) {
    super(toStepError(original).message);
  }
}

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** Index builds get a memory and worker budget; ON ONLY parents are catalog-only and instant. */
function isBuild(step: Step): boolean {
  return step.action === 'create';
}

/**
 * A failed CONCURRENTLY build leaves an INVALID index behind: found as an index of its table that
 * was not there before the step's first attempt (with the step's name, when it names one).
 */
function mayLeaveInvalid(step: Step): step is Step & { table: NonNullable<Step['table']> } {
  return step.action === 'create' && step.concurrently && step.table !== null;
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

export function applicationName(runId: string, n: number | 'control'): string {
  return `pgindex/${runId}/${n}`;
}

/** The statements that give every session of a run its settings. */
function sessionSettings(plan: Plan): string[] {
  return sessionSettingsSql({
    lockTimeoutMs: plan.settings.lockTimeoutMs,
    statementTimeoutMs: plan.settings.statementTimeoutMs,
    ...(plan.server.versionNum >= 140000 ? { clientConnectionCheckIntervalMs: CLIENT_CHECK_INTERVAL_MS } : {}),
  });
}

class Run {
  private readonly runId: string;
  private readonly steps: readonly Step[];
  private pending: Step[];
  private readonly running = new Map<string, Job>();
  private readonly retryWaits = new Map<string, AbortController>();
  private readonly results = new Map<string, StepResult>();
  private readonly attempts = new Map<string, number>();
  private readonly controlFailures = new Map<string, number>();
  private readonly firstStart = new Map<string, number>();
  private readonly satisfied = new Set<string>();
  /** Steps that may leave an INVALID index: the oids of their table's indexes before the first attempt. */
  private readonly baseline = new Map<string, Set<string>>();
  /** Steps whose CONCURRENTLY build failed and whose leftover has not been dropped yet. */
  private readonly dirty = new Set<string>();
  private readonly leftovers: string[] = [];
  private readonly idle: Session[] = [];
  private sessions: Session[] = [];
  private control: Control | null = null;
  /** Progress ticks and cancellations in flight on the control connection: awaited before it closes. */
  private readonly controlTasks = new Set<Promise<void>>();
  private ticking: Promise<void> | null = null;
  private stopping: { reason: string; interrupted: boolean } | null = null;
  private readonly startedAt: number;
  private ticker: NodeJS.Timeout | null = null;
  private finished!: () => void;
  private readonly allDone = new Promise<void>((resolve) => (this.finished = resolve));
  private readonly sleep: NonNullable<ExecuteOptions['sleep']>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly stopAll = new AbortController();
  private readonly cleanupLockTimeoutMs: number;

  constructor(
    private readonly plan: Plan,
    private readonly options: ExecuteOptions,
  ) {
    this.runId = options.runId ?? newRunId();
    this.steps = plan.steps;
    this.pending = [...plan.steps];
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.cleanupLockTimeoutMs = options.cleanupLockTimeoutMs ?? CLEANUP_LOCK_TIMEOUT_MS;
  }

  private emit(event: RunEvent): void {
    try {
      this.options.sink(event);
    } catch {
      // A renderer that fails must not leave builds running and connections open.
    }
  }

  async execute(): Promise<RunResult> {
    validateSteps(this.steps);
    const settings = this.plan.settings;
    const sessionCount = Math.max(1, Math.min(settings.parallelism, this.steps.length));
    try {
      if (this.steps.length > 0) await this.connect(sessionCount);
      this.emit({
        type: 'begin',
        runId: this.runId,
        total: this.steps.length,
        sessions: this.sessions.length,
        settings,
        estimatedCost: this.steps.reduce((sum, s) => sum + s.estimate.cost, 0),
      });
      const signal = this.options.signal;
      const onAbort = () => this.stop('interrupted', true);
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.ticker = setInterval(() => this.tick(), this.options.progressIntervalMs ?? 500);
        this.pump();
        await this.allDone;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        if (this.ticker) clearInterval(this.ticker);
        this.ticker = null;
      }
      await this.sweepLeftovers();
    } finally {
      if (this.ticker) clearInterval(this.ticker);
      // A tick still querying the control connection would fail on a closed one, and reconnect.
      await Promise.allSettled([...this.controlTasks]);
      await Promise.all([...this.sessions, ...(this.control ? [this.control.session] : [])].map((s) => s.close()));
    }
    const ordered = this.steps.map((s) => this.results.get(s.id) as StepResult);
    const count = (state: StepState) => ordered.filter((r) => r.state === state).length;
    const result: RunResult = {
      runId: this.runId,
      total: ordered.length,
      done: count('done'),
      skipped: count('skipped'),
      failed: count('failed'),
      cancelled: count('cancelled'),
      interrupted: this.stopping?.interrupted ?? false,
      stoppedEarly: this.stopping !== null && !this.stopping.interrupted,
      durationMs: this.now() - this.startedAt,
      leftovers: [...this.leftovers],
      results: ordered,
    };
    const { results: _results, ...summary } = result;
    this.emit({ type: 'summary', ...summary });
    return result;
  }

  /** Opens the control connection and every session up front: a bad connection fails the run before any build. */
  private async connect(count: number): Promise<void> {
    const base = this.options.connection;
    const controlSession = new Session(0, { ...base, application_name: applicationName(this.runId, 'control') }, [
      // The same search_path as the sessions, to find the tables a SQL file names unqualified.
      ...(this.options.sessionSetup ?? []),
      // The control connection only reads the catalog; never let it hang the run.
      ...sessionSettingsSql({ statementTimeoutMs: 10_000, lockTimeoutMs: 5000 }),
    ]);
    this.control = new Control(controlSession);
    const setup = [...sessionSettings(this.plan), ...(this.options.sessionSetup ?? [])];
    const sessions = Array.from({ length: count }, (_, i) => new Session(i + 1, { ...base, application_name: applicationName(this.runId, i + 1) }, setup));
    this.sessions = sessions;
    await controlSession.ensureOpen();
    const opened = await Promise.allSettled(sessions.map((s) => s.ensureOpen()));
    const failure = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    this.idle.push(...sessions);
  }

  /** Starts whatever can start on the free sessions. */
  private pump(): void {
    while (!this.stopping && this.idle.length > 0) {
      const step = nextStep({ pending: this.pending, running: [...this.running.values()].map((j) => j.step), satisfied: this.satisfied });
      if (!step) break;
      this.pending = this.pending.filter((s) => s !== step);
      const session = this.idle.shift() as Session;
      const job: Job = { step, session, budget: null, phase: 'prepare', buildStartedAt: 0, cancelSentAt: null };
      if (isBuild(step)) {
        const waiting = this.pending.filter(isBuild).length + this.retryWaits.size;
        job.budget = buildBudget({
          settings: this.plan.settings,
          sessions: this.sessions.length,
          parallelCapable: step.parallelCapable,
          pages: step.estimate.pages,
          running: [...this.running.values()].flatMap((j) => (j.budget ? [j.budget] : [])),
          waiting,
        });
      }
      this.running.set(step.id, job);
      void this.attempt(job).finally(() => {
        this.running.delete(step.id);
        this.idle.push(session);
        this.pump();
      });
    }
    if (!this.stopping && this.running.size === 0 && this.retryWaits.size === 0 && this.pending.length > 0) {
      // Validation rules this out; never hang if it happens anyway.
      for (const s of [...this.pending]) this.end(s, 'skipped', { reason: 'its dependencies can never be satisfied' });
    }
    if (this.pending.length === 0 && this.running.size === 0 && this.retryWaits.size === 0) this.finished();
  }

  /** One attempt of a step on a session; never throws. */
  private async attempt(job: Job): Promise<void> {
    const { step, session } = job;
    const attempt = (this.attempts.get(step.id) ?? 0) + 1;
    this.attempts.set(step.id, attempt);
    if (!this.firstStart.has(step.id)) this.firstStart.set(step.id, this.now());
    try {
      if (mayLeaveInvalid(step) && !this.baseline.has(step.id)) {
        const before = await this.viaControl((c) => c.indexesOn(step.table));
        this.baseline.set(step.id, new Set(before.map((i) => i.oid)));
      }
      await session.ensureOpen();
      // A retry: first drop what the failed attempt left, or the build would only meet its own leftover.
      if (this.dirty.has(step.id)) await this.cleanup(step, session, job);
      if (this.stopReason() !== null) {
        this.end(step, 'cancelled', { reason: this.stopReason() as string });
        return;
      }
      if (job.budget) {
        const budget = { maintenanceWorkMemBytes: job.budget.maintenanceWorkMemKb * 1024, maxParallelMaintenanceWorkers: job.budget.workers };
        for (const sql of sessionSettingsSql(budget)) await session.query(sql);
      }
      this.emit({
        type: 'start',
        stepId: step.id,
        session: session.n,
        attempt,
        maintenanceWorkMemKb: job.budget?.maintenanceWorkMemKb ?? null,
        workers: job.budget?.workers ?? null,
        sql: step.sql,
      });
      if (this.stopReason() !== null) {
        this.end(step, 'cancelled', { reason: this.stopReason() as string });
        return;
      }
      job.phase = 'build';
      job.buildStartedAt = this.now();
      if (mayLeaveInvalid(step)) this.dirty.add(step.id);
      await session.query(step.sql);
      job.phase = 'after';
      this.dirty.delete(step.id);
      let size: number | null = null;
      if (step.index && (step.action === 'create' || step.action === 'create-parent')) {
        const index = step.index;
        size = (await this.viaControl((c) => c.indexState(index, step.table)).catch(() => null))?.sizeBytes ?? null;
      }
      this.end(step, 'done', { sizeBytes: size });
    } catch (err) {
      job.phase = 'after';
      if (err instanceof ControlFailure) {
        this.controlFailed(step, attempt, err);
        return;
      }
      const c = classify(err);
      if (c.connectionLost) session.markLost();
      if (this.stopping) {
        await this.cleanupQuietly(step, session, job);
        this.end(step, 'cancelled', { reason: this.stopping.reason });
        return;
      }
      if (c.transient && retrySafe(step) && attempt <= this.plan.settings.retries) {
        const delayMs = backoffMs(attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.random);
        this.emit({ type: 'retry', stepId: step.id, attempt, delayMs, error: c.error });
        this.requeueAfter(step, delayMs);
        return;
      }
      await this.cleanupQuietly(step, session, job);
      this.end(step, 'failed', { error: c.error });
    }
  }

  /**
   * A control query failed before or around the step's statement: the attempt does not count, the
   * worker session is fine, and the step starts again once the control connection is back. If it
   * keeps failing, the run stops: without it there is no progress, cancellation or cleanup.
   */
  private controlFailed(step: Step, attempt: number, failure: ControlFailure): void {
    this.attempts.set(step.id, attempt - 1);
    const failures = (this.controlFailures.get(step.id) ?? 0) + 1;
    this.controlFailures.set(step.id, failures);
    if (!this.stopping && failures > MAX_CONTROL_FAILURES) this.stop(`the control connection keeps failing: ${failure.message}`, false);
    if (this.stopping) {
      this.end(step, 'cancelled', { reason: this.stopping.reason });
      return;
    }
    const delayMs = backoffMs(failures, this.options.backoff ?? DEFAULT_BACKOFF, this.random);
    this.emit({ type: 'warning', message: `control connection: ${failure.message}; ${stepLabel(step)} starts again` });
    this.requeueAfter(step, delayMs);
  }

  /** Puts a step back in the queue after a delay (a retry's backoff); a stop ends it instead. */
  private requeueAfter(step: Step, delayMs: number): void {
    const wait = new AbortController();
    this.retryWaits.set(step.id, wait);
    const signal = AbortSignal.any([wait.signal, this.stopAll.signal]);
    const wake = () => {
      if (!this.retryWaits.has(step.id)) return;
      this.retryWaits.delete(step.id);
      const stop = this.stopReason();
      if (stop !== null) this.end(step, 'cancelled', { reason: stop });
      else this.pending.push(step);
      this.pump();
    };
    // An injected sleep that rejects must not leave the step waiting forever.
    void this.sleep(delayMs, signal).then(wake, wake);
  }

  /** Why the run is stopping, or null; a method, because it changes while a step awaits. */
  private stopReason(): string | null {
    return this.stopping?.reason ?? null;
  }

  private controlOf(): Control {
    if (!this.control) throw new Error('the run has no control connection');
    return this.control;
  }

  /** A control-connection query; its failure is a ControlFailure, and a lost connection is reopened on the next one. */
  private async viaControl<T>(query: (control: Control) => Promise<T>): Promise<T> {
    const control = this.controlOf();
    try {
      return await query(control);
    } catch (err) {
      if (isConnectionLost(err)) control.session.markLost();
      throw new ControlFailure(err);
    }
  }

  /** Keeps a control task until it settles, so that the connection is not closed under it; never rejects. */
  private track(task: Promise<void>): Promise<void> {
    const settled = task.then(
      () => undefined,
      () => undefined,
    );
    this.controlTasks.add(settled);
    void settled.then(() => this.controlTasks.delete(settled));
    return settled;
  }

  /**
   * Drops the INVALID indexes this step's failed attempts left. The check runs on the control
   * connection; the DROP runs on the step's session, because DROP INDEX CONCURRENTLY waits for other
   * transactions and the control connection must stay free for progress and cancellation. The wait
   * is bounded by its own lock_timeout, so an old transaction cannot hold up a retry or the end of
   * an interrupted run. Throws when a leftover could not be dropped.
   */
  private async cleanup(step: Step, session: Session, job: Job | null): Promise<void> {
    if (!mayLeaveInvalid(step)) return;
    const found = await this.viaControl((c) => this.leftoversOf(c, step));
    for (const state of found) {
      const drop = dropInvalidIndexSql(state);
      if (job) job.phase = 'cleanup';
      try {
        await session.ensureOpen();
        await this.withLockTimeout(session, this.cleanupLockTimeoutMs, () => session.query(drop));
        this.emit({ type: 'cleanup', stepId: step.id, index: displayName(state), dropped: true, message: null });
      } catch (err) {
        if (isConnectionLost(err)) session.markLost();
        this.emit({ type: 'cleanup', stepId: step.id, index: displayName(state), dropped: false, message: toStepError(err).message });
        throw err;
      } finally {
        if (job) job.phase = 'prepare';
      }
    }
    this.dirty.delete(step.id);
  }

  /** cleanup() after a final failure or a cancel: what fails stays dirty for the sweep at the end. */
  private async cleanupQuietly(step: Step, session: Session, job: Job | null): Promise<void> {
    if (!this.dirty.has(step.id)) return;
    try {
      await this.cleanup(step, session, job);
    } catch (err) {
      if (err instanceof ControlFailure) this.emit({ type: 'warning', message: `could not look for INVALID leftovers of ${stepLabel(step)}: ${err.message}` });
    }
  }

  /** Runs `fn` with lock_timeout set to `ms` on the session, then puts back the session's own value. */
  private async withLockTimeout<T>(session: Session, ms: number, fn: () => Promise<T>): Promise<T> {
    const { rows } = await session.query<{ v: string }>("select current_setting('lock_timeout') as v");
    const own = rows[0]?.v ?? '0';
    await session.query(sessionSettingsSql({ lockTimeoutMs: ms })[0] as string);
    try {
      return await fn();
    } finally {
      try {
        await session.query("select set_config('lock_timeout', $1, false)", [own]);
      } catch {
        // A session that cannot be put back is reconnected, and so gets its settings again.
        session.markLost();
      }
    }
  }

  /** INVALID indexes of the step's table that were not there before its first attempt, and no build is working on. */
  private async leftoversOf(control: Control, step: Step): Promise<IndexState[]> {
    const before = this.baseline.get(step.id);
    if (!before || !step.table) return [];
    const name = step.index?.name;
    // The scheduler never runs two CONCURRENTLY builds on one table: a new INVALID index there is this step's.
    return (await control.indexesOn(step.table)).filter(
      (i) => !before.has(i.oid) && !i.valid && !i.inProgress && (name === undefined || i.name === name),
    );
  }

  /** The run's last chance to leave no INVALID index of its own behind; what still cannot be dropped is reported. */
  private async sweepLeftovers(): Promise<void> {
    for (const id of [...this.dirty]) {
      const step = this.steps.find((s) => s.id === id);
      const session = this.sessions[0];
      if (!step || !session) continue;
      await this.cleanupQuietly(step, session, null);
      if (!this.dirty.has(id)) continue;
      const states = await this.viaControl((c) => this.leftoversOf(c, step)).catch(() => null);
      if (states === null) {
        this.emit({ type: 'warning', message: `could not check whether ${stepLabel(step)} left an INVALID index behind` });
        this.leftovers.push(`-- ${stepLabel(step)}: not checked`);
        continue;
      }
      for (const state of states) {
        const drop = dropInvalidIndexSql(state) + ';';
        this.leftovers.push(drop);
        this.emit({ type: 'warning', message: `INVALID index ${displayName(state)} is left behind; drop it with: ${drop}` });
      }
    }
  }

  /** Records a step's final state, once, and settles what depends on it. */
  private end(
    step: Step,
    state: StepState,
    extra: { reason?: string; error?: StepError; sizeBytes?: number | null } = {},
  ): void {
    if (this.results.has(step.id)) return;
    this.pending = this.pending.filter((s) => s !== step);
    const started = this.firstStart.get(step.id);
    const durationMs = started === undefined ? null : this.now() - started;
    const attempts = this.attempts.get(step.id) ?? 0;
    this.results.set(step.id, {
      stepId: step.id,
      sql: step.sql,
      index: step.index,
      table: step.table,
      method: step.method,
      state,
      reason: extra.reason ?? null,
      error: extra.error ?? null,
      attempts,
      durationMs,
      sizeBytes: extra.sizeBytes ?? null,
    });
    switch (state) {
      case 'done':
        this.satisfied.add(step.id);
        this.emit({ type: 'done', stepId: step.id, durationMs: durationMs ?? 0, sizeBytes: extra.sizeBytes ?? null, attempts });
        break;
      case 'skipped':
        this.emit({ type: 'skipped', stepId: step.id, reason: extra.reason ?? '' });
        break;
      case 'failed':
        this.emit({ type: 'failed', stepId: step.id, durationMs, attempts, error: extra.error as StepError, sql: step.sql });
        break;
      case 'cancelled':
        this.emit({ type: 'cancelled', stepId: step.id, reason: extra.reason ?? '' });
        break;
    }
    if (state !== 'done') {
      const label = stepLabel(step);
      const outcome = state === 'failed' ? 'failed' : state === 'cancelled' ? 'was cancelled' : 'was skipped';
      for (const id of dependentsOf(this.steps, step.id)) {
        const dependent = this.pending.find((s) => s.id === id);
        if (dependent) this.end(dependent, 'skipped', { reason: `depends on ${label}, which ${outcome}` });
      }
    }
    if (state === 'failed' && this.options.failFast) this.stop(`--fail-fast: ${stepLabel(step)} failed`, false);
  }

  /** Interrupt or --fail-fast: nothing new starts, waiting retries end, running builds are cancelled on the server. */
  private stop(reason: string, interrupted: boolean): void {
    if (this.stopping) return;
    this.stopping = { reason, interrupted };
    this.stopAll.abort();
    for (const step of [...this.pending]) this.end(step, 'cancelled', { reason });
    for (const [id, wait] of [...this.retryWaits]) {
      this.retryWaits.delete(id);
      wait.abort();
      const step = this.steps.find((s) => s.id === id);
      if (step) this.end(step, 'cancelled', { reason });
    }
    if (this.control) void this.track(this.cancelRunning());
    this.pump();
  }

  /** Cancels the running builds (not the cleanups: those are bounded, and leave nothing behind). */
  private async cancelRunning(): Promise<void> {
    const now = this.now();
    for (const job of this.running.values()) {
      if (job.phase !== 'build' || job.session.pid === null) continue;
      if (job.cancelSentAt !== null && now - job.cancelSentAt < RECANCEL_MS) continue;
      job.cancelSentAt = now;
      try {
        await this.viaControl((c) => c.cancel([job.session.pid as number]));
      } catch (err) {
        this.emit({ type: 'warning', message: `could not cancel ${stepLabel(job.step)}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
  }

  /**
   * The process is about to exit (a second Ctrl-C): fire pg_cancel_backend at every session, cleanups
   * included, waiting at most `deadlineMs` for the server to take the request.
   */
  async cancelAllNow(deadlineMs: number): Promise<void> {
    const pids = this.sessions.flatMap((s) => (s.pid === null ? [] : [s.pid]));
    if (!this.control || pids.length === 0) return;
    const control = this.control;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([control.cancel(pids).then(() => undefined, () => undefined), deadline]);
    clearTimeout(timer);
  }

  /** Every progress interval: sample the running builds, and repeat cancellations the server missed. */
  private tick(): void {
    if (this.ticking || !this.control) return;
    this.ticking = this.track(this.sample()).then(() => {
      this.ticking = null;
    });
  }

  private async sample(): Promise<void> {
    if (this.stopping) {
      // A cancel that reaches a backend just before it starts reading its statement is ignored.
      await this.cancelRunning();
      return;
    }
    const builds = [...this.running.values()].filter((j) => j.phase === 'build' && j.session.pid !== null);
    if (builds.length === 0) return;
    let samples;
    try {
      samples = await this.viaControl((c) => c.progress(builds.map((j) => j.session.pid as number)));
    } catch {
      // No progress this time; the next control query reconnects if the connection was lost.
      return;
    }
    const now = this.now();
    for (const job of builds) {
      const sample = job.session.pid === null ? undefined : samples.get(job.session.pid);
      if (sample && job.phase === 'build') {
        this.emit({ type: 'progress', stepId: job.step.id, elapsedMs: now - job.buildStartedAt, ...sample });
      }
    }
  }
}

export interface RunHandle {
  /** Resolves when every step has ended; rejects only before anything ran (invalid steps, cannot connect). */
  result: Promise<RunResult>;
  /** Fires pg_cancel_backend at every session at once, for a process about to exit. */
  cancelAllNow(deadlineMs?: number): Promise<void>;
}

/** Starts running the plan's steps (`plan.settings.parallelism` sessions). */
export function startPlan(plan: Plan, options: ExecuteOptions): RunHandle {
  const run = new Run(plan, options);
  return { result: run.execute(), cancelAllNow: (deadlineMs = 1000) => run.cancelAllNow(deadlineMs) };
}

/**
 * Runs the plan's steps (`plan.settings.parallelism` sessions) and resolves when every step has ended.
 * Rejects only before anything ran (invalid step graph, cannot connect): a failing step is a result.
 */
export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<RunResult> {
  return startPlan(plan, options).result;
}
