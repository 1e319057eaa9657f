/**
 * What a run did, counted by index rather than by statement: pure, from the steps' results (in plan
 * order, as a RunResult holds them). A rebuilt INVALID leftover is two statements (its DROP, then its CREATE) but one index,
 * and the summaries said "2 done of 2" for it; a partitioned index is a CREATE ... ON ONLY, a build
 * per partition and an ATTACH per partition. The statement counts stay in RunSummary as they were.
 */
import type { QualifiedName } from '../plan/types.js';
import { quoteMaybeQualified } from '../sql/quote.js';
import type { StepResult, StepState } from './types.js';

/** The indexes of a run, by what happened to them. */
export interface IndexCounts {
  /** Indexes built (CREATE INDEX, or CREATE INDEX ... ON ONLY a partitioned table) that ended done. */
  built: number;
  /** Of those, the ones built again after dropping an INVALID leftover of an earlier build. */
  rebuilt: number;
  /** Partition indexes attached to their parent's index. */
  attached: number;
  /** Indexes whose build (or the drop of their leftover before it) failed. */
  failed: number;
  /** Indexes not built: skipped (a dependency did not end done) or cancelled (interrupt, --fail-fast). */
  notBuilt: number;
}

/** One line of the summary: an index with the statements that made it, or a statement of its own. */
export interface OutcomeLine {
  /** The result the line shows: the build's, or the drop's when the drop did not end done. */
  result: StepResult;
  /** The DROP of an INVALID leftover that ran before the build, merged into its line. */
  dropped: StepResult | null;
  /** An index build (create, create-parent): counted in IndexCounts. */
  build: boolean;
}

function isBuild(r: StepResult): boolean {
  return r.action === 'create' || r.action === 'create-parent';
}

function key(index: QualifiedName | null): string | null {
  return index ? quoteMaybeQualified(index) : null;
}

/**
 * The lines of a summary, in plan order: each build with the drop of its leftover folded in (at the
 * build's place), attaches, statements of a SQL file, and any drop without a build after it.
 */
export function outcomes(results: readonly StepResult[]): OutcomeLine[] {
  const builds = new Set(results.filter(isBuild).map((r) => key(r.index)));
  const drops = new Map<string, StepResult>();
  for (const r of results) {
    const k = key(r.index);
    if (r.action === 'drop-invalid' && k !== null && builds.has(k)) drops.set(k, r);
  }
  const out: OutcomeLine[] = [];
  for (const r of results) {
    const k = key(r.index);
    if (r.action === 'drop-invalid' && k !== null && drops.get(k) === r) continue;
    const dropped = isBuild(r) && k !== null ? (drops.get(k) ?? null) : null;
    // A drop that did not end done is why its build never ran: the line shows the drop's end.
    const shown = dropped && dropped.state !== 'done' && r.state !== 'done' ? { ...dropped, sizeBytes: null } : r;
    out.push({ result: shown, dropped, build: isBuild(r) });
  }
  return out;
}

const NOT_BUILT: readonly StepState[] = ['skipped', 'cancelled'];

export function countIndexes(lines: readonly OutcomeLine[]): IndexCounts {
  const counts: IndexCounts = { built: 0, rebuilt: 0, attached: 0, failed: 0, notBuilt: 0 };
  for (const line of lines) {
    const state = line.result.state;
    if (line.result.action === 'attach' && state === 'done') counts.attached++;
    if (!line.build) continue;
    if (state === 'done') {
      counts.built++;
      if (line.dropped?.state === 'done') counts.rebuilt++;
    } else if (state === 'failed') counts.failed++;
    else if (NOT_BUILT.includes(state)) counts.notBuilt++;
  }
  return counts;
}
