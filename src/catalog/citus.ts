/**
 * The Citus facts of a coordinator, for the tables a snapshot holds: which are distributed, reference
 * or Citus-local (pg_dist_partition), their shards and placements (pg_dist_shard, pg_dist_placement,
 * pg_dist_node), and what only the nodes know, read there through the coordinator's own connections
 * (run_command_on_all_nodes, so no credentials of ours are needed for the workers): each shard's rows
 * and pages, a sample of shards' pg_stats, and the shard indexes that are not valid. Queried only when
 * the citus extension is installed; src/catalog/citus-overlay.ts puts the facts into the snapshot.
 */
import type pg from 'pg';
import { SqlError } from '../errors.js';
import { queryRows, type Queryable } from '../db/rows.js';
import { quoteLiteral } from '../sql/quote.js';
import { sampleShards, withCitus, type CitusFacts, type InvalidShardIndexRow, type PlacementRow, type ShardFacts } from './citus-overlay.js';
import type { CitusTableKind } from './citus-types.js';
import type { CatalogSnapshot } from './types.js';

export function citusInstalled(snapshot: Pick<CatalogSnapshot, 'extensions'>): boolean {
  return snapshot.extensions.some((e) => e.name === 'citus' && e.installed !== null);
}

/** The snapshot with its Citus tables' shard facts; unchanged without citus. */
export async function withCitusFacts(client: pg.ClientBase, snapshot: CatalogSnapshot): Promise<CatalogSnapshot> {
  if (!citusInstalled(snapshot)) return snapshot;
  return withCitus(snapshot, await readCitusFacts(client, snapshot.tables.map((t) => t.oid)));
}

const TABLES_SQL = `
select p.logicalrelid::oid::int8 as relid,
  case when p.partmethod = 'h' then 'distributed' when p.repmodel = 't' then 'reference' else 'local' end as kind,
  case when p.partmethod = 'h' then column_to_column_name(p.logicalrelid, p.partkey) end as distribution_column
from pg_dist_partition p
where p.logicalrelid = any($1::oid[])`;

const PLACEMENTS_SQL = `
select s.logicalrelid::oid::int8 as relid, s.shardid::text as shard_id, shard_name(s.logicalrelid, s.shardid) as shard,
  n.nodename || ':' || n.nodeport as node
from pg_dist_shard s
join pg_dist_placement pl on pl.shardid = s.shardid
join pg_dist_node n on n.groupid = pl.groupid and n.noderole = 'primary'
where s.logicalrelid = any($1::oid[])
order by s.logicalrelid, s.shardid, n.nodeid`;

const NODES_SQL = `
select (select extversion from pg_extension where extname = 'citus') as version,
  coalesce(json_agg(json_build_object('id', nodeid, 'node', nodename || ':' || nodeport, 'shards', shouldhaveshards) order by nodeid), '[]') as nodes
from pg_dist_node where noderole = 'primary' and isactive`;

/** What each node answers: its cores (max_parallel_workers), its shards' facts, its shard indexes that are not valid. */
function nodeCommand(placements: readonly PlacementRow[]): string {
  const names = [...new Set(placements.map((p) => p.shard))];
  const sampled = new Set(placements.filter((p) => p.sampled).map((p) => p.shard));
  const array = (xs: readonly string[]) => `array[${xs.map(quoteLiteral).join(', ')}]::text[]`;
  return `select json_build_object(
  'cores', current_setting('max_parallel_workers')::int,
  'shards', (select coalesce(json_agg(json_build_object('shard', t.shard, 'reltuples', c.reltuples, 'relpages', c.relpages,
      'stats', case when t.shard = any(${array([...sampled])}) then (select coalesce(json_agg(json_build_object('name', s.attname,
        'nullFrac', s.null_frac, 'avgWidth', s.avg_width, 'nDistinct', s.n_distinct, 'correlation', s.correlation)), '[]')
        from pg_stats s where s.schemaname = n.nspname and s.tablename = c.relname and s.inherited = (c.relkind = 'p')) end)), '[]')
    from unnest(${array(names)}) as t(shard)
    join pg_class c on c.oid = to_regclass(t.shard)
    join pg_namespace n on n.oid = c.relnamespace),
  'invalid', (select coalesce(json_agg(json_build_object('shardTable', ct.relname, 'index', ci.relname)), '[]')
    from pg_index i join pg_class ci on ci.oid = i.indexrelid join pg_class ct on ct.oid = i.indrelid
    where not (i.indisvalid and i.indisready) and i.indrelid = any(array(select to_regclass(x) from unnest(${array(names)}) x))))`;
}

