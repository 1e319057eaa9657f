/**
 * A SQL-aware splitter for `pgindex run`: cuts a script into statements the way psql would, so that a
 * semicolon inside a string, a quoted identifier, a dollar-quoted body, a comment, parentheses or a
 * SQL-standard function body (BEGIN ATOMIC … END) does not end a statement. Each statement keeps where
 * it starts in the file, so errors can point at FILE:LINE:COL.
 *
 * Assumes standard_conforming_strings = on (the default since PostgreSQL 9.1): backslashes escape only
 * inside E'…' strings. psql's backslash meta-commands cannot be run by a server and are reported as
 * errors rather than sent.
 */
import { InputError, type Problem } from '../errors.js';

export type TokenKind =
  | 'word' // keyword or unquoted identifier (also the prefix of E'', B'', X'', N'', U&'')
  | 'ident' // "quoted identifier", U&"…"
  | 'string' // '…', E'…', B'…', X'…', N'…', U&'…'
  | 'dollar' // $tag$…$tag$
  | 'number'
  | 'param' // $1
  | 'lparen'
  | 'rparen'
  | 'semicolon'
  | 'meta' // psql backslash command, up to the end of its line
  | 'op'; // any other character

export interface Token {
  kind: TokenKind;
  /** The token as written. */
  text: string;
  /** UTF-16 offsets into the scanned text, end exclusive. */
  start: number;
  end: number;
}

/** A lexical error at an offset of the scanned text. */
export class LexError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

