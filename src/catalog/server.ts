/**
 * The server's version and settings alone, for a plan that needs no snapshot (`pgindex run`): read
 * with the snapshot's own server query (SERVER_SQL) and given the snapshot's shape, so both kinds of
 * plan derive their run settings from the same facts read the same way.
 */
import type pg from 'pg';
import { PgindexError, SqlError } from '../errors.js';
import { SERVER_SQL } from './queries.js';
import type { CatalogSnapshot } from './types.js';

/** What a snapshot knows about the server. */
export type ServerInfo = CatalogSnapshot['server'];

/** The columns of SERVER_SQL this reads; the rest (extensions, operator classes…) only planning needs. */
interface ServerRow {
  version_num: number;
  version: string;
  max_parallel_maintenance_workers: number;
  max_worker_processes: number;
  max_parallel_workers: number;
  /** int8 arrives as a string. */
  maintenance_work_mem: string;
  max_connections: number;
}

export async function readServerFacts(client: pg.ClientBase): Promise<ServerInfo> {
  let row: ServerRow | undefined;
  try {
    row = (await client.query<ServerRow>(SERVER_SQL)).rows[0];
  } catch (err) {
    throw new SqlError(SERVER_SQL.trim(), err);
  }
  if (!row) throw new PgindexError('the server returned no settings', 'sql');
  return {
    versionNum: row.version_num,
    version: row.version,
    settings: {
      maxParallelMaintenanceWorkers: row.max_parallel_maintenance_workers,
      maxWorkerProcesses: row.max_worker_processes,
      maxParallelWorkers: row.max_parallel_workers,
      maintenanceWorkMem: Number(row.maintenance_work_mem),
      maxConnections: row.max_connections,
    },
  };
}
