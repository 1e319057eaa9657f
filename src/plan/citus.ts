/**
 * Builds on a Citus coordinator's tables, with the load on each node bounded. Citus turns one
 * CREATE INDEX on a distributed table into one build per shard, run by up to
 * citus.max_adaptive_executor_pool_size connections per node (16 by default): two sessions could start
 * 32 shard builds on a 2-core worker. So every session of the run sets the pool size, and the number
 * of sessions is cut if need be, so that sessions × pool size stays within `per_node`: the plan's
 * `citus: {per_node: N}`; else, when every node that holds shards runs on this machine (a loopback
 * node name, and the coordinator itself reached on this machine), this machine's cores; else the fewest
 * max_parallel_workers of those nodes: the coordinator cannot see a remote node's CPUs, and that
 * setting is what its DBA allowed for parallel work there (the warning says to set per_node). Pure.
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
  const { perNode, from } = perNodeBound(file.citus?.perNode, snapshot.citus.nodes, settings);
  const parallelism = Math.min(settings.parallelism, perNode);
  const poolSize = Math.max(1, Math.floor(perNode / parallelism));
  const warnings =
    parallelism < settings.parallelism
      ? [`parallelism ${settings.parallelism} cut to ${parallelism}: each session builds at least one shard per Citus node at a time, and ${perNode} per node is the bound (${BOUND_FROM[from]})`]
      : [];
  if (from === 'nodes') warnings.push(`the Citus nodes' CPUs are not visible from the coordinator: ${perNode} shard builds at once per node is their fewest max_parallel_workers; set citus: {per_node: N} to the workers' cores`);
  return { settings: { ...settings, parallelism, citus: { perNode, poolSize, from } }, warnings };
}

const BOUND_FROM = { plan: 'citus: per_node', machine: "this machine's cores", nodes: "the nodes' max_parallel_workers" } as const;

/** A node name that is this machine: its loopback names. */
function onThisMachine(node: string): boolean {
  const host = node.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function perNodeBound(
  given: number | undefined,
  nodes: readonly { node: string; cores: number }[],
  settings: RunSettings,
): { perNode: number; from: 'plan' | 'machine' | 'nodes' } {
  if (given) return { perNode: Math.max(1, given), from: 'plan' };
  if (settings.coresFrom === 'machine' && nodes.length > 0 && nodes.every((n) => onThisMachine(n.node))) {
    return { perNode: Math.max(1, settings.cores), from: 'machine' };
  }
  const cores = nodes.map((n) => n.cores).filter((c) => c > 0);
  return { perNode: Math.max(1, cores.length > 0 ? Math.min(...cores) : 1), from: 'nodes' };
}
