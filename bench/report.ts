/** The benchmark's printed report: plain aligned text, the same table that goes into the README. */
import type { LowerBound, Target } from './analysis.js';

export interface ContenderSummary {
  id: string;
  label: string;
  runsMs: number[];
  medianMs: number;
  /** Statements that failed, over all runs; such runs did not build everything. */
  failedStatements: number;
  failures: string | null;
  /** Per run, the share of all CPU time that other programs on the machine used (Linux only). */
  foreignCpu: number[];
}

export interface SetSummary {
  name: string;
  description: string;
  statements: number;
  contenders: ContenderSummary[];
  lowerBound: LowerBound;
  /** The bound from each build at its best measured maintenance_work_mem (bestSettingBound); absent in older results. */
  bestSettingBound?: LowerBound;
  /** Contender ids the ratio columns divide by: (a) and (b). */
  sequentialId: string;
  naiveId: string;
  /** Others' CPU share during the single-core calibration run, or null when unknown. */
  calibrationForeignCpu: number | null;
}

/** The mean share of CPU others used, as a percentage, or '-' when unknown. */
export function othersCpu(shares: number[]): string {
  return shares.length === 0 ? '-' : `${((shares.reduce((a, b) => a + b, 0) / shares.length) * 100).toFixed(0)}%`;
}

export function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function ratio(a: number, b: number | undefined): string {
  return b === undefined || !Number.isFinite(b) || b === 0 ? '-' : (a / b).toFixed(2);
}

/** A table with a header row; columns after the first are right-aligned. */
export function alignTable(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

export function renderSet(set: SetSummary): string[] {
  const by = (id: string) => set.contenders.find((c) => c.id === id)?.medianMs;
  const a = by(set.sequentialId);
  const b = by(set.naiveId);
  const rows = [['contender', 'median', 'runs', '÷ (a)', '÷ (b)', '÷ bound', "others' CPU"]];
  for (const c of set.contenders) {
    rows.push([
      c.label + (c.failedStatements > 0 ? ' *' : ''),
      seconds(c.medianMs),
      c.runsMs.map((ms) => (ms / 1000).toFixed(2)).join(' '),
      ratio(c.medianMs, a),
      ratio(c.medianMs, b),
      ratio(c.medianMs, set.lowerBound.ms),
      othersCpu(c.foreignCpu),
    ]);
  }
  const lb = set.lowerBound;
  const notes = set.contenders
    .filter((c) => c.failedStatements > 0)
    .map((c) => `  * ${c.label}: ${c.failedStatements} statement(s) failed over ${c.runsMs.length} run(s), so it did not build everything: ${c.failures}`);
  return [
    `${set.name}: ${set.description}`,
    ...alignTable(rows).map((l) => '  ' + l),
    ...notes,
    `  lower bound ${seconds(lb.ms)} = max(longest single build ${seconds(lb.longestMs)} (its fastest in (a)), ` +
      `single-core build ${lb.workBasis === 'cpu' ? 'CPU time' : 'time'} ${seconds(lb.workMs * lb.cores)} ÷ ${lb.cores} cores = ${seconds(lb.workMs)})` +
      (set.calibrationForeignCpu !== null ? `; others used ${othersCpu([set.calibrationForeignCpu])} of the CPU during that calibration run` : ''),
    ...(set.bestSettingBound
      ? [
          `  best-setting bound ${seconds(set.bestSettingBound.ms)} = max(longest build at its best setting ${seconds(set.bestSettingBound.longestMs)}, ` +
            `work at each build's best memory ${seconds(set.bestSettingBound.workMs * set.bestSettingBound.cores)} ÷ ${set.bestSettingBound.cores} cores); pgindex (c) ÷ it: ` +
            ratio(set.contenders.find((c) => c.id === 'c')?.medianMs ?? NaN, set.bestSettingBound.ms),
        ]
      : []),
    ...(by('e') !== undefined
      ? [
          `  the oracle (e) ÷ best-setting bound: ${ratio(by('e') ?? NaN, set.bestSettingBound?.ms)} (what this machine loses running builds side by side); ` +
            `pgindex (c) ÷ the oracle: ${ratio(by('c') ?? NaN, by('e'))}`,
        ]
      : []),
  ];
}

export function renderTargets(targets: Target[], note: string | null): string[] {
  const rows = [['target', 'measured', 'limit', '']];
  for (const t of targets) {
    const fmt = (v: number) => (t.unit === 'ms' ? seconds(v) : t.unit === 'MB' ? `${v.toFixed(0)} MB` : `${v.toFixed(2)}${t.unit}`);
    rows.push([t.name, fmt(t.value), fmt(t.limit), t.verdict]);
  }
  const lines = ['targets' + (note ? ` (${note})` : ''), ...alignTable(rows).map((l) => '  ' + l)];
  for (const t of targets) lines.push(`  ${t.verdict} ${t.name}: ${t.detail}`);
  return lines;
}
