/**
 * `pgindex run` once its flags and file are read: plan the file with the database (prepareScript),
 * show it and ask, then run it with progress. Loaded by the run command only then: it holds nearly
 * all of the command's code (the PostgreSQL client, the script planner, the runner).
 */
import type { CliIO } from './command.js';
import type { ConnectionChoice } from './connection-flags.js';
import { describeTarget } from '../db/connection.js';
import type { ScriptChoices } from '../script/choices.js';
import type { ScriptConnection } from '../script/connect.js';
import type { AcquireOptions } from '../db/run-lock.js';
import type { SqlScript } from '../script/load.js';
import { prepareScript } from '../script/prepare.js';
import { confirmRun, executeWithProgress } from './terminal.js';
import { jsonLine } from './progress/render.js';

export interface RunScriptOptions {
  connection: ConnectionChoice;
  /** The connection, started while the file was read (PrepareScriptOptions.started). */
  started: Promise<ScriptConnection> | undefined;
  choices: ScriptChoices;
  /** The database's run lock, as --lock-wait asks for it. */
  runLock: AcquireOptions;
  /** Run without asking. */
  yes: boolean;
  json: boolean;
  quiet: boolean;
  echo: boolean;
  failFast: boolean;
}

/** The exit code of running `script`; an error (a bad statement, no connection) is thrown for main's boundary. */
export async function runScript(io: CliIO, script: SqlScript, opts: RunScriptOptions): Promise<number> {
  const prepared = await prepareScript({
    script,
    ...opts.connection,
    env: io.env,
    choices: opts.choices,
    runLock: opts.runLock,
    preconnect: true,
    started: opts.started,
  });
  try {
    const { json } = opts;
    // As apply prints its planning warnings (a calibration cache that cannot be used…).
    for (const w of prepared.plan.warnings) {
      if (json) io.stdout.write(jsonLine({ type: 'warning', message: w }, Date.now));
      else if (!opts.quiet) io.stderr.write(`pgindex run: warning: ${w}\n`);
    }
    // Asked while the run lock is still held: the plan shown is the one that runs (see confirmRun).
    performance.mark('pgindex:planned');
    const declined = await confirmRun(io, 'run', prepared.plan, describeTarget(prepared.connection), { yes: opts.yes, json });
    if (declined !== null) return declined;
    return await executeWithProgress(
      io,
      'run',
      prepared.plan,
      { connection: prepared.connection, failFast: opts.failFast, sessionSetup: prepared.sessionSetup, preconnected: prepared.preconnected ?? undefined },
      { json, quiet: opts.quiet, echo: opts.echo, locate: prepared.locate },
    );
  } finally {
    // The run took the connections it used; a declined or failed one leaves them all here.
    await Promise.all([prepared.runLock?.release(), prepared.preconnected?.close()]);
  }
}
