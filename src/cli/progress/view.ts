/**
 * What the progress renderers show, computed from the runner's events: pure. The renderers (listr2,
 * plain lines) only decide when to draw it.
 */
import type { QualifiedName, Step } from '../../plan/types.js';
import { humanBytes, thousands } from '../../format.js';
import { SqlError } from '../../errors.js';
import { displayName, stepLabel } from '../../runner/describe.js';
import type { RunEvent, StepError, StepState } from '../../runner/types.js';
import { formatDuration } from './duration.js';

export { formatDuration };
export { formatSummary } from './summary.js';

export interface BuildView {
  stepId: string;
  label: string;
  table: string | null;
  method: string | null;
  session: number;
  attempt: number;
  workers: number | null;
  maintenanceWorkMemKb: number | null;
  /** Local clock time the attempt started. */
  startedAt: number;
  phase: string | null;
  percent: number | null;
  blocks: [number, number] | null;
  tuples: [number, number] | null;
  /** What the build waits for, naming the session in its way; its counters are then not shown (they belong to the phase before). */
  waitingFor: string | null;
}

/** A step that ran, as the live display keeps it once it has ended: its mark, time and size stay. */
export interface RecordRow {
  stepId: string;
  /** A drop-invalid row says what it dropped: its label is the index rebuilt after it. */
  action: Step['action'] | null;
  label: string;
  table: string | null;
  state: StepState;
  durationMs: number | null;
  sizeBytes: number | null;
  attempts: number;
  /** Why it failed or was cancelled, on one line. */
  detail: string | null;
}

/** One session of the run: the step it runs, or why it has none. */
export interface LaneView {
  session: number;
  stepId: string | null;
  /** Set while the session is idle although statements remain ("public.orders is busy with …"). */
  waitingFor: string | null;
}

/** The marks of the record, as listr2 draws its tasks. */
export const MARKS: Readonly<Record<StepState, string>> = { done: '✔', failed: '✖', cancelled: '■', skipped: '↓' };

function tableName(t: QualifiedName | null): string | null {
  return t ? displayName(t) : null;
}

/** Turns events into the state of the run: running builds, counts, ETA. */
export class RunView {
  readonly steps = new Map<string, Step>();
  readonly running = new Map<string, BuildView>();
  /** Every step that ran and ended, in the order they ended. */
  readonly record: RecordRow[] = [];
  /** Where the failed steps are in the record. */
  private readonly failedAt: number[] = [];
  /** The sessions, by number, from `begin`. */
  readonly lanes = new Map<number, LaneView>();
  total = 0;
  sessions = 0;
  finished = 0;
  failed = 0;
  private beganAt: number | null = null;
  private readonly weight: (s: Step) => number;
  private totalWeight = 0;
  private doneWeight = 0;

  constructor(
    steps: readonly Step[],
    private readonly now: () => number,
  ) {
    for (const s of steps) this.steps.set(s.id, s);
    const costed = steps.some((s) => s.estimate.cost > 0);
    // Without estimates (a SQL file on new tables) every statement counts the same.
    this.weight = costed ? (s) => s.estimate.cost : () => 1;
    this.totalWeight = steps.reduce((sum, s) => sum + this.weight(s), 0);
    this.total = steps.length;
  }

  label(stepId: string): string {
    const s = this.steps.get(stepId);
    return s ? stepLabel(s) : stepId;
  }