/** End (exclusive) of a quoted run starting at `open`, where a doubled quote is an escaped quote. */
function skipQuoted(text: string, open: number, quote: string, backslashEscapes: boolean, what: string, reportAt = open): number {
  let i = open + 1;
  while (i < text.length) {
    const c = text[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  throw new LexError(`unterminated ${what}`, reportAt);
}

/** End (exclusive) of a possibly nested block comment starting at `open`. */
function skipBlockComment(text: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < text.length) {
    if (text[i] === '/' && text[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (text[i] === '*' && text[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  throw new LexError('unterminated /* comment', open);
}

/**
 * The significant tokens of `text` (whitespace and comments are skipped). Throws LexError on an
 * unterminated string, identifier, dollar quote or comment, at the offset where it opens.
 */
export function* tokenize(text: string): Generator<Token> {
  let i = 0;
  const n = text.length;
  const tok = (kind: TokenKind, start: number, end: number): Token => ({ kind, text: text.slice(start, end), start, end });
  while (i < n) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (isSpace(c)) {
      i++;
    } else if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(text, i);
    } else if (c === "'") {
      const end = skipQuoted(text, i, "'", false, 'quoted string');
      yield tok('string', i, end);
      i = end;
    } else if (c === '"') {
      const end = skipQuoted(text, i, '"', false, 'quoted identifier');
      yield tok('ident', i, end);
      i = end;
    } else if (c === '$') {
      DOLLAR_TAG.lastIndex = i;
      const m = DOLLAR_TAG.exec(text);
      if (m) {
        const close = text.indexOf(m[0], i + m[0].length);
        if (close === -1) throw new LexError(`unterminated dollar-quoted string ${m[0]}`, i);
        yield tok('dollar', i, close + m[0].length);
        i = close + m[0].length;
      } else if (next !== undefined && next >= '0' && next <= '9') {
        let j = i + 1;
        while (j < n && (text[j] as string) >= '0' && (text[j] as string) <= '9') j++;
        yield tok('param', i, j);
        i = j;
      } else {
        yield tok('op', i, i + 1);
        i++;
      }
    } else if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_CHAR.test(text[j] as string)) j++;
      const word = text.slice(i, j);
      const lower = word.toLowerCase();
      if (text[j] === "'" && (lower === 'e' || lower === 'b' || lower === 'x' || lower === 'n')) {
        const end = skipQuoted(text, j, "'", lower === 'e', 'quoted string', i);
        yield tok('string', i, end);
        i = end;
      } else if (lower === 'u' && text[j] === '&' && (text[j + 1] === "'" || text[j + 1] === '"')) {
        const quote = text[j + 1] as string;
        const end = skipQuoted(text, j + 1, quote, false, quote === "'" ? 'quoted string' : 'quoted identifier', i);
        yield tok(quote === "'" ? 'string' : 'ident', i, end);
        i = end;
      } else {
        yield tok('word', i, j);
        i = j;
      }
    } else if (c >= '0' && c <= '9') {
      let j = i + 1;
      while (j < n && /[0-9.eE_xXoObBa-fA-F]/.test(text[j] as string)) j++;
      yield tok('number', i, j);
      i = j;
    } else if (c === '(') {
      yield tok('lparen', i, i + 1);
      i++;
    } else if (c === ')') {
      yield tok('rparen', i, i + 1);
      i++;
    } else if (c === ';') {
      yield tok('semicolon', i, i + 1);
      i++;
    } else if (c === '\\') {
      // psql: a meta-command runs to the end of the line.
      const nl = text.indexOf('\n', i);
      const end = nl === -1 ? n : nl;
      yield tok('meta', i, end);
      i = end;
    } else {
      yield tok('op', i, i + 1);
      i++;
    }
  }
}

export interface SqlStatement {
  /** The statement as written, from its first token to its last (no terminating semicolon). */
  sql: string;
  /** 1-based line and column (in characters) of the statement's first token. */
  line: number;
  col: number;
  /** UTF-16 offset of the first token in the file's text. */
  offset: number;
}

/** Turns UTF-16 offsets of one text into 1-based line and column, columns counted in characters. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.starts.push(i + 1);
  }

  at(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = this.starts[lo] as number;
    return { line: lo + 1, col: [...this.text.slice(lineStart, offset)].length + 1 };
  }
}

const ROUTINE = new Set(['function', 'procedure']);

/**
 * psql's heuristic for SQL-standard routine bodies: inside CREATE [OR REPLACE] FUNCTION|PROCEDURE,
 * BEGIN opens a block (and CASE nests inside one) that END closes; semicolons inside do not split.
 */
function isRoutineDefinition(words: string[]): boolean {
  if (words[0] !== 'create') return false;
  if (ROUTINE.has(words[1] ?? '')) return true;
  return words[1] === 'or' && words[2] === 'replace' && ROUTINE.has(words[3] ?? '');
}

export interface SplitOptions {
  /**
   * psql meta-commands (the whole line, backslash included) the caller can do without: dropped
   * instead of reported. Any other meta-command is still a problem at its place.
   */
  skipMeta?: (command: string) => boolean;
}

/**
 * Splits a SQL script into statements. Throws InputError listing every problem (psql meta-commands,
 * COPY … FROM STDIN, an unterminated string or comment) at FILE:LINE:COL.
 */
export function splitSql(text: string, file: string, opts: SplitOptions = {}): SqlStatement[] {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lines = new LineIndex(source);
  const problems: Problem[] = [];
  const statements: SqlStatement[] = [];
  const problemAt = (offset: number, message: string, hint?: string) => {
    const { line, col } = lines.at(offset);
    problems.push({ pos: { file, line, col }, message, ...(hint ? { hint } : {}) });
  };

  let first: Token | undefined;
  let last: Token | undefined;
  let parens = 0;
  let blocks = 0;
  let words: string[] = [];
  const finish = () => {
    if (first && last) {
      const { line, col } = lines.at(first.start);
      statements.push({ sql: source.slice(first.start, last.end), line, col, offset: first.start });
    }
    first = last = undefined;
    parens = blocks = 0;
    words = [];
  };

  try {
    for (const t of tokenize(source)) {
      if (t.kind === 'meta') {
        if (opts.skipMeta?.(t.text)) continue;
        const name = /^\\[^\s]*/.exec(t.text)?.[0] ?? '\\';
        problemAt(t.start, `psql meta-command ${name} cannot be run by pgindex run`, 'keep only SQL in the file');
        continue;
      }
      if (t.kind === 'semicolon' && parens === 0 && blocks === 0) {
        finish();
        continue;
      }
      first ??= t;
      last = t;
      if (t.kind === 'lparen') parens++;
      else if (t.kind === 'rparen') parens = Math.max(0, parens - 1);
      else if (t.kind === 'word') {
        const w = t.text.toLowerCase();
        if (words.length < 4) words.push(w);
        if (parens === 0 && isRoutineDefinition(words)) {
          if (w === 'begin') blocks++;
          else if (w === 'case' && blocks > 0) blocks++;
          else if (w === 'end' && blocks > 0) blocks--;
        }
      }
    }
    finish();
  } catch (err) {
    if (!(err instanceof LexError)) throw err;
    problemAt(err.offset, err.message);
  }

  for (const s of statements) {
    if (/^copy\b[\s\S]*\bfrom\s+stdin\b/i.test(s.sql)) {
      problemAt(s.offset, 'COPY … FROM STDIN needs psql to send the data', 'load the data with psql, or COPY FROM a server file');
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return statements;
}

/**
 * Where a 1-based character position inside a statement (the server's error position) lies in the
 * file the statement came from.
 */
export function positionInFile(stmt: SqlStatement, position: number | undefined): { line: number; col: number } {
  if (!position || position < 1) return { line: stmt.line, col: stmt.col };
  let line = stmt.line;
  let col = stmt.col;
  let seen = 1;
  for (const ch of stmt.sql) {
    if (seen >= position) break;
    if (ch === '\n') {
      line++;
      col = 1;
    } else col++;
    seen++;
  }
  return { line, col };
}
