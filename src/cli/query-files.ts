/**
 * `--queries FILE` (repeatable) of plan, apply and advise: the workload files, read before connecting
 * so that a missing file is said before anything else happens.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliIO, ParsedArgs } from './command.js';
import { PgindexError } from '../errors.js';
import type { QueryFile } from '../advisor/workload/gather.js';
import { fileErrorReason } from './file-errors.js';
import { HELP_WIDTH, wrapWords } from './args.js';

/** The option, for a command's `options`. */
export const QUERIES_OPTION = { queries: { type: 'string', multiple: true } } as const;

/** The help lines of --queries, its text at `column` as the command's other options'. */
export function queriesHelp(column: number, what = 'the workload of `indexes: auto`'): string {
  const text = `${what}: SQL queries with literal values (from the server's log, say), read besides pg_stat_statements when that is installed, else alone; repeatable`;
  const option = '      --queries FILE';
  const lines = wrapWords(text, HELP_WIDTH - column).map((line) => ' '.repeat(column) + line);
  // On the option's line when it leaves room (two spaces at least), as the other options' texts.
  if (option.length + 2 <= column && lines[0] !== undefined) lines[0] = option + lines[0].slice(option.length);
  else lines.unshift(option);
  return lines.join('\n');
}

/** The files' texts; a usage problem as a message (a string). */
export async function readQueryFiles(values: ParsedArgs['values'], io: CliIO): Promise<QueryFile[] | string> {
  const files = Array.isArray(values.queries) ? (values.queries as string[]) : [];
  const out: QueryFile[] = [];
  for (const file of files) {
    if (file === '') return '--queries needs a file name that is not empty';
    try {
      out.push({ file, text: await readFile(resolve(io.cwd, file), 'utf8') });
    } catch (err) {
      throw new PgindexError(`cannot read --queries ${file}: ${fileErrorReason(err)}`, 'input');
    }
  }
  return out;
}
