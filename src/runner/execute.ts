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
 * statements apply adds are the per-build budget and the drops of what this run itself left INVALID:
 * - DROP INDEX CONCURRENTLY of the index a failed CONCURRENTLY build left (before its retry, right
 *   after its final failure, and again at the end for every step whose build ever failed): an index
 *   of its table with the step's name (unnamed: any new one) that was not there before;
 * - DROP INDEX of an ON ONLY parent index this run created whose partitions were not all attached
 *   when the run ended (an interrupt, --fail-fast, a failed partition build), which takes the
 *   partition indexes this run attached to it along.
 * Leftovers of earlier runs are the Plan's business (its drop-invalid steps).
 *
 * Round trips per build are kept to the statement itself where nothing can go wrong: the budget is
 * set only when it differs from what the session has, the leftover baseline is read once for the
 * whole run, and index sizes are read in one query at the end.
 */
import { randomBytes } from 'node:crypto';
import { sizeSetting } from '../pg/settings.js';
import { sessionSettingsSql } from '../plan/settings.js';
import { dropInvalidIndexSql } from '../plan/sql.js';
import type { Plan, QualifiedName, Step } from '../plan/types.js';
import { PgindexError } from '../errors.js';
import { quoteMaybeQualified, quoteQualified } from '../sql/quote.js';
import { buildBudget, isIndexBuild, type BuildBudget } from './budget.js';
import { Control, indexKey, type IndexState } from './control.js';
import { displayName, stepLabel } from './describe.js';
import { backoffMs, classify, isConnectionLost, toStepError } from './retry.js';
import { Scheduler, validateSteps } from './scheduler.js';
import { Session } from './session.js';
import { SQLSTATE } from '../pg/sqlstate.js';
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
/** A build that took this long gets its index size in its `done` event; the others get it in the summary. */
const SIZE_AT_DONE_MS = 1000;

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

/** A step whose failure can leave an INVALID index on its table (a fact the planner set). */
function mayLeaveInvalid(step: Step): step is Step & { table: NonNullable<Step['table']> } {
  return step.mayLeaveInvalid && step.table !== null;
}

function tableKey(table: QualifiedName): string {
  return quoteMaybeQualified(table);
}

