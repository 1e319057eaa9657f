/**
 * The cost model of index builds: predicted seconds of one build kind (kinds.ts) as a function of
 * the table's pages, maintenance_work_mem and parallel workers, and the settings it chooses. Pure.
 *
 *   t = a + pages · (b + d·log2(mem / 32MB)) / (1 + workers)^e
 *
 * Why this form: the time of a build is a fixed part (catalog work, the final index write of a tiny
 * table) plus a part proportional to the table it reads. Issue 13's measurements (PostgreSQL 15,
 * 2 million rows, 2 cores, one build alone) show that part growing with memory, by a roughly constant
 * amount per doubling: GIN on jsonb 8.6 s at 32MB, 9.5 at 64MB, 10.2 at 128MB, 12.8 at 256MB, 13.8
 * at 512MB (about +1.3 s, 15%, a doubling); btree on md5 text 2.8 s at 16MB, 3.3 at 64MB, 3.7 at 256MB,
 * 3.6 at 1GB (about +0.2 s, 8%, a doubling): hence d·log2(mem). Workers divide the proportional part
 * with diminishing returns, (1 + workers)^e: the btree with one worker took 1.8 s against 3.3 s at
 * 64MB, a speed-up of 1.6 to 1.8, e ≈ 0.7; e < 1 keeps a second and third worker from being promised
 * a linear gain nobody measured. Three linear terms and one exponent: a handful of calibration
 * builds fit it by least squares (fit.ts).
 *
 * The model is only trusted inside the memory it was measured at (memLo..memHi): the memory chosen
 * is never outside that range.
 */

const MB = 1024 * 1024;
const REF_MEMORY = 32 * MB;

/** One kind's curve. */
export interface Curve {
  /** Seconds whatever the size. */
  a: number;
  /** Seconds per page at 32MB with no worker. */
  b: number;
  /** Seconds per page per doubling of maintenance_work_mem above 32MB (negative: memory helps). */
  d: number;
  /** Exponent of the speed-up by workers, (1 + workers)^e. */
  e: number;
  /** The memory range the curve was measured over, bytes. */
  memLo: number;
  memHi: number;
  /**
   * Uncalibrated btree and friends: at least enough memory to sort the index in memory, up to a
   * cap (src/plan/settings.ts buildMemoryCapBytes: 128MB), since the defaults know nothing below it.
   */
  sortsInMemory: boolean;
}

export function logMem(bytes: number): number {
  return Math.log2(Math.max(MB, bytes) / REF_MEMORY);
}

/** Predicted seconds of a build over `pages` pages with these settings. */
export function predictSeconds(c: Curve, pages: number, memoryBytes: number, workers: number): number {
  const perPage = Math.max(0, c.b + c.d * logMem(memoryBytes));
  return Math.max(0, c.a + (Math.max(0, pages) * perPage) / Math.pow(1 + Math.max(0, workers), c.e));
}

/** The memories `pgindex calibrate` builds each kind at. */
export const CALIBRATION_MEMORIES: readonly number[] = [16 * MB, 64 * MB, 256 * MB];

/** PostgreSQL plans a parallel build only if every participant (leader and workers) gets 32MB. */
export const MIN_BYTES_PER_PARTICIPANT = 32 * MB;

/**
 * Candidate memories, ascending: lo, the powers of two between lo and hi, and hi (lo ≤ hi). Made in
 * order, with no set and no sort: a 10,000-build plan asks for them 10,000 times (issue 16).
 */
function memoryCandidates(lo: number, hi: number): number[] {
  const out = [lo];
  for (let m = MB; m < hi; m *= 2) if (m > lo) out.push(m);
  if (hi !== lo) out.push(hi);
  return out;
}

/** Rounds up to a whole MB: what a SET of maintenance_work_mem says. */
const wholeMb = (bytes: number) => Math.ceil(bytes / MB) * MB;

export interface BuildChoice {
  /** maintenance_work_mem for the build alone, with no worker. */
  memoryBytes: number;
  /** The parallel workers worth having (at most `maxWorkers`). */
  workers: number;
  /** maintenance_work_mem with those workers (each participant needs 32MB). */
  maintenanceWorkMemBytes: number;
  seconds: number;
}

/**
 * The memory and workers with the least predicted time, within `ceilingBytes` of memory and
 * `maxWorkers` workers. `sortBytes` is what an in-memory sort of the index takes (for sortsInMemory).
 * Ties go to less memory and fewer workers: what another build can then use.
 */
export function chooseSettings(c: Curve, pages: number, sortBytes: number, ceilingBytes: number, maxWorkers: number): BuildChoice {
  const hi = wholeMb(Math.max(MB, Math.min(c.memHi, ceilingBytes)));
  const lo = Math.min(hi, wholeMb(Math.max(MB, c.sortsInMemory ? Math.max(c.memLo, sortBytes) : c.memLo)));
  let memoryBytes = lo;
  let serial = predictSeconds(c, pages, lo, 0);
  for (const m of memoryCandidates(lo, hi)) {
    const t = predictSeconds(c, pages, m, 0);
    if (t < serial * (1 - 1e-9)) [memoryBytes, serial] = [m, t];
  }
  let best: BuildChoice = { memoryBytes, workers: 0, maintenanceWorkMemBytes: memoryBytes, seconds: serial };
  for (let w = 1; w <= maxWorkers; w++) {
    const m = Math.max(memoryBytes, w === 0 ? 0 : (w + 1) * MIN_BYTES_PER_PARTICIPANT);
    if (m > Math.max(ceilingBytes, memoryBytes)) break;
    const t = predictSeconds(c, pages, m, w);
    if (t < best.seconds * (1 - 1e-9)) best = { memoryBytes, workers: w, maintenanceWorkMemBytes: m, seconds: t };
  }
  return best;
}
