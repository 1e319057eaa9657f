/**
 * A coordinator's snapshot made shard-aware, purely: a distributed table on the coordinator is a shell
 * (no pages, no rows, no pg_stats), so its size becomes the sum over its shards, its columns'
 * statistics come from a sample of its shards' own pg_stats, and an index whose copy on some shard
 * placement is INVALID counts as INVALID, so that the planner rebuilds it as it does any leftover of
 * an interrupted build. The facts are read by src/catalog/citus.ts.
 */
import type { CatalogSnapshot, ColumnInfo, ColumnStats, IndexInfo, TableInfo } from './types.js';
import type { CitusClusterInfo, CitusNodeShare, CitusTableKind } from './citus-types.js';

/** One shard placement of a table, as pg_dist_shard and pg_dist_placement list it. */
export interface PlacementRow {
  /** The logical table's oid on the coordinator. */
  relid: number;
  shardId: string;
  /** The shard's relation name, schema-qualified where needed (shard_name()). */
  shard: string;
  node: string;
  /** Its statistics are read (the sample). */
  sampled: boolean;
}

/** A shard's own facts as read on the node that has it. */
export interface ShardFacts {
  shard: string;
  node: string;
  reltuples: number;
  relpages: number;
  /** Only for a sampled shard, and only columns ANALYZE has seen. */
  stats: ({ name: string } & ColumnStats)[];
}

/** A shard's index that is not valid and ready, on the node that has it. */
export interface InvalidShardIndexRow {
  /** The shard's relation name, unqualified. */
  shardTable: string;
  index: string;
}

export interface CitusFacts {
  cluster: CitusClusterInfo;
  tables: { relid: number; kind: CitusTableKind; distributionColumn: string | null }[];
  placements: PlacementRow[];
  shards: ShardFacts[];
  invalidIndexes: InvalidShardIndexRow[];
  /** Each index's name on each shard, as shard_name() gives it (read only when some copy is INVALID). */
  shardIndexNames?: { index: string; shardId: string; shardIndex: string }[];
}

/** Shards whose statistics are read, per table: enough to see whether every shard agrees. */
export const STATS_SAMPLE_SHARDS = 32;

/** Which placements to read statistics of: up to `limit` shards of each table, spread evenly, one placement each. */
export function sampleShards(placements: readonly Omit<PlacementRow, 'sampled'>[], limit = STATS_SAMPLE_SHARDS): PlacementRow[] {
  const shardsOf = new Map<number, string[]>();
  for (const p of placements) {
    const list = shardsOf.get(p.relid) ?? [];
    if (!list.includes(p.shardId)) list.push(p.shardId);
    shardsOf.set(p.relid, list);
  }
  const chosen = new Set<string>();
  for (const list of shardsOf.values()) {
    const step = list.length / Math.min(limit, list.length);
    for (let i = 0; i < Math.min(limit, list.length); i++) chosen.add(list[Math.floor(i * step)] as string);
  }
  const seen = new Set<string>();
  return placements.map((p) => {
    const sampled = chosen.has(p.shardId) && !seen.has(p.shardId);
    if (sampled) seen.add(p.shardId);
    return { ...p, sampled };
  });
}

