/**
 * The edge `export` and `advise` share: connect as the command, resolve the --schema/--table
 * selection (bare names through the server's search_path), read the catalog snapshot of the
 * selected tables, hand them over, close. Throws when the selection matches no table.
 */
import type pg from 'pg';
import { PgindexError } from '../errors.js';
import { chooseConnection, clientConfig, connect, describeSource, describeTarget, type ConnectionFlags } from '../db/connection.js';
import { takeSnapshot } from '../catalog/snapshot.js';
import { searchPathSchemas } from '../catalog/index-owners.js';
import type { CatalogSnapshot, TableInfo } from '../catalog/types.js';
import { queryRows } from '../db/rows.js';
import { patternPlan, selectedTables, selectionPatterns, type ExportSelection } from './select.js';

export interface SelectionConnection extends ExportSelection {
  /** The -d flag: a connection string, or a bare database name. */
  dbFlag?: string | undefined;
  /** psql's -h, -p, -U (and -W's password). */
  connectionFlags?: ConnectionFlags | undefined;
  env: NodeJS.ProcessEnv;
  /** Notes for stderr (the connection). */
  log: (message: string) => void;
}

export interface SelectedTables {
  client: pg.Client;
  snapshot: CatalogSnapshot;
  tables: TableInfo[];
}

// Deparsing an index expression or predicate, EXPLAIN and copies of tables take locks on the
// tables: never wait long behind one.
const LOCK_TIMEOUT_MS = 5000;

/** `command` names the connection (application_name); `nothing` the error when no table matches ("nothing to export"). */
export async function withSelectedTables<T>(opts: SelectionConnection, command: string, nothing: string, use: (s: SelectedTables) => Promise<T>): Promise<T> {
  // A --schema or --table that is not a name is said before connecting (search_path only adds names).
  selectionPatterns(opts, []);
  const target = chooseConnection({ flag: opts.dbFlag, flags: opts.connectionFlags, env: opts.env });
  const connection = clientConfig(target, command);
  const client = await connect(connection);
  try {
    opts.log(`connected to ${describeTarget(connection)} (from ${describeSource(target)})`);
    await queryRows(client, `SET lock_timeout = ${LOCK_TIMEOUT_MS}`);
    const selection = selectionPatterns(opts, await searchPathSchemas(client));
    const snapshot = await takeSnapshot(client, patternPlan(command, selection.patterns, LOCK_TIMEOUT_MS));
    const tables = selectedTables(snapshot.tables, selection.selects);
    if (tables.length === 0) throw new PgindexError(`${nothing}: the selection matches no table in ${describeTarget(connection)}`, 'nothing-matched');
    return await use({ client, snapshot, tables });
  } finally {
    await client.end().catch(() => undefined);
  }
}
