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

/**
 * psql meta-commands that change nothing on the server, as pg_dump and `pgindex plan` write them:
 * `\restrict KEY` / `\unrestrict KEY` (pg_dump's guard against meta-commands in restored data) and
 * `\set ON_ERROR_STOP` (psql stops at the first error; pgindex run goes on with the statements that
 * do not depend on a failed one, and exits 1). Any other meta-command is refused at its place.
 */
const HARMLESS_META = /^\\(?:restrict|unrestrict)(?:\s|$)|^\\set\s+ON_ERROR_STOP(?:\s|$)/;

export function isHarmlessMetaCommand(line: string): boolean {
  return HARMLESS_META.test(line);
}

/** Splits a script's text; a problem (a psql meta-command, an unterminated string…) is an InputError at its place. */
export function parseScript(text: string, file: string): SqlScript {
  return { file, statements: splitSql(text, file, { skipMeta: isHarmlessMetaCommand }) };
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
