/**
 * The statements a plan runs, as small pure builders. Every identifier goes through src/sql/quote.ts;
 * the only text copied as is is a partial index's `where`, which the plan format documents as raw SQL.
 */
import { quoteIdent, quoteMaybeQualified, quoteQualified } from '../sql/quote.js';
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

// Checked by the plan file's loader too (src/planfile/raw-sql.ts), so it lives with the SQL lexer.
export { rawPredicateProblem } from '../sql/predicate.js';
