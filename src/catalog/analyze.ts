/**
 * `analyze: true`: ANALYZE the plan's tables that have no statistics, so that the statistics rules
 * can apply. The caller takes a new snapshot afterwards.
 */
import type pg from 'pg';
import { quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { neverAnalyzed } from './resolve.js';
import type { CatalogSnapshot, TableInfo } from './types.js';
import { queryRows } from '../db/rows.js';

/** The snapshot's never-analyzed tables, minus partitions whose ancestor is in the list (ANALYZE recurses). */
export function tablesToAnalyze(snapshot: CatalogSnapshot): TableInfo[] {
  const byKey = new Map(snapshot.tables.map((t) => [qualifiedKey(t), t]));
  const todo = snapshot.tables.filter(neverAnalyzed);
  const chosen = new Set(todo.map(qualifiedKey));
  return todo.filter((t) => {
    for (let p = t.parent; p; p = byKey.get(qualifiedKey(p))?.parent ?? null) if (chosen.has(qualifiedKey(p))) return false;
    return true;
  });
}

/** Runs one ANALYZE over them all; returns their names as SQL writes them. */
export async function analyzeUnanalyzed(client: pg.ClientBase, snapshot: CatalogSnapshot): Promise<string[]> {
  const names = tablesToAnalyze(snapshot).map(quoteQualified);
  if (names.length === 0) return [];
  await queryRows(client, `ANALYZE ${names.join(', ')}`);
  return names;
}
