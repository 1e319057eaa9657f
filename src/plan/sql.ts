/**
 * The statements a plan runs, as small pure builders. Every identifier goes through src/sql/quote.ts;
 * the only text copied as is is a partial index's `where`, which the plan format documents as raw SQL.
 */
import { quoteIdent, quoteMaybeQualified, quoteQualified } from '../sql/quote.js';
import { LexError, tokenize } from '../sql/split.js';
import type { QualifiedName } from './types.js';

export interface IndexKeySql {
  column: string;
  /** Operator class; null for the method's default. Qualified when it lives outside pg_catalog. */
  opclass: { schema: string | null; name: string } | null;
}

export interface CreateIndexSql {
  /** Unqualified: an index always lives in its table's schema. */
  name: string;
  table: QualifiedName;
  method: string;
  keys: IndexKeySql[];
  unique?: boolean;
  concurrently?: boolean;
  /** `ON ONLY`: the index of a partitioned table alone, its partitions' indexes attached later. */
  only?: boolean;
  include?: string[];
  tablespace?: string | null;
  /** Raw SQL predicate. */
  where?: string | null;
}

function opclassSql(opclass: IndexKeySql['opclass']): string {
  if (!opclass) return '';
  return ' ' + quoteMaybeQualified({ schema: opclass.schema === 'pg_catalog' ? null : opclass.schema, name: opclass.name });
}

export function createIndexSql(ix: CreateIndexSql): string {
  if (ix.keys.length === 0) throw new Error('an index needs at least one key column');
  let sql = 'CREATE ' + (ix.unique ? 'UNIQUE ' : '') + 'INDEX ' + (ix.concurrently ? 'CONCURRENTLY ' : '');
  sql += quoteIdent(ix.name) + ' ON ' + (ix.only ? 'ONLY ' : '') + quoteQualified(ix.table);
  sql += ' USING ' + quoteIdent(ix.method);
  sql += ' (' + ix.keys.map((k) => quoteIdent(k.column) + opclassSql(k.opclass)).join(', ') + ')';
  if (ix.include && ix.include.length > 0) sql += ' INCLUDE (' + ix.include.map(quoteIdent).join(', ') + ')';
  if (ix.tablespace) sql += ' TABLESPACE ' + quoteIdent(ix.tablespace);
  if (ix.where) sql += ' WHERE ' + ix.where.trim();
  return sql;
}

/** Removes an INVALID leftover of an interrupted CONCURRENTLY build; never blocks writes. */
export function dropInvalidIndexSql(index: QualifiedName): string {
  return 'DROP INDEX CONCURRENTLY IF EXISTS ' + quoteQualified(index);
}

/** Makes a partition's index part of its parent's partitioned index (both in their own schemas). */
export function attachPartitionSql(parentIndex: QualifiedName, childIndex: QualifiedName): string {
  return 'ALTER INDEX ' + quoteQualified(parentIndex) + ' ATTACH PARTITION ' + quoteQualified(childIndex);
}

/**
 * Why a raw `where` cannot be copied into a statement, or null when it can. It must read as one
 * expression to the server, to psql (the plan script runs through `psql -f`) and to `pgindex run`'s
 * splitter alike, so it is scanned with the same tokenizer (src/sql/split.ts, E'…' escapes, nested
 * comments and dollar quotes included) and refused when it has a `;` outside quoted text, a comment
 * (`--` would swallow the statement's terminator; neither has a place in one expression), a backslash
 * outside quoted text (psql would run it as a meta-command), unbalanced parentheses, or an
 * unterminated quote or comment. This is not a parser: the server judges the expression itself.
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
