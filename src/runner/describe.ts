/** How steps are named in events, progress lines and the summary. */
import type { QualifiedName, Step } from '../plan/types.js';
import { quoteMaybeQualified } from '../sql/quote.js';

/** `schema.name`, or just `name` when the schema is left to the search_path (schema ''). */
export function displayName(q: QualifiedName): string {
  return quoteMaybeQualified(q);
}

/** The first line of a statement, shortened to `max` characters. */
export function firstLine(sql: string, max = 60): string {
  const line = (sql.split('\n')[0] ?? '').trim();
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

/** A short name for a step: its index, else where it came from, else its SQL. */
export function stepLabel(step: Step): string {
  if (step.action === 'attach' && step.index) {
    // The step's index is the parent; the partition's index is the one the statement attaches.
    return step.attachChild ? `${displayName(step.attachChild)} → ${displayName(step.index)}` : displayName(step.index);
  }
  if (step.index) return displayName(step.index);
  // Statements of a SQL file carry their FILE:LINE:COL as their reason.
  if ((step.action === 'sql' || step.action === 'create' || step.action === 'create-parent') && step.reason) return step.reason;
  return firstLine(step.sql);
}
