/**
 * A SQL file's steps priced in predicted seconds by the cost model (src/cost), the model `apply`
 * prices its builds with: each CREATE INDEX (and each key's CREATE UNIQUE INDEX) by its method's
 * curve at the memory the run's budget gives it (buildMemoryCapBytes of its size), a REINDEX or an
 * EXCLUDE constraint as a btree build, a foreign key's validation as a scan of both tables, every
 * other statement as instant. Each step's rank is then its own seconds plus the longest chain of
 * steps waiting for it (byCriticalPath). The one pricing of a file's steps: planScript prices with
 * the model it is given, DEFAULT_MODEL when none; scriptSteps gives the steps pages and sizes only.
 * Pure.
 *
 * The prices go into Step.estimate.cost, not Step.build as apply's do: the scheduler ranks a step
 * with a Step.build by its own seconds alone, and in a SQL file a build's rank needs the chain after
 * it (a key's index, then its attach, then the foreign keys' validations; a table's builds, which a
 * foreign key referencing the table comes after). Measured on the bench's mixed set with Step.build
 * set: the BRIN build that `order_lines`' first validation waits for ranked last, and the statements
 * took 6.8 s against 3.9–4.9 s. So the budget gives each build the memory it gives any build of
 * that size, which is also what the default curves choose (calibrated memories are apply's only).
 *
 * The file's statements are not matched to columns (one more catalog read before the first
 * statement): a build's kind is its method, with the calibrated curve of that method when there is
 * one, and its size is bounded by its table's. So the model cannot tell a btree on a
 * low-cardinality leading column (slow to sort) from one on a key: it prices them by pages alike.
 */
import { curveFor, type CostModel } from '../cost/kinds.js';
import { predictSeconds } from '../cost/model.js';
import { isIndexBuild } from '../cost/budget.js';
import { buildMemoryCapBytes } from '../plan/settings.js';
import type { Step } from '../plan/types.js';

/** What a validation's scan is priced at: a btree build's work per page, at 32MB (no sort to size). */
const SCAN_MEMORY = 32 * 1024 * 1024;

export function priceScript(steps: readonly Step[], versionNum: number, model: CostModel): Step[] {
  const major = Math.floor(versionNum / 10000);
  const curve = (method: string) => curveFor(model, { method, opclass: '', major }).curve;
  const own = (step: Step): number => {
    if (isIndexBuild(step) && step.method) {
      return predictSeconds(curve(step.method), step.estimate.pages, buildMemoryCapBytes(step.method, step.estimate.sizeBytes), 0);
    }
    // A build the file runs as written (REINDEX, an EXCLUDE constraint) has its index's size: priced as a btree build.
    if (step.estimate.sizeBytes > 0) return predictSeconds(curve('btree'), step.estimate.pages, buildMemoryCapBytes('btree', step.estimate.sizeBytes), 0);
    // A foreign key's validation: a scan of both tables (their pages), no index to size.
    if (step.estimate.pages > 0) return predictSeconds(curve('btree'), step.estimate.pages, SCAN_MEMORY, 0);
    return 0;
  };
  return byCriticalPath(steps.map((step) => ({ ...step, estimate: { ...step.estimate, cost: round(own(step)) } })));
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Each step's cost as the scheduler ranks the steps that are not builds: its own, plus the most
 * expensive chain of steps that wait for it. An instant ADD CONSTRAINT … USING INDEX that a long
 * validation waits for starts before a build of the same size that nothing waits for. Dependencies
 * point to earlier steps, so one pass from the end is enough.
 */
function byCriticalPath(steps: readonly Step[]): Step[] {
  const tail = new Map<string, number>();
  const out = [...steps];
  for (let i = out.length - 1; i >= 0; i--) {
    const step = out[i] as Step;
    const cost = step.estimate.cost + (tail.get(step.id) ?? 0);
    if (cost !== step.estimate.cost) out[i] = { ...step, estimate: { ...step.estimate, cost } };
    for (const d of [...step.dependsOn, ...(step.after ?? [])]) tail.set(d, Math.max(tail.get(d) ?? 0, cost));
  }
  return out;
}