/** Same index: a schema of '' (left to the search_path) matches the schema the catalog gives. */
function sameIndex(planned: QualifiedName, found: QualifiedName): boolean {
  return planned.name === found.name && (planned.schema === '' || planned.schema === found.schema);
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
  /** Which pending step may start next; also the steps' dependents. */
  private readonly scheduler: Scheduler;
  private readonly running = new Set<Job>();
  private readonly retryWaits = new Map<string, { step: Step; wait: AbortController }>();
  private readonly results = new Map<string, StepResult>();
  private readonly attempts = new Map<string, number>();
  private readonly controlFailures = new Map<string, number>();
  private readonly firstStart = new Map<string, number>();
  /**
   * The oids of the indexes that were on a table before the run, for the tables of named
   * CONCURRENTLY builds: a leftover has the step's name and is not one of them. Read once, at the start.
   */
  private readonly tableBaseline = new Map<string, Set<string>>();
  /** Unnamed CONCURRENTLY builds: the oids of their table's indexes just before their first attempt. */
  private readonly stepBaseline = new Map<string, Set<string>>();
  /** Steps whose CONCURRENTLY build failed at least once (after it may have created its index). */
  private readonly failedBuilds = new Set<string>();
  /** Backends of this run's sessions that ran a CONCURRENTLY build: their progress rows are not builds in progress. */
  private readonly ownPids = new Set<number>();
  /** Leftovers (by oid) whose DROP already failed, with why. */
  private readonly dropFailed = new Map<string, string>();
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
  private readonly progressIntervalMs: number;

  constructor(
    private readonly plan: Plan,
    private readonly options: ExecuteOptions,
  ) {
    this.runId = options.runId ?? newRunId();
    this.steps = plan.steps;
    // Safe on steps that validateSteps would refuse: execute() refuses them before anything runs.
    this.scheduler = new Scheduler(plan.steps);
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.cleanupLockTimeoutMs = options.cleanupLockTimeoutMs ?? CLEANUP_LOCK_TIMEOUT_MS;
    this.progressIntervalMs = options.progressIntervalMs ?? 500;
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
        this.ticker = setInterval(() => this.tick(), this.progressIntervalMs);
        this.pump();
        await this.allDone;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        if (this.ticker) clearInterval(this.ticker);
        this.ticker = null;
      }
      await this.sweepLeftovers();
      await this.dropUnfinishedParents();
      await this.fillSizes();
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
    // All at once: each connect is an authentication round of its own.
    const opened = await Promise.allSettled([controlSession, ...sessions].map((s) => s.ensureOpen()));
    const failure = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    await this.takeBaseline();
    this.idle.push(...sessions);
  }

  /** One query for every table a named CONCURRENTLY build may leave an INVALID index on. */
  private async takeBaseline(): Promise<void> {
    const tables = this.steps.filter((s) => mayLeaveInvalid(s) && s.index !== null).map((s) => s.table as QualifiedName);
    if (tables.length === 0) return;
    let found;
    for (let failures = 1; ; failures++) {
      try {
        found = await this.viaControl((c) => c.indexesOn(tables));
        break;
      } catch (err) {
        // A lost control connection is reopened, as for every control query; anything else ends the run before it began.
        const cause = err instanceof ControlFailure ? err.original : err;
        if (!isConnectionLost(cause) || failures > MAX_CONTROL_FAILURES) {
          throw new PgindexError(`could not read the indexes of the plan's tables before the run: ${toStepError(cause).message}`, 'sql');
        }
        await this.sleep(backoffMs(failures, this.options.backoff ?? DEFAULT_BACKOFF, this.random), this.stopAll.signal);
      }
    }
    for (const t of tables) this.tableBaseline.set(tableKey(t), new Set());
    for (const i of found) this.tableBaseline.get(i.table)?.add(i.oid);
  }

  /** Starts whatever can start on the free sessions. */
  private pump(): void {
    while (!this.stopping && this.idle.length > 0) {
      const step = this.scheduler.next();
      if (!step) break;
      const session = this.idle.shift() as Session;
      const job: Job = { step, session, budget: null, phase: 'prepare', buildStartedAt: 0, cancelSentAt: null };
      if (isIndexBuild(step)) {
        job.budget = buildBudget({
          settings: this.plan.settings,
          sessions: this.sessions.length,
          parallelCapable: step.parallelCapable,
          pages: step.estimate.pages,
          running: [...this.running].flatMap((j) => (j.budget ? [j.budget] : [])),
          waiting: this.scheduler.pendingBuilds + this.retryWaits.size,
        });
      }
      this.running.add(job);
      void this.attempt(job).finally(() => {
        this.running.delete(job);
        this.scheduler.release(step);
        this.idle.push(session);
        this.pump();
      });
    }
    if (!this.stopping && this.running.size === 0 && this.retryWaits.size === 0 && this.scheduler.pendingCount > 0) {
      // Validation rules this out; never hang if it happens anyway.
      for (const s of this.scheduler.pendingInOrder()) this.end(s, 'skipped', { reason: 'its dependencies can never be satisfied' });
    }
    if (this.scheduler.pendingCount === 0 && this.running.size === 0 && this.retryWaits.size === 0) this.finished();
  }

  /** One attempt of a step on a session; never throws. */
  private async attempt(job: Job): Promise<void> {
    const { step, session } = job;
    const attempt = (this.attempts.get(step.id) ?? 0) + 1;
    this.attempts.set(step.id, attempt);
    if (!this.firstStart.has(step.id)) this.firstStart.set(step.id, this.now());
    try {
      if (mayLeaveInvalid(step) && step.index === null && !this.stepBaseline.has(step.id)) {
        // Without a name, a leftover is told apart only as an index that was not there before.
        const before = await this.viaControl((c) => c.indexesOn([step.table]));
        this.stepBaseline.set(step.id, new Set(before.map((i) => i.oid)));
      }
      await session.ensureOpen();
      // A retry: first drop what the failed attempt left, or the build would only meet its own leftover.
      if (this.failedBuilds.has(step.id)) await this.cleanup(step, session, job);
      if (this.stopReason() !== null) {
        this.end(step, 'cancelled', { reason: this.stopReason() as string });
        return;
      }
      if (job.budget) {
        await session.setAll({
          maintenance_work_mem: sizeSetting(job.budget.maintenanceWorkMemKb * 1024),
          max_parallel_maintenance_workers: String(job.budget.workers),
        });
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
      await this.build(step, session);
      job.phase = 'after';
      let size: number | null = null;
      if (this.now() - job.buildStartedAt >= SIZE_AT_DONE_MS) size = await this.sizeOf(step);
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
      if (c.transient && step.retrySafe && attempt <= this.plan.settings.retries) {
        const delayMs = backoffMs(attempt, this.options.backoff ?? DEFAULT_BACKOFF, this.random);
        this.emit({ type: 'retry', stepId: step.id, attempt, delayMs, error: c.error });
        this.requeueAfter(step, delayMs);
        return;
      }
      await this.cleanupQuietly(step, session, job);
      this.end(step, 'failed', { error: c.error });
    }
  }

  /** The step's own statement; a CONCURRENTLY build that fails may have left its index behind. */
  private async build(step: Step, session: Session): Promise<void> {
    if (mayLeaveInvalid(step) && session.pid !== null) this.ownPids.add(session.pid);
    try {
      await session.query(step.sql);
    } catch (err) {
      // "Already exists" comes before anything is created: the index of that name is not this run's.
      if (mayLeaveInvalid(step) && toStepError(err).sqlstate !== SQLSTATE.duplicateTable) this.failedBuilds.add(step.id);
      throw err;
    } finally {
      // A statement of a SQL file may change any setting: the next budget is set again.
      if (step.action === 'sql') session.forgetSettings();
    }
  }

  /** The built index's size, or null (a failed lookup costs the step nothing). */
  private async sizeOf(step: Step): Promise<number | null> {
    const { index, table } = step;
    if (!index || !table || (step.action !== 'create' && step.action !== 'create-parent')) return null;
    try {
      const found = await this.viaControl((c) => c.indexes([{ index, table }]));
      return found.get(indexKey(index, table))?.sizeBytes ?? null;
    } catch {
      return null;
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
    this.retryWaits.set(step.id, { step, wait });
    const signal = AbortSignal.any([wait.signal, this.stopAll.signal]);
    const wake = () => {
      if (!this.retryWaits.has(step.id)) return;
      this.retryWaits.delete(step.id);
      const stop = this.stopReason();
      if (stop !== null) this.end(step, 'cancelled', { reason: stop });
      else this.scheduler.requeue(step);
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
    const found = (await this.viaControl((c) => this.leftoversOf(c, [step]))).get(step.id) ?? [];
    for (const state of found) {
      if (job) job.phase = 'cleanup';
      try {
        await this.dropOn(session, dropInvalidIndexSql(state));
        this.emit({ type: 'cleanup', stepId: step.id, index: displayName(state), dropped: true, message: null });
      } catch (err) {
        const message = toStepError(err).message;
        this.dropFailed.set(state.oid, message);
        this.emit({ type: 'cleanup', stepId: step.id, index: displayName(state), dropped: false, message });
        throw err;
      } finally {
        if (job) job.phase = 'prepare';
      }
    }
  }

  /** cleanup() after a final failure or a cancel: what it cannot do is left to the sweep at the end. */
  private async cleanupQuietly(step: Step, session: Session, job: Job | null): Promise<void> {
    if (!this.failedBuilds.has(step.id)) return;
    try {
      await this.cleanup(step, session, job);
    } catch {
      // The sweep looks again, and reports what it cannot drop.
    }
  }

  /** A DROP on a session, waiting at most the cleanup lock_timeout for the locks it needs. */
  private async dropOn(session: Session, sql: string): Promise<void> {
    try {
      await session.ensureOpen();
      await this.withLockTimeout(session, this.cleanupLockTimeoutMs, () => session.query(sql));
    } catch (err) {
      if (isConnectionLost(err)) session.markLost();
      throw err;
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

  /**
   * The INVALID indexes these steps' failed builds left, by step, in one query: indexes of the
   * step's table that were not there before, with the step's name when it has one, that no backend
   * outside the run is building. The run's own progress rows are ignored: the server reports a
   * build's failure before it clears its row, and a step is only checked once its build has
   * returned (the scheduler never runs two CONCURRENTLY builds on one table at once).
   */
  private async leftoversOf(control: Control, steps: readonly Step[]): Promise<Map<string, IndexState[]>> {
    const out = new Map<string, IndexState[]>();
    const checked = steps.filter(mayLeaveInvalid);
    if (checked.length === 0) return out;
    const indexes = await control.indexesOn(
      checked.map((s) => s.table),
      [...this.ownPids],
    );
    for (const step of checked) {
      const key = tableKey(step.table);
      const index = step.index;
      const before = index ? this.tableBaseline.get(key) : this.stepBaseline.get(step.id);
      if (!before) continue;
      const found = indexes.filter(
        (i) => i.table === key && !before.has(i.oid) && !i.valid && !i.inProgress && (index === null || sameIndex(index, i)),
      );
      if (found.length > 0) out.set(step.id, found);
    }
    return out;
  }

  /**
   * The run's last chance to leave no INVALID index of its own behind: every step whose build ever
   * failed and that did not end done is checked again, in one query. What cannot be dropped is a
   * warning naming the index, and a leftover (exit code 1).
   */
  private async sweepLeftovers(): Promise<void> {
    const steps = this.steps.filter((s) => this.failedBuilds.has(s.id) && this.results.get(s.id)?.state !== 'done');
    if (steps.length === 0 || !this.control) return;
    let found: Map<string, IndexState[]>;
    try {
      found = await this.viaControl((c) => this.leftoversOf(c, steps));
    } catch (err) {
      for (const step of steps) {
        this.emit({ type: 'warning', message: `could not check whether ${stepLabel(step)} left an INVALID index behind: ${toStepError(err).message}` });
        this.leftovers.push(`-- ${stepLabel(step)}: not checked`);
      }
      return;
    }
    const seen = new Set<string>();
    for (const step of steps) {
      for (const state of found.get(step.id) ?? []) {
        if (seen.has(state.oid)) continue;
        seen.add(state.oid);
        const drop = dropInvalidIndexSql(state);
        const failedBefore = this.dropFailed.get(state.oid);
        // A stopped run exits promptly: a DROP that already waited out its lock_timeout is not waited for again.
        let message = this.stopping && failedBefore !== undefined ? failedBefore : null;
        if (message === null) {
          try {
            await this.dropOn(this.sweepSession(), drop);
            this.emit({ type: 'cleanup', stepId: step.id, index: displayName(state), dropped: true, message: null });
            continue;
          } catch (err) {
            message = toStepError(err).message;
            this.emit({ type: 'cleanup', stepId: step.id, index: displayName(state), dropped: false, message });
          }
        }
        this.leftovers.push(drop + ';');
        this.emit({ type: 'warning', message: `INVALID index ${displayName(state)} is left behind (${message}); drop it with: ${drop};` });
      }
    }
  }

  /** The session the end-of-run drops use: nothing else runs by then. */
  private sweepSession(): Session {
    const session = this.sessions.find((s) => s.pid !== null) ?? this.sessions[0];
    if (!session) throw new Error('the run has no session');
    return session;
  }

  /**
   * An ON ONLY parent index this run created stays INVALID until every partition's index is
   * attached. If the run ended before that (interrupted, --fail-fast, a partition's build failed),
   * it is dropped: a plain DROP INDEX (CONCURRENTLY is refused on partitioned indexes), bounded by
   * the cleanup lock_timeout, which drops the partition indexes attached to it too. So it is only
   * dropped when all of those are this run's own builds; otherwise it is left, with a warning.
   */
  private async dropUnfinishedParents(): Promise<void> {
    if (!this.control) return;
    const unfinished = (step: Step) => [...this.scheduler.allDependentsOf(step.id)].some((id) => this.results.get(id)?.state !== 'done');
    const parents = this.steps.filter(
      (s): s is Step & { index: QualifiedName; table: QualifiedName } =>
        s.action === 'create-parent' && s.index !== null && s.table !== null && this.results.get(s.id)?.state === 'done' && unfinished(s),
    );
    if (parents.length === 0) return;
    const built = this.steps.filter((s) => (s.action === 'create' || s.action === 'create-parent') && s.index !== null && this.results.get(s.id)?.state === 'done');
    const isOwn = (child: QualifiedName) => built.some((s) => s.index !== null && sameIndex(s.index, child));
    let states;
    let attached;
    try {
      states = await this.viaControl((c) => c.indexes(parents.map((p) => ({ index: p.index, table: p.table }))));
      const invalid = [...states.values()].filter((s) => !s.valid).map((s) => s.oid);
      attached = await this.viaControl((c) => c.attachedTo(invalid));
    } catch (err) {
      for (const p of parents) {
        this.emit({ type: 'warning', message: `could not check whether ${displayName(p.index)} (ON ONLY) is still INVALID: ${toStepError(err).message}` });
        this.leftovers.push(`-- ${displayName(p.index)}: not checked`);
      }
      return;
    }
    // A sub-partition's parent index that went with its parent's DROP (parents come first in the plan).
    const gone: QualifiedName[] = [];
    for (const p of parents) {
      const state = states.get(indexKey(p.index, p.table));
      if (!state || state.valid || gone.some((g) => sameIndex(g, state))) continue;
      const name = displayName(state);
      const children = attached.get(state.oid) ?? [];
      const listed = children.length > 0 ? children.map(displayName).join(', ') : 'none';
      const drop = `DROP INDEX IF EXISTS ${quoteQualified(state)}`;
      const foreign = children.filter((c) => !isOwn(c));
      if (foreign.length > 0) {
        this.leftovers.push(drop + ';');
        this.emit({
          type: 'warning',
          message:
            `INVALID partitioned index ${name} (created ON ONLY by this run) is left behind: dropping it would also drop ` +
            `${foreign.map(displayName).join(', ')}, which this run did not build; apply again to finish it`,
        });
        continue;
      }
      try {
        await this.dropOn(this.sweepSession(), drop);
        gone.push(...children);
        this.emit({ type: 'cleanup', stepId: p.id, index: name, dropped: true, message: null });
        this.emit({
          type: 'note',
          message:
            `dropped ${name}, created ON ONLY by this run and still INVALID (not every partition was attached), ` +
            `with the partition indexes attached to it (${listed}); apply again plans them all again`,
        });
      } catch (err) {
        const message = toStepError(err).message;
        this.emit({ type: 'cleanup', stepId: p.id, index: name, dropped: false, message });
        this.leftovers.push(drop + ';');
        this.emit({ type: 'warning', message: `INVALID partitioned index ${name} is left behind (${message}); drop it with: ${drop};` });
      }
    }
  }

  /** The index sizes of the summary, in one query for every build that finished without one. */
  private async fillSizes(): Promise<void> {
    if (!this.control) return;
    const targets = this.steps.flatMap((s) => {
      const r = this.results.get(s.id);
      if (!r || r.state !== 'done' || r.sizeBytes !== null || !s.index || !s.table) return [];
      if (s.action !== 'create' && s.action !== 'create-parent') return [];
      return [{ result: r, index: s.index, table: s.table }];
    });
    if (targets.length === 0) return;
    try {
      const found = await this.viaControl((c) => c.indexes(targets));
      for (const t of targets) t.result.sizeBytes = found.get(indexKey(t.index, t.table))?.sizeBytes ?? null;
    } catch {
      // Sizes are for reading; the run's outcome does not depend on them.
    }
  }

  /** Records a step's final state, once, and settles what depends on it. */
  private end(
    step: Step,
    state: StepState,
    extra: { reason?: string; error?: StepError; sizeBytes?: number | null } = {},
  ): void {
    if (this.results.has(step.id)) return;
    this.scheduler.withdraw(step);
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
        this.scheduler.satisfy(step);
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
      // Direct dependents in plan order, each ending its own: every step that depends on this one
      // ends, each naming the first of its dependencies to end, as a walk of all of them would.
      for (const dependent of this.scheduler.dependentsOf(step.id)) {
        if (this.scheduler.isPending(dependent.id)) this.end(dependent, 'skipped', { reason: `depends on ${label}, which ${outcome}` });
      }
    }
    if (state === 'failed' && this.options.failFast) this.stop(`--fail-fast: ${stepLabel(step)} failed`, false);
  }

  /** Interrupt or --fail-fast: nothing new starts, waiting retries end, running builds are cancelled on the server. */
  private stop(reason: string, interrupted: boolean): void {
    if (this.stopping) return;
    this.stopping = { reason, interrupted };
    this.stopAll.abort();
    for (const step of this.scheduler.pendingInOrder()) this.end(step, 'cancelled', { reason });
    for (const [id, { step, wait }] of [...this.retryWaits]) {
      this.retryWaits.delete(id);
      wait.abort();
      this.end(step, 'cancelled', { reason });
    }
    if (this.control) void this.track(this.cancelRunning());
    this.pump();
  }

  /** Cancels the running builds (not the cleanups: those are bounded, and leave nothing behind). */
  private async cancelRunning(): Promise<void> {
    const now = this.now();
    for (const job of this.running) {
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

  /** Builds that have run for at least a progress interval: shorter ones have no progress worth showing. */
  private longBuilds(): Job[] {
    const since = this.now() - this.progressIntervalMs;
    return [...this.running].filter((j) => j.phase === 'build' && j.session.pid !== null && j.buildStartedAt <= since);
  }

  /** Every progress interval: sample the builds running long enough, and repeat cancellations the server missed. */
  private tick(): void {
    if (this.ticking || !this.control) return;
    // No query (and no promise) while builds come and go faster than progress could show.
    if (!this.stopping && this.longBuilds().length === 0) return;
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
    const builds = this.longBuilds();
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
