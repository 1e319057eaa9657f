/**
 * `pgindex advise`: the indexes the workload needs on the selected tables, written as an explicit
 * plan in `pgindex export`'s format, each index under the name `indexes: auto` would give it and
 * with comment lines saying what it serves and why. Planning the written file on the same database
 * plans exactly those indexes; once they are built, nothing. Connecting, the snapshot and the advice
 * are the edge here; declaring the advice (adviceDeclared) is pure.
 */
import { withSelectedTables, type SelectionConnection } from './selected.js';
import type { CatalogSnapshot, TableInfo } from '../catalog/types.js';
import { gatherAdvice, type QueryFile } from '../advisor/workload/gather.js';
import type { AdvisedIndex, WorkloadAdvice } from '../advisor/workload/advice.js';
import { indexName, keyNamePart } from '../plan/names.js';
import { qualifiedKey } from '../sql/qualified.js';
import { planYaml } from './plan-yaml.js';
import { planName } from './plan-names.js';
import type { ExportedIndex, ExportedPlan, ExportedTable } from './declare.js';

export interface AdviseOptions extends SelectionConnection {
  queryFiles: readonly QueryFile[];
  /** The `$schema=` of the first line (src/export/schema-ref.ts). */
  schemaRef: string;
}

export interface AdviseResult {
  /** The plan file's text; null when the workload needs no index (a plan declares at least one). */
  text: string | null;
  plan: ExportedPlan;
  advice: WorkloadAdvice;
}

export async function advisePlan(opts: AdviseOptions): Promise<AdviseResult> {
  return withSelectedTables(opts, 'pgindex advise', 'nothing to advise on', async ({ client, snapshot, tables }) => {
    const advice = await gatherAdvice(client, snapshot, { tables: tables.map((t) => ({ schema: t.schema, name: t.name })), queryFiles: opts.queryFiles });
    const plan = adviceDeclared(snapshot, tables, advice);
    if (advice.indexes.length === 0) return { text: null, plan, advice };
    const header = [
      `The indexes the workload of database ${plan.database} (PostgreSQL ${plan.serverVersion}) needs, written by \`pgindex advise\``,
      `from ${advice.sources.join(' and ')}; ${advice.evaluation === 'hypopg' ? 'costs from the planner with hypothetical indexes (HypoPG)' : 'costs estimated from statistics (HypoPG is not installed)'}.`,
      'Each index says what it serves and why; review, then `pgindex plan` / `pgindex apply` this file.',
    ];
    return { text: planYaml(plan, { schemaRef: opts.schemaRef, header }), plan, advice };
  });
}

/** The advised indexes as `indexes:` entries of the tables they are on, sorted as the advice is. */
export function adviceDeclared(snapshot: Pick<CatalogSnapshot, 'database' | 'server'>, tables: readonly TableInfo[], advice: WorkloadAdvice): ExportedPlan {
  const out: ExportedTable[] = [];
  for (const t of advice.tables) {
    const indexes = advice.indexes.filter((ix) => qualifiedKey(ix.table) === qualifiedKey(t)).map(declared);
    // The candidates considered and dropped: comments under the table, for the review.
    const dropped = advice.dropped.filter((d) => qualifiedKey(d.table) === qualifiedKey(t)).map((d) => ({ index: d.label, reason: `for ${d.serves}: ${d.reason}` }));
    if (indexes.length + dropped.length === 0 || !tables.some((x) => qualifiedKey(x) === qualifiedKey(t))) continue;
    out.push({ schema: t.schema, name: t.name, indexes, constraints: [], inexpressible: [], skipped: [], dropped });
  }
  return { database: snapshot.database, serverVersion: snapshot.server.version, tables: out, warnings: [] };
}

function declared(ix: AdvisedIndex): ExportedIndex {
  // The name `indexes: auto` plans it under (src/plan/index-entries.ts names an entry so).
  const name = indexName({
    table: ix.table.name,
    columns: ix.keys.map((k) => keyNamePart({ column: k.column ?? null, ...(k.expression !== undefined ? { expression: k.expression } : {}), ...(k.descending ? { descending: true } : {}) })),
    method: ix.method,
    unique: false,
  });
  const queries = ix.queries.map((q) => (q.calls !== null ? `${q.label} (${q.calls} calls, mean ${(q.meanMs ?? 0).toFixed(2)} ms)` : q.label));
  return {
    name,
    method: ix.method,
    keys: ix.keys.map((k) => ({
      ...(k.column !== undefined ? { column: k.column } : { expression: k.expression ?? '' }),
      ...(k.opclass !== null ? { opclass: planName(k.opclass) } : {}),
      ...(k.descending ? { order: 'desc' as const } : {}),
    })),
    comment: [`for ${ix.serves}`, ix.reason, ...(queries.length > 0 ? [`queries: ${queries.join(', ')}`] : [])],
  };
}
