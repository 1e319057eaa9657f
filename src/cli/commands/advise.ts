import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { EXIT } from '../command.js';
import { advisePlan } from '../../export/advise.js';
import { PgindexError } from '../../errors.js';
import { schemaRef } from '../../export/schema-ref.js';
import { SelectionError } from '../../export/select.js';
import { fileErrorReason } from '../file-errors.js';
import { usageError } from '../args.js';
import { connectionHelp, CONNECTION_OPTIONS, readConnectionFlags } from '../connection-flags.js';
import { QUERIES_OPTION, queriesHelp, readQueryFiles } from '../query-files.js';

export const adviseCommand: Command = {
  name: 'advise',
  help: `Usage: pgindex advise [connection options] [--queries FILE]...
                      [--schema NAME]... [--table GLOB]... [-o FILE]

Decides which indexes the recorded workload needs on the selected tables, as
\`indexes: auto\` does, and writes them as an explicit plan (the format of
\`pgindex export\`): each index with its name, method, keys and operator
classes, and comments saying what it serves, why, and which queries. Review
it, commit it, then \`pgindex plan\` or \`pgindex apply\` it: on the same
database that plans exactly these indexes.

The workload: pg_stat_statements when it is installed in the database (the
queries it recorded, with their calls and times), and the files of --queries.
With the HypoPG extension installed, each query is EXPLAINed before and after
hypothetical candidate indexes and an index is kept only where the planner
uses it and it cuts a query's cost by half or more; without it, the costs are
estimated from the tables' statistics, and every reason says so. A query the
parser rejects or that names unknown tables is skipped with a note.

Options:
${queriesHelp(27, 'a workload file')}
      --schema NAME        the tables of this schema (a name, or a glob with *
                           and ?); repeatable. Default: the schemas of
                           search_path
      --table GLOB         only tables matching GLOB (as a plan's table name
                           takes it); repeatable
  -o, --output FILE        write the plan to FILE instead of stdout
  -?, --help               show this help

${connectionHelp('DATABASE_URL')}

Exit codes: 0 written, or no index needed (said on stderr; nothing written), 1
error: connection failure, a selection with no table, or no workload
(pg_stat_statements missing and no --queries).
`,
  options: {
    ...CONNECTION_OPTIONS,
    ...QUERIES_OPTION,
    schema: { type: 'string', multiple: true },
    table: { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
  },
  async run({ values, positionals }, io) {
    const usage = (message: string) => usageError(io, 'advise', message);
    if (positionals.length > 0) return usage(`advise takes no file to read, got ${JSON.stringify(positionals[0])} (queries with --queries FILE, write where with -o FILE)`);
    const list = (name: string): string[] => (Array.isArray(values[name]) ? (values[name] as string[]) : []);
    for (const [flag, value] of [...list('schema').map((v) => ['--schema', v]), ...list('table').map((v) => ['--table', v])]) {
      if (value === '') return usage(`${flag} needs a value that is not empty`);
    }
    const output = values.output as string | undefined;
    if (output === '') return usage('-o (--output) needs a value that is not empty');
    const queryFiles = await readQueryFiles(values, io);
    if (typeof queryFiles === 'string') return usage(queryFiles);
    const connection = await readConnectionFlags(values, io, 'advise');
    if (typeof connection === 'number') return connection;

    const log = (message: string) => io.stderr.write(`pgindex advise: ${message}\n`);
    const path = output !== undefined ? resolve(io.cwd, output) : undefined;
    let result;
    try {
      result = await advisePlan({
        ...connection,
        env: io.env,
        schemas: list('schema'),
        tables: list('table'),
        queryFiles,
        schemaRef: schemaRef({ ...(path !== undefined ? { file: path } : {}), dir: io.cwd }),
        log,
      });
    } catch (err) {
      if (err instanceof SelectionError) return usage(err.message);
      throw err;
    }
    for (const n of result.advice.notes) log(`note: ${n}`);
    const n = result.advice.indexes.length;
    if (result.text === null) {
      const d = result.advice.dropped.length;
      log(`no index needed on the selected tables by the workload from ${result.advice.sources.join(' and ')} (${d} candidate${d === 1 ? '' : 's'} considered and dropped): nothing written`);
      return EXIT.ok;
    }
    const summary = `${n} index${n === 1 ? '' : 'es'} on ${result.plan.tables.length} table${result.plan.tables.length === 1 ? '' : 's'} from ${result.advice.sources.join(' and ')}`;
    if (path !== undefined) {
      try {
        await writeFile(path, result.text, 'utf8');
      } catch (err) {
        throw new PgindexError(`cannot write ${output}: ${fileErrorReason(err)}`, 'output');
      }
      log(`wrote ${output}: ${summary}`);
    } else {
      io.stdout.write(result.text);
      log(summary);
    }
    return EXIT.ok;
  },
};
