import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateEnv } from '../../../src/planfile/interpolate.js';

test('${VAR} interpolation lists each unset variable once, and leaves it as written', () => {
  assert.deepEqual(interpolateEnv('a${X}b${Y}${X}$Z${}', { Y: 'y' }), { value: 'a${X}by${X}$Z${}', missing: ['X'] });
  assert.deepEqual(interpolateEnv('postgres://u:${P}@h/d', { P: 'p@ss' }), { value: 'postgres://u:p@ss@h/d', missing: [] });
});
