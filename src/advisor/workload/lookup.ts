/**
 * A query's relation names resolved against a catalog snapshot, as the server resolves them: a
 * qualified name in its schema, an unqualified one in the first search_path schema that has it.
 * The snapshot's search_path is the planning session's: pg_stat_statements does not record the
 * search_path each query ran with, so a query run under another one may resolve differently.
 */
import type { CatalogSnapshot, TableInfo } from '../../catalog/types.js';
import { qualifiedKey } from '../../sql/qualified.js';
import type { TableLookup } from './types.js';

export function snapshotLookup(snapshot: Pick<CatalogSnapshot, 'tables' | 'searchPath'>): TableLookup & { info(t: { schema: string; name: string }): TableInfo | null } {
  const byKey = new Map(snapshot.tables.map((t) => [qualifiedKey(t), t]));
  const find = (schema: string, name: string) => byKey.get(qualifiedKey({ schema, name })) ?? null;
  return {
    table(schema, name) {
      if (schema !== null) return find(schema, name);
      for (const s of snapshot.searchPath) {
        const t = find(s, name);
        if (t) return t;
      }
      return null;
    },
    info: (t) => find(t.schema, t.name),
  };
}
