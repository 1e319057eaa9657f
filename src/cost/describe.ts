/**
 * The words the outputs use for the cost model's choices: one build's settings and predicted time,
 * and where the model comes from. Shared by the SQL comments, `--explain` and the settings line.
 */
import { sizeSetting } from '../pg/settings.js';
import type { PlannedBuild, RunSettings } from '../plan/types.js';
import { thousands } from '../format.js';
import type { CalibrationResult } from './calibrate.js';
import { kindLabel } from './kinds.js';
import { CALIBRATION_MEMORIES, chooseSettings, predictSeconds, type Curve } from './model.js';

/** Seconds as the outputs print them: 0.02 s, 8.6 s, 125 s. */
export function seconds(s: number): string {
  if (s < 1) return `${s.toFixed(2)} s`;
  if (s < 100) return `${s.toFixed(1)} s`;
  return `${Math.round(s)} s`;
}

/** "maintenance_work_mem 32MB, 1 worker, predicted 8.6 s (gin/jsonb_ops/15, default curve)". */
export function buildSettingsText(b: PlannedBuild): string {
  const workers = `${b.workers} parallel worker${b.workers === 1 ? '' : 's'}`;
  return `maintenance_work_mem ${sizeSetting(b.maintenanceWorkMemBytes)}, ${workers}, predicted ${seconds(b.seconds)} (${b.kind}, ${b.calibrated ? 'calibrated' : 'default'} curve)`;
}

/** The settings line's words for the model. */
export function costModelText(m: NonNullable<RunSettings['costModel']>): string {
  const from = m.source === 'calibrated' ? `calibrated${m.calibratedAt ? ` ${m.calibratedAt.slice(0, 10)}` : ''}` : 'default (not calibrated: see pgindex calibrate)';
  return `cost model ${from}, builds predicted ${seconds(m.predictedSeconds)}`;
}

const sci = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 0.01 ? x.toFixed(3) : x.toExponential(2));

/** A curve as a formula: "t = 0.012 s + pages × (3.10e-4 + 2.00e-6·log2(mem/32MB)) s / (1 + workers)^0.40". */
export function curveFormula(c: Curve): string {
  return `t = ${sci(c.a)} s + pages × (${sci(c.b)} ${c.d < 0 ? '-' : '+'} ${sci(Math.abs(c.d))}·log2(mem/32MB)) s / (1 + workers)^${c.e.toFixed(2)}`;
}

/** The pages the curves are shown at: a table of about 800MB. */
const SHOWN_PAGES = 100_000;

/** What `pgindex calibrate` prints: per kind its formula, the fit, and the curve at a few memories. */
export function calibrationText(r: CalibrationResult): string {
  const out: string[] = [];
  for (const k of r.kinds) {
    out.push(`${kindLabel(k.kind)}, PostgreSQL ${k.kind.major}: ${curveFormula(k.curve)}`);
    out.push(`  fitted to ${k.points} builds on ${k.from} (root-mean-square error ${seconds(k.rmsSeconds)})`);
    for (const m of k.measured) out.push(`    ${thousands(m.pages)} pages at ${sizeSetting(m.memoryBytes)}: ${seconds(m.seconds)} measured, ${seconds(predictSeconds(k.curve, m.pages, m.memoryBytes, m.workers))} fitted`);
    const best = chooseSettings(k.curve, SHOWN_PAGES, 0, k.curve.memHi, 0);
    const at = CALIBRATION_MEMORIES.map((mem) => `${sizeSetting(mem)} ${seconds(predictSeconds(k.curve, SHOWN_PAGES, mem, 0))}`).join(' · ');
    out.push(`  ${thousands(SHOWN_PAGES)} pages: ${at}; chosen ${sizeSetting(best.memoryBytes)}`);
    if (!k.workersMeasured) out.push('  workers: not measured (no parallel worker builds a temporary table); the default exponent');
  }
  for (const s of r.skipped) out.push(`${s.kind}: not calibrated, the default curve stays: ${s.reason}`);
  out.push(`cache: ${r.cacheFile} (server ${r.server.systemIdentifier}, version ${r.server.versionNum})`);
  return out.join('\n') + '\n';
}
