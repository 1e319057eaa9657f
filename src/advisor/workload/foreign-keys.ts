/**
 * Foreign keys that want an index on their referencing columns: PostgreSQL indexes the referenced
 * key (it must be unique) but not the referencing one, so each delete of a referenced row, and each
 * update of its key, looks for referencing rows with a scan of the whole referencing table unless
 * an index leads with the foreign key's columns; and a join on them has nothing to search with.
 * A foreign key is a candidate when its referenced table sees deletes or updates (pg_stat_user_tables,
 * and the workload's DELETE and UPDATE queries) or the workload joins on it; the candidate says which.
 */
import type pg from 'pg';
import { queryRows } from '../../db/rows.js';
import type { TableInfo } from '../../catalog/types.js';
import { isValid } from '../../pg/index-state.js';
import { thousands } from '../../format.js';
import { quoteIdent, quoteQualified } from '../../sql/quote.js';
import { qualifiedKey } from '../../sql/qualified.js';
import type { QualifiedName } from './types.js';
import type { AnalysedQuery } from './workload.js';

export interface ForeignKey {
  /** The referencing table. */
  table: QualifiedName;
  name: string;
  /** The referencing columns, in the constraint's order. */
  columns: string[];
  references: QualifiedName;
  /** pg_stat_user_tables of the referenced table since its statistics were reset; null when not readable. */
  referencedWrites: { updates: number; deletes: number } | null;
}

/** Why a foreign key is a candidate, for its reason; the workload queries that join on it. */
export interface ForeignKeyNeed {
  foreignKey: ForeignKey;
  /** `foreign key "orders_customer_id_fkey" → shop.customers`. */
  label: string;
  why: string;
  joins: number[];
  /** Deletes or updates of the referenced table were seen: every one of them runs the check. */
  checked: boolean;
}

const FOREIGN_KEYS_SQL = `
  select con.conname::text as name, n.nspname::text as schema, c.relname::text as table_name,
         array(select a.attname::text
                 from unnest(con.conkey) with ordinality k(attnum, i)
                 join pg_catalog.pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum
                order by k.i) as columns,
         rn.nspname::text as ref_schema, rc.relname::text as ref_name,
         s.n_tup_upd::float8 as updates, s.n_tup_del::float8 as deletes
    from pg_catalog.pg_constraint con
    join pg_catalog.pg_class c on c.oid = con.conrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    join pg_catalog.pg_class rc on rc.oid = con.confrelid
    join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
    left join pg_catalog.pg_stat_user_tables s on s.relid = con.confrelid
   -- A partition's copy of its parent's foreign key is the parent's, once.
   where con.contype = 'f' and con.conrelid = any($1::oid[]) and con.conparentid = 0
   order by 2, 3, 1`;

/** The foreign keys of these tables, with the deletes and updates their referenced tables have seen. */
export async function readForeignKeys(client: pg.ClientBase, tables: readonly Pick<TableInfo, 'oid'>[]): Promise<ForeignKey[]> {
  if (tables.length === 0) return [];
  const rows = await queryRows<{ name: string; schema: string; table_name: string; columns: string[]; ref_schema: string; ref_name: string; updates: number | null; deletes: number | null }>(
    client,
    FOREIGN_KEYS_SQL,
    [tables.map((t) => t.oid)],
  );
  return rows.map((r) => ({
    table: { schema: r.schema, name: r.table_name },
    name: r.name,
    columns: r.columns,
    references: { schema: r.ref_schema, name: r.ref_name },
    referencedWrites: r.updates === null || r.deletes === null ? null : { updates: r.updates, deletes: r.deletes },
  }));
}

/**
 * The valid, non-partial btree whose first keys are the foreign key's columns, in any order: the
 * check and a join on them search it. Null: the foreign key is unindexed.
 */
export function foreignKeyIndex(table: TableInfo, fk: Pick<ForeignKey, 'columns'>): TableInfo['indexes'][number] | null {
  const wanted = new Set(fk.columns);
  return (
    table.indexes.find((i) => {
      if (!isValid(i) || i.predicate !== null || i.method !== 'btree' || i.keys.length < wanted.size) return false;
      const lead = i.keys.slice(0, wanted.size).map((k) => k.column);
      return lead.every((c) => c !== null && wanted.has(c)) && new Set(lead).size === wanted.size;
    }) ?? null
  );
}

/** The unindexed foreign keys that the workload or the referenced table's writes call for, and why. Pure. */
export function foreignKeyNeeds(foreignKeys: readonly ForeignKey[], queries: readonly AnalysedQuery[], tables: readonly TableInfo[]): ForeignKeyNeed[] {
  const byKey = new Map(tables.map((t) => [qualifiedKey(t), t]));
  const out: ForeignKeyNeed[] = [];
  for (const fk of foreignKeys) {
    const table = byKey.get(qualifiedKey(fk.table));
    if (!table || fk.columns.length === 0 || foreignKeyIndex(table, fk)) continue;
    const ref = qualifiedKey(fk.references);
    const joins: number[] = [];
    let deleteQueries = 0;
    let updateQueries = 0;
    queries.forEach((q, qi) => {
      if (q.shape.writes.some((w) => qualifiedKey(w) === ref)) {
        if (q.shape.kind === 'delete') deleteQueries++;
        if (q.shape.kind === 'update') updateQueries++;
      }
      const joined = q.shape.accesses.some(
        (a) => qualifiedKey(a.table) === qualifiedKey(fk.table) && fk.columns.every((c) => a.joins.some((j) => j.column === c && qualifiedKey(j.other) === ref)),
      );
      if (joined) joins.push(qi);
    });
    const why: string[] = [];
    const seen = fk.referencedWrites;
    if (seen && (seen.deletes > 0 || seen.updates > 0)) {
      why.push(`${quoteQualified(fk.references)} has seen ${thousands(seen.deletes)} row deletes and ${thousands(seen.updates)} row updates (pg_stat_user_tables; an update checks only when it changes the key)`);
    }
    if (deleteQueries + updateQueries > 0) {
      why.push(`the workload deletes from or updates ${quoteQualified(fk.references)} (${count(deleteQueries, 'DELETE')}, ${count(updateQueries, 'UPDATE')})`);
    }
    if (joins.length > 0) why.push(`${count(joins.length, 'query', 'queries')} of the workload join on it`);
    if (why.length === 0) continue;
    const cols = fk.columns.map(quoteIdent).join(', ');
    out.push({
      foreignKey: fk,
      label: `foreign key ${quoteIdent(fk.name)} → ${quoteQualified(fk.references)}`,
      why: `unindexed foreign key ${quoteIdent(fk.name)} (${cols}) → ${quoteQualified(fk.references)}: ${why.join('; ')}`,
      joins,
      checked: why.length > (joins.length > 0 ? 1 : 0),
    });
  }
  return out;
}

function count(n: number, one: string, many = one): string {
  return `${thousands(n)} ${n === 1 ? one : many}`;
}
