/**
 * PostgreSQL's own parser, offline: libpg_query (the server's grammar, compiled to WebAssembly by the
 * `libpg-query` package) says whether a text is valid SQL and where it is not, with the server's
 * message ("syntax error at or near "AND""), without a server. It checks syntax only: whether a
 * column, function or operator exists is the server's to say.
 *
 * The WebAssembly module is compiled on first use (about 0.1 s), not on import, so a command that
 * has no SQL to check never pays for it.
 */
import { createRequire } from 'node:module';
import type { Node } from 'libpg-query';
import { LexError, tokenize } from './split.js';

export type { Node as SqlNode };

/** Why a text does not parse: the parser's message and where it points. */
export interface SqlSyntaxError {
  message: string;
  /** 0-based index (UTF-16 code units, as JavaScript strings count) into the parsed text. */
  offset: number;
}

export interface SqlParser {
  /** The number of statements in `sql`, or the first syntax error. */
  parse(sql: string): { statements: number } | { error: SqlSyntaxError };
  /**
   * The parse trees of the statements in `sql` (libpg_query's JSON: one `{ NodeType: {...} }` per
   * statement, as the server's raw parser builds them), or the first syntax error.
   */
  trees(sql: string): { trees: unknown[] } | { error: SqlSyntaxError };
}

/** The package's synchronous entry point, once its module is loaded. */
type ParseSync = (sql: string) => { stmts?: { stmt?: unknown }[] };

let module: Promise<typeof import('libpg-query')> | undefined;
let loading: Promise<SqlParser> | undefined;

function loadLibrary(): Promise<typeof import('libpg-query')> {
  module ??= (async () => {
    // The package is CommonJS: required, it loads in about half the CPU time an import() takes
    // (which has its source and the module it re-exports scanned for their exports first), 15-20
    // ms against 30-55 ms on a busy 2-core machine, before `pgindex run`'s first statement.
    const lib = createRequire(import.meta.url)('libpg-query') as typeof import('libpg-query');
    await lib.loadModule();
    return lib;
  })();
  return module;
}

/** The parser, loaded once per process. */
export function loadSqlParser(): Promise<SqlParser> {
  loading ??= loadLibrary().then((lib) => parserOf(lib.parseSync as ParseSync));
  return loading;
}

/**
 * The parse trees of a text's statements (the server's raw parse trees, as libpg_query gives them),
 * or null when the text does not parse: the caller treats such a text as one it does not understand.
 */
export type TreeParser = (sql: string) => Node[] | null;

export async function loadTreeParser(): Promise<TreeParser> {
  const lib = await loadLibrary();
  return (sql) => {
    try {
      return (lib.parseSync(sql).stmts ?? []).flatMap((s) => (s.stmt ? [s.stmt] : []));
    } catch {
      return null;
    }
  };
}

function parserOf(parseSync: ParseSync): SqlParser {
  const trees = (sql: string): { trees: unknown[] } | { error: SqlSyntaxError } => {
    // The library refuses an empty string outright; the server calls it an empty query (no statement).
    if (sql.trim() === '') return { trees: [] };
    try {
      return { trees: (parseSync(sql).stmts ?? []).map((s) => s.stmt) };
    } catch (err) {
      const details = (err as { sqlDetails?: { message?: unknown; cursorPosition?: unknown } }).sqlDetails;
      if (!details || typeof details.message !== 'string') throw err;
      const cursor = typeof details.cursorPosition === 'number' ? details.cursorPosition : 0;
      return { error: { message: details.message, offset: codeUnitOffset(sql, cursor) } };
    }
  };
  return {
    parse(sql) {
      const result = trees(sql);
      return 'error' in result ? result : { statements: result.trees.length };
    },
    trees,
  };
}

/**
 * libpg_query counts the error position in characters (code points, as the server does for a UTF-8
 * database); a JavaScript string counts UTF-16 code units, two for a character beyond the BMP.
 */
function codeUnitOffset(sql: string, codePoints: number): number {
  let units = 0;
  let n = 0;
  for (const ch of sql) {
    if (n++ >= codePoints) break;
    units += ch.length;
  }
  return units;
}

/** Where the first `;` outside quoted text and comments is (0 when there is none to find). */
function firstSemicolon(text: string): number {
  try {
    for (const t of tokenize(text)) if (t.kind === 'semicolon') return t.start;
  } catch (err) {
    if (!(err instanceof LexError)) throw err;
  }
  return 0;
}

/** A piece of SQL checked in the statement it becomes part of: `before + text + after`. */
export interface SqlFragment {
  before: string;
  text: string;
  after?: string;
}

/**
 * Why `fragment.text`, placed in its statement, is not exactly one valid statement; null when it is.
 * The position is relative to the fragment's text and within it: an error in what follows the text
 * ("syntax error at end of input") points just after its last character.
 */
export function fragmentSyntaxError(parser: SqlParser, fragment: SqlFragment): SqlSyntaxError | null {
  const sql = fragment.before + fragment.text + (fragment.after ?? '');
  const result = parser.parse(sql);
  const end = fragment.text.trimEnd().length;
  if ('error' in result) {
    const offset = Math.min(Math.max(result.error.offset - fragment.before.length, 0), end);
    return { message: result.error.message, offset };
  }
  if (result.statements !== 1) {
    // A `;` inside the text ended the statement early and began another.
    return { message: '`;` is not allowed: it must be a single expression', offset: firstSemicolon(fragment.text) };
  }
  return null;
}
