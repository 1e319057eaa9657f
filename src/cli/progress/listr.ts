/**
 * The terminal display: listr2 with an overall line (finished of total, elapsed, ETA), under it the
 * record of the steps that ended (✔ or ✖, with their time and size: they stay, up to the height of
 * the terminal), and one line per session showing the build it runs (phase, percent, blocks or tuples
 * done, time elapsed) or why it has none ("waiting: public.orders is busy with …"). The overall line
 * ends on ✖ when anything failed, was cancelled or left behind, or the run was interrupted. Failures
 * and warnings are printed under the summary once the display is gone, so nothing scrolls it away.
 */
import { color, Listr, ListrLogger, ProcessOutput, type ListrTaskWrapper } from 'listr2';
import type { RunEvent, RunResult, StepState } from '../../runner/types.js';
import { deferredMessages, summaryLabel, type RenderOptions, type Renderer } from './render.js';
import { formatDuration, formatSummary, MARKS, RunView } from './view.js';

// listr2's task wrapper type carries renderer generics we never vary.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Task = ListrTaskWrapper<any, any, any>;

/** What a terminal that reports no width is taken to be. */
export const FALLBACK_COLUMNS = 80;
/** And one that reports no height. */
const FALLBACK_ROWS = 24;

/**
 * listr2 lays its lines out to process.stdout.columns: a terminal that reports 0 columns (or none,
 * as under `script` without a size) would get one character per line. Such a stream is given 80.
 */
export function ensureColumns(stream: { columns?: number }): void {
  if (!(typeof stream.columns === 'number' && stream.columns > 0)) stream.columns = FALLBACK_COLUMNS;
}

/** The lines the live display leaves for the record: the terminal's rows less the lanes, the overall line and a margin. */
function recordRows(stream: { rows?: number }, lanes: number): number {
  const rows = typeof stream.rows === 'number' && stream.rows > 0 ? stream.rows : FALLBACK_ROWS;
  return Math.max(3, rows - lanes - 3);
}

/** A record line with its mark in listr2's colours (none when the terminal has none). */
function painted(line: { state: StepState; text: string }): string {
  const mark = MARKS[line.state];
  if (!line.text.startsWith(mark)) return line.text;
  const paint = line.state === 'done' ? color.green : line.state === 'failed' ? color.red : color.yellow;
  return paint(mark) + line.text.slice(mark.length);
}

/** A run that did not end well ends on ✖: failures, cancellations, an interrupt, INVALID leftovers. */
export function endedBadly(result: RunResult | null): boolean {
  return result === null || result.interrupted || result.failed > 0 || result.cancelled > 0 || result.leftovers.length > 0;
}

/** The overall line once the run has ended. */
export function finalLine(result: RunResult | null): string {
  if (!result) return 'stopped';
  const parts = [`${result.done} of ${result.total} statement${result.total === 1 ? '' : 's'} done`];
  if (result.failed) parts.push(`${result.failed} failed`);
  if (result.cancelled) parts.push(`${result.cancelled} cancelled`);
  if (result.skipped) parts.push(`${result.skipped} skipped`);
  parts.push(`in ${formatDuration(result.durationMs)}`);
  return `${result.interrupted ? 'interrupted: ' : ''}${parts.join(' · ')}`;
}

export function listrRenderer(opts: RenderOptions & { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Renderer {
  ensureColumns(process.stdout);
  if (opts.stdout !== process.stdout) ensureColumns(opts.stdout as { columns?: number });
  const view = new RunView(opts.steps, opts.now);
  const messages = deferredMessages(opts);
  let root: Task | null = null;
  const laneTasks = new Map<number, Task>();
  let begun!: () => void;
  const begunP = new Promise<void>((resolve) => (begun = resolve));
  let ended!: () => void;
  const endedP = new Promise<void>((resolve) => (ended = resolve));
  let badEnd = false;

  /** The overall line, then the record of finished steps under it (it has no subtasks: its mark is the run's). */
  const rootTitle = (head: string) =>
    [head, ...view.recordLines(recordRows(opts.stdout as { rows?: number }, view.lanes.size)).map(painted)].join('\n');
  const redraw = () => {
    if (root) root.title = rootTitle(view.overallLine());
    for (const [n, task] of laneTasks) task.title = view.laneLine(n);
  };
  const timer = setInterval(redraw, 1000);

  const listr = new Listr(
    [
      {
        title: 'connecting',
        task: async (_ctx, task) => {
          root = task;
          await endedP;
          // A failed task is listr2's ✖: the run's outcome, not a ✔ over failures or an interrupt.
          if (badEnd) throw new Error(task.title);
        },
      },
      {
        // No title: the lanes are drawn at the root's level, under it.
        task: async (_ctx, task) => {
          await begunP;
          return task.newListr(
            [...view.lanes.keys()].map((n) => ({
              title: view.laneLine(n),
              task: async (_c: unknown, t: Task) => {
                laneTasks.set(n, t);
                await endedP;
                t.title = `session ${n}`;
              },
            })),
            { concurrent: true, exitOnError: false },
          );
        },
      },
    ],
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: {
        collapseSubtasks: true,
        logger: new ListrLogger({
          useIcons: true,
          toStderr: [],
          processOutput: new ProcessOutput(opts.stdout as NodeJS.WriteStream, opts.stderr as NodeJS.WriteStream),
        }),
      },
    },
  );
  const running = listr.run().catch(() => undefined);

  const sink = (e: RunEvent) => {
    view.apply(e);
    messages.sink(e);
    if (e.type === 'begin') begun();
    redraw();
  };

  return {
    sink,
    async close(result) {
      clearInterval(timer);
      begun();
      redraw();
      badEnd = endedBadly(result);
      if (root) root.title = rootTitle(finalLine(result));
      ended();
      await running;
      const columns = (opts.stdout as { columns?: number }).columns;
      if (result) opts.stdout.write('\n' + formatSummary(result, summaryLabel(opts.steps), { columns }));
      messages.flush();
    },
  };
}
