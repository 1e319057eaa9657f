/**
 * The terminal display: listr2 with an overall line (finished of total, elapsed, ETA) and one line per
 * session showing the build it runs: phase, percent, blocks or tuples done, time elapsed. Failures and
 * warnings are printed under the summary once the display is gone, so nothing scrolls it away.
 */
import { Listr, ListrLogger, ProcessOutput, type ListrTaskWrapper } from 'listr2';
import type { RunEvent } from '../../runner/types.js';
import { deferredMessages, summaryLabel, type RenderOptions, type Renderer } from './render.js';
import { formatSummary, RunView } from './view.js';

// listr2's task wrapper type carries renderer generics we never vary.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Task = ListrTaskWrapper<any, any, any>;

/** What a terminal that reports no width is taken to be. */
export const FALLBACK_COLUMNS = 80;

/**
 * listr2 lays its lines out to process.stdout.columns: a terminal that reports 0 columns (or none,
 * as under `script` without a size) would get one character per line. Such a stream is given 80.
 */
export function ensureColumns(stream: { columns?: number }): void {
  if (!(typeof stream.columns === 'number' && stream.columns > 0)) stream.columns = FALLBACK_COLUMNS;
}

export function listrRenderer(opts: RenderOptions & { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): Renderer {
  ensureColumns(process.stdout);
  if (opts.stdout !== process.stdout) ensureColumns(opts.stdout as { columns?: number });
  const view = new RunView(opts.steps, opts.now);
  const messages = deferredMessages(opts);
  let root: Task | null = null;
  const lanes = new Map<number, { task: Task | null; stepId: string | null }>();
  let begun!: () => void;
  const begunP = new Promise<void>((resolve) => (begun = resolve));
  let ended!: () => void;
  const endedP = new Promise<void>((resolve) => (ended = resolve));

  const redraw = () => {
    if (root) root.title = view.overallLine();
    for (const [n, lane] of lanes) {
      const b = lane.stepId ? view.running.get(lane.stepId) : undefined;
      if (lane.task) lane.task.title = b ? view.buildLine(b) : `session ${n}: idle`;
    }
  };
  const timer = setInterval(redraw, 1000);

  const listr = new Listr(
    [
      {
        title: 'connecting',
        task: async (_ctx, task) => {
          root = task;
          await begunP;
          redraw();
          return task.newListr(
            [...lanes.keys()].map((n) => ({
              title: `session ${n}: idle`,
              task: async (_c: unknown, t: Task) => {
                const lane = lanes.get(n);
                if (lane) lane.task = t;
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
      concurrent: false,
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
    if (e.type === 'begin') {
      for (let n = 1; n <= e.sessions; n++) lanes.set(n, { task: null, stepId: null });
      begun();
    } else if (e.type === 'start') {
      const lane = lanes.get(e.session);
      if (lane) lane.stepId = e.stepId;
    }
    redraw();
  };

  return {
    sink,
    async close(result) {
      clearInterval(timer);
      begun();
      redraw();
      if (root) {
        root.title = result
          ? `${result.interrupted ? 'interrupted: ' : ''}${result.done + result.skipped} of ${result.total} done` + (result.failed ? `, ${result.failed} failed` : '')
          : 'stopped';
      }
      ended();
      await running;
      if (result) opts.stdout.write('\n' + formatSummary(result, summaryLabel(opts.steps)));
      messages.flush();
    },
  };
}
