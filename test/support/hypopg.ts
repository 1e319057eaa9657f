/**
 * The advisor tests' common start: the server's version (EXPLAIN (GENERIC_PLAN) or PREPARE depends on
 * it) and HypoPG created where the server has it (Debian's postgresql-15-hypopg); where it has not, the
 * tests take the estimate path, or skip saying what is missing.
 */
import { queryRows, type Queryable } from '../../src/db/rows.js';

export interface AdvisorServer {
  versionNum: number;
  hypopg: boolean;
}

export async function withHypopgIfAvailable(client: Queryable): Promise<AdvisorServer> {
  const [row] = await queryRows<{ v: string; hypopg: boolean }>(
    client,
    "select current_setting('server_version_num') as v, exists (select 1 from pg_available_extensions where name = 'hypopg') as hypopg",
  );
  const hypopg = row?.hypopg === true;
  if (hypopg) await client.query('create extension hypopg');
  return { versionNum: Number(row?.v), hypopg };
}
