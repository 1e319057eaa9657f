/**
 * Which statements of a SQL file PostgreSQL's parser can tell more about than "a barrier", from
 * their first words. Apart from steps.ts (and its imports) so that `pgindex run` can tell, with only
 * the file read, whether to start loading the parser beside its planner and runner.
 */
import { loadTreeParser } from '../sql/parse.js';
import { tokenize } from '../sql/split.js';
import type { SqlScript } from './load.js';

/**
 * Starts loading PostgreSQL's parser when `script` has statements worth parsing, for prepareScript
 * to find loaded or on its way: its WebAssembly compiles on background threads while the caller
 * goes on (`pgindex run` loads its planner and runner meanwhile). A failure to load is
 * prepareScript's to report.
 */
export function preloadParserFor(script: SqlScript): void {
  if (script.statements.some((s) => worthParsing(s.sql))) loadTreeParser().catch(() => undefined);
}

/** First words of the statements statementFacts may understand, and of transaction control. */
const UNDERSTOOD = new Set(['create', 'alter', 'comment', 'reindex', 'refresh', 'drop', 'set', 'reset', 'begin', 'start', 'commit', 'end', 'rollback', 'abort', 'savepoint', 'release', 'prepare']);

/**
 * Whether the parser could tell more than "a barrier": parsing costs a few hundred microseconds a
 * statement, which a file of 400,000 INSERTs or SELECTs would pay for nothing.
 */
export function worthParsing(sql: string): boolean {
  const [first] = leadingWords(sql, 1);
  if (first === 'select') return /set_config/i.test(sql);
  return first !== undefined && UNDERSTOOD.has(first);
}

/** The first `n` words of a statement, lowercased (fewer when something else comes first). */
export function leadingWords(sql: string, n: number): string[] {
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
