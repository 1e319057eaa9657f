import { test } from 'node:test';
import assert from 'node:assert/strict';
import { label } from '../../../src/planfile/schema-errors.js';

test('labels name the nearest key and the list indexes after it', () => {
  assert.equal(label(''), 'the plan');
  assert.equal(label('/parallelism'), 'parallelism');
  assert.equal(label('/tables/0'), 'tables[0]');
  assert.equal(label('/tables/1/columns/2'), 'columns[2]');
  assert.equal(label('/tables/1/columns/2/include/0'), 'include[0]');
});
