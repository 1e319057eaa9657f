/**
 * Writes weighed: on a table the workload writes more than it reads (in calls), an index must cut
 * 90% of a query's cost instead of the asked share, and the reason says so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workloadCandidates } from '../../../src/advisor/workload/candidates.js';
import { evaluateByEstimate } from '../../../src/advisor/workload/evaluate.js';
import { snapshotLookup } from '../../../src/advisor/workload/lookup.js';
import { operatorKey, type OperatorCatalog } from '../../../src/advisor/workload/operators.js';
import type { WorkloadQuery } from '../../../src/advisor/workload/sources.js';
import { analyseWorkload } from '../../../src/advisor/workload/workload.js';
import { tableTraffic } from '../../../src/advisor/workload/writes.js';
import { loadSqlParser } from '../../../src/sql/parse.js';
import { T, column, snapshot, table } from '../../support/catalog.js';

// 1,000,000 rows on 10,000 pages; 1,000 distinct regions: an equality selects about 1,000 rows, an
// index cuts the cost by about 80%.
const events = table('public.events', [column('id', T.int8, { nDistinct: -1 }), column('region', T.text, { nDistinct: 1000 })]);
const snap = snapshot([events], { searchPath: ['public'] });
const operators: OperatorCatalog = new Map(snap.opclasses.filter((o) => o.method === 'btree').map((o) => [operatorKey('btree', o.name), { search: new Set(['=', '<', '<=', '>', '>=']), order: new Set<string>() }]));

const stat = (text: string, calls: number, id: string): WorkloadQuery => ({ source: 'pg_stat_statements', text, stats: { queryid: id, calls, totalMs: calls, meanMs: 1, rows: calls } });

const cases = [
  { name: 'read more than written: the asked share (50%)', writes: 10, kept: true, reason: /^estimate \(no planner\): about 1,000 of 1,000,000 rows on 10,000 pages \(0\.001\), cost ~\d+ instead of ~20000 for a sequential scan$/ },
  {
    name: 'written more than read: 90%, and the reason says why',
    writes: 5000,
    kept: false,
    reason: /: cuts less than 90%; the table is written more than read \(5000 write and 100 read calls in the workload\): only an index cutting 90% is kept$/,
  },
];

for (const c of cases) {
  test(`writes weighed: ${c.name}`, async () => {
    const queries = [stat('SELECT * FROM events WHERE region = $1', 100, '1'), stat('INSERT INTO events VALUES ($1, $2)', c.writes, '2')];
    const workload = analyseWorkload(queries, await loadSqlParser(), snapshotLookup(snap));
    assert.deepEqual(tableTraffic(workload.queries).get('public\0events'), { reads: 100, writes: c.writes });
    const set = workloadCandidates(workload.queries, snap, operators);
    const result = evaluateByEstimate(workload.queries, set.candidates, snap.tables, { minShare: 0.5 });
    const all = [...result.kept.map((k) => ({ kept: true, reason: k.reason })), ...result.dropped.map((d) => ({ kept: false, reason: d.reason }))];
    assert.equal(all.length, 1);
    assert.equal(all[0]?.kept, c.kept);
    assert.match(all[0]?.reason ?? '', c.reason);
  });
}
