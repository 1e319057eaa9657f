#!/usr/bin/env node
/**
 * The CLI: parses arguments, dispatches to a command, and is the one error boundary that turns
 * errors into messages and exit codes.
 */
import { parseArgs } from 'node:util';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { commands } from './commands/index.js';
import { EXIT, type CliIO, type Command } from './command.js';
import { closest } from '../planfile/hints.js';
import { formatError, InputError, PgindexError } from '../errors.js';
import { parseErrorMessage, usageError } from './args.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'pgindex: a declarative index-build planner for PostgreSQL.',
    '',
    'Usage: pgindex <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    '  -?, --help     show help (also: pgindex <command> --help)',
    '  -V, --version  print the version',
    '',
    'Every command but validate connects, with psql\'s flags: -h HOST, -p PORT,',
    '-U USER, -d DBNAME (or a URL or key=value string), -W, -w. They override,',
    "setting by setting, the connection string: -d's, else DATABASE_URL, else the",
    "plan's `connection`; then come the service (PGSERVICE), the PG* variables,",
    'the defaults.',
    '',
    'Exit codes: 0 success, 1 error or invalid input, 2 changes pending',
    '(plan --detailed-exitcode) or findings (check), 130 interrupted.',
    '',
  ].join('\n');
}

/** The top-level flags, for a suggestion when one is misspelt. */
const MAIN_OPTIONS = ['--help', '--version'];

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-?' || name === '--help' || name === 'help') {
    const entry = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    if (name === undefined) {
      io.stderr.write(mainHelp());
      return EXIT.error;
    }
    io.stdout.write(entry ? (await entry.load()).help : mainHelp());
    return EXIT.ok;
  }
  if (name === '-V' || name === '--version') {
    io.stdout.write(packageVersion() + '\n');
    return EXIT.ok;
  }
  // As in psql, -h is the host: it needs a command that connects, and is never help.
  if (name === '-h' || name === '--host') {
    io.stderr.write(`pgindex: ${name} (the server host) goes after a command that connects, as in pgindex plan PLAN.yaml -h HOST; help is -? or --help\n`);
    return EXIT.error;
  }
  if (name.startsWith('-')) {
    const near = closest(name.replace(/^-+/, ''), MAIN_OPTIONS.map((o) => o.slice(2)));
    io.stderr.write(`pgindex: unknown option ${name}${near ? `, did you mean --${near}?` : ''} (see pgindex --help)\n`);
    return EXIT.error;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    const near = closest(name, [...commands.map((c) => c.name), 'help']);
    io.stderr.write(`pgindex: unknown command "${name}"${near ? `, did you mean ${near}?` : ''} (see pgindex --help)\n`);
    return EXIT.error;
  }
  const command: Command = await entry.load();
  const options = { help: { type: 'boolean', short: '?' }, ...command.options } as const;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    return usageError(io, command.name, parseErrorMessage(err, options, rest));
  }
  if (parsed.values.help) {
    io.stdout.write(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(parsed, io);
  } catch (err) {
    // Problems in an input file are FILE:LINE:COL lines, one each, as `pgindex validate` prints them.
    // Loaded here: the connection module brings the PostgreSQL client, which --help never needs.
    const { redact } = await import('../db/connection.js');
    if (err instanceof InputError) {
      io.stderr.write(redact(err.message) + '\n');
      return EXIT.error;
    }
    const text = redact(formatError(err));
    io.stderr.write(err instanceof PgindexError ? `pgindex ${command.name}: ${text}\n` : `pgindex ${command.name}: internal error: ${text}\n`);
    return EXIT.error;
  }
}

/**
 * `navigator` as Node.js 21 and later define it (userAgent `Node.js/MAJOR`), on Node.js 20 where it is
 * missing. The PostgreSQL client looks for it when loaded, to tell Cloudflare Workers apart; without
 * it, it creates a `Response`, and that loads Node's whole fetch implementation: about a tenth of
 * the CPU time `pgindex run` spends before its first statement.
 */
function defineNavigator(): void {
  if ('navigator' in globalThis) return;
  const userAgent = `Node.js/${process.versions.node.split('.')[0] ?? ''}`;
  Object.defineProperty(globalThis, 'navigator', { value: { userAgent }, configurable: true, writable: true, enumerable: false });
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A reader that goes away (`pgindex plan x.yaml | head`) must not crash the command with a stack
  // trace: later output is dropped and the command finishes (apply still waits for its builds).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') return;
      if (stream === process.stdout) process.stderr.write(`pgindex: cannot write the output: ${err.code ?? err.message}\n`);
      process.exitCode = EXIT.error;
    });
  }
  defineNavigator();
  // The SQL parser (WebAssembly) runs on V8's baseline code only. Its optimising tier compiles on
  // background threads that the process waits for before it exits: 0.25-1 s after a `pgindex run`
  // on a busy 2-core machine, against 10-30 ms without; and parsing 20,000 statements took 1.6-2.3 s
  // without it, 3.1-3.2 s with it (the compilation competes for the same cores).
  setFlagsFromString('--liftoff-only');
  const io: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    async (err: unknown) => {
      process.exitCode = EXIT.error;
      // Without the module that redacts passwords, nothing of the error is printed.
      const redact = await import('../db/connection.js').then((m) => m.redact, () => null);
      process.stderr.write(`pgindex: internal error${redact ? `: ${redact(formatError(err))}` : ''}\n`);
    },
  );
}
