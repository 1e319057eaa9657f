/**
 * What the progress renderers show, computed from the runner's events: pure. The renderers (listr2,
 * plain lines) only decide when to draw it.
 */
import type { QualifiedName, Step } from '../../plan/types.js';
import { thousands } from '../../format.js';
import { SqlError } from '../../errors.js';
import { displayName, stepLabel } from '../../runner/describe.js';
import type { RunEvent, StepError } from '../../runner/types.js';
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

function tableName(t: QualifiedName | null): string | null {
  return t ? displayName(t) : null;
}

/** Turns events into the state of the run: running builds, counts, ETA. */
export class RunView {
  readonly steps = new Map<string, Step>();
  readonly running = new Map<string, BuildView>();
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
        break;
      case 'start':
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
        break;
      case 'done':
      case 'failed':
      case 'skipped':
      case 'cancelled':
        this.running.delete(e.stepId);
        this.finished++;
        if (e.type === 'failed') this.failed++;
        if (step) this.doneWeight += this.weight(step);
        break;
      default:
        break;
    }
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
