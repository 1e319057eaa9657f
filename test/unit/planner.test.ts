/**
 * The planner's server-side check of partial-index predicates, against a scripted client: every
 * statement it sends that fails comes back as an SqlError naming that statement, except a rejected
 * predicate or a lock timeout (problems at the plan line) and the failures that only make the check
 * impossible (privileges, a read-only server), which are a note.
 * A real server runs the rejected-predicate and missing-TEMP-privilege paths in
 * test/integration/plan/repair.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { serverPredicates } from '../../src/planner.js';
import { SqlError } from '../../src/errors.js';
import type { ResolvedTable } from '../../src/catalog/resolve.js';
import { T, column, table } from '../support/catalog.js';
import { colSpec, planFile, tableSpec } from '../support/plan-file.js';

const file = planFile([]);
const orders = table('public.orders', [column('status', T.text, {})]);
const tables = (where: string): ResolvedTable[] => [
  { table: orders, spec: tableSpec('orders', 'all'), columns: [{ column: orders.columns[0]!, spec: colSpec('status', { where }), include: [] }], indexes: [] },
];

/** A client that answers every statement, except those `fail` returns an error for. */
function scripted(fail: (sql: string) => { code: string; message: string } | null) {
  const sent: string[] = [];
  const client = {
    query: async (q: string | { text: string }) => {
      const sql = typeof q === 'string' ? q : q.text;
      sent.push(sql);
      const err = fail(sql);
      if (err) throw Object.assign(new Error(err.message), { code: err.code });
      return { rows: sql.startsWith('SELECT pg_get_expr') ? [{ predicate: "(status = 'paid'::text)" }] : [] };
    },
  } as unknown as pg.ClientBase;
  return { client, sent };
}

const quiet = () => undefined;

test('the server rendering of each predicate is read inside a transaction that is rolled back', async () => {
  const { client, sent } = scripted(() => null);
  const { predicates, problems } = await serverPredicates(client, file, tables("status = 'paid'"), quiet);
  assert.deepEqual([...predicates.values()], ["(status = 'paid'::text)"]);
  assert.deepEqual(problems, []);
  assert.equal(sent[0], 'BEGIN');
  assert.equal(sent.at(-1), 'ROLLBACK');
});

for (const statement of ['BEGIN', 'SAVEPOINT predicate', 'CREATE TEMP TABLE', 'SELECT pg_get_expr', 'RELEASE SAVEPOINT']) {
  test(`a failing ${statement} is an SqlError showing that statement, not an internal error`, async () => {
    const { client } = scripted((sql) => (sql.startsWith(statement) ? { code: '57P01', message: 'terminating connection due to administrator command' } : null));
    await assert.rejects(serverPredicates(client, file, tables("status = 'paid'"), quiet), (err: unknown) => {
      assert.ok(err instanceof SqlError, String(err));
      assert.ok(err.sql.startsWith(statement), err.sql);
      assert.equal(err.sqlstate, '57P01');
      return true;
    });
  });
}

test('a failing ROLLBACK TO SAVEPOINT after a rejected predicate is an SqlError too', async () => {
  const { client } = scripted((sql) =>
    sql.startsWith('CREATE INDEX') ? { code: '42703', message: 'column "nope" does not exist' } : sql.startsWith('ROLLBACK TO') ? { code: '08006', message: 'connection lost' } : null,
  );
  await assert.rejects(serverPredicates(client, file, tables('nope > 0'), quiet), (err: unknown) => err instanceof SqlError && err.sql === 'ROLLBACK TO SAVEPOINT predicate');
});

test('a predicate the server rejects is a problem at its plan line, returned to be reported with the others', async () => {
  const { client } = scripted((sql) => (sql.startsWith('CREATE INDEX') ? { code: '42703', message: 'column "nope" does not exist' } : null));
  const { predicates, problems } = await serverPredicates(client, file, tables('nope > 0'), quiet);
  assert.equal(predicates.size, 0);
  assert.deepEqual(problems.map((p) => [p.pos.col, p.message]), [[9, 'where: nope > 0: column "nope" does not exist']]);
});

for (const [code, statement] of [
  ['42501', 'CREATE TEMP TABLE'],
  ['25006', 'CREATE TEMP TABLE'],
] as const) {
  test(`${code} on ${statement} only makes the check impossible: a note on stderr, the predicate compared as text`, async () => {
    const notes: string[] = [];
    const { client } = scripted((sql) => (sql.startsWith(statement) ? { code, message: 'not allowed here' } : null));
    const { predicates, problems } = await serverPredicates(client, file, tables("status = 'paid'"), (m) => notes.push(m));
    assert.equal(predicates.size, 0);
    assert.deepEqual(problems, []);
    assert.equal(notes.length, 1);
    assert.match(notes[0] ?? '', /^note: could not check the predicate of public\.orders on the server \(not allowed here\); it is written into the statements as given/);
  });
}

test('a lock timeout copying the table is a problem at the plan line, saying another session holds a lock', async () => {
  const { client } = scripted((sql) => (sql.startsWith('CREATE TEMP TABLE') ? { code: '55P03', message: 'canceling statement due to lock timeout' } : null));
  const { problems } = await serverPredicates(client, file, tables("status = 'paid'"), quiet);
  assert.equal(problems.length, 1);
  assert.match(problems[0]?.message ?? '', /^where: status = 'paid': could not be checked on the server: gave up waiting for a lock: another session held a conflicting lock/);
});

test('a predicate that is not one expression is not sent to the server at all (buildPlan reports it)', async () => {
  const { client, sent } = scripted(() => null);
  const { predicates } = await serverPredicates(client, file, tables("x = E'\\'' ; DROP TABLE t ; SELECT E'\\''"), quiet);
  assert.equal(predicates.size, 0);
  assert.deepEqual(sent, []);
});
