import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliIO, Command } from '../command.js';
import { EXIT } from '../command.js';
import { nothingMatchedMessage, preparePlan } from '../../planner.js';
import { PgindexError } from '../../errors.js';
import { renderPlan, type PlanFormat } from '../../plan/render.js';
import { savedPlanText } from '../../plan/saved.js';
import { fileErrorReason } from '../file-errors.js';
import { usageError } from '../args.js';
import { connectionHelp, CONNECTION_OPTIONS, readConnectionFlags } from '../connection-flags.js';
import { QUERIES_OPTION, queriesHelp, readQueryFiles } from '../query-files.js';

const FORMATS: PlanFormat[] = ['sql', 'json', 'markdown'];

/**
 * The width --explain fits, as psql decides it: a terminal's (COLUMNS, else the terminal's own), and
 * none for a file or a pipe, whose reader may be a program that wants one line per column.
 */
function explainWidth(io: CliIO, output: string | undefined): { width?: number } {
  if (output !== undefined || !io.stdout.isTTY) return {};
  const fromEnv = Number(io.env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return { width: fromEnv };
  return { width: io.stdout.columns && io.stdout.columns > 0 ? io.stdout.columns : 80 };
}

export const planCommand: Command = {
  name: 'plan',
  help: `Usage: pgindex plan PLAN.yaml [connection options] [--format sql|json|markdown]
                    [--no-psql] [--explain] [-o FILE] [--detailed-exitcode]
                    [--allow-empty] [--save FILE] [--queries FILE]...

Reads the plan file, introspects the database and prints what \`pgindex apply\`
would run: for each column the access method chosen and why, compared with the
indexes the database already has. Nothing is built. An equivalent valid index
(whatever its name) means nothing to do; an INVALID index left by an
interrupted build under the planned name is dropped and rebuilt; an index with
the planned name but another definition is an error that shows both.

The default output is an SQL script that psql can run as is (psql -X -f
plan.sql): every statement preceded by a comment giving its reason, CREATE
INDEX CONCURRENTLY outside any transaction block, ON_ERROR_STOP set, and the
plan's timeouts and memory budget as session settings. A partial index's
\`where\` is copied into the script as written (it is raw SQL), after the
server has checked it.

Only the plan goes to stdout, so \`pgindex plan plan.yaml > plan.sql\` is clean;
notes and warnings go to stderr. With \`analyze: true\` in the plan, tables
that were never analyzed are analyzed first.

A table entry with \`indexes: auto\` gets the indexes its workload needs: the
queries pg_stat_statements recorded (when installed) and those of --queries,
weighed by the planner with hypothetical indexes when HypoPG is installed,
else estimated from statistics. --explain shows the queries behind each index
and every candidate dropped, with why (\`pgindex advise\` writes them out).

Options:
      --format FORMAT      sql (default), json or markdown. json: settings,
                           every statement (table, index, method, columns,
                           action, reason, dependencies, estimated cost and
                           size), every column's decision. markdown: a
                           pull-request comment: drops flagged, counts by
                           action per table, the statements in an sql block
      --no-psql            sql without psql meta-commands (\\set
                           ON_ERROR_STOP), for linters such as Squawk and
                           migration tools
      --explain            for each table, an aligned table of column, type,
                           action, method, operator class, index and reason,
                           instead of SQL; on a terminal narrower than it, one
                           record per column (\\x)
  -o, --output FILE        write the output to FILE instead of stdout
      --save FILE          also write the plan, with the catalog facts it was
                           made from, as JSON to FILE: \`pgindex apply FILE\`
                           runs exactly it, or refuses if those facts changed
      --detailed-exitcode  exit 0 when there is nothing to do, 2 when
                           statements are pending
      --allow-empty        a plan whose entries match no table at all (globs
                           that match nothing, perhaps on the wrong database)
                           is an error; with this, it is nothing to do
${queriesHelp(27)}
  -?, --help               show this help

${connectionHelp("DATABASE_URL, the plan's `connection`")}

Exit codes: 0 success (with --detailed-exitcode: nothing to do), 2 changes
pending (only with --detailed-exitcode), 1 error: invalid plan, connection
failure, unknown table or column, name conflict, or a plan that matches no
table (without --allow-empty).
`,
  options: {
    ...CONNECTION_OPTIONS,
    ...QUERIES_OPTION,
    format: { type: 'string' },
    'no-psql': { type: 'boolean' },
    explain: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
    'detailed-exitcode': { type: 'boolean' },
    'allow-empty': { type: 'boolean' },
    save: { type: 'string' },
  },
  async run({ values, positionals }, io) {
    const usage = (message: string) => usageError(io, 'plan', message);
    if (positionals.length !== 1) return usage(positionals.length === 0 ? 'name a plan file' : 'name exactly one plan file');
    const format = values.format as string | undefined;
    if (format !== undefined && !FORMATS.includes(format as PlanFormat)) return usage(`--format must be sql, json or markdown, not "${format}"`);
    if (format !== undefined && values.explain) return usage('--explain and --format exclude each other');
    const chosen: PlanFormat = values.explain ? 'explain' : ((format as PlanFormat | undefined) ?? 'sql');
    const noPsql = values['no-psql'] === true;
    if (noPsql && chosen !== 'sql') return usage(`--no-psql applies to the sql format only, not to ${values.explain ? '--explain' : chosen}`);
    const output = values.output as string | undefined;
    if (values.save !== undefined && output !== undefined && resolve(io.cwd, values.save as string) === resolve(io.cwd, output)) {
      return usage('--save and -o name the same file');
    }

    const queryFiles = await readQueryFiles(values, io);
    if (typeof queryFiles === 'string') return usage(queryFiles);
    const connection = await readConnectionFlags(values, io, 'plan');
    if (typeof connection === 'number') return connection;

    const log = (message: string) => io.stderr.write(`pgindex plan: ${message}\n`);
    const prepared = await preparePlan({
      planPath: positionals[0] as string,
      ...connection,
      env: io.env,
      cwd: io.cwd,
      log,
      queryFiles,
    });
    const { plan } = prepared;
    for (const w of plan.warnings) log(`warning: ${w}`);
    const allowEmpty = values['allow-empty'] === true;
    const nothingMatched = nothingMatchedMessage(prepared, { allowEmpty });
    if (nothingMatched !== null) {
      log(nothingMatched);
      if (!allowEmpty) return EXIT.error;
    }
    const text = renderPlan(plan, chosen, { psql: !noPsql, ...explainWidth(io, output) });
    const save = values.save as string | undefined;
    if (save !== undefined) {
      try {
        await writeFile(resolve(io.cwd, save), savedPlanText(plan, prepared.fingerprint), 'utf8');
      } catch (err) {
        throw new PgindexError(`cannot write ${save}: ${fileErrorReason(err)}`, 'output');
      }
      log(`saved the plan to ${save}: apply it with pgindex apply ${save}`);
    }
    if (output !== undefined) {
      try {
        await writeFile(resolve(io.cwd, output), text, 'utf8');
      } catch (err) {
        throw new PgindexError(`cannot write ${output}: ${fileErrorReason(err)}`, 'output');
      }
      log(`wrote ${output}: ${plan.steps.length === 0 ? 'nothing to do' : `${plan.steps.length} statement${plan.steps.length === 1 ? '' : 's'}`}`);
    } else {
      io.stdout.write(text);
    }
    if (values['detailed-exitcode']) return plan.steps.length > 0 ? EXIT.changesPending : EXIT.ok;
    return EXIT.ok;
  },
};
