/**
 * Renderers of a run's events, at the edge: newline-delimited JSON for machines, plain lines for logs
 * and pipes, listr2 (listr.ts) for terminals.
 */
import type { Step } from '../../plan/types.js';
import { humanBytes } from '../../format.js';
import { sizeSetting } from '../../pg/settings.js';
import { displayName, stepLabel } from '../../runner/describe.js';
import { EVENTS_VERSION, type EventSink, type RunEvent, type RunResult, type StepError, type StepResult } from '../../runner/types.js';
import { describeFailure, formatDuration, formatSummary, RunView } from './view.js';

export interface Output {
  write(text: string): unknown;
  /** A terminal's width; the summary fits it (80 when not known). */
  columns?: number;
}

export interface RenderOptions {
  stdout: Output;
  stderr: Output;
  steps: readonly Step[];
  now: () => number;
  /** Where a step's statement (and the server's error position in it) is in its file: `run`. */
  locate?: (stepId: string, position: number | null) => string | null;
}

export interface Renderer {
  sink: EventSink;
  /** Draws the end of the run (summary, failures) once executePlan has returned (null: it threw). */
  close(result: RunResult | null): Promise<void>;
}

/** The heading of a failure: where the statement is, else which step it was. */
function failureText(opts: RenderOptions, stepId: string, error: StepError, sql: string): string {
  const step = opts.steps.find((s) => s.id === stepId);
  const where = opts.locate?.(stepId, error.position) ?? (step ? stepLabel(step) : stepId);
  return `${where}: ${describeFailure(error, sql)}`;
}

export function summaryLabel(steps: readonly Step[]): (r: StepResult) => string {
  const byId = new Map(steps.map((s) => [s.id, s]));
  return (r) => {
    const s = byId.get(r.stepId);
    return s ? stepLabel(s) : r.stepId;
  };
}

/**
 * One event as a line of --json output: the format's version and the time it happened, then the
 * event. The version is on every line, not only on `begin`: a reader may see only some lines (a
 * filter, a tail, the planning warnings printed before `begin`) and each one still says what it is.
 */
export function jsonLine(event: RunEvent, now: () => number): string {
  return JSON.stringify({ version: EVENTS_VERSION, time: new Date(now()).toISOString(), ...event }) + '\n';
}

/** One JSON object per line and per event. */
export function jsonRenderer(opts: RenderOptions): Renderer {
  return {
    sink(event) {
      opts.stdout.write(jsonLine(event, opts.now));
    },
    async close() {},
  };
}

/** Progress of one build is printed when its phase changes, or every this often. */
const PLAIN_PROGRESS_EVERY_MS = 5000;

/** Timestamped lines, for CI logs and pipes. */
export function plainRenderer(opts: RenderOptions): Renderer {
  const view = new RunView(opts.steps, opts.now);
  const lastPrinted = new Map<string, { at: number; phase: string }>();
  /** The table each idle session was last said to wait for: one line per wait, not per holder. */
  const waitPrinted = new Map<number, string>();
  const stamp = () => {
    const s = Math.floor(view.elapsedMs() / 100) / 10;
    return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${(s % 60).toFixed(1).padStart(4, '0')}]`;
  };
  const line = (kind: string, text: string) => opts.stdout.write(`${stamp()} ${kind.padEnd(9)} ${text}\n`); // 'cancelled' is 9 letters
  const sink = (e: RunEvent) => {
    view.apply(e);
    const label = 'stepId' in e ? view.label(e.stepId) : '';
    switch (e.type) {
      case 'begin':
        opts.stdout.write(
          `run ${e.runId}: ${e.total} statement${e.total === 1 ? '' : 's'} on ${e.sessions} session${e.sessions === 1 ? '' : 's'} ` +
            `(maintenance_work_mem ${sizeSetting(e.settings.maintenanceWorkMemBytes)} in total, ${e.settings.cores} cores)\n`,
        );
        break;
      case 'start': {
        waitPrinted.delete(e.session);
        const b = view.running.get(e.stepId);
        const workers = e.workers ?? 0;
        const budget = e.maintenanceWorkMemKb === null ? '' : `, ${sizeSetting(e.maintenanceWorkMemKb * 1024)}, ${workers} worker${workers === 1 ? '' : 's'}`;
        const on = b?.table && b.table !== label ? ` on ${b.table}` : '';
        line('start', `${label}${on} (session ${e.session}${e.attempt > 1 ? `, attempt ${e.attempt}` : ''}${budget})`);
        break;
      }
      case 'progress': {
        const last = lastPrinted.get(e.stepId);
        const now = opts.now();
        if (last && last.phase === e.phase && now - last.at < PLAIN_PROGRESS_EVERY_MS) break;
        lastPrinted.set(e.stepId, { at: now, phase: e.phase });
        const b = view.running.get(e.stepId);
        if (b) line('progress', view.buildLine(b));
        break;
      }
      case 'retry':
        line('retry', `${label}: ${e.error.sqlstate ?? 'connection'} ${e.error.message}; attempt ${e.attempt + 1} in ${formatDuration(e.delayMs)}`);
        break;
      case 'cleanup':
        line('cleanup', e.dropped ? `dropped INVALID index ${e.index}` : `could not drop INVALID index ${e.index}: ${e.message ?? ''}`);
        break;
      case 'done':
        line('done', `${label} in ${formatDuration(e.durationMs)}${e.sizeBytes === null ? '' : `, ${humanBytes(e.sizeBytes)}`}  (${view.overallLine()})`);
        break;
      case 'failed':
        line('FAILED', `${label}`);
        opts.stderr.write(failureText(opts, e.stepId, e.error, e.sql) + '\n');
        break;
      case 'skipped':
        line('skipped', `${label}: ${e.reason}`);
        break;
      case 'cancelled':
        line('cancelled', `${label}: ${e.reason}`);
        break;
      case 'idle': {
        // In a log, only the wait worth a line: a table another build holds (not the tail of a run),
        // once per wait (the builds holding it come and go: a partitioned table's attaches).
        const table = e.table ? displayName(e.table) : null;
        if (e.waitingFor && table && waitPrinted.get(e.session) !== table) line('waiting', `session ${e.session}: ${e.waitingFor}`);
        if (table) waitPrinted.set(e.session, table);
        else waitPrinted.delete(e.session);
        break;
      }
      case 'warning':
        opts.stderr.write(`warning: ${e.message}\n`);
        break;
      case 'note':
        opts.stderr.write(`note: ${e.message}\n`);
        break;
      case 'summary':
        break;
    }
  };
  return {
    sink,
    async close(result) {
      if (result) opts.stdout.write('\n' + formatSummary(result, summaryLabel(opts.steps), { columns: opts.stdout.columns }));
    },
  };
}

/** Failures and warnings collected while a live display owns the terminal, printed once it is gone. */
export function deferredMessages(opts: RenderOptions): { sink: EventSink; flush(): void } {
  const messages: string[] = [];
  return {
    sink(e) {
      if (e.type === 'failed') messages.push(failureText(opts, e.stepId, e.error, e.sql));
      else if (e.type === 'warning') messages.push(`warning: ${e.message}`);
      else if (e.type === 'note') messages.push(`note: ${e.message}`);
      else if (e.type === 'cleanup' && !e.dropped) messages.push(`warning: could not drop INVALID index ${e.index}: ${e.message ?? ''}`);
    },
    flush() {
      if (messages.length > 0) opts.stderr.write(messages.join('\n') + '\n');
    },
  };
}
