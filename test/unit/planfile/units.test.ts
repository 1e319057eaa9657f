import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseSize } from '../../../src/planfile/units.js';

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
