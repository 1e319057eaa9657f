/**
 * `pgindex export`: connect, read the selected tables' indexes (the catalog snapshot a plan takes,
 * plus which indexes back constraints), and write them as a plan. Everything that talks to the server
 * is here; declaring the indexes (declare.ts) and writing the YAML (plan-yaml.ts) are pure.
 */
import { withSelectedTables, type SelectionConnection } from './selected.js';
import { PgindexError } from '../errors.js';
import { indexOwnerFacts } from '../catalog/index-owners.js';
import { declareIndexes, type ExportedPlan } from './declare.js';
import { planYaml } from './plan-yaml.js';

export interface ExportOptions extends SelectionConnection {
  /** The `$schema=` of the first line (src/export/schema-ref.ts). */
  schemaRef: string;
}

export interface ExportResult {
  /** The plan file's text. */
  text: string;
  /** What it declares and leaves out. */
  plan: ExportedPlan;
}

/** The plan of every index of the selected tables. Throws when the selection matches no table. */
export async function exportPlan(opts: ExportOptions): Promise<ExportResult> {
  return withSelectedTables(opts, 'pgindex export', 'nothing to export', async ({ client, snapshot, tables }) => {
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
  });
}

