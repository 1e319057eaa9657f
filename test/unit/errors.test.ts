import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, type Problem } from '../../src/errors.js';

test('an InputError lists its problems by file, then line, then column, whatever order they were found in; ties keep theirs', () => {
  const at = (file: string, line: number, col: number, message: string): Problem => ({ pos: { file, line, col }, message });
  const err = new InputError([
    at('b.yaml', 1, 1, 'b1'),
    at('a.yaml', 10, 2, 'a10'),
    at('a.yaml', 2, 9, 'a2:9'),
    at('a.yaml', 2, 3, 'a2:3 first'),
    at('a.yaml', 2, 3, 'a2:3 second'),
  ]);
  const expected = ['a.yaml:2:3: a2:3 first', 'a.yaml:2:3: a2:3 second', 'a.yaml:2:9: a2:9', 'a.yaml:10:2: a10', 'b.yaml:1:1: b1'];
  assert.equal(err.message, expected.join('\n'));
  assert.deepEqual(err.problems.map((p) => p.message), ['a2:3 first', 'a2:3 second', 'a2:9', 'a10', 'b1']);
});
