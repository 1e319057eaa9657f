/**
 * The CLI in-process, through main(), with its output captured: how the tests run a command when
 * they need its output and exit code but no process of its own (those that send signals spawn
 * the bundled CLI, CLI_PATH, instead).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/command.js';
import { BUNDLED_CLI } from '../../scripts/bundle-cli.js';

export interface CliOptions {
  /** Exactly the variables the command sees: none unless given. */
  env?: NodeJS.ProcessEnv;
  /** The directory relative paths are read from: the test process's own unless given. */
  cwd?: string;
  /** What the command reads on stdin: nothing (an ended stream) unless given. */
  stdin?: string;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export interface Captured {
  /** To pass to main(): stdout and stderr are captured, stdin holds opts.stdin. */
  io: CliIO;
  /** What was written to stdout so far. */
  out: () => string;
  /** What was written to stderr so far. */
  err: () => string;
}

/** An io for main() whose output is kept, for a test that runs main() itself (to watch a run while it goes on). */
export function capture(opts: CliOptions = {}): Captured {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end(opts.stdin ?? '');
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return { io: { stdout, stderr, stdin, env: opts.env ?? {}, cwd: opts.cwd ?? process.cwd() }, out: () => out, err: () => err };
}

/** Runs `pgindex ...argv` in-process to its end: the exit code and everything written to stdout and stderr. */
export async function runCli(argv: string[], opts: CliOptions = {}): Promise<CliResult> {
  const c = capture(opts);
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** The built CLI as the `pgindex` bin runs it (the bundle), for tests that need a process of its own (signals, exit codes). */
export const CLI_PATH = fileURLToPath(new URL(`../../${BUNDLED_CLI}`, import.meta.url));

export interface CliChild {
  exited: Promise<number | null>;
  out: () => string;
  err: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

/** `pgindex ARGS` as a child process in `cwd`, its output collected as it comes. */
export function startCli(args: string[], cwd: string): CliChild {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  return { exited, out: () => out, err: () => err, kill: (s) => child.kill(s) };
}
