/**
 * The edge shared by `apply` and `run`: Ctrl-C and SIGTERM turned into an AbortSignal, the renderer
 * chosen for the output, and the exit code of a finished run.
 */
import type { CliIO } from './command.js';
import { EXIT } from './command.js';
import {
  jsonRenderer,
  listrRenderer,
  plainRenderer,
  startPlan,
  type ExecuteOptions,
  type Plan,
  type Renderer,
  type RunHandle,
  type RunResult,
  type Step,
} from '../index.js';

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

/** --json: NDJSON events; a terminal: listr2; anything else (CI, pipes): plain lines. */
export function chooseRenderer(
  io: CliIO,
  opts: { json: boolean; steps: readonly Step[]; locate?: (stepId: string, position: number | null) => string | null },
): Renderer {
  const base = { stdout: io.stdout, stderr: io.stderr, steps: opts.steps, now: Date.now, ...(opts.locate ? { locate: opts.locate } : {}) };
  if (opts.json) return jsonRenderer(base);
  if (io.stdout.isTTY) return listrRenderer(base);
  return plainRenderer(base);
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
  view: { json: boolean; locate?: (stepId: string, position: number | null) => string | null },
): Promise<number> {
  const renderer = chooseRenderer(io, { ...view, steps: plan.steps });
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
