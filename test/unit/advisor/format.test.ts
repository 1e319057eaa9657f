import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decimal, ratio } from '../../../src/advisor/format.js';
import { thousands } from '../../../src/format.js';

test('counts are rounded and grouped by thousands, independent of the locale', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [7, '7'],
    [412, '412'],
    [7693, '7,693'],
    [5_000_000, '5,000,000'],
    [1234.6, '1,235'],
    [-1500, '-1,500'],
    [-0.4, '0'],
  ];
  for (const [n, s] of cases) assert.equal(thousands(n), s, String(n));
});

test('decimals keep two places at most and drop trailing zeros', () => {
  const cases: [number, string][] = [
    [0.994, '0.99'],
    [-0.95, '-0.95'],
    [0.9, '0.9'],
    [1, '1'],
  ];
  for (const [n, s] of cases) assert.equal(decimal(n), s, String(n));
});

test('small ratios keep two significant digits, never an exponent', () => {
  const cases: [number, string][] = [
    [412 / 5_000_000, '0.000082'],
    [0.00008, '0.00008'],
    [0.0001, '0.0001'],
    [1e-7, '0.0000001'],
    [0.5, '0.5'],
    [0, '0'],
  ];
  for (const [n, s] of cases) assert.equal(ratio(n), s, String(n));
});
