/**
 * Least-squares fit of one build kind's curve (model.ts) to measured builds: pure.
 *
 * The curve t = a + pages·(b + d·log2(mem/32MB)) / (1 + workers)^e is linear in a, b and d once e is
 * fixed, so e is searched on a grid and, for each value, a, b and d come from the normal equations;
 * the e with the least squared error wins. A term the points cannot tell apart (every point at one
 * memory, or none with a worker) keeps the prior's value instead of a guess from noise.
 */
import { logMem, type Curve } from './model.js';

/** One calibration build: its table's pages, its settings and how long it took. */
export interface Measured {
  pages: number;
  memoryBytes: number;
  workers: number;
  seconds: number;
}

const E_STEP = 0.005;
const E_MAX = 1.5;

/** Solves the least-squares problem X·β ≈ y for the columns flagged `free`; the others stay `fixed`. */
function leastSquares(rows: number[][], y: number[], free: boolean[], fixed: number[]): number[] | null {
  const idx = free.flatMap((f, i) => (f ? [i] : []));
  const n = idx.length;
  // Normal equations on the free columns, with the fixed columns' contribution moved to the right.
  const A = idx.map(() => new Array<number>(n).fill(0));
  const r = new Array<number>(n).fill(0);
  rows.forEach((row, k) => {
    const rest = (y[k] ?? 0) - row.reduce((s, x, j) => (free[j] ? s : s + x * (fixed[j] ?? 0)), 0);
    idx.forEach((i, p) => {
      r[p] = (r[p] ?? 0) + (row[i] ?? 0) * rest;
      idx.forEach((j, q) => ((A[p] as number[])[q] = ((A[p] as number[])[q] ?? 0) + (row[i] ?? 0) * (row[j] ?? 0)));
    });
  });
  // Gaussian elimination with partial pivoting.
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let k = c + 1; k < n; k++) if (Math.abs((A[k] as number[])[c] as number) > Math.abs((A[pivot] as number[])[c] as number)) pivot = k;
    [A[c], A[pivot]] = [A[pivot] as number[], A[c] as number[]];
    [r[c], r[pivot]] = [r[pivot] as number, r[c] as number];
    const diag = (A[c] as number[])[c] as number;
    if (Math.abs(diag) < 1e-12) return null;
    for (let k = c + 1; k < n; k++) {
      const f = ((A[k] as number[])[c] as number) / diag;
      for (let j = c; j < n; j++) (A[k] as number[])[j] = ((A[k] as number[])[j] as number) - f * ((A[c] as number[])[j] as number);
      r[k] = (r[k] as number) - f * (r[c] as number);
    }
  }
  const beta = new Array<number>(n).fill(0);
  for (let c = n - 1; c >= 0; c--) {
    let s = r[c] as number;
    for (let j = c + 1; j < n; j++) s -= ((A[c] as number[])[j] as number) * (beta[j] as number);
    beta[c] = s / ((A[c] as number[])[c] as number);
  }
  const out = [...fixed];
  idx.forEach((i, p) => (out[i] = beta[p] as number));
  return out;
}

const distinct = (xs: number[]) => new Set(xs.map((x) => x.toPrecision(6))).size;

/**
 * The curve through `points` closest in squared error, the prior's terms kept where the points say
 * nothing about them. memLo and memHi become the measured range: the model never extrapolates memory.
 */
export function fitCurve(points: readonly Measured[], prior: Curve): Curve & { rmsSeconds: number } {
  if (points.length === 0) return { ...prior, rmsSeconds: 0 };
  const mems = points.map((p) => logMem(p.memoryBytes));
  const freeMem = distinct(mems) > 1;
  const freeWorkers = distinct(points.map((p) => p.workers)) > 1;
  const freeA = distinct(points.map((p) => p.pages)) > 1;
  const y = points.map((p) => p.seconds);
  let best: { a: number; b: number; d: number; e: number; sse: number } | null = null;
  const grid = freeWorkers ? Math.round(E_MAX / E_STEP) : 0;
  for (let g = 0; g <= grid; g++) {
    const e = freeWorkers ? g * E_STEP : prior.e;
    const rows = points.map((p, k) => {
      const s = Math.pow(1 + p.workers, e);
      return [1, p.pages / s, (p.pages * (mems[k] as number)) / s];
    });
    const beta = leastSquares(rows, y, [freeA, true, freeMem], [freeA ? 0 : prior.a, prior.b, prior.d]);
    if (!beta) continue;
    const [a, b, d] = beta as [number, number, number];
    const sse = rows.reduce((s, row, k) => s + ((y[k] as number) - (a + (row[1] as number) * b + (row[2] as number) * d)) ** 2, 0);
    if (!best || sse < best.sse - 1e-15) best = { a, b, d, e, sse };
  }
  if (!best) return { ...prior, rmsSeconds: 0 };
  const memories = points.map((p) => p.memoryBytes);
  return {
    a: best.a,
    b: best.b,
    d: best.d,
    e: best.e,
    memLo: Math.min(...memories),
    memHi: Math.max(...memories),
    sortsInMemory: false,
    rmsSeconds: Math.sqrt(best.sse / points.length),
  };
}
