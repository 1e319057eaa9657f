/**
 * `indexes: auto`: the workload advisor's indexes for a table (src/advisor/workload/advice.ts,
 * gathered at the edge) become that table's `indexes:` entries, each with its method, keys and
 * operator classes written out and the advisor's reason. From here on they are ordinary entries:
 * named from their keys, compared with the existing indexes by definition, built like any other.
 * Pure.
 */
import type { Resolution, ResolvedIndex, ResolvedTable } from '../catalog/resolve.js';
import type { WorkloadAdvice } from '../advisor/workload/advice.js';
import type { Problem } from '../errors.js';
import type { IndexKeySpec, IndexSpec } from '../planfile/types.js';
import { qualifiedKey } from '../sql/qualified.js';
import { quoteIdent } from '../sql/quote.js';

/** Why an `indexes: auto` entry cannot be planned without the advice. */
export const NO_ADVICE = 'indexes: auto needs the workload, which the planner was not given';

/**
 * The resolution with the advised indexes added to each `indexes: auto` entry's table (once per
 * table, when several auto entries match it); a problem at each auto entry when there is no advice.
 */
export function withAutoIndexes(resolution: Resolution, advice: WorkloadAdvice | undefined): { resolution: Resolution; problems: Problem[] } {
  if (!resolution.tables.some((r) => r.spec.auto)) return { resolution, problems: [] };
  if (!advice) {
    const entries = new Map(resolution.tables.filter((r) => r.spec.auto).map((r) => [r.spec, r.spec.pos]));
    return { resolution, problems: [...entries.values()].map((pos) => ({ pos, message: NO_ADVICE, hint: 'gather it with gatherAdvice (src/advisor/workload/gather.ts)' })) };
  }
  const done = new Set<string>();
  const tables: ResolvedTable[] = resolution.tables.map((r) => {
    const key = qualifiedKey(r.table);
    if (!r.spec.auto || done.has(key)) return r;
    done.add(key);
    const advised = advice.indexes.filter((ix) => qualifiedKey(ix.table) === key);
    if (advised.length === 0) return r;
    const indexes: ResolvedIndex[] = advised.flatMap((ix) => {
      const keys: IndexKeySpec[] = ix.keys.map((k) => {
        const key: IndexKeySpec = k.column !== undefined ? { name: quoteIdent(k.column), pos: r.spec.pos } : { expression: k.expression ?? '', pos: r.spec.pos };
        if (k.opclass !== null) key.opclass = quoteIdent(k.opclass);
        if (k.descending) key.order = 'desc';
        return key;
      });
      const columns = ix.keys.map((k) => (k.column !== undefined ? (r.table.columns.find((c) => c.name === k.column) ?? null) : null));
      // A column the advice names that the snapshot no longer has: the advice is not this table's.
      if (ix.keys.some((k, i) => k.column !== undefined && columns[i] === null)) return [];
      const spec: IndexSpec = { keys, method: ix.method, advised: `${ix.serves}: ${ix.reason}`, pos: r.spec.pos };
      return [{ spec, keys: columns, include: [] }];
    });
    return { ...r, indexes: [...r.indexes, ...indexes] };
  });
  return { resolution: { ...resolution, tables }, problems: [] };
}
