import type { Command, CliIO } from '../command.js';
import { EXIT } from '../command.js';
import { describeTarget } from '../../db/connection.js';
import { loadScriptFile, parseScript } from '../../script/load.js';
import { parseDuration, parseSize } from '../../planfile/units.js';
import { prepareScript } from '../../script/prepare.js';
import { SCRIPT_DEFAULTS, type ScriptChoices } from '../../script/plan.js';
import { confirmRun, executeWithProgress } from '../terminal.js';
import { jsonLine } from '../progress/render.js';
import { durationMs, lockWaitHelp, positiveInt, usageError } from '../args.js';
import { connectionHelp, CONNECTION_OPTIONS, readConnectionFlags } from '../connection-flags.js';

export const runCommand: Command = {
  name: 'run',
  help: `Usage: pgindex run [connection options] [-j N] [--fail-fast] [--json]
                   [options] FILE.sql|-

Splits the file (or stdin, with -) into statements, the way psql does (dollar
quotes, strings, quoted identifiers, comments, BEGIN ATOMIC bodies), and runs
them on N parallel sessions, each in autocommit mode, with the same progress,
summary, cancellation and exit codes as \`pgindex apply\`.

Each statement is read by PostgreSQL's own parser: it starts once the
statements before it that create what it needs are done (an index before its
ATTACH, CLUSTER ON or COMMENT; a key before the foreign keys referencing it),
and never beside one whose table lock it would wait for. A statement pgindex
does not understand waits for every statement before it, and every statement
after it waits for it. A pg_dump post-data section (pg_dump --section=post-data,
pg_restore --section=post-data -f) runs as it is, to the same end state as
pg_restore's: a PRIMARY KEY or UNIQUE constraint on a plain table is built as
CREATE UNIQUE INDEX beside the table's other builds, then added USING INDEX; a
FOREIGN KEY is added NOT VALID, then validated on its own.

CREATE INDEX statements are builds: the largest start first, two
CONCURRENTLY builds on one table never run at once, each build gets its share
of the memory and worker budget, and transient failures (lock timeout,
deadlock, serialization failure, terminated session, lost connection) are
retried with backoff after dropping the INVALID index a failed CONCURRENTLY
build left (the new INVALID index on its table, with its name if it has one;
the DROP waits at most 5s for older transactions). Other statements run once
and are never retried: after a lost connection there is no knowing whether
they took effect. Each statement is sent on its own (the extended protocol):
it can never carry a second one. When a statement fails, the statements that
depend on it are skipped and listed; the others go on.

SET statements (and set_config) at the top of the file apply to every session
(after pgindex's own settings, so they may change lock_timeout or
search_path; maintenance_work_mem and max_parallel_maintenance_workers are set
per build from the budget). A SET further down applies to the statements
after it, whichever session runs them. Transaction control (BEGIN, COMMIT…) is
refused: every statement runs on its own session. psql's \\restrict,
\\unrestrict and \\set ON_ERROR_STOP are skipped; other psql meta-commands
(\\connect, \\i…) and COPY FROM STDIN are refused with their position.

Options:
  -j, --jobs N              parallel sessions (default ${SCRIPT_DEFAULTS.parallelism})
      --fail-fast           stop at the first failure: cancel running
                            statements, skip the rest
      --json                newline-delimited JSON events on stdout (format:
                            schemas/events.schema.json)
      --lock-timeout DURATION
                            lock_timeout of every session (default 0: wait,
                            as psql would; with a timeout, index builds that
                            hit it are retried)
      --statement-timeout DURATION
                            statement_timeout of every session (default 0:
                            none)
      --retries N           retries of a transient failure (default ${SCRIPT_DEFAULTS.retries})
      --maintenance-work-mem SIZE
                            total shared by the builds running at once
                            (default 1GB)
      --cores N             builds plus parallel workers stay within this
                            (default: this machine's CPUs if the server
                            runs here, else one per session)
${lockWaitHelp(28)}
  -y, --yes                 do not ask first. On a terminal run shows what it
                            will do (every DROP and TRUNCATE too) and asks
                            "Proceed? [y/N]": anything but y exits 1 with
                            nothing run. Not asked with --json, with - or
                            without a terminal
  -e, --echo                print each statement on stderr as it starts, with
                            its session (as psql -e)
  -q, --quiet               print only the summary and errors
  -?, --help                show this help

${connectionHelp('DATABASE_URL')}

One run at a time: run (and apply) take a lock of the database (an advisory
lock) before reading the file's tables and hold it until the end; a second
one refuses at once, naming the one running.

Exit codes: 0 every statement succeeded, 1 a statement failed, an INVALID
index could not be dropped, or an error, 130 interrupted.
`,
  options: {
    ...CONNECTION_OPTIONS,
    jobs: { type: 'string', short: 'j' },
    'fail-fast': { type: 'boolean' },
    json: { type: 'boolean' },
    'lock-timeout': { type: 'string' },
    'statement-timeout': { type: 'string' },
    retries: { type: 'string' },
    'maintenance-work-mem': { type: 'string' },
    cores: { type: 'string' },
    'lock-wait': { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    echo: { type: 'boolean', short: 'e' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ values, positionals }, io) {
    // Marks of the setup's parts, for bench/setup-timeline.ts (a mark costs microseconds).
    performance.mark('pgindex:run command loaded');
    const usage = (message: string) => usageError(io, 'run', message);
    if (positionals.length !== 1) return usage(positionals.length === 0 ? 'name a SQL file, or - for stdin' : 'name exactly one SQL file');
    const options = readOptions(values);
    if (typeof options === 'string') return usage(options);
    const lockWaitMs = values['lock-wait'] === undefined ? 0 : durationMs('--lock-wait', values['lock-wait']);
    if (typeof lockWaitMs === 'string') return usage(lockWaitMs);

    const connection = await readConnectionFlags(values, io, 'run');
    if (typeof connection === 'number') return connection;

    const path = positionals[0] as string;
    const script = path === '-' ? parseScript(await readStdin(io), '<stdin>') : await loadScriptFile(path, { cwd: io.cwd });
    performance.mark('pgindex:file read and split');
    if (script.statements.length === 0) {
      io.stderr.write(`pgindex run: ${script.file}: no statements\n`);
      return EXIT.ok;
    }
    const prepared = await prepareScript({
      script,
      ...connection,
      env: io.env,
      choices: options,
      runLock: { waitMs: lockWaitMs, applicationName: 'pgindex run (run lock)' },
      preconnect: true,
    });
    try {
      const json = values.json === true;
      // As apply prints its planning warnings (a calibration cache that cannot be used…).
      for (const w of prepared.plan.warnings) {
        if (json) io.stdout.write(jsonLine({ type: 'warning', message: w }, Date.now));
        else if (values.quiet !== true) io.stderr.write(`pgindex run: warning: ${w}\n`);
      }
      // Asked while the run lock is still held: the plan shown is the one that runs (see confirmRun).
      // With -, stdin held the file and has ended: nobody can answer on it, so nobody is asked.
      const yes = values.yes === true || path === '-';
      performance.mark('pgindex:planned');
      const declined = await confirmRun(io, 'run', prepared.plan, describeTarget(prepared.connection), { yes, json });
      if (declined !== null) return declined;
      return await executeWithProgress(
        io,
        'run',
        prepared.plan,
        { connection: prepared.connection, failFast: values['fail-fast'] === true, sessionSetup: prepared.sessionSetup, preconnected: prepared.preconnected ?? undefined },
        { json, quiet: values.quiet === true, echo: values.echo === true, locate: prepared.locate },
      );
    } finally {
      // The run took the connections it used; a declined or failed one leaves them all here.
      await Promise.all([prepared.runLock?.release(), prepared.preconnected?.close()]);
    }
  },
};

/** The flags as the script planner's choices; a bad value is the message for the usage text. */
function readOptions(values: Record<string, unknown>): ScriptChoices | string {
  const out: ScriptChoices = { ...SCRIPT_DEFAULTS };
  if (values.jobs !== undefined) {
    const j = positiveInt('-j', values.jobs);
    if (typeof j === 'string') return j;
    out.parallelism = j;
  }
  if (values.cores !== undefined) {
    const c = positiveInt('--cores', values.cores);
    if (typeof c === 'string') return c;
    out.cores = c;
  }
  if (values.retries !== undefined) {
    if (typeof values.retries !== 'string' || !/^\d+$/.test(values.retries)) return `--retries must be a whole number, not "${String(values.retries)}"`;
    out.retries = Number(values.retries);
  }
  for (const [flag, key] of [
    ['lock-timeout', 'lockTimeoutMs'],
    ['statement-timeout', 'statementTimeoutMs'],
  ] as const) {
    if (values[flag] === undefined) continue;
    const r = parseDuration(`--${flag}`, values[flag]);
    if (!r.ok) return r.message + (r.hint ? ` (${r.hint})` : '');
    out[key] = r.value;
  }
  if (values['maintenance-work-mem'] !== undefined) {
    const r = parseSize('--maintenance-work-mem', values['maintenance-work-mem']);
    if (!r.ok) return r.message + (r.hint ? ` (${r.hint})` : '');
    out.maintenanceWorkMemBytes = r.value;
  }
  return out;
}

async function readStdin(io: CliIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
