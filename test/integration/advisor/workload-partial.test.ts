/**
 * Partial candidates from literal queries (issue 12 item 3), on a real server's most_common_freqs:
 * a constant predicate on rare values gets a partial index on those rows, evaluated like the others
 * (HypoPG's planner on PostgreSQL 15 with Debian's postgresql-15-hypopg, else the estimate on the
 * embedded 18), and an index over every row that only such queries would use is dropped for it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { candidateLabel } from '../../../src/advisor/workload/candidate-sql.js';
import { workloadCandidates } from '../../../src/advisor/workload/candidates.js';
import { evaluateByEstimate, evaluateWithHypopg, type Evaluation } from '../../../src/advisor/workload/evaluate.js';
import { snapshotLookup } from '../../../src/advisor/workload/lookup.js';
import { readOperators } from '../../../src/advisor/workload/operators.js';
import { fileQueries } from '../../../src/advisor/workload/sources.js';
import { analyseWorkload } from '../../../src/advisor/workload/workload.js';
import { takeSnapshot } from '../../../src/catalog/snapshot.js';
import { loadSqlParser } from '../../../src/sql/parse.js';
import { splitSql } from '../../../src/sql/split.js';
import { planFile, tableSpec } from '../../support/plan-file.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { withHypopgIfAvailable } from '../../support/hypopg.js';

let db: TestDatabase;
let versionNum = 0;
let hypopg = false;

before(async () => {
  db = await testDatabase();
  ({ versionNum, hypopg } = await withHypopgIfAvailable(db.client));
  // 0.6% failed, 0.2% lost among 20,000 jobs; the rest done, queued or running. Rows of 1 kB, few to
  // a page: fetching the rare ones at random beats reading the table even by the estimate's reckoning.
  await db.query(`
    create schema lab;
    create table lab.jobs (id bigint primary key, state text not null, owner int not null, created timestamptz not null, payload text);
    insert into lab.jobs
    select g, case when g % 500 = 0 then 'lost' when g % 125 = 0 then 'failed' when g % 10 = 1 then 'queued' when g % 20 = 2 then 'running' else 'done' end,
           g % 2000, '2026-01-01'::timestamptz + g * interval '1 min', repeat('x', 1000)
      from generate_series(1, 20000) g;
    analyze;
  `);
});

after(async () => {
  await db?.drop();
});

// As a --queries file has them: literal values.
const WORKLOAD = `
SELECT * FROM lab.jobs WHERE state = 'failed' ORDER BY created DESC LIMIT 20;
SELECT count(*) FROM lab.jobs WHERE state IN ('failed', 'lost');
`;

test('partial candidates: rare literal values get partial indexes, kept on the evaluation’s word; no index over every row for them', async () => {
  const snapshot = await takeSnapshot(db.client, planFile([tableSpec('lab.*', 'all')]));
  const state = snapshot.tables[0]?.columns.find((c) => c.name === 'state');
  assert.deepEqual(state?.stats?.mostCommon?.values.slice().sort(), ['done', 'failed', 'lost', 'queued', 'running']);
  const workload = analyseWorkload(fileQueries({ file: 'q.sql', statements: splitSql(WORKLOAD, 'q.sql') }), await loadSqlParser(), snapshotLookup(snapshot));
  const set = workloadCandidates(workload.queries, snapshot, await readOperators(db.client));
  assert.deepEqual(set.candidates.filter((c) => c.where).map(candidateLabel).sort(), [
    "lab.jobs btree (created) WHERE state = 'failed'::text",
    "lab.jobs btree (state) WHERE state IN ('failed'::text, 'lost'::text)",
  ]);

  const result: Evaluation = hypopg
    ? await evaluateWithHypopg(db.client, workload.queries, set, snapshot.tables, { versionNum, minShare: 0.5 })
    : evaluateByEstimate(workload.queries, set.candidates, snapshot.tables, { minShare: 0.5 });
  const kept = result.kept.map((k) => candidateLabel(k.candidate));
  assert.ok(kept.length > 0, JSON.stringify(result.dropped));
  // Every query is served by a partial index; nothing over all 20,000 rows is kept for them.
  for (const k of result.kept) assert.ok(k.candidate.where !== undefined, `${candidateLabel(k.candidate)} kept: ${k.reason}`);
  for (const qi of [0, 1]) assert.ok(result.kept.some((k) => k.evidence.some((e) => e.query === qi)), `query ${qi} served: ${kept.join('; ')}`);
  if (!hypopg) {
    const reasons = new Map(result.kept.map((k) => [candidateLabel(k.candidate), k.reason]));
    assert.match(reasons.get("lab.jobs btree (state) WHERE state IN ('failed'::text, 'lost'::text)") ?? '', /^estimate \(no planner\): about 160 of 20,000 rows/);
    const dropped = new Map(result.dropped.map((d) => [candidateLabel(d.candidate), d.reason]));
    assert.match(dropped.get('lab.jobs btree (state)') ?? '', /^estimate \(no planner\): its queries ask for rare values only, which lab\.jobs btree .* WHERE .* hold/);
  }
});
