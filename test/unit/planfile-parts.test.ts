import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDuration, parseSize } from '../../src/planfile/units.js';
import { closest, editDistance } from '../../src/planfile/hints.js';
import { interpolateEnv } from '../../src/planfile/interpolate.js';
import { label } from '../../src/planfile/schema-errors.js';

test('parseSize: PostgreSQL memory units, case-sensitive; a bare number is kB', () => {
  const ok: [unknown, number][] = [
    ['1MB', 1024 ** 2],
    ['1GB', 1024 ** 3],
    ['1TB', 1024 ** 4],
    ['1048576B', 1024 ** 2],
    ['1024kB', 1024 ** 2],
    ['0.5GB', 512 * 1024 ** 2],
    ['2048', 2048 * 1024],
    [1024, 1024 ** 2],
  ];
  for (const [v, bytes] of ok) assert.deepEqual(parseSize('m', v), { ok: true, value: bytes }, String(v));
  const bad: [unknown, string][] = [
    ['1 gb', 'm has an unknown unit "gb" in "1 gb"'],
    ['1GiB', 'm has an unknown unit "GiB" in "1GiB"'],
    ['lots', 'm must be a size such as "1GB", "512MB" or "64kB", or an integer number of kB, got "lots"'],
    [' 1GB', 'm must be a size such as "1GB", "512MB" or "64kB", or an integer number of kB, got " 1GB"'],
    [1.5, 'm must be a size such as "1GB", "512MB" or "64kB", or an integer number of kB, got 1.5'],
    ['1023kB', 'm must be at least 1MB, got "1023kB"'],
    [-1, 'm must be at least 1MB, got -1'],
  ];
  for (const [v, message] of bad) {
    const r = parseSize('m', v);
    assert.equal(r.ok, false, String(v));
    if (!r.ok) assert.equal(r.message, message);
  }
  const r = parseSize('m', '1gb');
  assert.ok(!r.ok && r.hint === 'did you mean "GB"? units are case-sensitive: B, kB, MB, GB, TB');
});

test('parseDuration: PostgreSQL time units; a bare number is ms; 0 is allowed (disables)', () => {
  const ok: [unknown, number][] = [
    [0, 0],
    ['0', 0],
    ['250', 250],
    ['500ms', 500],
    ['5s', 5000],
    ['2min', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1500],
    ['2000us', 2],
    [2_147_483_647, 2_147_483_647],
  ];
  for (const [v, ms] of ok) assert.deepEqual(parseDuration('t', v), { ok: true, value: ms }, String(v));
  const bad: [unknown, string][] = [
    ['5m', 't has an unknown unit "m" in "5m"'],
    ['5 sec', 't has an unknown unit "sec" in "5 sec"'],
    ['-5s', 't must be at least 0, got "-5s"'],
    ['100us', 't must be 0 or at least 1ms, got "100us"'],
    ['25d', 't must be at most 2147483647ms (about 24 days), got "25d"'],
    [null, 't must be a duration such as "500ms", "5s", "2min" or "1h", or an integer number of milliseconds, got an empty value'],
  ];
  for (const [v, message] of bad) {
    const r = parseDuration('t', v);
    assert.equal(r.ok, false, String(v));
    if (!r.ok) assert.equal(r.message, message);
  }
  const r = parseDuration('t', '5m');
  assert.ok(!r.ok && r.hint === 'did you mean "ms"? units are case-sensitive: us, ms, s, min, h, d');
});

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

test('${VAR} interpolation lists each unset variable once, and leaves it as written', () => {
  assert.deepEqual(interpolateEnv('a${X}b${Y}${X}$Z${}', { Y: 'y' }), { value: 'a${X}by${X}$Z${}', missing: ['X'] });
  assert.deepEqual(interpolateEnv('postgres://u:${P}@h/d', { P: 'p@ss' }), { value: 'postgres://u:p@ss@h/d', missing: [] });
});

test('labels name the nearest key and the list indexes after it', () => {
  assert.equal(label(''), 'the plan');
  assert.equal(label('/parallelism'), 'parallelism');
  assert.equal(label('/tables/0'), 'tables[0]');
  assert.equal(label('/tables/1/columns/2'), 'columns[2]');
  assert.equal(label('/tables/1/columns/2/include/0'), 'include[0]');
});

type Json = Record<string, unknown>;

test('the schema: draft 2020-12, every key described, every object closed to unknown keys', () => {
  const schema = JSON.parse(readFileSync(new URL('../../../schemas/pgindex.schema.json', import.meta.url), 'utf8')) as Json;
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  const undescribed: string[] = [];
  const open: string[] = [];
  let objects = 0;
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
    if (typeof node !== 'object' || node === null) return;
    const s = node as Json;
    if (s.type === 'object') {
      objects++;
      if (s.additionalProperties !== false) open.push(path);
    }
    if (s.properties && typeof s.properties === 'object' && path.split('/').at(-1) !== 'dependentSchemas') {
      for (const [k, v] of Object.entries(s.properties as Json)) {
        const constrainsOnly = path.includes('/dependentSchemas/');
        if (!constrainsOnly && typeof (v as Json).description !== 'string') undescribed.push(`${path}/properties/${k}`);
      }
    }
    for (const [k, v] of Object.entries(s)) walk(v, `${path}/${k}`);
  };
  walk(schema, '#');
  assert.deepEqual(undescribed, []);
  assert.deepEqual(open, []);
  assert.equal(objects, 4, 'plan, rules, table, column');
});
