/**
 * What `pgindex check` must know beyond the snapshot: which indexes back which constraint, the
 * foreign keys of the checked tables (their columns in constraint order), and how often each index
 * was scanned since its statistics were last reset. Two queries over the catalog and the statistics
 * views: no lock is taken on any table.
 */
import type pg from 'pg';
import { qualifiedKey } from '../sql/qualified.js';
import { queryRows } from '../db/rows.js';

export interface ForeignKeyFact {
  /** The referencing table. */
  table: { schema: string; name: string };
  name: string;
  /** The referencing columns, in the constraint's order. */
  columns: string[];
  /** The referenced table. */
  references: { schema: string; name: string };
}

export interface IndexUsageFact {
  /** pg_stat_user_indexes.idx_scan. */
  scans: number;
  /** The index's own statistics reset time (pg_stat_user_indexes.stats_reset, PostgreSQL 18+), or null. */
  statsReset: string | null;
}

export interface CheckFacts {
  /** By qualifiedKey of the index: the name of the constraint (any kind) it backs. */
  constraintOf: Map<string, string>;
  foreignKeys: ForeignKeyFact[];
  /** By qualifiedKey of the index; an index with no statistics row (a partitioned one) is absent. */
  usage: Map<string, IndexUsageFact>;
  /** pg_stat_database.stats_reset of this database: null when never reset (since it was created). */
  databaseStatsReset: string | null;
}

/** Constraints of the tables $1 (oid[]): every one that has an index, and every foreign key. */
export const CONSTRAINTS_SQL = `
select n.nspname as schema, c.relname as table_name, con.conname as name, con.contype::text as type,
       ins.nspname as index_schema, ic.relname as index_name,
       rn.nspname as ref_schema, rc.relname as ref_name,
       case when con.contype = 'f' then
         array(select a.attname::text from unnest(con.conkey) with ordinality k(attnum, ord)
                 join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.ord)
       end as columns
  from pg_constraint con
  join pg_class c on c.oid = con.conrelid
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_class ic on ic.oid = con.conindid and con.contype <> 'f'
  left join pg_namespace ins on ins.oid = ic.relnamespace
  left join pg_class rc on rc.oid = con.confrelid and con.contype = 'f'
  left join pg_namespace rn on rn.oid = rc.relnamespace
 where con.conrelid = any($1::oid[])
   and (con.contype = 'f' or ic.oid is not null)
   -- A partition's copy of its parent's foreign key is checked on the parent, once.
   and not (con.contype = 'f' and con.conparentid <> 0)
 order by 1, 2, 3
`;

// to_jsonb reads stats_reset where the server has it (PostgreSQL 18) and null where it does not,
// with one text for every version.
/** Scans of the indexes of the tables $1 (oid[]), and the database's statistics reset time. */
export const USAGE_SQL = `
select s.schemaname as schema, s.indexrelname as name, s.idx_scan::int8 as scans,
       (to_jsonb(s) ->> 'stats_reset') as stats_reset,
       (select d.stats_reset::text from pg_stat_database d where d.datname = current_database()) as database_reset
  from pg_stat_user_indexes s
 where s.relid = any($1::oid[])
union all
select null, null, null, null,
       (select d.stats_reset::text from pg_stat_database d where d.datname = current_database())
`;

interface ConstraintRow {
  schema: string;
  table_name: string;
  name: string;
  type: string;
  index_schema: string | null;
  index_name: string | null;
  ref_schema: string | null;
  ref_name: string | null;
  columns: string[] | null;
}

interface UsageRow {
  schema: string | null;
  name: string | null;
  scans: string | null;
  stats_reset: string | null;
  database_reset: string | null;
}

/** The facts for the tables of these oids. */
export async function checkFacts(client: pg.ClientBase, tableOids: readonly number[]): Promise<CheckFacts> {
  const constraintOf = new Map<string, string>();
  const foreignKeys: ForeignKeyFact[] = [];
  for (const r of await queryRows<ConstraintRow>(client, CONSTRAINTS_SQL, [tableOids])) {
    if (r.type === 'f' && r.ref_schema !== null && r.ref_name !== null && r.columns !== null) {
      foreignKeys.push({ table: { schema: r.schema, name: r.table_name }, name: r.name, columns: r.columns, references: { schema: r.ref_schema, name: r.ref_name } });
    } else if (r.index_schema !== null && r.index_name !== null) {
      constraintOf.set(qualifiedKey({ schema: r.index_schema, name: r.index_name }), r.name);
    }
  }
  const usage = new Map<string, IndexUsageFact>();
  let databaseStatsReset: string | null = null;
  for (const r of await queryRows<UsageRow>(client, USAGE_SQL, [tableOids])) {
    databaseStatsReset = r.database_reset;
    if (r.schema !== null && r.name !== null && r.scans !== null) usage.set(qualifiedKey({ schema: r.schema, name: r.name }), { scans: Number(r.scans), statsReset: r.stats_reset });
  }
  return { constraintOf, foreignKeys, usage, databaseStatsReset };
}
