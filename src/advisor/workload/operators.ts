/**
 * Which operators each installed operator class can search or order by (pg_amop through its
 * operator family): what decides which access method can serve a predicate, for every method and
 * every extension installed, rather than a list of known operators.
 */
import type pg from 'pg';
import { queryRows } from '../../db/rows.js';

export interface OperatorSupport {
  /** Operators an index scan can search with (amoppurpose 's'). */
  search: ReadonlySet<string>;
  /** Ordering operators (amoppurpose 'o'): `<->` of gist and spgist. */
  order: ReadonlySet<string>;
}

/** By operatorKey(method, operator class name). */
export type OperatorCatalog = ReadonlyMap<string, OperatorSupport>;

export function operatorKey(method: string, opclass: string): string {
  return `${method}\0${opclass}`;
}

const OPERATORS_SQL = `
  SELECT am.amname AS method, c.opcname AS name,
         coalesce(array_agg(DISTINCT o.oprname::text) FILTER (WHERE a.amoppurpose = 's'), '{}'::text[]) AS search,
         coalesce(array_agg(DISTINCT o.oprname::text) FILTER (WHERE a.amoppurpose = 'o'), '{}'::text[]) AS "order"
    FROM pg_catalog.pg_opclass c
    JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod AND am.amtype = 'i'
    JOIN pg_catalog.pg_amop a ON a.amopfamily = c.opcfamily
    JOIN pg_catalog.pg_operator o ON o.oid = a.amopopr
   GROUP BY am.amname, c.opcname
   ORDER BY 1, 2`;

export async function readOperators(client: pg.ClientBase): Promise<OperatorCatalog> {
  const rows = await queryRows<{ method: string; name: string; search: string[]; order: string[] }>(client, OPERATORS_SQL);
  return new Map(rows.map((r) => [operatorKey(r.method, r.name), { search: new Set(r.search), order: new Set(r.order) }]));
}
