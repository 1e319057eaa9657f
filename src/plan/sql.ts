/**
 * The statements a plan runs, as small pure builders. Every identifier goes through src/sql/quote.ts;
 * the only text copied as is is a partial index's `where`, which the plan format documents as raw SQL.
 */
import { quoteIdent, quoteQualified } from '../sql/quote.js';
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
  /** Storage parameters, e.g. { pages_per_range: '32' }; values are numbers or words, never quoted. */
  with?: Record<string, string | number>;
  tablespace?: string | null;
  /** Raw SQL predicate. */
  where?: string | null;
}

function opclassSql(opclass: IndexKeySql['opclass']): string {
  if (!opclass) return '';
  const name = opclass.schema && opclass.schema !== 'pg_catalog' ? quoteQualified({ schema: opclass.schema, name: opclass.name }) : quoteIdent(opclass.name);
  return ' ' + name;
}

function storageValue(v: string | number): string {
  if (typeof v === 'number') return String(v);
  // Storage parameter values are numbers, booleans or single words (on, off, auto); anything else
  // would be interpolated SQL, so refuse it rather than quote it into something the server misreads.
  if (!/^[A-Za-z0-9_.+-]+$/.test(v)) throw new Error(`storage parameter value ${JSON.stringify(v)} is not a number or a word`);
  return v;
}

export function createIndexSql(ix: CreateIndexSql): string {
  if (ix.keys.length === 0) throw new Error('an index needs at least one key column');
  let sql = 'CREATE ' + (ix.unique ? 'UNIQUE ' : '') + 'INDEX ' + (ix.concurrently ? 'CONCURRENTLY ' : '');
  sql += quoteIdent(ix.name) + ' ON ' + (ix.only ? 'ONLY ' : '') + quoteQualified(ix.table);
  sql += ' USING ' + quoteIdent(ix.method);
  sql += ' (' + ix.keys.map((k) => quoteIdent(k.column) + opclassSql(k.opclass)).join(', ') + ')';
  if (ix.include && ix.include.length > 0) sql += ' INCLUDE (' + ix.include.map(quoteIdent).join(', ') + ')';
  const params = Object.entries(ix.with ?? {});
  if (params.length > 0) sql += ' WITH (' + params.map(([k, v]) => `${quoteIdent(k)} = ${storageValue(v)}`).join(', ') + ')';
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
 * Why a raw `where` cannot be copied into a statement, or null when it can: it must be one expression,
 * so no `;` and no `--` comment (which would swallow the statement's terminator) outside quoted text,
 * and every quote, dollar quote and block comment closed. This is not a parser: the server judges the
 * expression itself.
 */
export function rawPredicateProblem(where: string): string | null {
  let i = 0;
  let depth = 0;
  while (i < where.length) {
    const ch = where[i] as string;
    const next = where[i + 1];
    if (ch === "'" || ch === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= where.length) return `unterminated ${ch === '"' ? 'quoted identifier' : 'string'}`;
        if (where[j] === ch) {
          if (where[j + 1] === ch) j += 2;
          else break;
        } else j++;
      }
      i = j + 1;
    } else if (ch === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(where.slice(i));
      if (tag && (i === 0 || !/[A-Za-z0-9_]/.test(where[i - 1] as string))) {
        const end = where.indexOf(tag[0], i + tag[0].length);
        if (end < 0) return 'unterminated dollar-quoted string';
        i = end + tag[0].length;
      } else i++;
    } else if (ch === '-' && next === '-') {
      return '`--` comments are not allowed';
    } else if (ch === '/' && next === '*') {
      const end = where.indexOf('*/', i + 2);
      if (end < 0) return 'unterminated /* comment';
      i = end + 2;
    } else if (ch === ';') {
      return '`;` is not allowed: it must be a single expression';
    } else {
      if (ch === '(') depth++;
      if (ch === ')' && --depth < 0) return 'unbalanced parentheses';
      i++;
    }
  }
  return depth === 0 ? null : 'unbalanced parentheses';
}
