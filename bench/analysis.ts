/** The arithmetic of the benchmark: medians, the lower bound, ratios and the targets. Pure. */

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Per-statement medians over several runs of the same statement list. */
export function statementMedians(runs: number[][]): number[] {
  const n = runs[0]?.length ?? 0;
  return Array.from({ length: n }, (_, i) => median(runs.map((r) => r[i] ?? NaN)));
}

export interface LowerBound {
  /** No schedule beats the longest build (measured alone, with the server's parallel workers). */
  longestMs: number;
  /** Nor the total work spread evenly: single-core build times summed, over the cores. */
  workMs: number;
  cores: number;
  ms: number;
}

/**
 * max(longest single build, sum of single-session build times ÷ cores). The single-session times
 * are measured with max_parallel_maintenance_workers = 0, so that each is one core's work; the
 * longest build is taken from the psql-like run, where it may use parallel workers.
 */
export function lowerBound(serialMs: number[], sequentialMs: number[], cores: number): LowerBound {
  const longestMs = Math.max(0, ...sequentialMs);
  const workMs = serialMs.reduce((a, b) => a + b, 0) / cores;
  return { longestMs, workMs, cores, ms: Math.max(longestMs, workMs) };
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
