/**
 * The step ledger: one record per step of what happened to it (attempts, control-connection
 * failures, when it first started, its final result). Plain bookkeeping; it decides nothing.
 */
import type { Step } from '../plan/types.js';
import type { StepError, StepResult, StepState } from './types.js';

export interface StepRecord {
  readonly step: Step;
  /** Attempts made; an attempt that a control-connection failure interrupted is given back. */
  attempts: number;
  /** Control-connection failures met by this step's attempts: past a few, the run stops. */
  controlFailures: number;
  /** When the first attempt started (a step's duration counts its retries); null until then. */
  firstStartedAt: number | null;
  /** The final state, once the step has ended; set once. */
  result: StepResult | null;
}

export interface Outcome {
  reason?: string;
  error?: StepError;
  sizeBytes?: number | null;
}

export class StepLedger {
  private readonly records = new Map<string, StepRecord>();
  private readonly counts: Record<StepState, number> = { done: 0, skipped: 0, failed: 0, cancelled: 0 };

  constructor(private readonly steps: readonly Step[]) {
    for (const step of steps) this.records.set(step.id, { step, attempts: 0, controlFailures: 0, firstStartedAt: null, result: null });
  }

  of(step: Step): StepRecord {
    const record = this.records.get(step.id);
    if (!record) throw new Error(`step "${step.id}" is not in the plan`);
    return record;
  }

  /** The step's final state, or null while it has not ended. */
  stateOf(id: string): StepState | null {
    return this.records.get(id)?.result?.state ?? null;
  }

  /** Counts one more attempt, and the start of the first. */
  startAttempt(step: Step, now: number): number {
    const record = this.of(step);
    record.attempts++;
    record.firstStartedAt ??= now;
    return record.attempts;
  }

  /** Records the step's final state; null if it had ended already (a step ends once). */
  settle(step: Step, state: StepState, outcome: Outcome, now: number): StepResult | null {
    const record = this.of(step);
    if (record.result) return null;
    const started = record.firstStartedAt;
    record.result = {
      stepId: step.id,
      action: step.action,
      sql: step.sql,
      index: step.index,
      table: step.table,
      method: step.method,
      state,
      reason: outcome.reason ?? null,
      error: outcome.error ?? null,
      attempts: record.attempts,
      durationMs: started === null ? null : now - started,
      sizeBytes: outcome.sizeBytes ?? null,
      ...(step.build ? { predictedSeconds: step.build.seconds } : {}),
    };
    this.counts[state]++;
    return record.result;
  }

  count(state: StepState): number {
    return this.counts[state];
  }

  /** Every step's result, in plan order (each step has one once the run has ended). */
  results(): StepResult[] {
    return this.steps.map((s) => this.of(s).result as StepResult);
  }
}
