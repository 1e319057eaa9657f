/**
 * The lexical rules a partial index's raw `where` must follow to be copied into a statement, shared
 * by the plan file's loader (offline, `pgindex validate`) and the planner's checks.
 */
import { LexError, tokenize } from './split.js';

/**
 * Why a raw `where` cannot be copied into a statement, or null when it can. It must read as one
 * expression to the server, to psql (the plan script runs through `psql -f`) and to `pgindex run`'s
 * splitter alike, so it is scanned with the same tokenizer (src/sql/split.ts, E'…' escapes, nested
 * comments and dollar quotes included) and refused when it has a `;` outside quoted text, a comment
 * (`--` would swallow the statement's terminator; neither has a place in one expression), a backslash
 * outside quoted text (psql would run it as a meta-command), unbalanced parentheses, or an
 * unterminated quote or comment. This is not a parser: src/sql/parse.ts (offline) and the server
 * judge the expression itself.
 */
export function rawPredicateProblem(where: string): string | null {
  let depth = 0;
  let end = 0;
  try {
    for (const t of tokenize(where)) {
      // Only whitespace and comments lie between tokens: anything else there is a comment.
      if (where.slice(end, t.start).trim() !== '') return 'comments are not allowed';
      end = t.end;
      if (t.kind === 'semicolon') return '`;` is not allowed: it must be a single expression';
      if (t.kind === 'meta') return 'a backslash outside quoted text is not allowed (psql would run it as a meta-command)';
      if (t.kind === 'lparen') depth++;
      if (t.kind === 'rparen' && --depth < 0) return 'unbalanced parentheses';
    }
  } catch (err) {
    if (err instanceof LexError) return err.message;
    throw err;
  }
  if (where.slice(end).trim() !== '') return 'comments are not allowed';
  return depth === 0 ? null : 'unbalanced parentheses';
}
