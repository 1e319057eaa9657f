/**
 * The words the outputs use for the cost model's choices: one build's settings and predicted time,
 * and where the model comes from. Shared by the SQL comments, `--explain` and the settings line.
 */
import { sizeSetting } from '../pg/settings.js';
import type { PlannedBuild, RunSettings } from '../plan/types.js';

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
