/** A SQL file as `pgindex run` takes it: read, then split into statements the way psql does. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PgindexError } from '../errors.js';
import { splitSql, type SqlStatement } from '../sql/split.js';

export interface SqlScript {
  /** The name positions are given with: the path as named, or `<stdin>`. */
  file: string;
  statements: SqlStatement[];
}

/** Splits a script's text; a problem (a psql meta-command, an unterminated string…) is an InputError at its place. */
export function parseScript(text: string, file: string): SqlScript {
  return { file, statements: splitSql(text, file) };
}

const NOT_READABLE: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

/** Reads a SQL file (relative to `cwd`) and splits it; a file that cannot be read is a PgindexError naming it. */
export async function loadScriptFile(path: string, opts: { cwd: string }): Promise<SqlScript> {
  let text: string;
  try {
    text = await readFile(resolve(opts.cwd, path), 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why = (typeof code === 'string' && NOT_READABLE[code]) || (err instanceof Error ? err.message : String(err));
    throw new PgindexError(`cannot read ${path}: ${why}`, 'invalid-input');
  }
  return parseScript(text, path);
}
