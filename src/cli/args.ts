/**
 * Reading option values the commands share (a bad one is a message, not an exception), and saying
 * in one line what is wrong with the arguments.
 */
import type { ParseArgsConfig } from 'node:util';
import { closest } from '../planfile/hints.js';
import { parseDuration } from '../planfile/units.js';
import { EXIT, type CliIO } from './command.js';

/** A positive integer option such as -j. */
export function positiveInt(name: string, value: unknown): number | string {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) return `${name} must be a positive integer, not "${String(value)}"`;
  return n;
}

/** A duration option such as --lock-wait ('30s', '5min', or milliseconds). */
export function durationMs(name: string, value: unknown): number | string {
  const r = parseDuration(name, value);
  return r.ok ? r.value : r.message + (r.hint ? ` (${r.hint})` : '');
}

/** The help lines of --lock-wait, shared by apply and run, its text at `column` as the command's others. */
export function lockWaitHelp(column: number): string {
  const text = "when another pgindex apply or run on this database holds the run lock, wait up to DURATION for it ('30s', '10min') instead of refusing at once";
  return ['      --lock-wait DURATION', ...wrapWords(text, HELP_WIDTH - column).map((line) => ' '.repeat(column) + line)].join('\n');
}

/** Help texts fit an 80-column terminal (test/unit/cli/help-width.test.ts holds them to it). */
export const HELP_WIDTH = 80;

/** Words into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * A bad argument: one line naming it, and where the help is. The help itself is not printed: the
 * reason would scroll out of sight above it. Returns the exit code.
 */
export function usageError(io: CliIO, command: string, message: string): number {
  io.stderr.write(`pgindex ${command}: ${message} (see pgindex ${command} --help)\n`);
  return EXIT.error;
}

type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** `-j, --jobs` for an option's long name. */
function spelled(long: string, options: OptionTable): string {
  const short = options[long]?.short;
  return short ? `-${short} (--${long})` : `--${long}`;
}

/**
 * parseArgs's complaint about `args`, as one line for usageError: an unknown option with the nearest
 * known one, a missing or unexpected value with the option's name. Node's own wording suggests `--`
 * for positionals starting with "-", which is never what a misspelt option needs.
 */
export function parseErrorMessage(err: unknown, options: OptionTable, args: readonly string[]): string {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = /^Unknown option '([^']+)'/.exec(message)?.[1] ?? '';
    return unknownOption(name, options, args);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const long = /--([A-Za-z0-9-]+)/.exec(message)?.[1];
    if (long !== undefined && options[long]) {
      if (/does not take an argument/.test(message)) return `option ${spelled(long, options)} takes no value`;
      return `option ${spelled(long, options)} needs a value`;
    }
  }
  return message.replace(/\.$/, '');
}

function unknownOption(name: string, options: OptionTable, args: readonly string[]): string {
  const longs = Object.keys(options);
  if (name.startsWith('--')) {
    const near = closest(name.slice(2), longs);
    return `unknown option ${name}${near === undefined ? '' : `, did you mean --${near}?`}`;
  }
  // `-explain`: parseArgs read a cluster of short options and complains about one letter of it.
  const cluster = args.find((a) => /^-[^-]/.test(a) && a.length > 2 && a.includes(name.slice(1)));
  const word = cluster?.slice(1).split('=')[0];
  const near = word === undefined ? undefined : closest(word, longs);
  if (cluster !== undefined && near !== undefined) return `unknown option ${cluster.split('=')[0]}, did you mean --${near}?`;
  // psql's users reach for -h; here it is only the host, and this command connects to nothing.
  if (name === '-h') return 'unknown option -h (this command connects to no server; help is -? or --help)';
  return `unknown option ${name}`;
}
