/**
 * A yes/no question on the terminal: the only place pgindex reads from a person. The answer is read
 * with readline in terminal mode, so the line is edited and echoed as a shell would, Ctrl-C at the
 * prompt is a keypress (not a signal that would kill the process with the run lock held and no
 * message), and the terminal is put back in its ordinary mode whatever the answer.
 */
import { createInterface } from 'node:readline';
import type { CliIO } from './command.js';

export type Answer = 'yes' | 'no' | 'interrupted';

/** A person can answer: stdin is a terminal, and so is stderr, where the question is written. */
export function canAsk(io: CliIO): boolean {
  // CliIO types stdin as any readable stream; a terminal's carries isTTY as stdout's does.
  return (io.stdin as { isTTY?: boolean }).isTTY === true && io.stderr.isTTY === true;
}

/** `y` or `yes` in any case, nothing else: the default is no. */
export function isYes(line: string): boolean {
  return /^\s*y(es)?\s*$/i.test(line);
}

/**
 * Writes `question` to stderr and waits for a line on stdin: 'yes' for y/yes, 'no' for anything
 * else or the end of input (Ctrl-D), 'interrupted' for Ctrl-C, SIGTERM or SIGHUP (the terminal
 * closed) while waiting.
 */
export function askYesNo(io: CliIO, question: string): Promise<Answer> {
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  return new Promise<Answer>((resolve) => {
    let settled = false;
    const finish = (answer: Answer) => {
      if (settled) return;
      settled = true;
      for (const s of signals) process.off(s, onSignal);
      // close() leaves raw mode and pauses stdin, so the process can exit when the run is over.
      rl.close();
      resolve(answer);
    };
    const onSignal = () => {
      io.stderr.write('\n');
      finish('interrupted');
    };
    // Signals sent from elsewhere (kill, a closing terminal) while the question waits.
    for (const s of signals) process.on(s, onSignal);
    // Ctrl-C typed at the prompt: in raw mode it reaches readline as a key, not as a signal.
    rl.on('SIGINT', onSignal);
    rl.on('close', () => {
      if (!settled) io.stderr.write('\n');
      finish('no');
    });
    rl.question(question, (line) => finish(isYes(line) ? 'yes' : 'no'));
  });
}
