/**
 * The key under which the server's rendering of a planned partial-index predicate travels from the
 * planning session (src/planner.ts asks the server) to buildPlan (which compares it with existing
 * indexes): one spelling on both sides, so each finds the other's entry.
 */
import { qualifiedKey } from '../sql/qualified.js';
import type { QualifiedName } from './types.js';

/** The table and the `where` as the plan writes it, trimmed: the same predicate on two tables is two keys. */
export function predicateKey(table: QualifiedName, where: string): string {
  return `${qualifiedKey(table)}\0${where.trim()}`;
}

/**
 * The key under which the server's reading of an `indexes:` entry's keys (an expression as
 * pg_get_indexdef writes it, the operator class and collation it resolved to) travels the same way:
 * the table, the method and the keys as the statement writes them.
 */
export function keysKey(table: QualifiedName, method: string, keysSql: string): string {
  return `${qualifiedKey(table)}\0${method}\0${keysSql}`;
}

/** What the server made of each key of an `indexes:` entry, in key order. */
export interface ServerKey {
  /** pg_get_indexdef(index, k, true): the column's name, or the expression as the server writes it. */
  expression: string;
  opclass: string;
  collation: string | null;
}
