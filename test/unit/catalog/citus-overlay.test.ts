/**
 * A Citus coordinator's snapshot made shard-aware (src/catalog/citus-overlay.ts): sizes summed over
 * shards, statistics from the sampled shards, INVALID shard copies making the index INVALID; and what
 * the advisor and the estimate make of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleShards, unqualified, withCitus, type CitusFacts, type PlacementRow, type ShardFacts } from '../../../src/catalog/citus-overlay.js';
import { adviseMethod } from '../../../src/advisor/advise.js';
import { estimateBuild } from '../../../src/plan/estimate.js';
import { DEFAULT_RULES } from '../../../src/planfile/types.js';
import { T, catalog, column, index, snapshot, table } from '../../support/catalog.js';

const NODES = ['10.0.0.1:5432', '10.0.0.2:5432'];

/** A shell table as the coordinator shows it: no pages, no rows, no statistics. */
function shell() {
  return table('public.events', [column('id', T.int8), column('at', T.timestamptz), column('kind', T.text)], {
    reltuples: 0,
    relpages: 0,
    sizeBytes: 0,
    lastAnalyzed: null,
    indexes: [index('public', 'events_at_idx', { columns: ['at'] })],
  });
}

/** 32 shards, 20 on the first node and 12 on the second; each 1,000 pages and 62,500 rows. */
function facts(relid: number, o: { correlation?: (i: number) => number; invalid?: string[] } = {}): CitusFacts {
  const placements = sampleShards(
    Array.from({ length: 32 }, (_, i) => ({ relid, shardId: String(102008 + i), shard: `events_${102008 + i}`, node: NODES[i < 20 ? 0 : 1] as string })),
  );
  const shards: ShardFacts[] = placements.map((p, i) => ({
    shard: p.shard,
    node: p.node,
    reltuples: 62_500,
    relpages: 1000,
    stats: [
      { name: 'id', nullFrac: 0, avgWidth: 8, nDistinct: -1, correlation: 0.01 },
      { name: 'at', nullFrac: 0, avgWidth: 8, nDistinct: -1, correlation: o.correlation?.(i) ?? 1 },
      { name: 'kind', nullFrac: 0.1, avgWidth: 6, nDistinct: 5, correlation: 0.2 },
    ],
  }));
  return {
    cluster: { version: '13.2-1', nodes: NODES.map((node) => ({ node, cores: 2 })) },
    tables: [{ relid, kind: 'distributed', distributionColumn: 'id' }],
    placements,
    shards,
    invalidIndexes: (o.invalid ?? []).map((shardTable) => ({ shardTable, index: `events_at_idx_${shardTable.slice('events_'.length)}` })),
  };
}

test('a distributed table gets its shards sizes, rows and per-node shares, busiest node first', () => {
  const t = shell();
  const out = withCitus(snapshot([t]), facts(t.oid)).tables[0];
  assert.equal(out?.relpages, 32_000);
  assert.equal(out?.reltuples, 2_000_000);
  assert.equal(out?.sizeBytes, 32_000 * 8192);
  assert.deepEqual(out?.citus, {
    kind: 'distributed',
    distributionColumn: 'id',
    shards: 32,
    nodes: [
      { node: NODES[0], shards: 20, pages: 20_000, sizeBytes: 20_000 * 8192 },
      { node: NODES[1], shards: 12, pages: 12_000, sizeBytes: 12_000 * 8192 },
    ],
  });
});

test('statistics from the shards: the weakest correlation, distinct values by kind of column', () => {
  const t = shell();
  const weak = withCitus(snapshot([t]), facts(t.oid, { correlation: (i) => (i === 7 ? -0.5 : 1) })).tables[0];
  const at = weak?.columns.find((c) => c.name === 'at')?.stats;
  assert.deepEqual(at, { nullFrac: 0, avgWidth: 8, nDistinct: -1, correlation: -0.5, shards: { sampled: 32, total: 32 } });
  // 5 kinds on every shard are 5 kinds in all; a fraction of rows stays a fraction.
  assert.equal(weak?.columns.find((c) => c.name === 'kind')?.stats?.nDistinct, 5);
  assert.equal(weak?.columns.find((c) => c.name === 'id')?.stats?.nDistinct, -1);
});

