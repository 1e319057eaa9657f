/**
 * The resource budget of one build, decided the moment it starts: pure.
 *
 * SET on the build's session happens right before CREATE INDEX, and a running build keeps what it was
 * given (PostgreSQL reads maintenance_work_mem and max_parallel_maintenance_workers when the build
 * starts). So the share is fixed at start, and a build that starts when the queue runs dry gets what
 * the finished builds freed: the tail is not left single-threaded. The plan's total is a ceiling, not
 * a share to fill: each build takes at most what its kind builds fastest with (buildMemoryCapBytes in
 * src/plan/settings.ts).
 */
import { buildMemoryCapBytes } from '../plan/settings.js';
import type { PlannedBuild, RunSettings, Step } from '../plan/types.js';

/** PostgreSQL refuses a maintenance_work_mem below 1MB. */
export const MIN_MAINTENANCE_WORK_MEM_KB = 1024;
/** PostgreSQL only plans a parallel build if every participant (leader and workers) gets 32MB. */
export const MIN_KB_PER_PARTICIPANT = 32 * 1024;
/** min_parallel_table_scan_size's default, in 8kB pages: smaller tables get no parallel workers. */
const PARALLEL_SCAN_THRESHOLD_PAGES = 1024;

/** Index builds get a memory and worker budget; ON ONLY parents are catalog-only and instant. */
export function isIndexBuild(step: Pick<Step, 'action'>): boolean {
  return step.action === 'create';
}

export interface BuildBudget {
  maintenanceWorkMemKb: number;
  /** max_parallel_maintenance_workers for this build. */
  workers: number;
}

export interface BudgetInput {
  settings: Pick<RunSettings, 'maintenanceWorkMemBytes' | 'cores' | 'maxWorkersPerBuild'>;
  /** Sessions of the run: at most this many builds run at once. */
  sessions: number;
  parallelCapable: boolean;
  /** Relation pages of the table (0 = unknown). */
  pages: number;
  /** The build's access method and estimated index size: what memory it can use (buildMemoryCapBytes). */
  method: string | null;
  indexBytes: number;
  /** The cost model's choice for this build (Step.build): its memory replaces buildMemoryCapBytes. */
  planned?: Pick<PlannedBuild, 'memoryBytes' | 'usefulWorkers'> | undefined;
  /** What the builds running now were given (this one not included). */
  running: readonly BuildBudget[];
  /** Builds still waiting to start after this one. */
  waiting: number;
  /**
   * The build is on the critical path: its predicted time alone is at least the work left (its own
   * included) divided by the cores, so the run cannot end before it does. It may take the spare
   * cores beyond an even share while builds still wait (their leaders keep a core each).
   */
  critical?: boolean;
}

/**
 * PostgreSQL's own cap on workers by table size (compute_parallel_worker): one worker from
 * min_parallel_table_scan_size, one more each time the table triples. Unknown size: no cap.
 */
export function workersForPages(pages: number): number {
  if (pages <= 0) return Number.POSITIVE_INFINITY;
  let workers = 0;
  let threshold = PARALLEL_SCAN_THRESHOLD_PAGES;
  while (pages >= threshold) {
    workers++;
    threshold *= 3;
  }
  return workers;
}

export function buildBudget(input: BudgetInput): BuildBudget {
  const { settings, running } = input;
  const alongside = running.length + 1;
  // Builds that will run at the same time as this one once the free sessions fill up.
  const concurrent = Math.max(alongside, Math.min(input.sessions, alongside + input.waiting));

  const totalKb = Math.floor(settings.maintenanceWorkMemBytes / 1024);
  const usedKb = running.reduce((sum, b) => sum + b.maintenanceWorkMemKb, 0);
  // The plan's total is a ceiling shared by the builds at once; each takes no more than its kind uses well.
  const shareKb = Math.max(MIN_MAINTENANCE_WORK_MEM_KB, Math.min(Math.floor(totalKb / concurrent), totalKb - usedKb));
  const ownKb = Math.floor((input.planned?.memoryBytes ?? buildMemoryCapBytes(input.method, input.indexBytes)) / 1024);
  const serialKb = Math.min(shareKb, ownKb);

  if (!input.parallelCapable) return { maintenanceWorkMemKb: serialKb, workers: 0 };

  const workersInUse = running.reduce((sum, b) => sum + b.workers, 0);
  const freeCores = settings.cores - alongside - workersInUse;
  // Keep one core for each build about to start on a free session.
  const reserved = concurrent - alongside;
  let workers = freeCores - reserved;
  if (input.waiting > 0 && !input.critical) {
    // While the queue is full, everyone gets the same share; at the tail, take what is free.
    workers = Math.min(workers, Math.floor((settings.cores - concurrent) / concurrent));
  }
  workers = Math.max(
    0,
    Math.min(workers, settings.maxWorkersPerBuild, input.planned?.usefulWorkers ?? Number.POSITIVE_INFINITY, workersForPages(input.pages), Math.floor(shareKb / MIN_KB_PER_PARTICIPANT) - 1),
  );
  // PostgreSQL plans a worker only if every participant gets 32MB: the build's own memory, or that.
  const maintenanceWorkMemKb = workers === 0 ? serialKb : Math.min(shareKb, Math.max(ownKb, (workers + 1) * MIN_KB_PER_PARTICIPANT));
  return { maintenanceWorkMemKb, workers };
}