interface NodeAnswer {
  cores: number;
  shards: { shard: string; reltuples: number; relpages: number; stats: ShardFacts['stats'] | null }[];
  invalid: InvalidShardIndexRow[];
}

export async function readCitusFacts(client: pg.ClientBase, oids: readonly number[]): Promise<CitusFacts> {
  const [nodesRow] = await queryRows<{ version: string; nodes: { id: number; node: string; shards: boolean }[] }>(client, NODES_SQL);
  const tables = await queryRows<{ relid: string; kind: CitusTableKind; distribution_column: string | null }>(client, TABLES_SQL, [oids]);
  const rows = tables.length === 0 ? [] : await queryRows<{ relid: string; shard_id: string; shard: string; node: string }>(client, PLACEMENTS_SQL, [tables.map((t) => t.relid)]);
  const placements = sampleShards(rows.map((r) => ({ relid: Number(r.relid), shardId: r.shard_id, shard: r.shard, node: r.node })));
  const nodes = nodesRow?.nodes ?? [];
  const answers = await askNodes(client, nodeCommand(placements), nodes);
  const shards: ShardFacts[] = [];
  const invalidIndexes: InvalidShardIndexRow[] = [];
  for (const { node, answer } of answers) {
    for (const s of answer.shards) shards.push({ shard: s.shard, node, reltuples: s.reltuples, relpages: s.relpages, stats: s.stats ?? [] });
    invalidIndexes.push(...answer.invalid);
  }
  // Citus shortens a shard index's name that would pass 63 bytes: the coordinator names them (shard_name).
  const shardIndexNames =
    invalidIndexes.length === 0 ? [] : await queryRows<{ index: string; shard_id: string; shard_index: string }>(client, SHARD_INDEX_NAMES_SQL, [tables.map((t) => t.relid)]);
  const holding = new Set(placements.map((p) => p.node));
  return {
    cluster: {
      version: nodesRow?.version ?? '',
      nodes: answers.filter((a) => holding.has(a.node) || nodes.find((n) => n.node === a.node)?.shards).map((a) => ({ node: a.node, cores: a.answer.cores })),
    },
    tables: tables.map((t) => ({ relid: Number(t.relid), kind: t.kind, distributionColumn: t.distribution_column })),
    placements,
    shards,
    invalidIndexes,
    shardIndexNames: shardIndexNames.map((r) => ({ index: r.index, shardId: r.shard_id, shardIndex: r.shard_index })),
  };
}

const SHARD_INDEX_NAMES_SQL = `
select c.relname as index, s.shardid::text as shard_id, shard_name(i.indexrelid, s.shardid) as shard_index
from pg_index i
join pg_class c on c.oid = i.indexrelid
join pg_dist_shard s on s.logicalrelid = i.indrelid
where i.indrelid = any($1::oid[])`;

/** One command on every node through the coordinator; a node that fails it is an SqlError naming the node. */
async function askNodes(client: pg.ClientBase, command: string, nodes: readonly { id: number; node: string }[]): Promise<{ node: string; answer: NodeAnswer }[]> {
  const sql = 'select nodeid, success, result from run_command_on_all_nodes($1)';
  const results = await queryRows<{ nodeid: number; success: boolean; result: string }>(client, sql, [command]);
  return results.map((r) => {
    const node = nodes.find((n) => n.id === r.nodeid)?.node ?? `node ${r.nodeid}`;
    if (!r.success) throw new SqlError(command, { message: `on Citus node ${node}: ${r.result}` });
    return { node, answer: JSON.parse(r.result) as NodeAnswer };
  });
}

