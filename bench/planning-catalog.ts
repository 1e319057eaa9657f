/**
 * A large catalog to time planning on (issue 16): N tables of 4 columns in `public`, each with three
 * indexes (its primary key, `a`, `c`) and a TOAST table, so that pg_class holds about 6 N relations;
 * and a plan of N entries that names them the ways plans do. Nothing in it is ever built.
 *
 * Tables are created by DO blocks of CATALOG_BATCH tables, each its own transaction: one transaction
 * creating them all would need a lock per relation (about 6 N) and exhaust the shared lock table.
 */
import type pg from 'pg';

/** Tables per DO block: few round trips, and a few thousand locks per transaction at most. */
const CATALOG_BATCH = 500;

/** `t00042`: zero-padded so that names sort by number and ten consecutive tables share a prefix. */
export function planningTableName(k: number, tables: number): string {
  return 't' + String(k).padStart(Math.max(5, String(tables).length), '0');
}

/** Tables first..last: created, a few rows each and analyzed, as tables of a real catalog are. */
function batchSql(first: number, last: number, tables: number): string {
  const width = Math.max(5, String(tables).length);
  return `DO $$
DECLARE t text;
BEGIN
  FOR k IN ${first}..${last} LOOP
    t := 't' || lpad(k::text, ${width}, '0');
    EXECUTE format('CREATE TABLE public.%I (id bigint PRIMARY KEY, a integer, b text, c timestamptz)', t);
    EXECUTE format('CREATE INDEX %I ON public.%I (a)', t || '_a', t);
    EXECUTE format('CREATE INDEX %I ON public.%I (c)', t || '_c', t);
    EXECUTE format($i$INSERT INTO public.%I SELECT g, g %% 7, 'row ' || g, timestamptz '2025-01-01' + g * interval '1 day'
                      FROM generate_series(1, 3) g$i$, t);
    EXECUTE format('ANALYZE public.%I', t);
  END LOOP;
END $$`;
}

/** Creates the N tables in the connected (empty) database, reporting progress every 10% or so. */
export async function createPlanningCatalog(client: pg.ClientBase, tables: number, log: (m: string) => void): Promise<void> {
  const step = Math.max(CATALOG_BATCH, Math.ceil(tables / 10 / CATALOG_BATCH) * CATALOG_BATCH);
  for (let first = 1; first <= tables; first += CATALOG_BATCH) {
    const last = Math.min(tables, first + CATALOG_BATCH - 1);
    await client.query(batchSql(first, last, tables));
    if (last % step === 0 || last === tables) log(`${last.toLocaleString('en-US')} of ${tables.toLocaleString('en-US')} tables`);
  }
}

/**
 * ANALYZE of the system catalogs, as autovacuum would have done after such growth (the bench's server
 * runs without it): the planner of the catalog queries then sees their real sizes.
 */
export async function analyzeCatalog(client: pg.ClientBase): Promise<void> {
  await client.query(`DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c WHERE c.relnamespace = 'pg_catalog'::regnamespace AND c.relkind = 'r' LOOP
    EXECUTE format('ANALYZE %s', r.rel);
  END LOOP;
END $$`);
}

/** Globs without a literal prefix (`*00001`) in every plan: each has to look at every name of its schemas. */
const UNANCHORED_GLOBS = 3;

/**
 * N entries, `columns: all` each. Entry k names table k exactly, alternately with and without its
 * schema, except every tenth, which is a glob over a group of ten tables (`t0012?`,
 * `public.t0013*`): so the exact names win for nine tables of a group and the glob plans the tenth.
 * The last UNANCHORED_GLOBS of those globs are `*00001`-style globs instead.
 */
export function planningEntries(tables: number): string[] {
  const names: string[] = [];
  const globs = Math.floor(tables / 10);
  for (let k = 1; k <= tables; k++) {
    const name = planningTableName(k, tables);
    if (k % 10 !== 0) {
      names.push(k % 2 === 0 ? `public.${name}` : name);
      continue;
    }
    const glob = k / 10;
    const group = name.slice(0, -1);
    if (glob > globs - UNANCHORED_GLOBS) names.push(`*${name.slice(-5)}`);
    else names.push(glob % 2 === 0 ? `public.${group}*` : `${group}?`);
  }
  return names;
}

export function planningPlanYaml(tables: number): string {
  return ['version: 1', 'tables:', ...planningEntries(tables).flatMap((t) => [`  - name: "${t}"`, '    columns: all']), ''].join('\n');
}
