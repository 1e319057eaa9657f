/**
 * The version-dependent catalog queries: what a server older than the column's version is not asked
 * for. (Each query runs on PostgreSQL 18 and 15 in the integration tests; no older server is installed.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INDEXES_SQL, indexesSql } from '../../../src/catalog/queries.js';

test('pg_index.indnullsnotdistinct is read from PostgreSQL 15 on, and is false before', () => {
  assert.equal(indexesSql(150000), INDEXES_SQL);
  assert.equal(indexesSql(180001), INDEXES_SQL);
  const old = indexesSql(140010);
  assert.doesNotMatch(old, /indnullsnotdistinct/);
  assert.match(old, /\bfalse as nulls_not_distinct\b/);
  assert.equal(old.replace('false as nulls_not_distinct', 'i.indnullsnotdistinct as nulls_not_distinct'), INDEXES_SQL);
});
