/**
 * The edge shared by `apply` and `run`: the question before a run, Ctrl-C and SIGTERM turned into an
 * AbortSignal, the renderer chosen for the output (with --echo and --quiet), and the exit code of a
 * finished run.
 */
import type { CliIO } from './command.js';
import { EXIT } from './command.js';
import { askYesNo, canAsk } from './prompt.js';
import { confirmationLines, CONFIRM_QUESTION } from './confirm.js';
import { jsonRenderer, plainRenderer, type Renderer, type RenderOptions } from './progress/render.js';
import { startPlan, type RunHandle } from '../runner/execute.js';
import type { ExecuteOptions, RunResult } from '../runner/types.js';
import type { Plan, Step } from '../plan/types.js';

/**
 * The first SIGINT or SIGTERM aborts the signal (the runner cancels the builds on the server, drops
 * INVALID leftovers, and the summary is printed); a second one fires `beforeExit` (cancel everything
 * on the server, briefly) and exits; a third exits at once.
 */
export function interruptOnSignals(
  io: CliIO,
  command: string,
  beforeExit: () => Promise<void> = async () => undefined,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let exiting = false;
  const onSignal = (name: NodeJS.Signals) => {
    if (exiting) process.exit(EXIT.interrupted);
    if (controller.signal.aborted) {
      exiting = true;
      io.stderr.write(`pgindex ${command}: ${name} again: cancelling on the server and exiting now; INVALID indexes may be left (apply again to clean up)\n`);
      void beforeExit()
        .catch(() => undefined)
        .finally(() => process.exit(EXIT.interrupted));
      return;
    }
    io.stderr.write(`\npgindex ${command}: ${name}: cancelling running statements and cleaning up (press Ctrl-C again to exit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal (SIGHUP) is no reason to leave INVALID indexes behind: cleaned up as SIGTERM.
  process.on('SIGHUP', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
    },
  };
}

/** How a run is shown: the flags of `apply` and `run` that choose it. */
export interface RunDisplay {
  json: boolean;
  /** --quiet: only the summary and errors (the --json stream is not thinned). */
  quiet?: boolean;
  /** --echo: every statement on stderr as it starts, with its session. */
  echo?: boolean;
  locate?: (stepId: string, position: number | null) => string | null;
}

/**
 * --json: NDJSON events; --quiet: the summary and errors; a terminal: listr2, unless --echo (its
 * lines would be drawn over by the live display: plain lines then); anything else (CI, pipes):
 * plain lines. --echo adds its lines to any of them.
 */
export async function chooseRenderer(io: CliIO, opts: RunDisplay & { steps: readonly Step[] }): Promise<Renderer> {
  const base = { stdout: io.stdout, stderr: io.stderr, steps: opts.steps, now: Date.now, ...(opts.locate ? { locate: opts.locate } : {}) };
  const pick = async (): Promise<Renderer> => {
    if (opts.json) return jsonRenderer(base);
    if (opts.quiet) return quietRenderer(base);
    // listr2 takes longer to load than the rest of the CLI: only a terminal needs it.
    if (io.stdout.isTTY && !opts.echo) return (await import('./progress/listr.js')).listrRenderer(base);
    return plainRenderer(base);
  };
  const renderer = await pick();
  return opts.echo ? withEcho(renderer, io.stderr) : renderer;
}

/**
 * The plain renderer with its running commentary dropped: nothing goes to stdout until the summary,
 * and warnings and notes are not passed on. Failures still reach stderr as they happen.
 */
function quietRenderer(base: RenderOptions): Renderer {
  let summary = false;
  const inner = plainRenderer({ ...base, stdout: { write: (text: string) => (summary ? base.stdout.write(text) : true), columns: base.stdout.columns } });
  return {
    sink(event) {
      if (event.type !== 'warning' && event.type !== 'note') inner.sink(event);
    },
    async close(result) {
      summary = true;
      await inner.close(result);
    },
  };
}

/** Each statement as it starts (every attempt), as psql -e echoes its queries, with the session running it. */
function withEcho(renderer: Renderer, stderr: CliIO['stderr']): Renderer {
  return {
    sink(event) {
      if (event.type === 'start') {
        const sql = event.sql.trim();
        stderr.write(`session ${event.session}${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}: ${sql}${sql.endsWith(';') ? '' : ';'}\n`);
      }
      renderer.sink(event);
    },
    close: (result) => renderer.close(result),
  };
}

/**
 * On an interactive terminal, shows what the run will do and asks before anything changes:
 * null to go on (the answer was yes, or nobody could be asked), else the exit code to return with
 * nothing done: 1 declined (as psql-like tools exit when they stop), 130 interrupted at the prompt.
 * Nobody is asked with --yes, with --json (a machine reads stdout), or when stdin or stderr is not a
 * terminal: those runs go on as before the prompt existed.
 *
 * The caller still holds the run lock while the question waits: what is shown is the Plan that
 * runs, and no other apply or run may change the catalog it was made from in the meantime.
 */
export async function confirmRun(
  io: CliIO,
  command: string,
  plan: Plan,
  target: string,
  flags: { yes: boolean; json: boolean },
): Promise<number | null> {
  if (flags.yes || flags.json || !canAsk(io)) return null;
  const width = (io.stderr as { columns?: number }).columns;
  io.stderr.write(confirmationLines(plan, { command, target, ...(width ? { width } : {}) }).join('\n') + '\n');
  const answer = await askYesNo(io, CONFIRM_QUESTION);
  if (answer === 'yes') return null;
  io.stderr.write(`pgindex ${command}: ${answer === 'interrupted' ? 'interrupted at the prompt' : 'not confirmed'}: nothing was run\n`);
  return answer === 'interrupted' ? EXIT.interrupted : EXIT.error;
}

/** How long a second Ctrl-C waits for the server to take the cancel requests before exiting. */
const SECOND_INTERRUPT_DEADLINE_MS = 1000;

/** 130 interrupted, 1 anything failed, 0 everything done or skipped. */
export function exitCode(result: RunResult): number {
  if (result.interrupted) return EXIT.interrupted;
  if (result.failed > 0 || result.cancelled > 0 || result.leftovers.length > 0) return EXIT.error;
  return EXIT.ok;
}

/**
 * Runs a Plan with the renderer the terminal calls for, Ctrl-C handling, and the summary printed
 * however the run ends; returns the exit code.
 */
export async function executeWithProgress(
  io: CliIO,
  command: string,
  plan: Plan,
  options: Omit<ExecuteOptions, 'sink' | 'signal'>,
  view: RunDisplay,
): Promise<number> {
  const renderer = await chooseRenderer(io, { ...view, steps: plan.steps });
  let run: RunHandle | null = null;
  const interrupt = interruptOnSignals(io, command, async () => run?.cancelAllNow(SECOND_INTERRUPT_DEADLINE_MS));
  let result: RunResult | null = null;
  try {
    run = startPlan(plan, { ...options, sink: renderer.sink, signal: interrupt.signal });
    result = await run.result;
  } finally {
    await renderer.close(result);
    interrupt.dispose();
  }
  return exitCode(result);
}
