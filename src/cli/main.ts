#!/usr/bin/env node
/**
 * The CLI: parses arguments, dispatches to a command, and is the one error boundary that turns
 * errors into messages and exit codes.
 */
import { parseArgs } from 'node:util';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commands } from './commands/index.js';
import { EXIT, type CliIO, type Command } from './command.js';
import { formatError, InputError, PgindexError, redact } from '../index.js';

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
    '  -h, --help     show help (also: pgindex <command> --help)',
    '  -V, --version  print the version',
    '',
    'Connection: --db URL, then DATABASE_URL, then the plan\'s `connection`, then libpq\'s PG* variables.',
    'Exit codes: 0 success, 1 error or invalid input, 2 changes pending (plan --detailed-exitcode),',
    '130 interrupted.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const cmd = name === 'help' ? commands.find((c) => c.name === rest[0]) : undefined;
    if (name === undefined) {
      io.stderr.write(mainHelp());
      return EXIT.error;
    }
    io.stdout.write(cmd ? cmd.help : mainHelp());
    return EXIT.ok;
  }
  if (name === '-V' || name === '--version') {
    io.stdout.write(packageVersion() + '\n');
    return EXIT.ok;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`pgindex: unknown command "${name}"\n\n${mainHelp()}`);
    return EXIT.error;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { help: { type: 'boolean', short: 'h' }, ...command.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.stderr.write(`pgindex ${command.name}: ${(err as Error).message}\n\n${command.help}`);
    return EXIT.error;
  }
  if (parsed.values.help) {
    io.stdout.write(command.help);
    return EXIT.ok;
  }
  try {
    return await command.run(parsed, io);
  } catch (err) {
    // Problems in an input file are FILE:LINE:COL lines, one each, as `pgindex validate` prints them.
    if (err instanceof InputError) {
      io.stderr.write(redact(err.message) + '\n');
      return EXIT.error;
    }
    const text = redact(formatError(err));
    io.stderr.write(err instanceof PgindexError ? `pgindex ${command.name}: ${text}\n` : `pgindex ${command.name}: internal error: ${text}\n`);
    return EXIT.error;
  }
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
  const io: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`pgindex: internal error: ${redact(formatError(err))}\n`);
      process.exitCode = EXIT.error;
    },
  );
}
