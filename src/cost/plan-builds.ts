/**
 * Each index build of a plan priced by the cost model: its kind, the memory and workers the model
 * chooses, and the predicted time as the run will schedule it. Pure: plan steps × catalog snapshot ×
 * model → each build's settings (Step.build), by step id.
 *
 * Workers depend on what runs beside a build, so the plan replays the run's schedule: longest
 * predicted build first on `parallelism` sessions, each build's budget decided when it starts by the
 * runner's own rule (src/cost/budget.ts). The runner applies that rule again with what really
 * runs, so a build that ends early or late moves the others' workers, never their memory. The replay
 * leaves out dependencies and table locks (partition attaches, CONCURRENTLY builds of one table):
 * the predicted total is a lower figure for plans that have them.
 */
import type { CatalogSnapshot, ColumnInfo, ColumnType, TableInfo } from '../catalog/types.js';

type SnapshotFacts = Pick<CatalogSnapshot, 'server' | 'tables' | 'opclasses' | 'binaryCoercions'>;
import { defaultOpclass } from '../pg/opclasses.js';
import { buildMemoryCapBytes } from '../plan/settings.js';
import { qualifiedKey } from '../sql/qualified.js';
import type { PlannedBuild, RunSettings, Step } from '../plan/types.js';
import { buildBudget, isIndexBuild, workersForPages, type BuildBudget } from './budget.js';
import { curveFor, kindKey, type BuildKind, type CostModel } from './kinds.js';
import { chooseSettings, predictSeconds, type Curve } from './model.js';

/** The kind of a build step: its method, its key's operator class, the server's major version. */
export function stepKind(step: Step, snapshot: SnapshotFacts, tables: ReadonlyMap<string, TableInfo>): BuildKind {
  const method = step.method ?? 'btree';
  const major = Math.floor(snapshot.server.versionNum / 10000);
  if (step.opclass) return { method, opclass: step.opclass, major };
  const column = keyColumn(step, tables);
  const opclass = column ? defaultOpclass(snapshot, method, column.type) : null;
  return { method, opclass: opclass?.name ?? '', major };
}

/** The table's column a build's first key is, if it is one. */
function keyColumn(step: Step, tables: ReadonlyMap<string, TableInfo>): ColumnInfo | undefined {
  const table = step.table ? tables.get(qualifiedKey(step.table)) : undefined;
  return table?.columns.find((c) => c.name === step.columns[0]);
}

interface Priced {
  step: Step;
  /** kindKey of the build's kind. */
  kind: string;
  curve: Curve;
  calibrated: boolean;
  memoryBytes: number;
  usefulWorkers: number;
  serialSeconds: number;
}

export interface PricedPlan {
  /** Each index build's settings and predicted time, by step id: the caller sets them as the step's `build`. */
  builds: Map<string, PlannedBuild>;
  /** When the last build ends in the replayed schedule, seconds from the start. */
  predictedSeconds: number;
}

