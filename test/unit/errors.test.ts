import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError, formatPosition, formatProblem, sortProblems, type Problem } from '../../src/errors.js';

const at = (file: string, line: number, col: number, message: string, hint?: string): Problem => ({ pos: { file, line, col }, message, ...(hint ? { hint } : {}) });

test('problems sort by file, line, then column; at one position they keep the order they were found in', () => {
  const found = [
    at('b.yaml', 1, 1, 'in b'),
    at('a.yaml', 4, 11, 'YAML: Nested mappings are not allowed in compact mappings'),
    at('a.yaml', 10, 3, 'line 10'),
    at('a.yaml', 4, 11, 'YAML: Implicit keys need to be on a single line'),
    at('a.yaml', 4, 2, 'column 2'),
    at('a.yaml', 2, 5, 'line 2'),
  ];
  assert.deepEqual(sortProblems(found).map(formatProblem), [
    'a.yaml:2:5: line 2',
    'a.yaml:4:2: column 2',
    'a.yaml:4:11: YAML: Nested mappings are not allowed in compact mappings',
    'a.yaml:4:11: YAML: Implicit keys need to be on a single line',
    'a.yaml:10:3: line 10',
    'b.yaml:1:1: in b',
  ]);
  assert.equal(found[0]?.message, 'in b', 'the input is left as it was');
});

test('a problem found twice is reported once; the same message with another hint is another problem', () => {
  const twice = [at('p.yaml', 3, 5, 'permission denied', 'connect as its owner'), at('p.yaml', 3, 5, 'permission denied', 'connect as its owner')];
  assert.deepEqual(sortProblems(twice).map(formatProblem), ['p.yaml:3:5: permission denied (connect as its owner)']);
  const hints = [at('p.yaml', 3, 5, 'permission denied', 'one'), at('p.yaml', 3, 5, 'permission denied', 'two')];
  assert.equal(sortProblems(hints).length, 2);
});

test('InputError reports its problems in that one order, whoever collected them', () => {
  const err = new InputError([at('p.yaml', 9, 1, 'later'), at('p.yaml', 3, 7, 'earlier'), at('p.yaml', 9, 1, 'later')]);
  assert.deepEqual(err.problems.map(formatProblem), ['p.yaml:3:7: earlier', 'p.yaml:9:1: later']);
  assert.equal(err.message, 'p.yaml:3:7: earlier\np.yaml:9:1: later');
  assert.equal(formatPosition({ file: 'p.yaml', line: 3, col: 7 }), 'p.yaml:3:7');
});

test('an InputError lists its problems by file, then line, then column, whatever order they were found in; ties keep theirs', () => {
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
