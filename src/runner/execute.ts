/**
 * executePlan: runs a Plan's steps on a pool of sessions, plus one control connection.
 *
 * This module wires the rooms of a run around its shared context (run-context.ts):
 * - dispatch.ts starts steps on free sessions, retries, ends each step once, stops the run;
 * - scheduler.ts decides which step may start (dependencies, cost, table locks);
 * - ledger.ts keeps one record per step (attempts, first start, result);
 * - leftovers.ts drops what this run's failed builds left INVALID, and unfinished ON ONLY parents;
 * - progress.ts samples pg_stat_progress_create_index and reads index sizes.
 * The control connection (control.ts) samples progress, looks at the catalog for INVALID leftovers,
 * and sends pg_cancel_backend when the run is interrupted. Every step ends in exactly one state
 * (done, skipped, failed, cancelled), and every connection is closed whatever happens.
 *
 * The steps run exactly as planned: nothing is skipped or dropped because of a name. The only
 * statements a run adds are the per-build budget and the drops of what it itself left INVALID.
 * Round trips per build are kept to the statement itself where nothing can go wrong: a plain build's
 * budget rides in the build's own message, and only when it differs from what the session has (a
 * CONCURRENTLY build's goes alone, then); the leftover baseline is read once for the whole run; a
 * connection's settings and backend pid are one message after the authentication.
 */
import { applicationName, newRunId } from '../db/preconnect.js';
import { sessionSettingsSql } from '../plan/settings.js';
import type { Plan } from '../plan/types.js';
import { Control } from './control.js';
import { Dispatcher } from './dispatch.js';
import { StepLedger } from './ledger.js';
import { Leftovers } from './leftovers.js';
import { countIndexes, outcomes } from './outcomes.js';
import { fillSizes, ProgressTicker } from './progress.js';
import { RunContext } from './run-context.js';
import { Scheduler, validateSteps } from './scheduler.js';
import { Session } from './session.js';
import type { ExecuteOptions, RunResult } from './types.js';

/** PostgreSQL 14+: a build whose client has gone (killed, network lost) stops within this. */
const CLIENT_CHECK_INTERVAL_MS = 1000;

/** The statements that give every session of a run its settings. */
function sessionSettings(plan: Plan): string[] {
  return sessionSettingsSql({
    lockTimeoutMs: plan.settings.lockTimeoutMs,
    statementTimeoutMs: plan.settings.statementTimeoutMs,
    ...(plan.server.versionNum >= 140000 ? { clientConnectionCheckIntervalMs: CLIENT_CHECK_INTERVAL_MS } : {}),
    ...(plan.settings.citus ? { citusPoolSize: plan.settings.citus.poolSize } : {}),
  });
}

class Run {
  private readonly ctx: RunContext;
  private readonly ledger: StepLedger;
  private readonly scheduler: Scheduler;
  private readonly leftovers: Leftovers;
  private readonly dispatch: Dispatcher;
  private readonly progress: ProgressTicker;

  constructor(plan: Plan, options: ExecuteOptions) {
    this.ctx = new RunContext(options.runId ?? options.preconnected?.runId ?? newRunId(), plan, options);
    this.ledger = new StepLedger(plan.steps);
    // Safe on steps that validateSteps would refuse: execute() refuses them before anything runs.
    this.scheduler = new Scheduler(plan.steps);
    this.leftovers = new Leftovers(this.ctx, this.ledger);
    this.dispatch = new Dispatcher(this.ctx, this.scheduler, this.ledger, this.leftovers);
    this.progress = new ProgressTicker(
      this.ctx,
      () => this.dispatch.jobs,
      () => this.dispatch.cancelRunning(),
    );
  }

