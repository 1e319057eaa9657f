/**
 * `pgindex export`: connect, read the selected tables' indexes (the catalog snapshot a plan takes,
 * plus which indexes back constraints), and write them as a plan. Everything that talks to the server
 * is here; declaring the indexes (declare.ts) and writing the YAML (plan-yaml.ts) are pure.
 */
import { PgindexError } from '../errors.js';
import { chooseConnection, clientConfig, connect, describeSource, describeTarget, type ConnectionFlags } from '../db/connection.js';
import { takeSnapshot } from '../catalog/snapshot.js';
import { indexOwnerFacts, searchPathSchemas } from '../catalog/index-owners.js';
import { declareIndexes, type ExportedPlan } from './declare.js';
import { planYaml } from './plan-yaml.js';
import { patternPlan, selectedTables, selectionPatterns, type ExportSelection } from './select.js';
import { queryRows } from '../db/rows.js';

export interface ExportOptions extends ExportSelection {
  /** The -d flag: a connection string, or a bare database name. */
  dbFlag?: string | undefined;
  /** psql's -h, -p, -U (and -W's password). */
  connectionFlags?: ConnectionFlags | undefined;
  env: NodeJS.ProcessEnv;
  /** The `$schema=` of the first line (src/export/schema-ref.ts). */
  schemaRef: string;
  /** Notes for stderr (the connection); warnings are in the result. */
  log: (message: string) => void;
}

export interface ExportResult {
  /** The plan file's text. */
  text: string;
  /** What it declares and leaves out. */
  plan: ExportedPlan;
}

// Deparsing an index expression or predicate takes a lock on its table: never wait long behind one.
const LOCK_TIMEOUT_MS = 5000;

/** The plan of every index of the selected tables. Throws when the selection matches no table. */
export async function exportPlan(opts: ExportOptions): Promise<ExportResult> {
  // A --schema or --table that is not a name is said before connecting (search_path only adds names).
  selectionPatterns(opts, []);
  const target = chooseConnection({ flag: opts.dbFlag, flags: opts.connectionFlags, env: opts.env });
  const connection = clientConfig(target, 'pgindex export');
  const client = await connect(connection);
  try {
    opts.log(`connected to ${describeTarget(connection)} (from ${describeSource(target)})`);
    await queryRows(client, `SET lock_timeout = ${LOCK_TIMEOUT_MS}`);
    const selection = selectionPatterns(opts, await searchPathSchemas(client));
    const snapshot = await takeSnapshot(client, patternPlan('pgindex export', selection.patterns, LOCK_TIMEOUT_MS));
    const tables = selectedTables(snapshot.tables, selection.selects);
    if (tables.length === 0) throw new PgindexError(`nothing to export: the selection matches no table in ${describeTarget(connection)}`, 'nothing-matched');
    const owners = await indexOwnerFacts(client, tables.map((t) => t.oid));
    const plan = declareIndexes(snapshot, tables, owners);
    if (!plan.tables.some((t) => t.indexes.length > 0)) {
      const constraints = plan.tables.reduce((sum, t) => sum + t.constraints.length, 0);
      const why = [...(constraints > 0 ? [`${constraints} back${constraints === 1 ? 's' : ''} a constraint`] : []), ...plan.warnings];
      throw new PgindexError(
        `nothing to export: the ${tables.length} selected table${tables.length === 1 ? ' has' : 's have'} no index a plan can declare` +
          (why.length > 0 ? ` (${why.join('; ')})` : ''),
        'nothing-to-export',
      );
    }
    return { text: planYaml(plan, { schemaRef: opts.schemaRef }), plan };
  } finally {
    await client.end().catch(() => undefined);
  }
}

