/**
 * What `pgindex run` asks the catalog about the tables and indexes a SQL file names, in one round
 * trip before its first statement: each table's size in pages (the build estimates: the largest
 * builds start first) and its kind (a plain table's keys and foreign keys are split into steps), and
 * the table of each index the file names but does not create (REINDEX, DROP INDEX, ATTACH: the
 * table decides the lock). Names are resolved by the server (to_regclass, through the session's
 * search_path), so a name the file writes unqualified finds the relation its statement will use.
 */
import type pg from 'pg';
import { SqlError } from '../errors.js';
import { qualifiedKey } from '../sql/qualified.js';
import { quoteMaybeQualified } from '../sql/quote.js';

/** A name as the file writes it: schema '' when it is left to the search_path. */
interface QualifiedName {
  schema: string;
  name: string;
}

export const SCRIPT_CATALOG_SQL =
  // The actual size, not relpages: a table loaded and never analyzed has relpages 0.
  `select 'table' as what, n.i, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int as pages, c.relkind::text as relkind, null::name as relname, null::name as nspname
     from unnest($1::text[]) with ordinality as n(name, i)
     join pg_class c on c.oid = to_regclass(n.name)
   union all
   select 'index', n.i, null, null, t.relname, s.nspname
     from unnest($2::text[]) with ordinality as n(name, i)
     join pg_index x on x.indexrelid = to_regclass(n.name)
     join pg_class t on t.oid = x.indrelid
     join pg_namespace s on s.oid = t.relnamespace`;

export interface ScriptCatalog {
  /** Pages of each table that exists, by qualifiedKey of the name as given (schema '' for a name left to the search_path). */
  pages: Map<string, number>;
  /** pg_class.relkind of the same tables. */
  relkinds: Map<string, string>;
  /** The table of each index that exists, by qualifiedKey of the index's name as given. */
  indexTables: Map<string, QualifiedName>;
}

interface Row {
  what: 'table' | 'index';
  i: string;
  pages: number | null;
  relkind: string | null;
  relname: string | null;
  nspname: string | null;
}

export async function readScriptCatalog(client: pg.ClientBase, tables: readonly QualifiedName[], indexes: readonly QualifiedName[]): Promise<ScriptCatalog> {
  const out: ScriptCatalog = { pages: new Map(), relkinds: new Map(), indexTables: new Map() };
  const uniqueTables = unique(tables);
  const uniqueIndexes = unique(indexes);
  if (uniqueTables.length === 0 && uniqueIndexes.length === 0) return out;
  let rows: Row[];
  try {
    ({ rows } = await client.query<Row>(SCRIPT_CATALOG_SQL, [uniqueTables.map(quoteMaybeQualified), uniqueIndexes.map(quoteMaybeQualified)]));
  } catch (err) {
    throw new SqlError(SCRIPT_CATALOG_SQL, err);
  }
  for (const r of rows) {
    if (r.what === 'table') {
      const t = uniqueTables[Number(r.i) - 1];
      if (!t) continue;
      out.pages.set(qualifiedKey(t), Math.max(0, r.pages ?? 0));
      if (r.relkind !== null) out.relkinds.set(qualifiedKey(t), r.relkind);
    } else {
      const ix = uniqueIndexes[Number(r.i) - 1];
      if (ix && r.relname !== null && r.nspname !== null) out.indexTables.set(qualifiedKey(ix), { schema: r.nspname, name: r.relname });
    }
  }
  return out;
}

function unique(names: readonly QualifiedName[]): QualifiedName[] {
  return [...new Map(names.map((n) => [qualifiedKey(n), n])).values()];
}