  async execute(): Promise<RunResult> {
    const { ctx } = this;
    validateSteps(ctx.steps);
    const settings = ctx.plan.settings;
    const sessionCount = Math.max(1, Math.min(settings.parallelism, ctx.steps.length));
    try {
      if (ctx.steps.length > 0) await this.connect(sessionCount);
      ctx.emit({
        type: 'begin',
        runId: ctx.runId,
        total: ctx.steps.length,
        sessions: ctx.sessions.length,
        settings,
        estimatedCost: ctx.steps.reduce((sum, s) => sum + s.estimate.cost, 0),
      });
      const signal = ctx.options.signal;
      const onAbort = () => this.dispatch.stop('interrupted', true);
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.progress.start();
        this.dispatch.pump();
        await this.dispatch.allDone;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        this.progress.stop();
      }
      await this.leftovers.sweep();
      await this.leftovers.dropUnfinishedParents((id) => this.scheduler.allDependentsOf(id));
      await fillSizes(ctx, this.ledger);
    } finally {
      this.progress.stop();
      // A tick still querying the control connection would fail on a closed one, and reconnect.
      await ctx.settleControlTasks();
      await Promise.all([...ctx.sessions, ...(ctx.control ? [ctx.control.session] : [])].map((s) => s.close()));
      await ctx.options.preconnected?.close();
    }
    const results = this.ledger.results();
    const result: RunResult = {
      runId: ctx.runId,
      total: ctx.steps.length,
      done: this.ledger.count('done'),
      skipped: this.ledger.count('skipped'),
      failed: this.ledger.count('failed'),
      cancelled: this.ledger.count('cancelled'),
      interrupted: ctx.stopping?.interrupted ?? false,
      stoppedEarly: ctx.stopping !== null && !ctx.stopping.interrupted,
      durationMs: ctx.now() - ctx.startedAt,
      leftovers: [...this.leftovers.left],
      indexes: countIndexes(outcomes(results)),
      ...(settings.costModel ? { predictedSeconds: settings.costModel.predictedSeconds } : {}),
      results,
    };
    // Every step's end, for readers of the events alone; the SQL is in each step's start event.
    ctx.emit({ type: 'summary', ...result, results: result.results.map(({ sql: _sql, ...r }) => r) });
    return result;
  }

  /** Opens the control connection and every session up front: a bad connection fails the run before any build. */
  private async connect(count: number): Promise<void> {
    const { ctx } = this;
    const base = ctx.options.connection;
    const written = ctx.options.sessionSetup ?? [];
    // Connections opened ahead for this run are taken; the others, and any not opened, connect now.
    const ahead = ctx.options.preconnected?.runId === ctx.runId ? ctx.options.preconnected : null;
    const controlSession = new Session(
      0,
      { ...base, application_name: applicationName(ctx.runId, 'control') },
      {
        // The same search_path as the sessions, to find the tables a SQL file names unqualified.
        written,
        // The control connection only reads the catalog; never let it hang the run (after the file's SETs: these win).
        own: sessionSettingsSql({ statementTimeoutMs: 10_000, lockTimeoutMs: 5000 }),
        order: 'written-first',
      },
      ahead?.take('control') ?? null,
    );
    ctx.control = new Control(controlSession);
    const setup = { own: sessionSettings(ctx.plan), written, order: 'own-first' } as const;
    const sessions = Array.from(
      { length: count },
      (_, i) => new Session(i + 1, { ...base, application_name: applicationName(ctx.runId, i + 1) }, setup, ahead?.take(i + 1) ?? null),
    );
    ctx.sessions = sessions;
    // All at once: each connect is an authentication round of its own.
    const opened = await Promise.allSettled([controlSession, ...sessions].map((s) => s.ensureOpen()));
    await ahead?.close();
    const failure = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    performance.mark('pgindex:sessions open');
    await this.leftovers.takeBaseline();
    this.dispatch.idle.push(...sessions);
  }

  /**
   * The process is about to exit (a second Ctrl-C): fire pg_cancel_backend at every session, cleanups
   * included, waiting at most `deadlineMs` for the server to take the request.
   */
  cancelAllNow(deadlineMs: number): Promise<void> {
    return this.dispatch.cancelAllNow(deadlineMs);
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
