/** The arithmetic of the benchmark: medians, the lower bound, ratios and the targets. Pure. */

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Per statement, the fastest of several runs of the same statement list. */
export function statementMinima(runs: number[][]): number[] {
  const n = runs[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) => Math.min(...runs.map((r) => r[i] ?? Infinity)));
}

export interface LowerBound {
  /** No schedule beats the longest build: its fastest time alone, with the server's parallel workers. */
  longestMs: number;
  /** Nor the total work spread evenly over the cores. */
  workMs: number;
  cores: number;
  /** What the work is measured in: the builds' CPU time, or their wall time where CPU time is unknown. */
  workBasis: 'cpu' | 'wall';
  ms: number;
}

/**
 * max(longest single build, sum of single-session build times ÷ cores). The single-session times
 * come from a run without parallel workers, so that each is one core's work, and are the backend's
 * CPU time where it can be read: on a shared machine wall time also counts waiting for a core, which
 * would raise the bound. The longest build is its fastest time in the psql-like runs, where it may
 * use parallel workers.
 */
export function lowerBound(
  calibration: { wallMs: number; cpuMs: number | null }[],
  longestCandidatesMs: number[],
  cores: number,
): LowerBound {
  const cpu = calibration.every((c) => c.cpuMs !== null);
  const work = calibration.reduce((sum, c) => sum + (cpu ? (c.cpuMs as number) : c.wallMs), 0);
  const longestMs = Math.max(0, ...longestCandidatesMs);
  const workMs = work / cores;
  return { longestMs, workMs, cores, workBasis: cpu ? 'cpu' : 'wall', ms: Math.max(longestMs, workMs) };
}

/** One statement's timing in one run: wall time, and the backend's CPU time where it can be read. */
type Timed = { wallMs: number; cpuMs: number | null };

/**
 * The bound from each build at its best measured setting (issue 13): every statement timed alone at
 * each calibration memory (no workers: one core's work), its fastest taken; then max(the longest of
 * those, or its fastest in the psql-like runs where it may use workers, whichever is less; the sum
 * of the fastest ÷ cores). Lower than lowerBound where some build is faster at another memory than
 * at the single-core run's.
 */
export function bestSettingBound(byMemory: Timed[][], longestCandidatesMs: number[], cores: number): LowerBound {
  const n = byMemory[0]?.length ?? 0;
  const cpu = hasCpu(byMemory);
  const best = fastestRuns(byMemory).map((f) => f.ms);
  const bestWall = Array.from({ length: n }, (_, i) => Math.min(...byMemory.map((run) => run[i]?.wallMs ?? Infinity), longestCandidatesMs[i] ?? Infinity));
  const longestMs = Math.max(0, ...bestWall);
  const workMs = best.reduce((a, b) => a + b, 0) / cores;
  return { longestMs, workMs, cores, workBasis: cpu ? 'cpu' : 'wall', ms: Math.max(longestMs, workMs) };
}

/**
 * Longest-processing-time-first packing: each item, costliest first, goes to the session whose
 * work so far is least. What an oracle scheduler that knew every build's time would do without
 * parallel workers (within 4/3 of the best packing, and much closer with many small builds).
 * Returns, per session, the item indexes in the order they run.
 */
export function packLongestFirst(costs: number[], sessions: number): number[][] {
  const out: number[][] = Array.from({ length: Math.max(1, sessions) }, () => []);
  const load = out.map(() => 0);
  const order = costs.map((c, i) => ({ c, i })).sort((x, y) => y.c - x.c || x.i - y.i);
  for (const { c, i } of order) {
    const s = load.indexOf(Math.min(...load));
    out[s]?.push(i);
    load[s] = (load[s] ?? 0) + c;
  }
  return out;
}

/** Whether every statement of every run has its CPU time (which other programs do not inflate). */
function hasCpu(byMemory: Timed[][]): boolean {
  return byMemory.every((run) => run.every((c) => c.cpuMs !== null));
}

/**
 * Per statement, the run (one per memory) where it was fastest, and that time: CPU time where every
 * run has it, else wall time.
 */
export function fastestRuns(byMemory: Timed[][]): { run: number; ms: number }[] {
  const cpu = hasCpu(byMemory);
  const n = byMemory[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) => {
    let best = { run: 0, ms: Infinity };
    byMemory.forEach((run, r) => {
      const ms = (cpu ? run[i]?.cpuMs : run[i]?.wallMs) ?? Infinity;
      if (ms < best.ms) best = { run: r, ms };
    });
    return best;
  });
}

export type Verdict = 'PASS' | 'MISS';

export interface Target {
  name: string;
  /** What was measured, in the unit of `limit`. */
  value: number;
  limit: number;
  unit: string;
  verdict: Verdict;
  detail: string;
}

export function target(name: string, value: number, limit: number, unit: string, detail: string): Target {
  return { name, value, limit, unit, verdict: value <= limit ? 'PASS' : 'MISS', detail };
}