test('the advisor chooses brin from the shards statistics and says so', () => {
  const t = shell();
  const out = withCitus(snapshot([t]), facts(t.oid)).tables[0];
  const at = out?.columns.find((c) => c.name === 'at');
  assert.ok(out && at);
  const d = adviseMethod({ column: at, table: out, rules: DEFAULT_RULES, catalog: catalog() });
  assert.equal(d.kind === 'index' ? d.method : d.kind, 'brin');
  assert.equal(d.kind === 'index' ? d.reason : '', 'correlation 1 on 32 of 32 shards, 32,000 pages → brin');
  // One shard out of order: not brin.
  const weak = withCitus(snapshot([t]), facts(t.oid, { correlation: (i) => (i === 3 ? 0.2 : 1) })).tables[0];
  const d2 = adviseMethod({ column: weak?.columns.find((c) => c.name === 'at') ?? at, table: weak ?? out, rules: DEFAULT_RULES, catalog: catalog() });
  assert.notEqual(d2.kind === 'index' ? d2.method : d2.kind, 'brin');
});

test('the build cost is the busiest node\'s shard pages; the size is the whole table\'s', () => {
  const t = shell();
  const out = withCitus(snapshot([t]), facts(t.oid)).tables[0];
  assert.ok(out);
  const e = estimateBuild('btree', out, 'at');
  assert.equal(e.pages, 32_000);
  assert.equal(e.cost, 20_000);
  assert.ok(e.sizeBytes > 0);
  assert.equal(estimateBuild('btree', shell(), 'at').cost, 0, 'the shell alone would cost nothing');
});

test('an index with an INVALID copy on a shard is INVALID, with the count of such placements', () => {
  const t = shell();
  const out = withCitus(snapshot([t]), facts(t.oid, { invalid: ['events_102010', 'events_102031'] })).tables[0];
  const ix = out?.indexes[0];
  assert.equal(ix?.valid, false);
  assert.deepEqual(ix?.invalidShards, { invalid: 2, placements: 32 });
  const fine = withCitus(snapshot([t]), facts(t.oid)).tables[0]?.indexes[0];
  assert.equal(fine?.valid, true);
  assert.equal(fine?.invalidShards, undefined);
});

test('a shard index whose name Citus shortened is found by the name the coordinator gives it', () => {
  const long = 'i'.repeat(60);
  const t = { ...shell(), indexes: [index('public', long, { columns: ['at'] })] };
  const f = facts(t.oid);
  const shortened = `${'i'.repeat(47)}_ab80d965_102010`;
  f.invalidIndexes = [{ shardTable: 'events_102010', index: shortened }];
  assert.equal(withCitus(snapshot([t]), f).tables[0]?.indexes[0]?.valid, true, 'without the names, no match');
  f.shardIndexNames = f.placements.map((p) => ({ index: long, shardId: p.shardId, shardIndex: p.shardId === '102010' ? shortened : `x_${p.shardId}` }));
  assert.deepEqual(withCitus(snapshot([t]), f).tables[0]?.indexes[0]?.invalidShards, { invalid: 1, placements: 32 });
});

test('a table Citus does not know is left as it is', () => {
  const t = shell();
  const other = table('public.plain', [column('id', T.int4, {})]);
  const out = withCitus(snapshot([t, other]), facts(t.oid));
  assert.deepEqual(out.tables[1], other);
  assert.deepEqual(out.citus?.nodes.map((n) => n.node), NODES);
});

test('the sample: up to 32 shards of each table, spread evenly, one placement each', () => {
  const rows: Omit<PlacementRow, 'sampled'>[] = [];
  for (let i = 0; i < 64; i++) for (const node of NODES) rows.push({ relid: 1, shardId: String(i), shard: `t_${i}`, node });
  const sampled = sampleShards(rows).filter((p) => p.sampled);
  assert.equal(sampled.length, 32);
  assert.deepEqual(sampled.slice(0, 3).map((p) => p.shardId), ['0', '2', '4']);
  assert.equal(new Set(sampled.map((p) => p.shardId)).size, 32);
});

test('shard_name() results to relation names', () => {
  assert.equal(unqualified('events_102008'), 'events_102008');
  assert.equal(unqualified('app.events_102008'), 'events_102008');
  assert.equal(unqualified('"My App"."Ev.ents_1"'), 'Ev.ents_1');
  assert.equal(unqualified('"a""b_1"'), 'a"b_1');
});
