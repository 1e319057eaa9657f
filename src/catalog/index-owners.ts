/**
 * What `pgindex export` must know about existing indexes beyond the snapshot: which ones back a
 * constraint (PRIMARY KEY, UNIQUE, EXCLUDE: they belong to the table's DDL, not to a plan) and which
 * ones give an operator class parameters (`gist_trgm_ops(siglen=32)`, pg_attribute.attoptions of the
 * index), which a plan cannot say. One query for all the tables, reading the catalog only: no lock.
 */
import type pg from 'pg';
import { SqlError } from '../errors.js';
import { qualifiedKey } from '../sql/qualified.js';
import { queryRows } from '../db/rows.js';

export type ConstraintKind = 'primary key' | 'unique' | 'exclude';

export interface IndexOwnerFacts {
  /** The constraint the index backs, if any. */
  constraint: { name: string; kind: ConstraintKind } | null;
  /** Some key has operator class parameters (attoptions). */
  opclassOptions: boolean;
}

const KINDS: Record<string, ConstraintKind> = { p: 'primary key', u: 'unique', x: 'exclude' };

/** Indexes of the tables $1 (oid[]) that back a constraint or have operator class parameters. */
export const INDEX_OWNERS_SQL = `
select n.nspname as schema,
       ic.relname as name,
       con.conname as constraint_name,
       con.contype::text as constraint_type,
       exists (select 1 from pg_attribute a where a.attrelid = i.indexrelid and a.attoptions is not null) as opclass_options
  from pg_index i
  join pg_class ic on ic.oid = i.indexrelid
  join pg_namespace n on n.oid = ic.relnamespace
  left join pg_constraint con on con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x')
 where i.indrelid = any($1::oid[])
   and (con.oid is not null or exists (select 1 from pg_attribute a where a.attrelid = i.indexrelid and a.attoptions is not null))
 order by 1, 2
`;

interface Row {
  schema: string;
  name: string;
  constraint_name: string | null;
  constraint_type: string | null;
  opclass_options: boolean;
}

/** By qualifiedKey of the index; an index not in the map backs no constraint and has no parameters. */
export async function indexOwnerFacts(client: pg.ClientBase, tableOids: readonly number[]): Promise<Map<string, IndexOwnerFacts>> {
  const out = new Map<string, IndexOwnerFacts>();
  if (tableOids.length === 0) return out;
  let rows: Row[];
  try {
    rows = (await client.query<Row>(INDEX_OWNERS_SQL, [tableOids])).rows;
  } catch (err) {
    throw new SqlError(INDEX_OWNERS_SQL, err);
  }
  for (const r of rows) {
    const kind = r.constraint_type !== null ? KINDS[r.constraint_type] : undefined;
    out.set(qualifiedKey(r), {
      constraint: kind !== undefined && r.constraint_name !== null ? { name: r.constraint_name, kind } : null,
      opclassOptions: r.opclass_options,
    });
  }
  return out;
}

/** The schemas of search_path that exist, in order (current_schemas(false): pg_catalog left out). */
export async function searchPathSchemas(client: pg.ClientBase): Promise<string[]> {
  const rows = await queryRows<{ path: string[] }>(client, 'select current_schemas(false)::text[] as path');
  return rows[0]?.path ?? [];
}