/** `tablesByKey`: the snapshot's tables by qualifiedKey, when the caller has them already (buildPlan does). */
export function priceBuilds(steps: readonly Step[], snapshot: SnapshotFacts, settings: RunSettings, model: CostModel, tablesByKey?: ReadonlyMap<string, TableInfo>): PricedPlan {
  const priced = new Map<string, Priced>();
  let tables: ReadonlyMap<string, TableInfo> | null = tablesByKey ?? null;
  // A plan has a handful of kinds and may have 10,000 builds: each kind's curve is looked up once,
  // and the kind of a build without an operator class once per method and column type (the
  // snapshot shares one ColumnType object among the columns of a type).
  const curves = new Map<string, { key: string; curve: Curve; calibrated: boolean }>();
  const byType = new Map<string, Map<ColumnType, { key: string; curve: Curve; calibrated: boolean }>>();
  const known = (kind: BuildKind) => {
    const key = kindKey(kind);
    let found = curves.get(key);
    if (!found) {
      found = { key, ...curveFor(model, kind) };
      curves.set(key, found);
    }
    return found;
  };
  for (const step of steps) {
    if (!isIndexBuild(step)) continue;
    tables ??= new Map(snapshot.tables.map((t) => [qualifiedKey(t), t]));
    const type = step.opclass ? undefined : keyColumn(step, tables)?.type;
    let forType = type ? byType.get(step.method ?? 'btree')?.get(type) : undefined;
    if (!forType) {
      forType = known(stepKind(step, snapshot, tables));
      if (type) {
        const method = step.method ?? 'btree';
        const types = byType.get(method) ?? new Map<ColumnType, { key: string; curve: Curve; calibrated: boolean }>();
        types.set(type, forType);
        byType.set(method, types);
      }
    }
    const { key, curve, calibrated } = forType;
    const maxWorkers = step.parallelCapable ? Math.min(settings.maxWorkersPerBuild, workersForPages(step.estimate.pages)) : 0;
    // What sorting the index in memory takes, up to 128MB (buildMemoryCapBytes): the floor of an uncalibrated sort.
    const sortBytes = buildMemoryCapBytes(step.method, step.estimate.sizeBytes);
    const choice = chooseSettings(curve, step.estimate.pages, sortBytes, settings.maintenanceWorkMemBytes, maxWorkers);
    const serialSeconds = predictSeconds(curve, step.estimate.pages, choice.memoryBytes, 0);
    priced.set(step.id, { step, kind: key, curve, calibrated, memoryBytes: choice.memoryBytes, usefulWorkers: choice.workers, serialSeconds });
  }
  const planned = replay([...priced.values()], settings);
  // The builds alone, not a copy of every step with its build: buildPlan sets them on its own fresh
  // steps (the copies were 18 ms of a 10,000-build plan, and as much garbage; issue 16).
  const builds = new Map<string, PlannedBuild>();
  for (const [id, p] of priced) {
    const r = planned.builds.get(id);
    if (!r) continue;
    builds.set(id, {
      kind: p.kind,
      calibrated: p.calibrated,
      memoryBytes: p.memoryBytes,
      usefulWorkers: p.usefulWorkers,
      workers: r.budget.workers,
      maintenanceWorkMemBytes: r.budget.maintenanceWorkMemKb * 1024,
      seconds: round(r.seconds),
    });
  }
  return { builds, predictedSeconds: round(planned.end) };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** The run's schedule, replayed with predicted durations: longest serial build first, plan order on ties. */
function replay(builds: Priced[], settings: RunSettings): { builds: Map<string, { budget: BuildBudget; seconds: number }>; end: number } {
  const queue = builds.map((b, i) => ({ b, i })).sort((x, y) => y.b.serialSeconds - x.b.serialSeconds || x.i - y.i);
  const sessions = Math.max(1, settings.parallelism);
  // The builds running: when each ends, and its budget at the same place (what buildBudget is given).
  const ends: number[] = [];
  const budgets: BuildBudget[] = [];
  const out = new Map<string, { budget: BuildBudget; seconds: number }>();
  let now = 0;
  let end = 0;
  // The predicted work not started yet: a build at least a core's share of it is on the critical path.
  let remaining = builds.reduce((sum, b) => sum + b.serialSeconds, 0);
  for (let k = 0; k < queue.length; k++) {
    if (ends.length >= sessions) {
      // The next session to free up is the build that ends first (the earliest started of those
      // that end together). Found by a scan, not a sort per build: a sort's scratch copy each time
      // was 8 MB of garbage at 10,000 builds (issue 16).
      let first = 0;
      for (let j = 1; j < ends.length; j++) if ((ends[j] as number) < (ends[first] as number)) first = j;
      now = Math.max(now, ends[first] as number);
      ends.splice(first, 1);
      budgets.splice(first, 1);
    }
    const { b } = queue[k] as { b: Priced };
    const budget = buildBudget({
      settings,
      sessions,
      parallelCapable: b.step.parallelCapable,
      pages: b.step.estimate.pages,
      method: b.step.method,
      indexBytes: b.step.estimate.sizeBytes,
      planned: { memoryBytes: b.memoryBytes, usefulWorkers: b.usefulWorkers },
      running: budgets,
      waiting: queue.length - k - 1,
      critical: b.serialSeconds * settings.cores >= remaining,
    });
    remaining -= b.serialSeconds;
    const seconds = predictSeconds(b.curve, b.step.estimate.pages, budget.maintenanceWorkMemKb * 1024, budget.workers);
    out.set(b.step.id, { budget, seconds });
    ends.push(now + seconds);
    budgets.push(budget);
    end = Math.max(end, now + seconds);
  }
  return { builds: out, end };
}

/** What the plan's settings say of the model: RunSettings.costModel. */
export function costModelSummary(model: CostModel, predictedSeconds: number): NonNullable<RunSettings['costModel']> {
  return { source: model.source, ...(model.calibratedAt ? { calibratedAt: model.calibratedAt } : {}), predictedSeconds };
}