/** `command` on every node through the coordinator: each node's result; a node that fails it is an SqlError. */
async function onEveryNode(session: Queryable, command: string): Promise<string[]> {
  const rows = await queryRows<{ success: boolean; result: string }>(session, 'select success, result from run_command_on_all_nodes($1)', [command]);
  return rows.map((r) => {
    if (!r.success) throw new SqlError(command, { message: `on a Citus node: ${r.result}` });
    return r.result;
  });
}

/** Names as a text[] literal, for a command that reaches the nodes as text. */
function textArray(names: readonly string[]): string {
  return `array[${names.map(quoteLiteral).join(', ')}]::text[]`;
}

const INDEX_PLACEMENTS_SQL = `
select shard_name(s.logicalrelid, s.shardid) as shard, shard_name(i.indexrelid, s.shardid) as shard_index
from pg_index i
join pg_dist_shard s on s.logicalrelid = i.indrelid
join pg_dist_placement pl on pl.shardid = s.shardid
where i.indexrelid = to_regclass($1)`;

/**
 * How many shard placements of a Citus table lack a valid, ready copy of this index (INVALID, or not
 * there at all), counted on the nodes; 0 for an index of a table Citus does not distribute. After a
 * build reported done, anything but 0 means the build is not done.
 */
export async function shardCopiesNotValid(session: Queryable, index: string): Promise<{ missing: number; placements: number }> {
  const placements = await queryRows<{ shard: string; shard_index: string }>(session, INDEX_PLACEMENTS_SQL, [index]);
  if (placements.length === 0) return { missing: 0, placements: 0 };
  const command = `select count(*) from unnest(${textArray(placements.map((p) => p.shard))}, ${textArray(placements.map((p) => p.shard_index))}) as x(shard, ix)
  join pg_index i on i.indexrelid = to_regclass(x.ix) and i.indrelid = to_regclass(x.shard)
  where i.indisvalid and i.indisready`;
  let valid = 0;
  for (const result of await onEveryNode(session, command)) valid += Number(result);
  return { missing: Math.max(0, placements.length - valid), placements: placements.length };
}

/** One shard build running on a node, as pg_stat_progress_create_index shows it there. */
export interface ShardBuildRow {
  phase: string;
  blocks_done: number;
  blocks_total: number;
  tuples_done: number;
  tuples_total: number;
}

const TABLE_PLACEMENTS_SQL = `
select shard_name(s.logicalrelid, s.shardid) as shard, shard_name(to_regclass($2), s.shardid) as shard_index
from pg_dist_shard s
join pg_dist_placement pl on pl.shardid = s.shardid
where s.logicalrelid = to_regclass($1)`;

/**
 * A build of `index` on a Citus table, shard by shard: how many placements have a valid copy already,
 * of how many, and the progress rows of the shard builds running on the nodes. Null for a table
 * Citus does not know.
 */
export async function shardBuildProgress(session: Queryable, table: string, index: string): Promise<{ done: number; total: number; running: ShardBuildRow[] } | null> {
  const placements = await queryRows<{ shard: string; shard_index: string | null }>(session, TABLE_PLACEMENTS_SQL, [table, index]);
  if (placements.length === 0) return null;
  const shards = textArray(placements.map((p) => p.shard));
  const command = `select json_build_object(
  'done', (select count(*) from unnest(${shards}, ${textArray(placements.map((p) => p.shard_index ?? ''))}) as x(shard, ix)
    join pg_index i on i.indexrelid = to_regclass(x.ix) and i.indrelid = to_regclass(x.shard)
    where i.indisvalid and i.indisready),
  'running', (select coalesce(json_agg(json_build_object('phase', p.phase, 'blocks_done', p.blocks_done, 'blocks_total', p.blocks_total,
      'tuples_done', p.tuples_done, 'tuples_total', p.tuples_total)), '[]')
    from pg_stat_progress_create_index p where p.relid = any(array(select to_regclass(x) from unnest(${shards}) x))))`;
  let done = 0;
  const running: ShardBuildRow[] = [];
  for (const result of await onEveryNode(session, command)) {
    const answer = JSON.parse(result) as { done: number; running: ShardBuildRow[] };
    done += answer.done;
    running.push(...answer.running);
  }
  return { done, total: placements.length, running };
}
