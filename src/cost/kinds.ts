/**
 * Build kinds and the model a plan is priced with: a curve per kind (model.ts), calibrated on the
 * server (`pgindex calibrate`) or the measured defaults below. Pure.
 *
 * A kind is (access method, operator class, server major version): a jsonb_ops GIN build extracts
 * every key and value, jsonb_path_ops one hash per path, a trigram GIN three entries a word; and
 * PostgreSQL's builds change between majors (parallel GIN builds since 18).
 */
import type { Curve } from './model.js';

export interface BuildKind {
  method: string;
  /** The operator class the build uses (the column type's default when the plan names none); '' unknown. */
  opclass: string;
  major: number;
}

export function kindKey(k: BuildKind): string {
  return `${k.method}/${k.opclass || '-'}/${k.major}`;
}

export function kindLabel(k: BuildKind): string {
  return `${k.method}${k.opclass ? ` (${k.opclass})` : ''}`;
}

const MB = 1024 * 1024;

/**
 * The defaults, from issue 13's measurements (PostgreSQL 15, 2 cores, 2 million rows, one build
 * alone; the tables of bench/dataset.ts, about 25,000 pages each at 80 rows a page):
 * btree on md5 text 2.8 s at 16MB → b ≈ 1.1e-4 s a page, +0.2 s a doubling of memory → d ≈ 8e-6,
 * one worker 1.6× faster → e = log2(1.6) ≈ 0.68; GIN on jsonb 8.6 s at 32MB → b ≈ 3.4e-4, +1.3 s a
 * doubling → d ≈ 5e-5. Kinds nobody measured are priced by the factors of src/plan/estimate.ts
 * against btree, with the same memory penalty as GIN for the methods that buffer (gist, spgist) and
 * a conservative worker exponent (0.4) for the parallel GIN builds of PostgreSQL 18.
 */
const BTREE_B = 1.1e-4;
const base = { a: 0.01, sortsInMemory: false };

export function defaultCurve(method: string): Curve {
  switch (method) {
    case 'btree':
      return { ...base, b: BTREE_B, d: 8e-6, e: 0.68, memLo: 16 * MB, memHi: 1024 * MB, sortsInMemory: true };
    case 'hash':
      return { ...base, b: 1.2 * BTREE_B, d: 8e-6, e: 0.68, memLo: 16 * MB, memHi: 1024 * MB };
    case 'gin':
      // Down to 16MB: on the bench's 2M-row data (PostgreSQL 15 and 18, three builds at each memory),
      // jsonb_path_ops on a 1M-row jsonb column took 6.3–7.8 s at 16MB against 7.3–8.2 at 32MB and
      // 7.5–9.2 at 64MB; GIN on text[] and on smaller jsonb was as fast at 16MB as at 32MB. At 8MB
      // some were slower, so the curve stops at 16MB.
      return { ...base, b: 3.4e-4, d: 5e-5, e: 0.4, memLo: 16 * MB, memHi: 512 * MB };
    case 'gist':
      return { ...base, b: 4 * BTREE_B, d: 0.15 * 4 * BTREE_B, e: 0.4, memLo: 32 * MB, memHi: 512 * MB };
    case 'spgist':
      return { ...base, b: 2 * BTREE_B, d: 0.15 * 2 * BTREE_B, e: 0.4, memLo: 32 * MB, memHi: 512 * MB };
    case 'brin':
      return { ...base, b: 0.2 * BTREE_B, d: 0, e: 0.68, memLo: 16 * MB, memHi: 16 * MB };
    default:
      return { ...base, b: 2 * BTREE_B, d: 8e-6, e: 0.4, memLo: 16 * MB, memHi: 1024 * MB, sortsInMemory: true };
  }
}

/** A curve with how it came about. */
export interface KindCurve {
  kind: BuildKind;
  curve: Curve;
  /** Calibration builds it was fitted to, and the root-mean-square error of the fit, seconds. */
  points: number;
  rmsSeconds: number;
}

/** The model a plan is priced with. */
export interface CostModel {
  /** Where the curves come from: a calibration of this server, or the defaults. */
  source: 'calibrated' | 'default';
  /** The calibration's server: pg_control_system()'s system identifier and the version number. */
  server?: { systemIdentifier: string; versionNum: number };
  /** When it was calibrated (ISO 8601), for the settings line. */
  calibratedAt?: string;
  curves: KindCurve[];
}

export const DEFAULT_MODEL: CostModel = Object.freeze({ source: 'default', curves: [] }) as CostModel;

/**
 * The curve of a kind: calibrated for exactly that kind, or for the same method and major with
 * another operator class, or the method's default. Also says which it was.
 */
export function curveFor(model: CostModel, kind: BuildKind): { curve: Curve; calibrated: boolean } {
  const exact = model.curves.find((c) => kindKey(c.kind) === kindKey(kind));
  if (exact) return { curve: exact.curve, calibrated: true };
  const method = model.curves.find((c) => c.kind.method === kind.method && c.kind.major === kind.major);
  if (method) return { curve: method.curve, calibrated: true };
  return { curve: defaultCurve(kind.method), calibrated: false };
}
