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
