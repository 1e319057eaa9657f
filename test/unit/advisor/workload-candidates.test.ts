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
