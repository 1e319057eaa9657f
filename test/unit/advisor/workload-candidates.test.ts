/**
 * Composite candidates, table-driven: equality keys most selective first (pg_stats' n_distinct),
 * then one range key or the ORDER BY of a query with a LIMIT; OR branches never in a composite; an
 * existing valid index with the same leading keys leaves no candidate. The operator support is
 * btree's comparison operators (the integration test reads the real pg_amop).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { workloadCandidates } from '../../../src/advisor/workload/candidates.js';
import { snapshotLookup } from '../../../src/advisor/workload/lookup.js';
import { operatorKey, type OperatorCatalog } from '../../../src/advisor/workload/operators.js';
import { analyseWorkload } from '../../../src/advisor/workload/workload.js';
import { loadSqlParser } from '../../../src/sql/parse.js';
import { T, column, index, snapshot, table } from '../../support/catalog.js';

const orders = table(
  'public.orders',
  [column('id', T.int8, { nDistinct: -1 }), column('customer_id', T.int8, { nDistinct: 5000 }), column('status', T.text, { nDistinct: 4 }), column('region', T.text, { nDistinct: 40 }), column('created', T.timestamptz, { nDistinct: -0.9 })],
  { indexes: [index('public', 'orders_pkey', { columns: ['id'], opclass: 'int8_ops', primary: true, unique: true }), index('public', 'orders_region_status', { columns: ['region', 'status'], opclass: 'text_ops' })] },
);
const snap = snapshot([orders], { searchPath: ['public'] });
const operators: OperatorCatalog = new Map(snap.opclasses.filter((o) => o.method === 'btree').map((o) => [operatorKey('btree', o.name), { search: new Set(['=', '<', '<=', '>', '>=']), order: new Set<string>() }]));

const cases: { sql: string; want: string[] }[] = [
  { sql: "SELECT * FROM orders WHERE status = 'x' AND customer_id = 1 AND created > now()", want: ['(created)', '(customer_id)', '(customer_id, status, created)', '(status)'] },
  { sql: 'SELECT * FROM orders WHERE status = $1 ORDER BY created DESC, id LIMIT 5', want: ['(status)', '(status, created DESC, id)'] },
  { sql: 'SELECT * FROM orders ORDER BY created LIMIT 5', want: ['(created)'] },
  { sql: 'SELECT * FROM orders WHERE created > $1 ORDER BY created LIMIT 5', want: ['(created)'] },
  { sql: 'SELECT * FROM orders WHERE status = $1 OR customer_id = $2', want: ['(customer_id)', '(status)'] },
  { sql: 'SELECT * FROM orders WHERE id = $1', want: [] },
  { sql: 'SELECT * FROM orders WHERE region = $1', want: [] },
  { sql: 'SELECT * FROM orders WHERE region = $1 AND status = $2', want: ['(status)'] },
];

for (const c of cases) {
  test(`candidates: ${c.sql}`, async () => {
    const workload = analyseWorkload([{ source: 'file', text: c.sql, pos: { file: 'q.sql', line: 1, col: 1 } }], await loadSqlParser(), snapshotLookup(snap));
    const set = workloadCandidates(workload.queries, snap, operators);
    const labels = set.candidates.map((x) => `(${x.keys.map((k) => `${k.column ?? k.expression}${k.descending ? ' DESC' : ''}`).join(', ')})`);
    assert.deepEqual(labels.sort(), c.want);
  });
}

/**
 * Partial candidates (issue 12 item 3): a literal equality or IN on values pg_stats' most common
 * values say are rare gets a partial index on those rows, keyed by what else the query asks.
 */
const jobs = table('public.jobs', [
  column('id', T.int8, { nDistinct: -1 }),
  column('state', T.text, { nDistinct: 5, mostCommon: { values: ['done', 'queued', 'running', 'failed', 'lost'], freqs: [0.9, 0.06, 0.03, 0.008, 0.002] } }),
  column('owner', T.int4, { nDistinct: 2000 }),
  column('created', T.timestamptz, { nDistinct: -0.9 }),
]);
const jobsSnap = snapshot([jobs], { searchPath: ['public'] });
const partialCases: { sql: string; rareShare?: number; want: string[] }[] = [
  { sql: "SELECT * FROM jobs WHERE state = 'failed'", want: ["(state) WHERE state = 'failed'::text", '(state)'] },
  { sql: "SELECT * FROM jobs WHERE state IN ('failed', 'lost')", want: ["(state) WHERE state IN ('failed'::text, 'lost'::text)", '(state)'] },
  { sql: "SELECT * FROM jobs WHERE state = 'failed' ORDER BY created DESC LIMIT 20", want: ["(created) WHERE state = 'failed'::text", '(state)', '(state, created)'] },
  { sql: "SELECT * FROM jobs WHERE state = 'failed' AND owner = 7 AND created > now()", want: ["(owner, created) WHERE state = 'failed'::text", '(created)', '(owner)', '(owner, state, created)', '(state)'] },
  // Not rare: a common value, a value rarer than asked only with a higher rare_share, a parameter.
  { sql: "SELECT * FROM jobs WHERE state = 'done'", want: ['(state)'] },
  { sql: "SELECT * FROM jobs WHERE state = 'queued'", want: ['(state)'] },
  { sql: "SELECT * FROM jobs WHERE state = 'queued'", rareShare: 0.1, want: ["(state) WHERE state = 'queued'::text", '(state)'] },
  { sql: "SELECT * FROM jobs WHERE state IN ('failed', 'done')", want: ['(state)'] },
  { sql: 'SELECT * FROM jobs WHERE state = $1', want: ['(state)'] },
  // No most common values read (many distinct values): nothing is known to be rare.
  { sql: 'SELECT * FROM jobs WHERE owner = 7', want: ['(owner)'] },
];
for (const c of partialCases) {
  test(`partial candidates${c.rareShare ? ` (rare_share ${c.rareShare})` : ''}: ${c.sql}`, async () => {
    const workload = analyseWorkload([{ source: 'file', text: c.sql, pos: { file: 'q.sql', line: 1, col: 1 } }], await loadSqlParser(), snapshotLookup(jobsSnap));
    const set = workloadCandidates(workload.queries, jobsSnap, operators, c.rareShare ? { rareShare: c.rareShare } : {});
    const labels = set.candidates.map((x) => `(${x.keys.map((k) => k.column ?? k.expression).join(', ')})${x.where ? ` WHERE ${x.where}` : ''}`);
    assert.deepEqual(labels.sort(), [...c.want].sort());
    for (const x of set.candidates.filter((y) => y.where)) assert.match(x.serves, /; partial: state (=|IN) rare values, [\d.]+% of the rows$/);
  });
}