  apply(e: RunEvent): void {
    const step = 'stepId' in e ? this.steps.get(e.stepId) : undefined;
    switch (e.type) {
      case 'begin':
        this.beganAt = this.now();
        this.total = e.total;
        this.sessions = e.sessions;
        for (let n = 1; n <= e.sessions; n++) this.lanes.set(n, { session: n, stepId: null, waitingFor: null });
        break;
      case 'start':
        this.lanes.set(e.session, { session: e.session, stepId: e.stepId, waitingFor: null });
        this.running.set(e.stepId, {
          stepId: e.stepId,
          label: this.label(e.stepId),
          table: tableName(step?.table ?? null),
          method: step?.method ?? null,
          session: e.session,
          attempt: e.attempt,
          workers: e.workers,
          maintenanceWorkMemKb: e.maintenanceWorkMemKb,
          startedAt: this.now(),
          phase: null,
          percent: null,
          blocks: null,
          tuples: null,
          waitingFor: null,
        });
        break;
      case 'progress': {
        const b = this.running.get(e.stepId);
        if (b) {
          b.phase = e.phase;
          b.waitingFor = e.waitingFor ?? null;
          const counting = b.waitingFor === null;
          b.percent = counting ? e.percent : null;
          b.blocks = counting && e.blocksTotal > 0 ? [e.blocksDone, e.blocksTotal] : null;
          b.tuples = counting && e.tuplesTotal > 0 ? [e.tuplesDone, e.tuplesTotal] : null;
        }
        break;
      }
      case 'retry':
        this.running.delete(e.stepId);
        this.freeLane(e.stepId);
        break;
      case 'idle': {
        this.lanes.set(e.session, { session: e.session, stepId: null, waitingFor: e.waitingFor });
        break;
      }
      case 'done':
      case 'failed':
      case 'skipped':
      case 'cancelled':
        this.keep(e);
        this.running.delete(e.stepId);
        this.freeLane(e.stepId);
        this.finished++;
        if (e.type === 'failed') this.failed++;
        if (step) this.doneWeight += this.weight(step);
        break;
      default:
        break;
    }
  }

  /** The session that ran this step has ended it. */
  private freeLane(stepId: string): void {
    for (const lane of this.lanes.values()) if (lane.stepId === stepId) lane.stepId = null;
  }

  /** A step that ran (or failed before it could) goes on the record as it ends. */
  private keep(e: Extract<RunEvent, { type: 'done' | 'failed' | 'skipped' | 'cancelled' }>): void {
    const b = this.running.get(e.stepId);
    if (!b && e.type !== 'failed') return;
    const step = this.steps.get(e.stepId);
    if (e.type === 'failed') this.failedAt.push(this.record.length);
    this.record.push({
      stepId: e.stepId,
      action: step?.action ?? null,
      label: b?.label ?? this.label(e.stepId),
      table: b?.table ?? tableName(step?.table ?? null),
      state: e.type,
      durationMs: e.type === 'done' || e.type === 'failed' ? e.durationMs : b ? this.now() - b.startedAt : null,
      sizeBytes: e.type === 'done' ? e.sizeBytes : null,
      attempts: e.type === 'done' || e.type === 'failed' ? e.attempts : (b?.attempt ?? 0),
      detail:
        e.type === 'failed' ? `${e.error.sqlstate ? e.error.sqlstate + ' ' : ''}${e.error.message}`.split('\n')[0] ?? null : e.type === 'done' ? null : e.reason,
    });
  }

  /** A finished step's line: mark, name, time, size; or why it failed. */
  recordLine(r: RecordRow): string {
    const parts = [MARKS[r.state], r.label];
    if (r.table && r.table !== r.label) parts.push(`on ${r.table}`);
    if (r.action === 'drop-invalid') parts.push('·', 'INVALID leftover dropped');
    // A hazard's DROP and a redefinition's rename name the index they act on, not one built.
    if (r.action === 'drop') parts.push('·', 'DROP');
    if (r.action === 'rename') parts.push('·', 'RENAME');
    const took = r.durationMs === null ? null : formatDuration(r.durationMs);
    if (r.state === 'done') {
      if (took) parts.push('·', took);
      if (r.sizeBytes !== null) parts.push('·', humanBytes(r.sizeBytes));
      if (r.attempts > 1) parts.push('·', `${r.attempts} attempts`);
    } else {
      parts.push('·', `${r.state}${took ? ` after ${took}` : ''}${r.detail ? `: ${r.detail}` : ''}`);
    }
    return parts.join(' ');
  }

