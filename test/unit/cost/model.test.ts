import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitCurve, type Measured } from '../../../src/cost/fit.js';
import { chooseSettings, predictSeconds, type Curve } from '../../../src/cost/model.js';
import { curveFor, defaultCurve, kindKey, type CostModel } from '../../../src/cost/kinds.js';

const MB = 1024 * 1024;

const truth: Curve = { a: 0.3, b: 2e-4, d: 3e-5, e: 0.7, memLo: 16 * MB, memHi: 1024 * MB, sortsInMemory: false };

/** Calibration-like points: two table sizes, four memories, 0 to 2 workers. */
function points(c: Curve): Measured[] {
  const out: Measured[] = [];
  for (const pages of [5_000, 20_000])
    for (const memoryBytes of [16 * MB, 64 * MB, 256 * MB, 1024 * MB])
      for (const workers of [0, 1, 2]) out.push({ pages, memoryBytes, workers, seconds: predictSeconds(c, pages, memoryBytes, workers) });
  return out;
}

const close = (x: number, y: number, rel: number, what: string) => assert.ok(Math.abs(x - y) <= rel * Math.abs(y) + 1e-9, `${what}: ${x} against ${y}`);

test('fitting exact synthetic points recovers the curve that made them', () => {
  const fit = fitCurve(points(truth), defaultCurve('btree'));
  close(fit.a, truth.a, 1e-3, 'a');
  close(fit.b, truth.b, 1e-3, 'b');
  close(fit.d, truth.d, 1e-3, 'd');
  close(fit.e, truth.e, 1e-2, 'e');
  assert.equal(fit.memLo, 16 * MB);
  assert.equal(fit.memHi, 1024 * MB);
  assert.ok(fit.rmsSeconds < 1e-6, `rms ${fit.rmsSeconds}`);
});

test('fitting noisy points stays near the curve; a term the points cannot see keeps the prior', () => {
  // ±3% noise, deterministic.
  const noisy = points(truth).map((p, i) => ({ ...p, seconds: p.seconds * (1 + 0.03 * Math.sin(i * 1.7)) }));
  const fit = fitCurve(noisy, defaultCurve('btree'));
  close(fit.b, truth.b, 0.1, 'b');
  close(fit.e, truth.e, 0.15, 'e');
  // No worker varies (a server without parallel builds of this kind): e stays the prior's.
  const serial = points(truth).filter((p) => p.workers === 0);
  const prior = defaultCurve('gin');
  assert.equal(fitCurve(serial, prior).e, prior.e);
  close(fitCurve(serial, prior).d, truth.d, 1e-3, 'd without workers');
});

test("the issue's GIN numbers: the fitted curve chooses 32MB, the fastest measured memory", () => {
  // Issue 13, PostgreSQL 15: gin (jsonb_ops), 2M rows (~25,000 pages), one build alone.
  const measured = [
    [32, 8.6],
    [64, 9.5],
    [128, 10.2],
    [256, 12.8],
    [512, 13.8],
  ].map(([mb, s]) => ({ pages: 25_000, memoryBytes: (mb as number) * MB, workers: 0, seconds: s as number }));
  const fit = fitCurve(measured, defaultCurve('gin'));
  assert.ok(fit.d > 0, 'more memory is slower');
  const choice = chooseSettings(fit, 25_000, 0, 1024 * MB, 0);
  assert.equal(choice.memoryBytes, 32 * MB);
  close(choice.seconds, 8.6, 0.08, 'predicted at 32MB');
});

test('the memory chosen follows the curve, within the measured range and the ceiling', () => {
  // Memory helps (d < 0): the most the curve was measured at, unless the ceiling is lower.
  const helps: Curve = { ...truth, d: -2e-5, memLo: 16 * MB, memHi: 256 * MB };
  assert.equal(chooseSettings(helps, 10_000, 0, 1024 * MB, 0).memoryBytes, 256 * MB);
  assert.equal(chooseSettings(helps, 10_000, 0, 100 * MB, 0).memoryBytes, 100 * MB);
  // Memory hurts: the least measured.
  assert.equal(chooseSettings(truth, 10_000, 0, 1024 * MB, 0).memoryBytes, 16 * MB);
  // The default btree sorts in memory up to the top of its range: a 40MB sort gets 40MB.
  assert.equal(chooseSettings(defaultCurve('btree'), 10_000, 40 * MB, 1024 * MB, 0).memoryBytes, 40 * MB);
  assert.equal(chooseSettings(defaultCurve('btree'), 10, 8192, 1024 * MB, 0).memoryBytes, 16 * MB);
});

test('workers: taken while they pay, each participant given 32MB as PostgreSQL requires', () => {
  const c = defaultCurve('btree');
  const one = chooseSettings(c, 30_000, 0, 1024 * MB, 1);
  assert.equal(one.workers, 1);
  assert.equal(one.maintenanceWorkMemBytes, 64 * MB);
  // 1 worker ≈ 1.6× faster for btree (the measurement): the default's exponent says so.
  close(predictSeconds(c, 30_000, 64 * MB, 0) - c.a, 1.6 * (predictSeconds(c, 30_000, 64 * MB, 1) - c.a), 0.01, 'speed-up');
  // Not when the memory a worker needs is over the ceiling.
  assert.equal(chooseSettings(c, 30_000, 0, 48 * MB, 3).workers, 0);
  // Not for a kind whose workers do not help (e = 0).
  assert.equal(chooseSettings({ ...c, e: 0 }, 30_000, 0, 1024 * MB, 3).workers, 0);
});

test('curveFor: the exact kind, else the method calibrated with another opclass, else the default', () => {
  const curve: Curve = { ...truth };
  const model: CostModel = { source: 'calibrated', curves: [{ kind: { method: 'gin', opclass: 'jsonb_ops', major: 15 }, curve, points: 8, rmsSeconds: 0.1 }] };
  assert.deepEqual(curveFor(model, { method: 'gin', opclass: 'jsonb_ops', major: 15 }), { curve, calibrated: true });
  assert.deepEqual(curveFor(model, { method: 'gin', opclass: 'array_ops', major: 15 }), { curve, calibrated: true });
  assert.deepEqual(curveFor(model, { method: 'gin', opclass: 'jsonb_ops', major: 18 }), { curve: defaultCurve('gin'), calibrated: false });
  assert.equal(kindKey({ method: 'btree', opclass: '', major: 18 }), 'btree/-/18');
});
