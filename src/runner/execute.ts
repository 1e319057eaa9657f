/**
 * executePlan: runs a Plan's steps on a pool of sessions, plus one control connection.
 *
 * Dispatch is driven by the statements' own promises: a session is free the moment its statement's
 * promise settles, so there is no polling to find idle sessions and no delay between builds. The
 * control connection samples pg_stat_progress_create_index for the progress events and sends
 * pg_cancel_backend when the run is interrupted. Every step ends in exactly one state (done, skipped,
 * failed, cancelled), and every connection is closed whatever happens.
 */
import { randomBytes } from 'node:crypto';
import type { Plan, Step } from '../plan/types.js';
import { quoteQualified } from '../sql/quote.js';
import { buildBudget, type BuildBudget } from './budget.js';
import { Control, type IndexState } from './control.js';
import { stepLabel } from './describe.js';
import { backoffMs, classify, retrySafe, toStepError } from './retry.js';
import { dependentsOf, nextStep, validateSteps } from './scheduler.js';
import { Session } from './session.js';
import type { ExecuteOptions, RunEvent, RunResult, StepError, StepResult, StepState } from './types.js';

const DEFAULT_BACKOFF = { baseMs: 1000, maxMs: 30_000 };
/** How long a cancelled build may keep running before pg_cancel_backend is sent again. */
const RECANCEL_MS = 1000;

