import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { EXIT } from '../command.js';
import { exportPlan } from '../../export/export.js';
import { PgindexError } from '../../errors.js';
import { schemaRef } from '../../export/schema-ref.js';
import { SelectionError } from '../../export/select.js';
import { fileErrorReason } from '../file-errors.js';
import { usageError } from '../args.js';
import { connectionHelp, CONNECTION_OPTIONS, readConnectionFlags } from '../connection-flags.js';

export const exportCommand: Command = {
  name: 'export',
  help: `Usage: pgindex export [connection options] [--schema NAME]... [--table GLOB]...
                      [-o FILE]

Reads the indexes of the selected tables and writes a plan (YAML) that declares
each of them under its own name with its complete definition (keys, operator
classes, collations, order, INCLUDE, predicate, UNIQUE NULLS NOT DISTINCT,
storage parameters, tablespace), so that \`pgindex plan\` of it finds nothing to
do, and \`pgindex apply\` of it builds the same indexes on another database.

A partitioned table's index is declared once, on the table; partition-local
indexes on their partition. Indexes that back PRIMARY KEY, UNIQUE and EXCLUDE
constraints belong to the table's DDL: they are listed in comments, not
declared. An index the plan format cannot express (an operator class with
parameters, an unknown access method…) is a warning and a comment; an INVALID
one (an interrupted build) too. Tables and indexes are sorted: the same
database gives the same file.

Options:
      --schema NAME        the tables of this schema (a name, or a glob with *
                           and ?); repeatable. Default: the schemas of
                           search_path
      --table GLOB         only tables matching GLOB (as a plan's table name
                           takes it: \`orders\`, \`sales.*\`, \`"Mixed"\`);
                           repeatable. A partitioned table's partitions come
                           with it
  -o, --output FILE        write the plan to FILE instead of stdout
  -?, --help               show this help

${connectionHelp('DATABASE_URL')}

Exit codes: 0 written (warnings go to stderr), 1 error: connection failure, or
a selection with no table or no index to declare.
`,
  options: {
    ...CONNECTION_OPTIONS,
    schema: { type: 'string', multiple: true },
    table: { type: 'string', multiple: true },
    output: { type: 'string', short: 'o' },
  },
  async run({ values, positionals }, io) {
    const usage = (message: string) => usageError(io, 'export', message);
    if (positionals.length > 0) return usage(`export takes no file to read, got ${JSON.stringify(positionals[0])} (write where with -o FILE)`);
    const list = (name: string): string[] => (Array.isArray(values[name]) ? (values[name] as string[]) : []);
    for (const [flag, value] of [...list('schema').map((v) => ['--schema', v]), ...list('table').map((v) => ['--table', v])]) {
      if (value === '') return usage(`${flag} needs a value that is not empty`);
    }
    const output = values.output as string | undefined;
    if (output === '') return usage('-o (--output) needs a value that is not empty');
    const connection = await readConnectionFlags(values, io, 'export');
    if (typeof connection === 'number') return connection;

    const log = (message: string) => io.stderr.write(`pgindex export: ${message}\n`);
    const path = output !== undefined ? resolve(io.cwd, output) : undefined;
    let result;
    try {
      result = await exportPlan({
        ...connection,
        env: io.env,
        schemas: list('schema'),
        tables: list('table'),
        schemaRef: schemaRef({ ...(path !== undefined ? { file: path } : {}), dir: io.cwd }),
        log,
      });
    } catch (err) {
      if (err instanceof SelectionError) return usage(err.message);
      throw err;
    }
    for (const w of result.plan.warnings) log(`warning: ${w}`);
    if (path !== undefined) {
      try {
        await writeFile(path, result.text, 'utf8');
      } catch (err) {
        throw new PgindexError(`cannot write ${output}: ${fileErrorReason(err)}`, 'output');
      }
      const n = result.plan.tables.reduce((sum, t) => sum + t.indexes.length, 0);
      log(`wrote ${output}: ${n} index${n === 1 ? '' : 'es'} on ${result.plan.tables.filter((t) => t.indexes.length > 0).length} table(s)`);
    } else {
      io.stdout.write(result.text);
    }
    return EXIT.ok;
  },
};
