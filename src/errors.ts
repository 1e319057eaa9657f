/**
 * One family of errors. The CLI's single error boundary (src/cli/main.ts) prints them with
 * formatError and exits 1; anything else is a bug and is printed with its stack.
 */
import type { SourcePos } from './planfile/types.js';

export class PgindexError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** One problem in an input file, at a position. */
export interface Problem {
  pos: SourcePos;
  message: string;
  hint?: string;
}

/** Bad input (YAML syntax, schema, unknown table or column…): every problem found, reported together. */
export class InputError extends PgindexError {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'), 'invalid-input');
  }
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

/** A statement failed on the server: keeps the SQL and the server's fields to show them. */
export class SqlError extends PgindexError {
  readonly sqlstate: string | undefined;
  readonly position: number | undefined;
  readonly detail: string | undefined;
  readonly hint: string | undefined;

  constructor(
    readonly sql: string,
    cause: unknown,
  ) {
    const e = (cause ?? {}) as { message?: string; code?: string; position?: string; detail?: string; hint?: string };
    super(e.message ?? String(cause), 'sql');
    this.sqlstate = e.code;
    this.position = e.position ? Number(e.position) : undefined;
    this.detail = e.detail;
    this.hint = e.hint;
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