export function withCitus(snapshot: CatalogSnapshot, facts: CitusFacts): CatalogSnapshot {
  const kinds = new Map(facts.tables.map((t) => [t.relid, t]));
  const factsOf = new Map(facts.shards.map((s) => [`${s.node}\0${s.shard}`, s]));
  const placementsOf = new Map<number, PlacementRow[]>();
  for (const p of facts.placements) placementsOf.set(p.relid, [...(placementsOf.get(p.relid) ?? []), p]);
  const invalidByShardTable = new Map<string, string[]>();
  for (const row of facts.invalidIndexes) invalidByShardTable.set(row.shardTable, [...(invalidByShardTable.get(row.shardTable) ?? []), row.index]);

  const shardIndexName = new Map((facts.shardIndexNames ?? []).map((n) => [`${n.index}\0${n.shardId}`, unqualified(n.shardIndex)]));
  const tables = snapshot.tables.map((table): TableInfo => {
    const kind = kinds.get(table.oid);
    if (!kind) return table;
    const placements = placementsOf.get(table.oid) ?? [];
    const shardIds = new Set(placements.map((p) => p.shardId));
    const nodes = new Map<string, CitusNodeShare>();
    let rows = 0;
    let pages = 0;
    let size = 0;
    const counted = new Set<string>();
    const sampled: ShardFacts[] = [];
    for (const p of placements) {
      const f = factsOf.get(`${p.node}\0${p.shard}`);
      const share = nodes.get(p.node) ?? { node: p.node, shards: 0, pages: 0, sizeBytes: 0 };
      share.shards++;
      if (f) {
        share.pages += f.relpages;
        share.sizeBytes += f.relpages * BLOCK_SIZE;
        // A reference table's shard is on every node: the table is one copy of it.
        if (!counted.has(p.shardId)) {
          counted.add(p.shardId);
          rows += Math.max(0, f.reltuples);
          pages += f.relpages;
          size += f.relpages * BLOCK_SIZE;
        }
        if (p.sampled && f.stats.length > 0) sampled.push(f);
      }
      nodes.set(p.node, share);
    }
    const columns = sampled.length === 0 ? table.columns : table.columns.map((c) => withShardStats(c, sampled, shardIds.size, c.name === kind.distributionColumn));
    const indexes = table.indexes.map((ix) => withShardValidity(ix, placements, invalidByShardTable, shardIndexName));
    const shellPages = table.relpages;
    return {
      ...table,
      // A Citus-local table's shard is on the coordinator beside its shell; either way the shards hold the data.
      relpages: Math.max(shellPages, pages),
      sizeBytes: Math.max(table.sizeBytes, size),
      reltuples: counted.size > 0 && (rows > 0 || table.reltuples <= 0) ? rows : table.reltuples,
      columns,
      indexes,
      citus: {
        kind: kind.kind,
        distributionColumn: kind.distributionColumn,
        shards: shardIds.size,
        nodes: [...nodes.values()].sort((a, b) => b.pages - a.pages || a.node.localeCompare(b.node)),
      },
    };
  });
  return { ...snapshot, tables, citus: facts.cluster };
}

const BLOCK_SIZE = 8192;

/**
 * A column's statistics over its sampled shards. The correlation kept is the weakest one (the sign of
 * that shard's): brin pays off only if every shard is ordered. Distinct values: a fraction of the rows
 * is averaged; a count is summed for the distribution column (each value lives on one shard) and the
 * largest is kept for any other (the same values recur on every shard).
 */
function withShardStats(column: ColumnInfo, shards: readonly ShardFacts[], total: number, distribution: boolean): ColumnInfo {
  const own = shards.map((s) => s.stats.find((c) => c.name === column.name)).filter((s): s is ShardFacts['stats'][number] => s !== undefined);
  if (own.length === 0) return column;
  const mean = (f: (s: ColumnStats) => number) => own.reduce((a, s) => a + f(s), 0) / own.length;
  const correlations = own.map((s) => s.correlation).filter((c): c is number => c !== null);
  const weakest = correlations.length === own.length ? correlations.reduce((a, c) => (Math.abs(c) < Math.abs(a) ? c : a)) : null;
  const fractions = own.every((s) => s.nDistinct < 0);
  const nDistinct = fractions
    ? mean((s) => s.nDistinct)
    : distribution
      ? (own.reduce((a, s) => a + Math.max(0, s.nDistinct), 0) * total) / own.length
      : Math.max(...own.map((s) => s.nDistinct));
  return {
    ...column,
    stats: { nullFrac: mean((s) => s.nullFrac), avgWidth: Math.round(mean((s) => s.avgWidth)), nDistinct, correlation: weakest, shards: { sampled: own.length, total } },
  };
}

/**
 * An index is INVALID as soon as one placement's copy is: the planner then drops and rebuilds it. A
 * shard's index is named as shard_name() names it: the index's name with `_<shard id>` appended,
 * shortened with a hash when that would pass 63 bytes.
 */
function withShardValidity(ix: IndexInfo, placements: readonly PlacementRow[], invalidByShardTable: Map<string, string[]>, shardIndexName: Map<string, string>): IndexInfo {
  let invalid = 0;
  for (const p of placements) {
    const shardTable = unqualified(p.shard);
    const name = shardIndexName.get(`${ix.name}\0${p.shardId}`) ?? `${ix.name}_${p.shardId}`;
    if ((invalidByShardTable.get(shardTable) ?? []).includes(name)) invalid++;
  }
  if (invalid === 0) return ix;
  return { ...ix, valid: false, invalidShards: { invalid, placements: placements.length } };
}

/** The relation name of shard_name()'s result, which qualifies it outside search_path and quotes it as needed. */
export function unqualified(shard: string): string {
  const m = /(?:^|\.)("(?:[^"]|"")*"|[^."]+)$/.exec(shard);
  const last = m?.[1] ?? shard;
  return last.startsWith('"') ? last.slice(1, -1).replace(/""/g, '"') : last;
}
