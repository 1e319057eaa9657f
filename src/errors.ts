/**
 * One family of errors. The CLI's single error boundary (src/cli/main.ts) prints them with
 * formatError and exits 1; anything else is a bug and is printed with its stack.
 */
import { isSqlstate } from './pg/sqlstate.js';

/** A place in an input file (a plan file, a SQL file): 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export class PgindexError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem in an input file, at a position. */
export interface Problem {
  pos: SourcePos;
  message: string;
  hint?: string;
}

/**
 * Bad input (YAML syntax, schema, unknown table or column…): every problem found, reported together,
 * in file order (sortProblems) whatever order the checks found them in.
 */
export class InputError extends PgindexError {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const sorted = sortProblems(problems);
    super(sorted.map(formatProblem).join('\n'), 'invalid-input');
    this.problems = sorted;
  }
}

/** By file, then line, then column (code-unit order of file names, no locale); ties keep their order. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return [...problems].sort((a, b) => text(a.pos.file, b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col);
}

export function formatProblem(p: Problem): string {
  return `${p.pos.file}:${p.pos.line}:${p.pos.col}: ${p.message}` + (p.hint ? ` (${p.hint})` : '');
}

/** The plan cannot be carried out as asked (a name conflict, an opclass that does not fit…). */
export class PlanningError extends PgindexError {
  /** The message without the position, to collect it as a Problem among others. */
  readonly reason: string;

  constructor(
    message: string,
    readonly pos?: SourcePos,
  ) {
    super(pos ? `${pos.file}:${pos.line}:${pos.col}: ${message}` : message, 'planning');
    this.reason = message;
  }
}

/** Cannot connect, or the connection settings are wrong. The message never contains a password. */
export class ConnectionError extends PgindexError {
  constructor(message: string) {
    super(message, 'connection');
  }
}

/**
 * A statement failed on the server: keeps the SQL and the server's fields to show them. This
 * constructor is the one place that reads a driver (pg) or network error: every module that wraps
 * one goes through it, and the original stays as `cause`.
 */
export class SqlError extends PgindexError {
  /** The five-character SQLSTATE; undefined for errors without one (a lost socket, ECONNRESET…). */
  readonly sqlstate: string | undefined;
  /** 1-based character position in `sql`, when the server gave one. */
  readonly position: number | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;

  constructor(
    readonly sql: string,
    cause: unknown,
  ) {
    const e = (cause ?? {}) as { message?: unknown; code?: unknown; position?: unknown; detail?: unknown; hint?: unknown };
    super(typeof e.message === 'string' && e.message !== '' ? e.message : String(cause), 'sql', { cause });
    this.sqlstate = isSqlstate(e.code) ? e.code : undefined;
    const position = typeof e.position === 'string' || typeof e.position === 'number' ? Number(e.position) : NaN;
    this.position = Number.isFinite(position) && position > 0 ? position : undefined;
    this.detail = typeof e.detail === 'string' ? e.detail : undefined;
    this.hint = typeof e.hint === 'string' ? e.hint : undefined;
  }

  /** The same, for a failure not tied to one statement (sql is then ''). */
  static fromDriver(sql: string, cause: unknown): SqlError {
    return cause instanceof SqlError ? cause : new SqlError(sql, cause);
  }

  /** The message, the statement with a caret under the error position, then detail and hint. */
  describe(): string {
    const lines = [`ERROR${this.sqlstate ? ` ${this.sqlstate}` : ''}: ${this.message}`];
    lines.push(...sqlWithCaret(this.sql, this.position).map((l) => '  ' + l));
    if (this.detail) lines.push(`DETAIL: ${this.detail}`);
    if (this.hint) lines.push(`HINT: ${this.hint}`);
    return lines.join('\n');
  }
}

/** Splits SQL into lines and puts a caret under the 1-based character position, if any. */
export function sqlWithCaret(sql: string, position: number | undefined): string[] {
  const lines = sql.split('\n');
  if (!position || position < 1) return lines;
  const out: string[] = [];
  let offset = 0;
  let placed = false;
  for (const line of lines) {
    out.push(line);
    const chars = [...line].length;
    if (!placed && position <= offset + chars + 1) {
      out.push(' '.repeat(Math.max(0, position - offset - 1)) + '^');
      placed = true;
    }
    offset += chars + 1;
  }
  return out;
}

export function formatError(err: unknown): string {
  if (err instanceof SqlError) return err.describe();
  if (err instanceof PgindexError) return err.message;
  if (err instanceof Error) return err.stack ?? err.message;
  return String(err);
}
