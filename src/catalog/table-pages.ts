/**
 * The size in pages of tables named in a SQL file, for the build estimates of `pgindex run`: the
 * largest builds start first. Names are resolved by the server (to_regclass, through the session's
 * search_path), so a name the file writes unqualified finds the table its statement will build on.
 */
import type pg from 'pg';
import { SqlError } from '../errors.js';
import { qualifiedKey } from '../sql/qualified.js';
import { quoteMaybeQualified } from '../sql/quote.js';

export const TABLE_PAGES_SQL =
  // The actual size, not relpages: a table loaded and never analyzed has relpages 0.
  `select n.i, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int as pages
     from unnest($1::text[]) with ordinality as n(name, i)
     join pg_class c on c.oid = to_regclass(n.name)`;

/**
 * Pages of each table that exists, by qualifiedKey of the name as given (schema '' for a name left to
 * the search_path); tables that do not exist (yet) are absent.
 */
export async function tablePages(client: pg.ClientBase, tables: readonly { schema: string; name: string }[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unique = [...new Map(tables.map((t) => [qualifiedKey(t), t])).values()];
  if (unique.length === 0) return out;
  let rows: { i: number; pages: number }[];
  try {
    ({ rows } = await client.query<{ i: number; pages: number }>(TABLE_PAGES_SQL, [unique.map(quoteMaybeQualified)]));
  } catch (err) {
    throw new SqlError(TABLE_PAGES_SQL, err);
  }
  for (const r of rows) {
    const t = unique[Number(r.i) - 1];
    if (t) out.set(qualifiedKey(t), Math.max(0, r.pages));
  }
  return out;
}
