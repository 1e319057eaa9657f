/**
 * Asking for a password on the terminal, as psql's -W does: the prompt on stderr (stdout may be a
 * file: `pgindex plan … -W > plan.sql`), nothing echoed, Enter ends it, Backspace takes back a
 * character, Ctrl-C gives up. Only on a terminal: a password read from a pipe would be the next line
 * of whatever feeds it, so the caller refuses instead.
 */
import { StringDecoder } from 'node:string_decoder';
import type { CliIO } from './command.js';

/** The stdin of a terminal: what raw mode needs. */
interface TtyIn {
  isTTY?: boolean;
  setRawMode?: (raw: boolean) => unknown;
}

export function canPrompt(io: CliIO): boolean {
  const stdin = io.stdin as NodeJS.ReadableStream & TtyIn;
  return stdin.isTTY === true && typeof stdin.setRawMode === 'function';
}

/** The typed password, or null when Ctrl-C (or end of input on an empty line) gave up. */
export function readPassword(io: CliIO, prompt: string): Promise<string | null> {
  const stdin = io.stdin as NodeJS.ReadableStream & TtyIn;
  return new Promise((resolve) => {
    const decoder = new StringDecoder('utf8');
    let typed = '';
    const finish = (result: string | null) => {
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      for (const c of text) {
        if (c === '\r' || c === '\n') return finish(typed);
        if (c === '\u0003') return finish(null);
        if (c === '\u0004') {
          if (typed === '') return finish(null);
          return finish(typed);
        }
        if (c === '\u007f' || c === '\b') typed = [...typed].slice(0, -1).join('');
        else if (c >= ' ') typed += c;
      }
    };
    // A terminal that goes away mid-prompt ends the input: give up rather than wait forever.
    const onEnd = () => finish(null);
    // Raw before the prompt: nothing typed after it is ever echoed.
    stdin.setRawMode?.(true);
    io.stderr.write(prompt);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
  });
}
