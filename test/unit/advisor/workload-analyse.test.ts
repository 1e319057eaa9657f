/**
 * The workload analyser over the real parser's trees (libpg_query, the server's grammar): each case
 * is a query and, per table reference, what it asks of that table in a compact form:
 * `alias→schema.table: predicates | joins | order … limit`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Analyser } from '../../../src/advisor/workload/analyse.js';
import { snapshotLookup } from '../../../src/advisor/workload/lookup.js';
import type { QueryShape, Value } from '../../../src/advisor/workload/types.js';
import { loadSqlParser } from '../../../src/sql/parse.js';
import { T, column, snapshot, table } from '../../support/catalog.js';

const snap = snapshot(
  [
    table('public.orders', [column('id', T.int8), column('customer_id', T.int8), column('status', T.text), column('created', T.timestamptz), column('total', T.numeric), column('data', T.jsonb), column('tags', T.textarray), column('note', T.text)]),
    table('public.customers', [column('id', T.int8), column('email', T.text), column('name', T.text), column('active', T.bool), column('spot', T.point)]),
    table('shop.items', [column('id', T.int8), column('order_id', T.int8), column('sku', T.text)]),
    table('shop.orders', [column('id', T.int8), column('ref', T.text)]),
  ],
  { searchPath: ['public', 'shop'] },
);

const value = (v: Value) => (v.kind === 'param' ? `$${v.number}` : v.kind === 'const' ? (v.text === null ? 'NULL' : `'${v.text}'`) : '?');

function summary(shape: QueryShape): string[] {
  return shape.accesses.map((a) => {
    const operand = (o: { kind: string; column?: string; sql?: string }) => (o.kind === 'column' ? (o.column as string) : (o.sql as string));
    const preds = a.predicates.map((p) => `${operand(p.operand)} ${p.written}${p.written !== p.operator ? `(${p.operator})` : ''} ${p.values.map(value).join(',')}${p.inOr ? ' [or]' : ''}`.trimEnd());
    const joins = a.joins.map((j) => `${j.column}=${j.other.schema}.${j.other.name}.${j.other.column}`);
    const order = a.orderBy.map((k) => `${operand(k.operand)}${k.operator ? ' ' + k.operator : ''}${k.descending ? ' DESC' : ''}`);
    const parts = [preds.join('; '), joins.length > 0 ? `join ${joins.join('; ')}` : '', order.length > 0 ? `order ${order.join(', ')} limit ${a.limit ?? '-'}` : ''];
    return `${a.alias}→${a.table.schema}.${a.table.name}: ${parts.filter((p) => p !== '').join(' | ')}`.trimEnd();
  });
}

async function analyse(sql: string): Promise<QueryShape> {
  const parsed = (await loadSqlParser()).trees(sql);
  assert.ok('trees' in parsed, `parses: ${sql}`);
  return Analyser.analyse(parsed.trees[0], snapshotLookup(snap));
}

const cases: { name: string; sql: string; want: string[]; unknown?: string[]; kind?: string; writes?: string[] }[] = [
  {
    name: 'equality, range and ORDER BY … LIMIT on one table',
    sql: 'SELECT * FROM orders WHERE customer_id = $1 AND created >= $2 ORDER BY created DESC LIMIT 20',
    want: ["orders→public.orders: customer_id = $1; created >= $2 | order created DESC limit 20"],
  },
  {
    name: 'every comparison form',
    sql: `SELECT 1 FROM orders o WHERE o.status IN ('a', 'b') AND o.total BETWEEN 1 AND 2 AND o.note LIKE 'ab%' AND o.note ILIKE '%x%'
          AND o.data @> '{"k":1}' AND o.data ? 'k' AND o.tags && $3 AND o.id = ANY($4) AND o.created IS NULL AND 5 < o.total
          AND o.note NOT LIKE 'z%' AND o.status NOT IN ('c')`,
    want: [
      "o→public.orders: status IN(=) 'a','b'; total BETWEEN(>=) '1'; total BETWEEN(<=) '2'; note LIKE(~~) 'ab%'; note ILIKE(~~*) '%x%'; data @> '{\"k\":1}'; data ? 'k'; tags && $3; id = ANY(=) $4; created IS NULL; total > '5'",
    ],
  },
  {
    name: 'expressions over one table become expression operands, quoted as an index writes them',
    sql: `SELECT * FROM customers c WHERE lower(c.email) = $1 AND (c.name || 'x') = 'y' AND c.id::text = '1'`,
    want: ["c→public.customers: lower(email) = $1; (name || 'x') = 'y'; (id)::text = '1'"],
  },
  {
    name: 'a join: keys on both sides; filters stay with their table',
    sql: 'SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.active AND o.status = $1',
    want: ['o→public.orders: status = $1 | join customer_id=public.customers.id', "c→public.customers: active = 'true' | join id=public.orders.customer_id"],
  },
  {
    name: 'nested joins; unqualified columns resolved to the one table that has them',
    sql: 'SELECT * FROM orders JOIN shop.items i ON i.order_id = orders.id JOIN customers c ON c.id = orders.customer_id WHERE sku = $1 AND email = $2',
    want: [
      'orders→public.orders: join id=shop.items.order_id; customer_id=public.customers.id',
      'i→shop.items: sku = $1 | join order_id=public.orders.id',
      'c→public.customers: email = $2 | join id=public.orders.customer_id',
    ],
  },
  {
    name: 'JOIN … USING',
    sql: 'SELECT * FROM shop.items JOIN shop.orders o USING (id) WHERE o.ref = $1',
    want: ['items→shop.items: join id=shop.orders.id', 'o→shop.orders: ref = $1 | join id=shop.items.id'],
  },
  {
    name: 'schema-qualified names, and search_path order for unqualified ones',
    sql: 'SELECT * FROM shop.orders s, orders p WHERE s.ref = $1 AND p.id = s.id',
    want: ['s→shop.orders: ref = $1 | join id=public.orders.id', 'p→public.orders: join id=shop.orders.id'],
  },
  {
    name: 'a CTE hides the table of its name; its columns lead back to the base table',
    sql: `WITH orders AS (SELECT id AS oid, status, created FROM public.orders WHERE total > 100)
          SELECT * FROM orders WHERE oid = $1 AND status = 'x' ORDER BY created LIMIT 5`,
    want: ["orders→public.orders: total > '100'; id = $1; status = 'x' | order created limit 5"],
  },
  {
    name: 'a subquery in FROM, with SELECT *, traced to its base columns',
    sql: 'SELECT * FROM (SELECT * FROM customers WHERE active) AS x WHERE x.email = $1',
    want: ["customers→public.customers: active = 'true'; email = $1"],
  },
  {
    name: 'correlated EXISTS and IN (subquery)',
    sql: 'SELECT * FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.status = $1) AND c.id IN (SELECT order_id FROM shop.items WHERE sku = $2)',
    want: ['c→public.customers: id IN (subquery)(=) ? | join id=public.orders.customer_id', 'o→public.orders: status = $1 | join customer_id=public.customers.id', 'items→shop.items: sku = $2'],
  },
  {
    name: 'OR branches are marked; NOT filters nothing',
    sql: 'SELECT * FROM orders WHERE (status = $1 OR note = $2) AND NOT (total > 5)',
    want: ['orders→public.orders: status = $1 [or]; note = $2 [or]'],
  },
  {
    name: 'nearest-neighbour ORDER BY',
    sql: 'SELECT * FROM customers ORDER BY spot <-> point(1, 2) LIMIT $1',
    want: ['customers→public.customers: order spot <-> limit param'],
  },
  {
    name: 'an ORDER BY over two tables serves neither',
    sql: 'SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY c.name, o.created LIMIT 10',
    want: ['o→public.orders: join customer_id=public.customers.id', 'c→public.customers: join id=public.orders.customer_id'],
  },
  {
    name: 'UPDATE and DELETE: the target is read by its WHERE and written',
    sql: 'UPDATE orders SET status = $1 FROM customers c WHERE orders.customer_id = c.id AND c.email = $2',
    kind: 'update',
    writes: ['public.orders'],
    want: ['orders→public.orders: join customer_id=public.customers.id', 'c→public.customers: email = $2 | join id=public.orders.customer_id'],
  },
  {
    name: 'DELETE … USING, and INSERT … SELECT',
    sql: 'DELETE FROM shop.items USING orders o WHERE items.order_id = o.id AND o.status = $1',
    kind: 'delete',
    writes: ['shop.items'],
    want: ['items→shop.items: join order_id=public.orders.id', 'o→public.orders: status = $1 | join id=shop.items.order_id'],
  },
  {
    name: 'INSERT … SELECT reads its source and writes its target',
    sql: 'INSERT INTO shop.items (order_id, sku) SELECT id, note FROM orders WHERE created < now()',
    kind: 'insert',
    writes: ['shop.items'],
    want: ['orders→public.orders: created < ?'],
  },
  {
    name: 'a subquery with column aliases, and a recursive CTE whose output is not traced',
    sql: `WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5)
          SELECT * FROM (SELECT id, status FROM orders) AS x(a, b), r WHERE x.b = $1 AND r.n = 2`,
    want: ['orders→public.orders: status = $1'],
  },
  {
    name: 'unknown relations are noted, and make unqualified columns they might have untraceable',
    sql: 'SELECT * FROM orders o JOIN nowhere n ON n.x = o.id WHERE o.status = $1 AND y = 2 AND pg_catalog.pg_class.oid = 1',
    unknown: ['nowhere'],
    want: ['o→public.orders: id = ?; status = $1'],
  },
  {
    name: 'set operations read both sides',
    sql: 'SELECT id FROM orders WHERE status = $1 UNION ALL SELECT id FROM shop.items WHERE sku = $2',
    want: ['orders→public.orders: status = $1', 'items→shop.items: sku = $2'],
  },
  {
    name: 'a statement that reads no table',
    sql: 'SET work_mem = 1000',
    kind: 'other',
    want: [],
  },
];

for (const c of cases) {
  test(`workload analyser: ${c.name}`, async () => {
    const shape = await analyse(c.sql);
    assert.deepEqual(summary(shape), c.want);
    assert.deepEqual(shape.unknownTables, c.unknown ?? []);
    assert.equal(shape.kind, c.kind ?? 'select');
    assert.deepEqual(shape.writes.map((w) => `${w.schema}.${w.name}`), c.writes ?? []);
  });
}
