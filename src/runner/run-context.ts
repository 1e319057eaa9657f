/**
 * What every room of a run shares: the plan and its options, the injected edges (clock, sleep,
 * randomness), the event sink, the connections, and whether the run is stopping. The rooms
 * (dispatch, ledger, leftovers, progress) hold their own state; this holds only what they all read.
 */
import type { Plan, Step } from '../plan/types.js';
import type { BuildBudget } from '../cost/budget.js';
import type { WaitState } from './build-waits.js';
import type { Control } from './control.js';
import { isConnectionLost, toStepError } from './retry.js';
import type { Session } from './session.js';
import type { ExecuteOptions, RunEvent } from './types.js';

const DEFAULT_BACKOFF = { baseMs: 1000, maxMs: 30_000 };
/** lock_timeout of a cleanup DROP: it waits for every transaction on the table, never for long. */
const CLEANUP_LOCK_TIMEOUT_MS = 5000;
const PROGRESS_INTERVAL_MS = 500;

/** A step on a session: one attempt, from its dispatch until its session is free again. */
export interface RunningJob {
  step: Step;
  session: Session;
  budget: BuildBudget | null;
  /** 'build' while the step's own statement runs: the only time a cancel is sent to its session. */
  phase: 'prepare' | 'cleanup' | 'build' | 'after';
  buildStartedAt: number;
  cancelSentAt: number | null;
  /** What the build waits for, as last sampled (CONCURRENTLY builds: see build-waits.ts). */
  wait?: WaitState | null;
  /** Set when the run cancelled the build because its wait ran out: the failure is reported as that. */
  waitTimedOut?: WaitState | null;
}

/** A control-connection query failed: the run's problem, not the step's. */
export class ControlFailure extends Error {
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

export class RunContext {
  readonly steps: readonly Step[];
  readonly now: () => number;
  readonly sleep: NonNullable<ExecuteOptions['sleep']>;
  readonly random: () => number;
  readonly backoff: { baseMs: number; maxMs: number };
  readonly cleanupLockTimeoutMs: number;
  readonly progressIntervalMs: number;
  readonly startedAt: number;
  /** The worker sessions, numbered from 1; empty until the run connects. */
  sessions: Session[] = [];
  /** The control connection; null until the run connects (and for a plan without steps). */
  control: Control | null = null;
  /** Set once, by an interrupt or --fail-fast: nothing new starts from then on. */
  stopping: { reason: string; interrupted: boolean } | null = null;
  /** Aborted when the run stops: ends retry waits and the baseline's backoff. */
  readonly stopAll = new AbortController();
  /** Progress ticks and cancellations in flight on the control connection: awaited before it closes. */
  private readonly controlTasks = new Set<Promise<void>>();

  constructor(
    readonly runId: string,
    readonly plan: Plan,
    readonly options: ExecuteOptions,
  ) {
    this.steps = plan.steps;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.cleanupLockTimeoutMs = options.cleanupLockTimeoutMs ?? CLEANUP_LOCK_TIMEOUT_MS;
    this.progressIntervalMs = options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
    this.startedAt = this.now();
  }

  emit(event: RunEvent): void {
    try {
      this.options.sink(event);
    } catch {
      // A renderer that fails must not leave builds running and connections open.
    }
  }

  /** Why the run is stopping, or null; a method, because it changes while a step awaits. */
  stopReason(): string | null {
    return this.stopping?.reason ?? null;
  }

  /** A control-connection query; its failure is a ControlFailure, and a lost connection is reopened on the next one. */
  async viaControl<T>(query: (control: Control) => Promise<T>): Promise<T> {
    const control = this.control;
    if (!control) throw new Error('the run has no control connection');
    try {
      return await query(control);
    } catch (err) {
      if (isConnectionLost(err)) control.session.markLost();
      throw new ControlFailure(err);
    }
  }

  /** Keeps a control task until it settles, so that the connection is not closed under it; never rejects. */
  track(task: Promise<void>): Promise<void> {
    const settled = task.then(
      () => undefined,
      () => undefined,
    );
    this.controlTasks.add(settled);
    void settled.then(() => this.controlTasks.delete(settled));
    return settled;
  }

  /** Waits for the control tasks in flight: a tick still querying a closed connection would reconnect it. */
  async settleControlTasks(): Promise<void> {
    await Promise.allSettled([...this.controlTasks]);
  }
}
