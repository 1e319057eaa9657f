/** A build's progress over its Citus shards (src/runner/citus-shards.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shardProgressSample } from '../../../src/runner/citus-shards.js';

const row = (phase: string, tuplesDone: number, tuplesTotal: number) => ({ phase, blocks_done: 0, blocks_total: 0, tuples_done: tuplesDone, tuples_total: tuplesTotal });

test('shards built out of all is the percent; the phase names the slowest running shard build', () => {
  const s = shardProgressSample({
    done: 12,
    total: 32,
    running: [row('building index: loading tuples in tree', 900, 1000), row('building index: loading tuples in tree', 100, 1000)],
  });
  assert.equal(s.percent, 38);
  assert.equal(s.phase, '12 of 32 shards built, 2 building (slowest: building index: loading tuples in tree)');
  assert.deepEqual([s.tuplesDone, s.tuplesTotal], [1000, 2000]);
});

test('nothing running: only the count', () => {
  const s = shardProgressSample({ done: 0, total: 32, running: [] });
  assert.equal(s.phase, '0 of 32 shards built');
  assert.equal(s.percent, 0);
});