interface Job {
  step: Step;
  session: Session;
  budget: BuildBudget | null;
  /** 'build' while the step's own statement runs: the only time a cancel is sent to its session. */
  phase: 'prepare' | 'build' | 'after';
  buildStartedAt: number;
  cancelSentAt: number | null;
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
 * A create step that may leave an INVALID index (a failed CONCURRENTLY build) to drop: found by its
 * name, or, for a statement that lets the server name the index, as a new INVALID index on its table.
 */
function mayLeaveInvalid(step: Step): boolean {
  return step.action === 'create' && (step.index !== null || (step.concurrently && step.table !== null));
}

export function newRunId(): string {
  return randomBytes(4).toString('hex');
}

export function applicationName(runId: string, n: number | 'control'): string {
  return `pgindex/${runId}/${n}`;
}

/** The statements that give every session of a run its settings. */
export function sessionSettings(plan: Plan): string[] {
  const ms = (v: number) => String(Math.max(0, Math.floor(v)));
  return [`SET lock_timeout = ${ms(plan.settings.lockTimeoutMs)}`, `SET statement_timeout = ${ms(plan.settings.statementTimeoutMs)}`];
}

class Run {
  private readonly runId: string;
  private readonly steps: readonly Step[];
  private pending: Step[];
  private readonly running = new Map<string, Job>();
  private readonly retryWaits = new Map<string, AbortController>();
  private readonly results = new Map<string, StepResult>();
  private readonly attempts = new Map<string, number>();
  private readonly firstStart = new Map<string, number>();
  private readonly satisfied = new Set<string>();
  /** Unnamed CONCURRENTLY builds: the oids of their table's indexes before the first attempt. */
  private readonly baseline = new Map<string, Set<string>>();
  /** Steps whose INVALID leftover could not be dropped yet. */
  private readonly needsCleanup = new Set<string>();
  private readonly leftovers: string[] = [];
  private readonly idle: Session[] = [];
  private sessions: Session[] = [];
  private control: Control | null = null;
  private stopping: { reason: string; interrupted: boolean } | null = null;
  private readonly startedAt: number;
  private ticker: NodeJS.Timeout | null = null;
  private ticking = false;
  private finished!: () => void;
  private readonly allDone = new Promise<void>((resolve) => (this.finished = resolve));
  private readonly sleep: NonNullable<ExecuteOptions['sleep']>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly stopAll = new AbortController();

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
        this.ticker = setInterval(() => void this.tick(), this.options.progressIntervalMs ?? 500);
        this.pump();
        await this.allDone;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        if (this.ticker) clearInterval(this.ticker);
      }
      await this.sweepLeftovers();
    } finally {
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
      'SET statement_timeout = 10000',
      'SET lock_timeout = 5000',
    ]);
    await controlSession.open();
    this.control = new Control(controlSession);
    const setup = [...sessionSettings(this.plan), ...(this.options.sessionSetup ?? [])];
    const sessions = Array.from({ length: count }, (_, i) => new Session(i + 1, { ...base, application_name: applicationName(this.runId, i + 1) }, setup));
    this.sessions = sessions;
    const opened = await Promise.allSettled(sessions.map((s) => s.open()));
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
        const waiting = this.pending.filter(isBuild).length + [...this.retryWaits.keys()].length;
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
      await session.ensureOpen();
      if (this.options.skipExisting && step.index && (step.action === 'create' || step.action === 'create-parent')) {
        const existing = await this.controlOf().indexState(step.index, step.table);
        if (existing?.valid || (existing && step.action === 'create-parent')) {
          this.end(step, 'skipped', { reason: 'the index already exists' });
          return;
        }
      }
      if (mayLeaveInvalid(step) && step.index === null && step.table && !this.baseline.has(step.id)) {
        const before = await this.controlOf().indexesOn(step.table);
        this.baseline.set(step.id, new Set(before.map((i) => i.oid)));
      }
      if (mayLeaveInvalid(step)) await this.dropInvalid(step, session);
      if (this.stopReason() !== null) {
        this.end(step, 'cancelled', { reason: this.stopReason() as string });
        return;
      }
      if (job.budget) {
        await session.query(
          `SET maintenance_work_mem = '${job.budget.maintenanceWorkMemKb}kB'; SET max_parallel_maintenance_workers = ${job.budget.workers}`,
        );
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
      await session.query(step.sql);
      job.phase = 'after';
      let size: number | null = null;
      if (step.index && (step.action === 'create' || step.action === 'create-parent')) {
        size = (await this.controlOf().indexState(step.index, step.table).catch(() => null))?.sizeBytes ?? null;
      }
      this.end(step, 'done', { sizeBytes: size });
    } catch (err) {
      job.phase = 'after';
      const c = classify(err);
      if (c.connectionLost) session.markLost();
      if (this.stopping) {
        if (mayLeaveInvalid(step)) await this.dropInvalid(step, session);
        this.end(step, 'cancelled', { reason: this.stopping.reason });
        return;
      }
      if (c.transient && retrySafe(step) && attempt <= this.plan.settings.retries) {
        if (mayLeaveInvalid(step)) await this.dropInvalid(step, session);
        this.scheduleRetry(step, attempt, c.error);
        return;
      }
      if (mayLeaveInvalid(step)) await this.dropInvalid(step, session);
      this.end(step, 'failed', { error: c.error });
    }
  }

  private scheduleRetry(step: Step, attempt: number, error: StepError): void {
    const delayMs = backoffMs(attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.random);
    this.emit({ type: 'retry', stepId: step.id, attempt, delayMs, error });
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

  /**
   * Drops the INVALID index a failed CONCURRENTLY build of this step left behind, if there is one and
   * no build is working on it. The check runs on the control connection; the DROP runs on the step's
   * session, because DROP INDEX CONCURRENTLY waits for other transactions and the control connection
   * must stay free for progress and cancellation.
   */
  private async dropInvalid(step: Step, session: Session): Promise<void> {
    let target = '';
    try {
      for (const state of await this.leftoversOf(step)) {
        target = quoteQualified(state);
        await session.ensureOpen();
        await session.query(`DROP INDEX CONCURRENTLY IF EXISTS ${target}`);
        this.emit({ type: 'cleanup', stepId: step.id, index: target, dropped: true, message: null });
      }
      this.needsCleanup.delete(step.id);
    } catch (err) {
      if (classify(err).connectionLost) session.markLost();
      this.needsCleanup.add(step.id);
      this.emit({ type: 'cleanup', stepId: step.id, index: target || stepLabel(step), dropped: false, message: toStepError(err).message });
    }
  }

  /** INVALID indexes of this step that no build is working on. */
  private async leftoversOf(step: Step): Promise<IndexState[]> {
    const control = this.controlOf();
    if (step.index) {
      const state = await control.indexState(step.index, step.table);
      return state && !state.valid && !state.inProgress ? [state] : [];
    }
    const before = this.baseline.get(step.id);
    if (!before || !step.table) return [];
    // The scheduler never runs two CONCURRENTLY builds on one table: a new INVALID index there is this step's.
    return (await control.indexesOn(step.table)).filter((i) => !before.has(i.oid) && !i.valid && !i.inProgress);
  }

  /** The run's last chance to leave no INVALID index behind; what still cannot be dropped is reported. */
  private async sweepLeftovers(): Promise<void> {
    for (const id of [...this.needsCleanup]) {
      const step = this.steps.find((s) => s.id === id);
      const session = this.sessions[0];
      if (!step || !session) continue;
      await this.dropInvalid(step, session);
      if (this.needsCleanup.has(id)) {
        const states = await this.leftoversOf(step).catch(() => null);
        const names = states ? states.map((st) => quoteQualified(st)) : [stepLabel(step)];
        for (const name of names) {
          const drop = `DROP INDEX CONCURRENTLY IF EXISTS ${name};`;
          this.leftovers.push(drop);
          this.emit({ type: 'warning', message: `INVALID index ${name} is left behind; drop it with: ${drop}` });
        }
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
        if (extra.reason === 'the index already exists') this.satisfied.add(step.id);
        this.emit({ type: 'skipped', stepId: step.id, reason: extra.reason ?? '' });
        break;
      case 'failed':
        this.emit({ type: 'failed', stepId: step.id, durationMs, attempts, error: extra.error as StepError, sql: step.sql });
        break;
      case 'cancelled':
        this.emit({ type: 'cancelled', stepId: step.id, reason: extra.reason ?? '' });
        break;
    }
    if (!this.satisfied.has(step.id)) {
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
    void this.cancelRunning();
    this.pump();
  }

  private async cancelRunning(): Promise<void> {
    const now = this.now();
    for (const job of this.running.values()) {
      if (job.phase !== 'build' || job.session.pid === null) continue;
      if (job.cancelSentAt !== null && now - job.cancelSentAt < RECANCEL_MS) continue;
      job.cancelSentAt = now;
      try {
        await this.controlOf().cancel(job.session.pid);
      } catch (err) {
        this.emit({ type: 'warning', message: `could not cancel ${stepLabel(job.step)}: ${toStepError(err).message}` });
      }
    }
  }

  /** Every progress interval: sample the running builds, and repeat cancellations the server missed. */
  private async tick(): Promise<void> {
    if (this.ticking || !this.control) return;
    this.ticking = true;
    try {
      if (this.stopping) {
        // A cancel that reaches a backend just before it starts reading its statement is ignored.
        await this.cancelRunning();
        return;
      }
      const builds = [...this.running.values()].filter((j) => j.phase === 'build' && j.session.pid !== null);
      if (builds.length === 0) return;
      const samples = await this.control.progress(builds.map((j) => j.session.pid as number));
      const now = this.now();
      for (const job of builds) {
        const sample = job.session.pid === null ? undefined : samples.get(job.session.pid);
        if (sample && job.phase === 'build') {
          this.emit({ type: 'progress', stepId: job.step.id, elapsedMs: now - job.buildStartedAt, ...sample });
        }
      }
    } catch (err) {
      if (classify(err).connectionLost && this.control) {
        this.control.session.markLost();
        await this.control.session.ensureOpen().catch(() => undefined);
      }
    } finally {
      this.ticking = false;
    }
  }
}

/**
 * Runs the plan's steps (`plan.settings.parallelism` sessions) and resolves when every step has ended.
 * Rejects only before anything ran (invalid step graph, cannot connect): a failing step is a result.
 */
export async function executePlan(plan: Plan, options: ExecuteOptions): Promise<RunResult> {
  return new Run(plan, options).execute();
}
