import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, editDistance } from '../../../src/planfile/hints.js';

test('edit distance and the closest plausible candidate', () => {
  assert.equal(editDistance('colums', 'columns'), 1);
  assert.equal(editDistance('mehtod', 'method'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  const keys = ['version', 'parallelism', 'tablespace', 'tables', 'concurrently'];
  assert.equal(closest('paralelism', keys), 'parallelism');
  assert.equal(closest('table', keys), 'tables');
  assert.equal(closest('Version', keys), 'version');
  assert.equal(closest('concurrent', keys), 'concurrently');
  assert.equal(closest('xyz', keys), undefined);
  assert.equal(closest('name', keys), undefined);
});
