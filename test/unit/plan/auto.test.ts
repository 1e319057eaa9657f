/**
 * `indexes: auto` in the pure core: the plan language, the advice (plain data, as gather.ts hands
 * it over) made into ordinary entries (named, compared with existing indexes by definition, built
 * like any other), the --explain section, and `pgindex advise`'s file, which plans the same indexes.
 * The advice itself from a real workload is test/integration/advisor/workload-auto.test.ts's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPlan } from '../../../src/plan/build.js';
import { renderExplain, renderJson } from '../../../src/plan/render.js';
import { NO_ADVICE } from '../../../src/plan/auto.js';
import { parsePlanText } from '../../../src/planfile/load.js';
import { InputError, formatProblem } from '../../../src/errors.js';
import { adviceDeclared } from '../../../src/export/advise.js';
import { planYaml } from '../../../src/export/plan-yaml.js';
import type { WorkloadAdvice } from '../../../src/advisor/workload/advice.js';
import { T, column, index, snapshot, table } from '../../support/catalog.js';
import { planFile, tableSpec } from '../../support/plan-file.js';

const orders = (indexes = [index('shop', 'orders_pkey', { columns: ['id'], unique: true, primary: true })]) =>
  table('shop.orders', [column('id', T.int8, {}), column('customer_id', T.int8, {}), column('status', T.text, {}, { collation: 'default' }), column('data', T.jsonb, {})], {
    reltuples: 200_000,
    relpages: 2848,
    indexes,
  });
const customers = () => table('shop.customers', [column('id', T.int8, {}), column('email', T.text, {}, { collation: 'default' })], { reltuples: 20_000, relpages: 167 });

const ADVICE: WorkloadAdvice = {
  evaluation: 'hypopg',
  sources: ['pg_stat_statements (4 queries)'],
  tables: [
    { schema: 'shop', name: 'customers' },
    { schema: 'shop', name: 'orders' },
  ],
  indexes: [
    {
      table: { schema: 'shop', name: 'customers' },
      method: 'btree',
      keys: [{ expression: 'lower(email)', opclass: null }],
      extension: null,
      serves: 'lower(email) =',
      reason: 'planner (HypoPG): used by 1 query, cost 417 → 8 (−98%)',
      estimated: false,
      queries: [{ label: 'queryid 42', text: 'SELECT * FROM shop.customers WHERE lower(email) = $1', calls: 3, meanMs: 1.5, costBefore: 417, costAfter: 8.3 }],
    },
    {
      table: { schema: 'shop', name: 'orders' },
      method: 'btree',
      keys: [
        { column: 'customer_id', opclass: null },
        { column: 'status', opclass: null },
      ],
      extension: null,
      serves: 'customer_id =, status =',
      reason: 'planner (HypoPG): used by 2 queries, cost 4848 → 12 (−100%)',
      estimated: false,
      queries: [
        { label: 'queryid -7', text: 'SELECT *\n  FROM shop.orders WHERE customer_id = $1 AND status = $2', calls: 1234, meanMs: 76.256, costBefore: 4848, costAfter: 12 },
        { label: 'queryid 9', text: 'SELECT o.id FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id WHERE c.id = $1', calls: 5, meanMs: 0.5, costBefore: 4900, costAfter: 20 },
      ],
    },
    {
      table: { schema: 'shop', name: 'orders' },
      method: 'gin',
      keys: [{ column: 'data', opclass: 'jsonb_path_ops' }],
      extension: null,
      serves: 'data @>',
      reason: 'HypoPG cannot simulate gin: estimate (no planner): about 200 of 200,000 rows',
      estimated: true,
      queries: [{ label: 'queryid 7', text: 'SELECT id FROM shop.orders WHERE data @> $1', calls: 5, meanMs: 215.25, costBefore: 4848, costAfter: 806 }],
    },
  ],
  dropped: [{ table: { schema: 'shop', name: 'orders' }, label: 'shop.orders btree (customer_id)', serves: 'join customer_id = shop.customers.id', reason: 'planner (HypoPG): not used by any query it was made for' }],
  notes: ['q.sql:3:1: skipped: it names no table pgindex knows (nowhere)'],
};

const autoFile = () => planFile([tableSpec('shop.*', [], { auto: true })]);

test('the plan language: indexes: auto on an entry, globs allowed; anything else is said at its line', () => {
  const file = parsePlanText('version: 1\ntables:\n  - name: "shop.*"\n    indexes: auto\n', 'plan.yaml');
  assert.equal(file.tables[0]?.auto, true);
  assert.equal(file.tables[0]?.indexes, undefined);
  assert.deepEqual(file.tables[0]?.columns, []);
  const bad = (text: string): string[] => {
    try {
      parsePlanText(text, 'plan.yaml');
    } catch (err) {
      if (err instanceof InputError) return err.problems.map(formatProblem);
      throw err;
    }
    return assert.fail('expected problems');
  };
  assert.deepEqual(bad('version: 1\ntables:\n  - name: t\n    indexes: automatic\n'), ['plan.yaml:4:14: indexes must be "auto" or a non-empty list, got "automatic"']);
  // A mistake inside a list of entries is still said there, not as "must be auto or a list".
  assert.deepEqual(bad('version: 1\ntables:\n  - name: t\n    indexes:\n      - columns: [a]\n        colation: C\n'), [
    'plan.yaml:6:9: unknown key "colation" (did you mean "collation"? It belongs in a key of an entry of indexes ({name: …, order: desc}))',
  ]);
});

test('the advice becomes ordinary indexes: named from their keys, the reason on each line and statement', () => {
  const plan = buildPlan(autoFile(), snapshot([customers(), orders()]), { auto: ADVICE });
  assert.deepEqual(
    plan.steps.map((s) => s.sql),
    [
      'CREATE INDEX CONCURRENTLY customers_lower_email_btree_idx ON shop.customers USING btree ((lower(email)))',
      'CREATE INDEX CONCURRENTLY orders_customer_id_status_btree_idx ON shop.orders USING btree (customer_id, status)',
      'CREATE INDEX CONCURRENTLY orders_data_gin_idx ON shop.orders USING gin (data jsonb_path_ops)',
    ],
  );
  assert.equal(plan.steps[1]?.reason, 'shop.orders (customer_id, status): customer_id =, status =: planner (HypoPG): used by 2 queries, cost 4848 → 12 (−100%)');
  assert.deepEqual(plan.columns.map((c) => [c.column, c.action, c.method]), [
    ['(lower(email))', 'create', 'btree'],
    ['customer_id, status', 'create', 'btree'],
    ['data jsonb_path_ops', 'create', 'gin'],
  ]);
  assert.equal(plan.auto, ADVICE);
  assert.deepEqual(JSON.parse(renderJson(plan)).auto, JSON.parse(JSON.stringify(ADVICE)));
});

test('an advised index that exists under any name is "exists", by definition', () => {
  const key = (column: string, opclass: string) => ({ column, expression: column, opclass, opclassIsDefault: true, collation: null, descending: false, nullsFirst: false });
  const existing = index('shop', 'by_customer', { keys: [key('customer_id', 'int8_ops'), { ...key('status', 'text_ops'), collation: 'default' }] });
  const plan = buildPlan(autoFile(), snapshot([customers(), orders([existing])]), { auto: ADVICE });
  const line = plan.columns.find((c) => c.column === 'customer_id, status');
  assert.equal(line?.action, 'exists');
  assert.equal(line?.index?.name, 'by_customer');
  assert.ok(!plan.steps.some((s) => s.sql.includes('customer_id')));
});

test('indexes: auto without the advice is a problem at the entry, not an empty plan', () => {
  assert.throws(
    () => buildPlan(autoFile(), snapshot([customers(), orders()])),
    (err: unknown) => err instanceof InputError && err.problems.map((p) => p.message).join() === NO_ADVICE,
  );
});

test('--explain: per index the queries it serves (queryid, calls, mean time, cost before → after), per table what was dropped, and the notes', () => {
  const plan = buildPlan(autoFile(), snapshot([customers(), orders()]), { auto: ADVICE });
  const text = renderExplain(plan);
  // Up to the next section (the builds' settings, the cost model's: tested in test/unit/cost).
  const section = text.slice(text.indexOf('indexes: auto,'), text.indexOf('\nBuilds (') + 1);
  assert.equal(
    section,
    [
      'indexes: auto, from pg_stat_statements (4 queries); costs from the planner with hypothetical indexes (HypoPG):',
      '  shop.customers: 1 index needed',
      '    btree ((lower(email))) for lower(email) =: planner (HypoPG): used by 1 query, cost 417 → 8 (−98%)',
      '      queryid 42, 3 calls, mean 1.50 ms, cost 417 → 8: SELECT * FROM shop.customers WHERE lower(email) = $1',
      '  shop.orders: 2 indexes needed',
      '    btree (customer_id, status) for customer_id =, status =: planner (HypoPG): used by 2 queries, cost 4848 → 12 (−100%)',
      '      queryid -7, 1,234 calls, mean 76.26 ms, cost 4,848 → 12: SELECT * FROM shop.orders WHERE customer_id = $1 AND status = $2',
      '      queryid 9, 5 calls, mean 0.50 ms, cost 4,900 → 20: SELECT o.id FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id WHERE c.id = $1',
      '    gin (data jsonb_path_ops) for data @>: HypoPG cannot simulate gin: estimate (no planner): about 200 of 200,000 rows',
      '      queryid 7, 5 calls, mean 215.25 ms, estimate: cost ~4,848 → ~806: SELECT id FROM shop.orders WHERE data @> $1',
      '    considered and dropped:',
      '      btree (customer_id) for join customer_id = shop.customers.id: planner (HypoPG): not used by any query it was made for',
      '  notes:',
      '    q.sql:3:1: skipped: it names no table pgindex knows (nowhere)',
      '',
      '',
    ].join('\n'),
  );
  // The same advice, the same text.
  assert.equal(renderExplain(buildPlan(autoFile(), snapshot([customers(), orders()]), { auto: structuredClone(ADVICE) })), text);
});

test('advise: the advice as an explicit plan with the reasons as comments, which plans exactly the same indexes', () => {
  const snap = snapshot([customers(), orders()]);
  const declared = adviceDeclared(snap, snap.tables, ADVICE);
  const text = planYaml(declared, { schemaRef: './pgindex.schema.json', header: ['written by a test'] });
  assert.match(text, /^# written by a test\nversion: 1\ntables:\n/m);
  assert.match(
    text,
    /^ {4}indexes:\n {6}# for customer_id =, status =\n {6}# planner \(HypoPG\): used by 2 queries, cost 4848 → 12 \(−100%\)\n {6}# queries: queryid -7 \(1234 calls, mean 76\.26 ms\), queryid 9 \(5 calls, mean 0\.50 ms\)\n {6}- name: orders_customer_id_status_btree_idx\n/m,
  );
  assert.match(text, /^ {4}# Considered and dropped:\n {4}# {3}shop\.orders btree \(customer_id\): for join customer_id = shop\.customers\.id: planner \(HypoPG\): not used by any query it was made for$/m);
  const explicit = buildPlan(parsePlanText(text, 'advised.yaml'), snap);
  const auto = buildPlan(autoFile(), snap, { auto: ADVICE });
  assert.deepEqual(
    explicit.steps.map((s) => s.sql),
    auto.steps.map((s) => s.sql),
  );
});