  /**
   * The record as at most `maxRows` lines: all of it while it fits. Past that the oldest finished
   * builds fold into one line that counts them, failures last of all (the summary lists everything):
   * a terminal redraws only what fits on its screen.
   */
  recordLines(maxRows: number): { state: StepState; text: string }[] {
    const rows = Math.max(1, maxRows);
    const line = (i: number) => {
      const r = this.record[i] as RecordRow;
      return { state: r.state, text: this.recordLine(r) };
    };
    if (this.record.length <= rows) return this.record.map((_, i) => line(i));
    // The newest failures first, then the newest of the rest, until one line is left for the fold:
    // O(rows) per redraw, however long the record (a run of a large SQL file redraws per event).
    const keep = new Set<number>(rows > 1 ? this.failedAt.slice(-(rows - 1)) : []);
    for (let i = this.record.length - 1; i >= 0 && keep.size < rows - 1; i--) keep.add(i);
    // Every failure newer than the kept ones is kept too: the folded ones are the oldest.
    const foldedFailed = this.failedAt.length - Math.min(this.failedAt.length, rows - 1);
    const folded = this.record.length - keep.size;
    const fold = {
      state: foldedFailed > 0 ? ('failed' as const) : ('done' as const),
      text: `${foldedFailed > 0 ? MARKS.failed : MARKS.done} ${folded} earlier finished${foldedFailed > 0 ? ` (${foldedFailed} failed)` : ''}: all in the summary at the end`,
    };
    return [fold, ...[...keep].sort((a, b) => a - b).map(line)];
  }

  /** A session's line: the build it runs, or why it has none. */
  laneLine(n: number): string {
    const lane = this.lanes.get(n);
    const b = lane?.stepId ? this.running.get(lane.stepId) : undefined;
    if (b) return `session ${n}: ${this.buildLine(b)}`;
    if (lane?.waitingFor) return `session ${n} · waiting: ${lane.waitingFor}`;
    return `session ${n}: idle`;
  }

  elapsedMs(): number {
    return this.beganAt === null ? 0 : this.now() - this.beganAt;
  }

  /** Remaining time at the pace so far, weighted by estimated cost; null until something finished. */
  etaMs(): number | null {
    const elapsed = this.elapsedMs();
    if (this.doneWeight <= 0 || this.totalWeight <= 0 || elapsed <= 0) return null;
    const fraction = Math.min(1, this.doneWeight / this.totalWeight);
    return (elapsed * (1 - fraction)) / fraction;
  }

  buildLine(b: BuildView): string {
    const parts = [b.label];
    if (b.table && b.label !== b.table) parts.push(`on ${b.table}`);
    const how = [b.method, b.workers ? `${b.workers} worker${b.workers === 1 ? '' : 's'}` : null, b.attempt > 1 ? `attempt ${b.attempt}` : null].filter(Boolean);
    if (how.length > 0) parts.push(`(${how.join(', ')})`);
    parts.push('·', b.phase ?? 'starting');
    if (b.percent !== null) parts.push(`${b.percent.toFixed(1)}%`);
    if (b.blocks) parts.push(`blocks ${thousands(b.blocks[0])}/${thousands(b.blocks[1])}`);
    if (b.tuples) parts.push(`tuples ${thousands(b.tuples[0])}/${thousands(b.tuples[1])}`);
    if (b.waitingFor) parts.push(`· ${b.waitingFor}`);
    parts.push('·', formatDuration(this.now() - b.startedAt));
    return parts.join(' ');
  }

  overallLine(): string {
    const eta = this.etaMs();
    const parts = [`${this.finished} of ${this.total} finished`, `${this.running.size} running`];
    if (this.failed > 0) parts.push(`${this.failed} failed`);
    parts.push(`elapsed ${formatDuration(this.elapsedMs())}`);
    if (eta !== null && this.finished < this.total) parts.push(`ETA ${formatDuration(eta)}`);
    return parts.join(' · ');
  }
}

/** A failure as people read it: the server's message, the SQL with a caret, detail and hint. */
export function describeFailure(error: StepError, sql: string): string {
  return new SqlError(sql, {
    message: error.message,
    code: error.sqlstate ?? undefined,
    position: error.position === null ? undefined : String(error.position),
    detail: error.detail ?? undefined,
    hint: error.hint ?? undefined,
  }).describe();
}
