import type { CliIO, Command, ParsedArgs } from '../command.js';
import { EXIT } from '../command.js';
import { describeTarget } from '../../db/connection.js';
import { dropGateRefusal } from '../../plan/hazards.js';
import { jsonLine } from '../progress/render.js';
import { nothingMatchedMessage, preparePlan, prepareSavedPlan, readSavedPlan, type PreparedPlan, type PreparedSavedPlan } from '../../planner.js';
import { renderSql } from '../../plan/render.js';
import { confirmRun, executeWithProgress } from '../terminal.js';
import { durationMs, lockWaitHelp, positiveInt, usageError } from '../args.js';
import { connectionHelp, CONNECTION_OPTIONS, readConnectionFlags } from '../connection-flags.js';
import { QUERIES_OPTION, queriesHelp, readQueryFiles } from '../query-files.js';

export const applyCommand: Command = {
  name: 'apply',
  help: `Usage: pgindex apply PLAN.yaml|SAVED.json [connection options] [-j N]
                     [--fail-fast] [--plan SAVED.json] [--json] [--dry-run]
                     [--allow-empty] [--allow-drop]
                     [--lock-wait DURATION] [--queries FILE]... [-y] [-e] [-q]

Plans exactly as \`pgindex plan\` does, then runs exactly those statements on N
parallel sessions (the plan's \`parallelism\`, or -j), plus one control
connection for progress and cancellation. Sessions are named
pgindex/<run-id>/<n> in pg_stat_activity.

Scheduling: the longest predicted build first (the cost model: see pgindex
calibrate); never two CONCURRENTLY builds
on one table at once (their locks conflict: another table's build is started
instead); partition indexes follow their dependencies (parent ON ONLY, then
the partitions, then the attaches).
Budget: the plan's maintenance_work_mem is shared by the builds running when
each one starts, each taking the memory the cost model chose for it (without
calibration 32MB for gin and gist, up to 128MB for a btree's sort; 32MB per
parallel worker), and
max_parallel_maintenance_workers is chosen per build so
builds plus workers stay within \`cores\` (this machine's CPU count when the
server runs here, which the plan's \`cores:\` may lower; else the plan's
\`cores:\`, or one per session); the last builds get the cores the finished
ones freed. Both are SET on the session just before the build: a
running build keeps the share it started with. (The SETs at the top of the
--dry-run script are for psql, which runs one build at a time: they give that
build the whole budget.)
Failures: lock timeouts, deadlocks, serialization failures, terminated
sessions and lost connections are retried with exponential backoff
(\`retries\`, default 3), reconnecting when needed; an INVALID index a failed
CONCURRENTLY build of this run left is dropped before the retry and at the end
(each DROP waits at most 5s for older transactions). Other errors fail that
statement and the rest go on. A lost control connection is reopened; it costs
no statement an attempt.

One run at a time: apply (and run) take a lock of the database (an advisory
lock) before planning and hold it until the run has ended, so a second apply
refuses at once, naming the pid, host and start of the one running, or waits
for it with --lock-wait.

A saved plan (pgindex plan --save FILE; recognised by its content, or named by
--plan) is not planned again: apply reads again the catalog facts it was made
from and runs exactly its statements, or, if any fact changed (an index, a
column, an index's validity, the server), exits 1 naming every change, with
nothing run. Connect with -d and the flags: a saved plan keeps no connection.

Running apply again after any interruption builds only what is missing: the
plan drops INVALID indexes left by earlier runs before building them again.

Options:
  -j, --jobs N     number of parallel sessions (overrides the plan's
                   \`parallelism\`)
      --plan FILE  FILE is a saved plan (pgindex plan --save), whatever its
                   content: anything else is an error
      --fail-fast  stop at the first failure: cancel running builds, skip the
                   rest
      --json       newline-delimited JSON events on stdout: the planning
                   warnings (warning), then begin, start, progress, retry,
                   cleanup, done, failed, skipped, cancelled, idle, warning,
                   note, summary (format: schemas/events.schema.json)
      --dry-run    print what \`pgindex plan\` prints (the SQL script) and
                   execute nothing
      --allow-empty
                   a plan whose entries match no table at all (globs that
                   match nothing, perhaps on the wrong database) is an error;
                   with this, it is nothing to do
      --allow-drop run a plan that drops indexes (prune); without it such a
                   plan exits 1 before anything runs, listing each DROP
${lockWaitHelp(19)}
  -y, --yes        do not ask first. On a terminal apply shows what it will do
                   (every DROP too) and asks "Proceed? [y/N]": anything but y
                   exits 1 with nothing run. Not asked with --json or without
                   a terminal
  -e, --echo       print each statement on stderr as it starts, with its
                   session (as psql -e)
  -q, --quiet      print only the summary and errors: no progress, notes or
                   warnings
${queriesHelp(19)}
  -?, --help       show this help

${connectionHelp("DATABASE_URL, the plan's `connection`")}

Ctrl-C or SIGTERM cancels the running builds on the server, drops their
INVALID leftovers and prints the summary; a second Ctrl-C cancels whatever
still runs on the server (cleanups too) and exits. A partitioned table's ON
ONLY index that this run created but could not attach every partition's index
to is dropped at the end (with the partition indexes attached to it, all of
them this run's own builds: a note says which), so that no INVALID index is
left; apply again plans them anew.

Exit codes: 0 everything done (or already there), 1 a statement failed, an
INVALID index could not be dropped, a plan that matches no table (without
--allow-empty), a plan that drops indexes (without --allow-drop), or an
error, 130 interrupted.
`,
  options: {
    ...CONNECTION_OPTIONS,
    ...QUERIES_OPTION,
    jobs: { type: 'string', short: 'j' },
    'fail-fast': { type: 'boolean' },
    json: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    'allow-empty': { type: 'boolean' },
    'allow-drop': { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    echo: { type: 'boolean', short: 'e' },
    quiet: { type: 'boolean', short: 'q' },
    'lock-wait': { type: 'string' },
    plan: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const usage = (message: string) => usageError(io, 'apply', message);
    const savedFlag = values.plan as string | undefined;
    if (savedFlag !== undefined && positionals.length > 0) return usage('name the saved plan with --plan or as the argument, not both');
    if (savedFlag === undefined && positionals.length !== 1) return usage(positionals.length === 0 ? 'name a plan file' : 'name exactly one plan file');
    const path = savedFlag ?? (positionals[0] as string);
    let jobs: number | undefined;
    if (values.jobs !== undefined) {
      const j = positiveInt('-j', values.jobs);
      if (typeof j === 'string') return usage(j);
      jobs = j;
    }
    let lockWaitMs = 0;
    if (values['lock-wait'] !== undefined) {
      const w = durationMs('--lock-wait', values['lock-wait']);
      if (typeof w === 'string') return usage(w);
      lockWaitMs = w;
    }
    const queryFiles = await readQueryFiles(values, io);
    if (typeof queryFiles === 'string') return usage(queryFiles);
    const connectionChoice = await readConnectionFlags(values, io, 'apply');
    if (typeof connectionChoice === 'number') return connectionChoice;
    const log = (message: string) => io.stderr.write(`pgindex apply: ${message}\n`);
    // --quiet: the notes of planning ("connected to …") are not errors.
    const note = values.quiet === true ? () => undefined : log;
    const dryRun = values['dry-run'] === true;

    const common = {
      ...connectionChoice,
      env: io.env,
      cwd: io.cwd,
      log: note,
      applicationName: 'pgindex apply',
      // A dry run changes nothing: it needs no lock.
      ...(dryRun ? {} : { runLock: { waitMs: lockWaitMs, applicationName: 'pgindex apply (run lock)' } }),
    };
    // A saved plan is checked again and run as saved; a plan file is planned now.
    const saved = await readSavedPlan(path, { cwd: io.cwd, saved: savedFlag !== undefined });
    const prepared = saved ? await prepareSavedPlan(saved, { savedPath: path, ...common }) : await preparePlan({ planPath: path, ...common, queryFiles });
    try {
      return await applyPrepared(prepared, values, io, log, jobs);
    } finally {
      await prepared.runLock?.release();
    }
  },
};

/** What apply does with its plan: the dry run, or the run itself. */
async function applyPrepared(prepared: PreparedPlan | PreparedSavedPlan, values: ParsedArgs['values'], io: CliIO, log: (message: string) => void, jobs: number | undefined): Promise<number> {
  const { connection } = prepared;
  const plan = jobs === undefined ? prepared.plan : { ...prepared.plan, settings: { ...prepared.plan.settings, parallelism: jobs } };
  const json = values.json === true;
  const quiet = values.quiet === true;
  for (const w of plan.warnings) {
    // --json: machines read stdout; the planning warnings are events like the run's own.
    if (json && values['dry-run'] !== true) io.stdout.write(jsonLine({ type: 'warning', message: w }, Date.now));
    else if (!quiet) log(`warning: ${w}`);
  }
  const allowEmpty = values['allow-empty'] === true;
  // A saved plan that matched nothing was accepted (--allow-empty) when it was saved.
  const nothingMatched = 'file' in prepared ? nothingMatchedMessage(prepared, { allowEmpty }) : null;
  if (nothingMatched !== null) {
    log(nothingMatched);
    if (!allowEmpty) return EXIT.error;
  }

  if (values['dry-run'] === true) {
    io.stdout.write(renderSql(plan));
    return EXIT.ok;
  }
  if (nothingMatched !== null) return EXIT.ok;
  if (plan.steps.length === 0) {
    log('nothing to do: every planned index already exists');
    return EXIT.ok;
  }

  const refusal = dropGateRefusal(plan, values['allow-drop'] === true);
  if (refusal !== null) {
    log(refusal);
    return EXIT.error;
  }
  // Asked while the run lock is still held: the plan shown is the one that runs (see confirmRun).
  const declined = await confirmRun(io, 'apply', plan, describeTarget(connection), { yes: values.yes === true, json });
  if (declined !== null) return declined;

  return executeWithProgress(
    io,
    'apply',
    plan,
    { connection, failFast: values['fail-fast'] === true },
    { json, quiet, echo: values.echo === true },
  );
}
