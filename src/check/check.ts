/**
 * `pgindex check`: connect, read the checked tables (the snapshot a plan takes, and the constraint,
 * foreign key and usage facts of src/catalog/check-facts.ts), and find what is wrong with their
 * indexes (src/check/find.ts, pure). Everything that talks to the server is here.
 */
import { PgindexError } from '../errors.js';
import { chooseConnection, clientConfig, connect, describeSource, describeTarget, type ConnectionFlags } from '../db/connection.js';
import { takeSnapshot } from '../catalog/snapshot.js';
import { searchPathSchemas } from '../catalog/index-owners.js';
import { checkFacts } from '../catalog/check-facts.js';
import type { PlanFile } from '../planfile/types.js';
import { patternPlan, selectedTables, selectionPatterns } from '../export/select.js';
import { quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { checkIndexes } from './find.js';
import type { CheckReport } from './types.js';
import { queryRows } from '../db/rows.js';

export interface CheckOptions {
  /** The -d flag: a connection string, or a bare database name. */
  dbFlag?: string | undefined;
  /** psql's -h, -p, -U (and -W's password). */
  connectionFlags?: ConnectionFlags | undefined;
  env: NodeJS.ProcessEnv;
  /** A loaded plan: only its tables (and their partitions) are checked. Without one: search_path's. */
  plan?: PlanFile | undefined;
  /** Notes for stderr (the connection). */
  log: (message: string) => void;
}

// Deparsing an index expression or predicate takes a lock on its table: never wait long behind one.
const LOCK_TIMEOUT_MS = 5000;

/** What is wrong with the indexes of the checked tables. Throws when there is no table to check. */
export async function checkDatabase(opts: CheckOptions): Promise<CheckReport> {
  const target = chooseConnection({ flag: opts.dbFlag, flags: opts.connectionFlags, env: opts.env });
  const connection = clientConfig(target, 'pgindex check');
  const client = await connect(connection);
  try {
    opts.log(`connected to ${describeTarget(connection)} (from ${describeSource(target)})`);
    await queryRows(client, `SET lock_timeout = ${LOCK_TIMEOUT_MS}`);
    let tables;
    let snapshot;
    if (opts.plan !== undefined) {
      snapshot = await takeSnapshot(client, opts.plan);
      tables = snapshot.tables;
    } else {
      // The tables `pgindex export` would read by default: every one of search_path's schemas.
      const selection = selectionPatterns({}, await searchPathSchemas(client));
      snapshot = await takeSnapshot(client, patternPlan('pgindex check', selection.patterns, LOCK_TIMEOUT_MS));
      tables = selectedTables(snapshot.tables, selection.selects);
    }
    if (tables.length === 0) {
      throw new PgindexError(`nothing to check: ${opts.plan !== undefined ? `the plan's tables match` : `search_path's schemas have`} no table in ${describeTarget(connection)}`, 'nothing-matched');
    }
    const facts = await checkFacts(client, tables.map((t) => t.oid));
    const findings = checkIndexes(tables, facts);
    // Reset times per index (PostgreSQL 18) differ only after pg_stat_reset_single_table_counters:
    // the database's is the one time that holds for all.
    return {
      version: 1,
      database: snapshot.database,
      serverVersion: snapshot.server.version,
      tables: [...new Map(tables.map((t) => [qualifiedKey(t), quoteQualified(t)])).values()],
      statsSince: facts.databaseStatsReset,
      findings,
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

