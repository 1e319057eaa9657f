/**
 * Builds on a Citus coordinator's tables, with the load on each node bounded. Citus turns one
 * CREATE INDEX on a distributed table into one build per shard, run by up to
 * citus.max_adaptive_executor_pool_size connections per node (16 by default): two sessions could start
 * 32 shard builds on a 2-core worker. So every session of the run sets the pool size, and the number
 * of sessions is cut if need be, so that sessions × pool size stays within `per_node`: the plan's
 * `citus: {per_node: N}`, or the fewest cores (max_parallel_workers, as `cores` is read) of the nodes
 * that hold shards. Pure.
 */
import type { CatalogSnapshot } from '../catalog/types.js';
import type { PlanFile } from '../planfile/types.js';
import { qualifiedKey } from '../sql/qualified.js';
import type { RunSettings, Step } from './types.js';

/** Statements that make Citus build on the nodes. */
const FANS_OUT = new Set<Step['action']>(['create', 'create-parent', 'drop-invalid']);

export function citusRunSettings(
  file: Pick<PlanFile, 'citus'>,
  snapshot: Pick<CatalogSnapshot, 'citus' | 'tables'>,
  steps: readonly Step[],
  settings: RunSettings,
): { settings: RunSettings; warnings: string[] } {
  if (!snapshot.citus) return { settings, warnings: [] };
  const citusTables = new Set(snapshot.tables.filter((t) => t.citus).map(qualifiedKey));
  const builds = steps.filter((s) => FANS_OUT.has(s.action) && s.table !== null && citusTables.has(qualifiedKey(s.table)));
  if (builds.length === 0) return { settings, warnings: [] };
  const cores = snapshot.citus.nodes.map((n) => n.cores).filter((c) => c > 0);
  const given = file.citus?.perNode;
  const perNode = Math.max(1, given ?? (cores.length > 0 ? Math.min(...cores) : 1));
  const parallelism = Math.min(settings.parallelism, perNode);
  const poolSize = Math.max(1, Math.floor(perNode / parallelism));
  const warnings =
    parallelism < settings.parallelism
      ? [`parallelism ${settings.parallelism} cut to ${parallelism}: each session builds at least one shard per Citus node at a time, and ${perNode} per node is the bound${given ? ' (citus: per_node)' : ' (the nodes\' max_parallel_workers)'}`]
      : [];
  return { settings: { ...settings, parallelism, citus: { perNode, poolSize, from: given ? 'plan' : 'nodes' } }, warnings };
}
