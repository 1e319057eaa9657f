/**
 * What the runner reports: the final state of every step, and the stream of events renderers draw.
 * Plain data, so that the JSON renderer can print events as they are. schemas/events.schema.json
 * describes them as `--json` prints them: change both together, and EVENTS_VERSION with them when a
 * change could break a reader (a field removed, renamed or of another type; new fields and new event
 * types are not such a change).
 */
import type pg from 'pg';
import type { QualifiedName, RunSettings, StepAction } from '../plan/types.js';
import type { IndexCounts } from './outcomes.js';
import type { Preconnected } from '../db/preconnect.js';

/** The version of the event format, in every `--json` line (`"version": 1`). */
export const EVENTS_VERSION = 1;

/** Every step ends in exactly one of these. */
export type StepState = 'done' | 'skipped' | 'failed' | 'cancelled';

/** The server's description of a failure, kept whole so it can be shown with the SQL and a caret. */
export interface StepError {
  sqlstate: string | null;
  message: string;
  detail: string | null;
  hint: string | null;
  /** 1-based character position in the statement, when the server gave one. */
  position: number | null;
}

export interface StepResult {
  stepId: string;
  action: StepAction;
  sql: string;
  index: QualifiedName | null;
  table: QualifiedName | null;
  method: string | null;
  state: StepState;
  /** Why a step was skipped or cancelled. */
  reason: string | null;
  error: StepError | null;
  /** Attempts made (0 when the step never started). */
  attempts: number;
  /** Time of the last attempt, ms; null when it never started. */
  durationMs: number | null;
  /** pg_relation_size of the built index, bytes. */
  sizeBytes: number | null;
  /** An index build's predicted duration (Step.build), seconds; absent without a prediction. */
  predictedSeconds?: number;
}

export interface RunSummary {
  runId: string;
  total: number;
  done: number;
  skipped: number;
  failed: number;
  cancelled: number;
  interrupted: boolean;
  /** --fail-fast stopped the run after a failure. */
  stoppedEarly: boolean;
  durationMs: number;
  /** INVALID indexes that could not be dropped, as the statements that drop them. */
  leftovers: string[];
  /** The same run counted by index: a rebuilt leftover (a DROP and a CREATE) is one index. */
  indexes: IndexCounts;
  /** The builds' duration as the cost model predicted it for the plan's schedule, seconds. */
  predictedSeconds?: number;
}

export interface RunResult extends RunSummary {
  results: StepResult[];
}

/** A step's result as the summary event carries it: without its SQL (the `start` event has it). */
export type StepOutcome = Omit<StepResult, 'sql'>;

export interface ProgressSample {
  phase: string;
  blocksDone: number;
  blocksTotal: number;
  tuplesDone: number;
  tuplesTotal: number;
  /** 0..100 within the current phase, or null when the phase reports no totals. */
  percent: number | null;
}

export type RunEvent =
  | { type: 'begin'; runId: string; total: number; sessions: number; settings: RunSettings; estimatedCost: number }
  | {
      type: 'start';
      stepId: string;
      session: number;
      attempt: number;
      /** Budget chosen for this build (null for statements that are not index builds). */
      maintenanceWorkMemKb: number | null;
      workers: number | null;
      sql: string;
    }
  | ({
      type: 'progress';
      stepId: string;
      elapsedMs: number;
      /** What the build waits for, naming the session in its way ("waiting for the table lock, held by pid 42 (psql, …)"). */
      waitingFor?: string;
    } & ProgressSample)
  | { type: 'retry'; stepId: string; attempt: number; delayMs: number; error: StepError }
  | { type: 'cleanup'; stepId: string; index: string; dropped: boolean; message: string | null }
  | { type: 'done'; stepId: string; durationMs: number; sizeBytes: number | null; attempts: number }
  | { type: 'failed'; stepId: string; durationMs: number | null; attempts: number; error: StepError; sql: string }
  | { type: 'skipped'; stepId: string; reason: string }
  | { type: 'cancelled'; stepId: string; reason: string }
  /**
   * A session has nothing to run while statements remain, and why: the ready ones all wait for a
   * table that a running build holds (`table`, `heldBy`), or for builds they depend on, or for a
   * retry's backoff. Sent when the reason changes; a `start` on the session ends it. `waitingFor`
   * null: nothing is left to start.
   */
  | { type: 'idle'; session: number; waitingFor: string | null; table?: QualifiedName; heldBy?: string }
  | { type: 'warning'; message: string }
  /** Something the run did on its own that changes what a re-run will do. */
  | { type: 'note'; message: string }
  | ({ type: 'summary'; results: StepOutcome[] } & RunSummary);

export type EventSink = (event: RunEvent) => void;

export interface ExecuteOptions {
  connection: pg.ClientConfig;
  sink: EventSink;
  /** Aborting cancels running builds on the server, drops INVALID leftovers and ends the run. */
  signal?: AbortSignal;
  failFast?: boolean;
  /** Statements run on every session after pgindex's own settings (`run`: the file's leading SETs). */
  sessionSetup?: string[];
  /** The run's connections opened ahead (`run`: while the file is planned); the run takes them, and closes those it does not need. */
  preconnected?: Preconnected;
  runId?: string;
  /** Retry backoff: base delay of the first retry and the cap, ms. */
  backoff?: { baseMs: number; maxMs: number };
  progressIntervalMs?: number;
  /** lock_timeout of the DROP INDEX CONCURRENTLY that removes a failed build's INVALID index (default 5s). */
  cleanupLockTimeoutMs?: number;
  /** Injected edges, for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}
