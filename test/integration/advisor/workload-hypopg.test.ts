/**
 * The planner's verdict on the shop workload's candidates through HypoPG, on a real server: the
 * composite for equality + range + ORDER BY … LIMIT, the lower(email) expression, jsonb @> → gin,
 * the join on the unindexed foreign key are kept; nothing for primary-key lookups. Needs HypoPG
 * (Debian's postgresql-15-hypopg: run with PGINDEX_TEST_PG_BIN=/usr/lib/postgresql/15/bin); skipped
 * with a message where it is missing (the embedded PostgreSQL 18 has none).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { candidateLabel } from '../../../src/advisor/workload/candidate-sql.js';
import { workloadCandidates } from '../../../src/advisor/workload/candidates.js';
import { readForeignKeys } from '../../../src/advisor/workload/foreign-keys.js';
import { evaluateWithHypopg, hypopgInstalled } from '../../../src/advisor/workload/evaluate.js';
import { snapshotLookup } from '../../../src/advisor/workload/lookup.js';
import { readOperators } from '../../../src/advisor/workload/operators.js';
import { fileQueries } from '../../../src/advisor/workload/sources.js';
import { analyseWorkload } from '../../../src/advisor/workload/workload.js';
import { takeSnapshot } from '../../../src/catalog/snapshot.js';
import { loadSqlParser } from '../../../src/sql/parse.js';
import { splitSql } from '../../../src/sql/split.js';
import { planFile, tableSpec } from '../../support/plan-file.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { SHOP_SQL } from '../../support/shop.js';

let db: TestDatabase;
let missing: string | null = null;
let versionNum = 0;

before(async () => {
  db = await testDatabase();
  versionNum = Number((await db.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]?.v);
  const available = await db.query("select 1 from pg_available_extensions where name = 'hypopg'");
  if (available.rowCount === 0) {
    missing = `HypoPG is not installed on this server (${versionNum}): install postgresql-15-hypopg and run with PGINDEX_TEST_PG_BIN=/usr/lib/postgresql/15/bin`;
    return;
  }
  await db.query('create extension hypopg');
  await db.query(SHOP_SQL);
});

after(async () => {
  await db?.drop();
});

// As pg_stat_statements records them: parameters, generic plans.
const WORKLOAD = `
SELECT * FROM shop.orders WHERE customer_id = $1 AND status = $2 AND created >= $3 ORDER BY created DESC LIMIT $4;
SELECT * FROM shop.customers WHERE lower(email) = $1;
SELECT id FROM shop.orders WHERE data @> $1;
SELECT o.id FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id WHERE c.id = $1;
SELECT * FROM shop.customers WHERE id = $1;
SELECT count(*) FROM shop.orders;
`;

test('HypoPG: the planner keeps exactly the indexes that pay, with the cost before and after', async (t) => {
  if (missing) {
    t.skip(missing);
    return;
  }
  assert.equal(await hypopgInstalled(db.client), true);
  const snapshot = await takeSnapshot(db.client, planFile([tableSpec('shop.*', 'all')]));
  const workload = analyseWorkload(fileQueries({ file: 'q.sql', statements: splitSql(WORKLOAD, 'q.sql') }), await loadSqlParser(), snapshotLookup(snapshot));
  const set = workloadCandidates(workload.queries, snapshot, await readOperators(db.client), { foreignKeys: await readForeignKeys(db.client, snapshot.tables) });
  const result = await evaluateWithHypopg(db.client, workload.queries, set, snapshot.tables, { versionNum, minShare: 0.5 });
  assert.deepEqual(result.notes, []);
  assert.deepEqual(result.kept.map((k) => candidateLabel(k.candidate)).sort(), [
    'shop.customers btree ((lower(email)))',
    'shop.orders btree (customer_id, status, created)',
    'shop.orders gin (data jsonb_path_ops)',
  ]);
  for (const k of result.kept) {
    if (k.candidate.method === 'gin') assert.match(k.reason, /^HypoPG cannot simulate gin: estimate \(no planner\): about /);
    else assert.match(k.reason, /^planner \(HypoPG\): used by \d+ quer(y|ies), cost \d+ → \d+ \(−\d+%\)$/);
    for (const e of k.evidence) assert.ok(e.costAfter <= e.costBefore / 2, k.reason);
  }
  // The composite leads with the foreign key's column: the planner uses it for the join too, so the
  // FK's own candidate is not used, and dropped as covered, saying so (issue 12 item 5).
  const composite = result.kept.find((k) => k.candidate.keys.length === 3);
  assert.deepEqual(composite?.evidence.map((e) => e.query), [0, 3]);
  const fk = result.dropped.find((d) => candidateLabel(d.candidate) === 'shop.orders btree (customer_id)');
  assert.equal(
    fk?.reason,
    'planner (HypoPG): covered by shop.orders btree (customer_id, status, created), which leads with the same keys: it serves the foreign key orders_customer_id_fkey → shop.customers',
  );
  // Lookups by primary key and the unfiltered count: no candidate at all.
  assert.ok(!result.kept.concat(result.dropped as never[]).some((k) => k.candidate.queries.some((q) => q === 4 || q === 5)));
  // Nothing is left behind in the session.
  assert.equal((await db.query('select * from hypopg()')).rowCount, 0);
});
