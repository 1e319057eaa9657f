/**
 * A file of queries (literal values, as from a log) through the parser: good queries are read, and
 * every one left out gets a note at its place in the file; none of them fails the whole.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotLookup } from '../../../src/advisor/workload/lookup.js';
import { fileQueries } from '../../../src/advisor/workload/sources.js';
import { analyseWorkload, queryLabel } from '../../../src/advisor/workload/workload.js';
import { loadSqlParser } from '../../../src/sql/parse.js';
import { splitSql } from '../../../src/sql/split.js';
import { T, column, snapshot, table } from '../../support/catalog.js';

const snap = snapshot([table('public.orders', [column('id', T.int8), column('status', T.text)])], { searchPath: ['public'] });

const FILE = `-- captured from the log
SELECT * FROM orders WHERE status = 'paid';
SELECT * FROM orders WHERE status = = 'x';
SELECT * FROM missing WHERE a = 1;
SELECT * FROM orders o JOIN elsewhere e ON e.id = o.id WHERE o.status = 'new';
SET work_mem = '64MB';
SELECT count(*) FROM pg_catalog.pg_class;
`;

test('a queries file: read, skipped and partly read queries, each noted at FILE:LINE:COL', async () => {
  const queries = fileQueries({ file: 'q.sql', statements: splitSql(FILE, 'q.sql') });
  const workload = analyseWorkload(queries, await loadSqlParser(), snapshotLookup(snap));
  assert.deepEqual(workload.queries.map((q) => queryLabel(q.query)), ['q.sql:2:1', 'q.sql:5:1']);
  assert.deepEqual(workload.queries[0]?.shape.accesses[0]?.predicates[0]?.values, [{ kind: 'const', text: 'paid' }]);
  assert.deepEqual(
    workload.notes.map((n) => `${queryLabel(n.query)}: ${n.message}`),
    [
      'q.sql:3:1: skipped: the parser rejects it: syntax error at or near "=" (at q.sql:3:37)',
      'q.sql:4:1: skipped: it names no table pgindex knows (missing)',
      'q.sql:5:1: read in part: elsewhere is not among the planned tables',
    ],
  );
  // SET and a query of the system catalogs read no planned table: counted, not noted.
  assert.equal(workload.ignored, 2);
});
