/**
 * `pgindex run`: the statements of a SQL file as plan steps. Pure.
 *
 * - A CREATE INDEX statement is recognised (name, CONCURRENTLY, ON [ONLY] table, USING method) so the
 *   lock rule, the budget, the retry of transient failures and the cleanup of INVALID leftovers apply
 *   to it as to a planned build. An unqualified table keeps schema '' (resolved by the search_path).
 * - Other statements run as written, once: they are never retried.
 * - SET statements at the top of the file apply to every session (there is no single session to
 *   apply them to); a SET further down, or transaction control, would only affect one session and is
 *   refused with its position.
 */
import { InputError, type Problem } from '../errors.js';
import { parallelCapable } from '../pg/access-methods.js';
import { stepFacts } from '../plan/step-facts.js';
import { buildCost } from '../plan/estimate.js';
import type { QualifiedName, Step } from '../plan/types.js';
import { tokenize, type SqlStatement, type Token } from '../sql/split.js';

export interface CreateIndexHead {
  unique: boolean;
  concurrently: boolean;
  /** null when the statement lets the server choose the name. */
  name: string | null;
  only: boolean;
  table: QualifiedName;
  method: string;
}

function identValue(t: Token | undefined): string | null {
  if (!t) return null;
  if (t.kind === 'word') return t.text.toLowerCase();
  if (t.kind === 'ident' && t.text.startsWith('"')) return t.text.slice(1, -1).replaceAll('""', '"');
  return null;
}

/** Reads `CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] table [USING method]`. */
export function parseCreateIndex(sql: string): CreateIndexHead | null {
  const tokens: Token[] = [];
  try {
    for (const t of tokenize(sql)) {
      tokens.push(t);
      if (tokens.length >= 16) break;
    }
  } catch {
    return null;
  }
  let i = 0;
  const word = (w: string) => {
    const t = tokens[i];
    if (t?.kind === 'word' && t.text.toLowerCase() === w) {
      i++;
      return true;
    }
    return false;
  };
  if (!word('create')) return null;
  const unique = word('unique');
  if (!word('index')) return null;
  const concurrently = word('concurrently');
  if (word('if') && !(word('not') && word('exists'))) return null;
  let name: string | null = null;
  const next = tokens[i];
  if (!(next?.kind === 'word' && next.text.toLowerCase() === 'on')) {
    name = identValue(next);
    if (name === null) return null;
    i++;
  }
  if (!word('on')) return null;
  const only = word('only');
  const first = identValue(tokens[i]);
  if (first === null) return null;
  i++;
  let table: QualifiedName = { schema: '', name: first };
  if (tokens[i]?.kind === 'op' && tokens[i]?.text === '.') {
    const second = identValue(tokens[i + 1]);
    if (second === null) return null;
    table = { schema: first, name: second };
    i += 2;
  }
  let method = 'btree';
  if (word('using')) {
    const m = identValue(tokens[i]);
    if (m === null) return null;
    method = m;
  }
  return { unique, concurrently, name, only, table, method };
}

const TRANSACTION_CONTROL = new Set(['begin', 'start', 'commit', 'end', 'rollback', 'abort', 'savepoint', 'release']);

function leadingWords(sql: string, n: number): string[] {
  const out: string[] = [];
  try {
    for (const t of tokenize(sql)) {
      if (t.kind !== 'word') break;
      out.push(t.text.toLowerCase());
      if (out.length >= n) break;
    }
  } catch {
    // The splitter already rejected anything unterminated.
  }
  return out;
}

export interface Script {
  /** The name positions are given with: the file as named, or `<stdin>`. */
  file: string;
  steps: Step[];
  /** The leading SET statements, run on every session. */
  sessionSetup: SqlStatement[];
  /** Where each step's statement is in the file, by step id. */
  statements: Map<string, SqlStatement>;
}

export function scriptSteps(statements: SqlStatement[], file: string, versionNum: number): Script {
  const problems: Problem[] = [];
  const sessionSetup: SqlStatement[] = [];
  const steps: Step[] = [];
  const byId = new Map<string, SqlStatement>();
  let n = 0;
  for (const stmt of statements) {
    const pos = { file, line: stmt.line, col: stmt.col };
    const [w1, w2] = leadingWords(stmt.sql, 2);
    if (w1 === 'set' || w1 === 'reset') {
      if (w2 === 'local') {
        problems.push({ pos, message: 'SET LOCAL has no effect outside a transaction block', hint: 'use SET' });
      } else if (steps.length === 0) sessionSetup.push(stmt);
      else {
        problems.push({
          pos,
          message: `${w1.toUpperCase()} after the first statement would change only the one session that happens to run it`,
          hint: 'move it to the top of the file: leading SET statements apply to every session',
        });
      }
      continue;
    }
    if ((w1 && TRANSACTION_CONTROL.has(w1)) || (w1 === 'prepare' && w2 === 'transaction')) {
      problems.push({
        pos,
        message: `transaction control (${w1.toUpperCase()}) is not possible: every statement runs on its own session, in autocommit mode`,
      });
      continue;
    }
    n++;
    const id = `s${n}`;
    byId.set(id, stmt);
    const head = parseCreateIndex(stmt.sql);
    const source = { file, line: stmt.line, col: stmt.col };
    const base = { id, sql: stmt.sql, reason: `${file}:${stmt.line}:${stmt.col}`, columns: [], dependsOn: [], estimate: { pages: 0, cost: 0, sizeBytes: 0 } };
    if (!head) {
      const shape = { ...base, action: 'sql' as const, table: null, index: null, method: null, concurrently: false, parallelCapable: false };
      steps.push({ ...shape, ...stepFacts(shape, source) });
      continue;
    }
    const shape = {
      ...base,
      action: head.only ? ('create-parent' as const) : ('create' as const),
      table: head.table,
      index: head.name === null ? null : { schema: head.table.schema, name: head.name },
      method: head.method,
      concurrently: head.concurrently,
      parallelCapable: !head.only && parallelCapable(head.method, versionNum),
    };
    steps.push({ ...shape, ...stepFacts(shape, source) });
  }
  if (problems.length > 0) throw new InputError(problems);
  return { file, steps, sessionSetup, statements: byId };
}

/** Fills each build's estimate from its table's size, so the longest builds start first. */
export function withTablePages(steps: Step[], pagesOf: (table: QualifiedName) => number | undefined): Step[] {
  return steps.map((s) => {
    if (!s.table || s.action !== 'create') return s;
    const pages = pagesOf(s.table) ?? 0;
    return { ...s, estimate: { ...s.estimate, pages, cost: buildCost(s.method ?? 'btree', pages) } };
  });
}
