/**
 * buildPlan: plan file × catalog snapshot → Plan. Pure: the same inputs give the same Plan, byte for
 * byte once rendered, in plan order of tables, then column order.
 *
 * The stages, each in a module of its own:
 * - which tables and columns the plan means (src/catalog/resolve.ts);
 * - for each column, the advisor's decision (src/advisor/advise.ts) and what the server would refuse
 *   (checks.ts) make an Intent (intent.ts); a column its partitioned table's index covers, or that
 *   the advisor skips, gets its line in the Plan at once;
 * - names (naming.ts; the name strings in names.ts);
 * - each intent against the catalog, and its statements (reconcile.ts, partitions.ts, steps.ts);
 * - with `prune`, the drops of the indexes the plan does not declare (prune.ts);
 * - the tables this role may not create indexes on (checks.ts).
 * Every problem, whoever found it (resolution, the caller, the advisor, the checks), is reported at
 * once in one InputError; planned names taken by other definitions in one PlanningError after that
 * (conflicts.ts).
 */
import type { CatalogSnapshot, TableInfo } from '../catalog/types.js';
import type { PlanFile } from '../planfile/types.js';
import { InputError, type Problem } from '../errors.js';
import { resolveTables, type Resolution, type ResolvedTable } from '../catalog/resolve.js';
import { advise } from '../advisor/advise.js';
import { quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { checkIntent, permissionProblems, tablespaceName } from './checks.js';
import { conflictsError } from './conflicts.js';
import type { IndexDef } from './diff.js';
import { columnLabel, planningState, qname, type Intent } from './intent.js';
import { indexName, type NameParts } from './names.js';
import { assignNames } from './naming.js';
import { ancestors, partitionTargets } from './partitions.js';
import { predicateKey, type ServerKey } from './predicates.js';
import { entryShape, indexIntent, keysLabel, plannedKeys } from './index-entries.js';
import { planIntent } from './reconcile.js';
import { planPrune } from './prune.js';
import { withAutoIndexes } from './auto.js';
import type { WorkloadAdvice } from '../advisor/workload/advice.js';
import { deriveRunSettings, type MachineFacts } from './settings.js';
import { DEFAULT_MODEL, type CostModel } from '../cost/kinds.js';
import { costModelSummary, priceBuilds } from '../cost/plan-builds.js';
import { citusRunSettings } from './citus.js';
import type { ColumnPlan, Plan, TableSummary } from './types.js';

export interface BuildOptions {
  /**
   * The server's rendering (pg_get_expr) of each planned `where`, keyed by predicateKey(): lets a
   * partial index built by an earlier run be recognised although the server rewrote its predicate.
   */
  predicates?: ReadonlyMap<string, string>;
  /**
   * The server's reading of the keys of `indexes:` entries with expressions or collations, keyed by
   * keysKey(): expressions as pg_get_indexdef writes them, to compare with existing indexes.
   */
  serverKeys?: ReadonlyMap<string, ServerKey[]>;
  /** The machine the server runs on, when pgindex runs there too: its cores bound the run's. */
  machine?: MachineFacts | null;
  /** The cost model that prices the builds (src/cost): the server's calibration; absent, the defaults. */
  costModel?: CostModel;
  /** resolveTables(file, snapshot, { deferProblems: true }), when the caller has it already. */
  resolution?: Resolution;
  /** Problems the caller found at plan positions (the server rejected a `where`…), to be reported
   * together with the planner's own. */
  problems?: readonly Problem[];
  /** The workload advisor's verdict, for the `indexes: auto` entries (src/plan/auto.ts). */
  auto?: WorkloadAdvice;
}

/**
 * A column's place in the Plan, in plan order: its line already, or the intent that will give it.
 * Not wrapped in an object of its own: 40,000 wrappers at 10,000 tables, kept until the plan is made (issue 16).
 */
type ColumnSlot = ColumnPlan | Intent;
const isIntent = (slot: ColumnSlot): slot is Intent => 'decision' in slot;

export function buildPlan(file: PlanFile, snapshot: CatalogSnapshot, options: BuildOptions = {}): Plan {
  const auto = withAutoIndexes(options.resolution ?? resolveTables(file, snapshot, { deferProblems: true }), options.auto);
  const resolution = auto.resolution;
  const warnings: string[] = [...resolution.warnings];
  const problems: Problem[] = [...(resolution.problems ?? []), ...(options.problems ?? []), ...auto.problems];
  const tablesByKey = new Map<string, TableInfo>();
  for (const t of snapshot.tables) tablesByKey.set(qualifiedKey(t), t);

  const intents: Intent[] = [];
  const slots = columnSlots({ file, snapshot, resolved: resolution.tables, tablesByKey, predicates: options.predicates, serverKeys: options.serverKeys, problems, intents });
  assignNames(snapshot, intents, warnings, problems);

  const state = planningState(snapshot, tablesByKey, warnings);
  const columns = slots.map((slot) => (isIntent(slot) ? planIntent(state, slot) : slot));
  const kept = planPrune(state, file, resolution.tables, columns);
  problems.push(...state.problems, ...permissionProblems(state));
  if (problems.length > 0) throw new InputError(problems);
  if (state.conflicts.length > 0) throw conflictsError(state.conflicts);
  // On a Citus coordinator: shard builds per node kept within a bound (src/plan/citus.ts).
  const citus = citusRunSettings(file, snapshot, state.steps, deriveRunSettings(snapshot.server.settings, file, options.machine ?? null));
  const priced = priceBuilds(state.steps, snapshot, citus.settings, options.costModel ?? DEFAULT_MODEL, tablesByKey);
  // The steps are this plan's own, made above: each build carries its settings from here on.
  for (const step of state.steps) {
    const build = priced.builds.get(step.id);
    if (build) step.build = build;
  }
  return {
    version: 1,
    source: file.file,
    server: { version: snapshot.server.version, versionNum: snapshot.server.versionNum },
    settings: { ...citus.settings, costModel: costModelSummary(options.costModel ?? DEFAULT_MODEL, priced.predictedSeconds) },
    columns,
    steps: state.steps,
    warnings: [...new Set([...warnings, ...citus.warnings])],
    tables: summarise(resolution.tables.map((r) => r.table)),
    matchedNoTable: resolution.tables.length === 0,
    ...(kept.length > 0 ? { kept } : {}),
    ...(options.auto ? { auto: options.auto } : {}),
  };
}

/**
 * Every resolved column, in plan order, as its line in the Plan (covered by its partitioned table's
 * index, skipped by the advisor, or already led by an index) or as an Intent, which also goes to
 * `intents`. Problems go to `problems`, and the column is left out.
 */
function columnSlots(a: {
  file: PlanFile;
  snapshot: CatalogSnapshot;
  resolved: ResolvedTable[];
  tablesByKey: Map<string, TableInfo>;
  predicates: ReadonlyMap<string, string> | undefined;
  serverKeys: ReadonlyMap<string, ServerKey[]> | undefined;
  problems: Problem[];
  intents: Intent[];
}): ColumnSlot[] {
  const { file, snapshot, tablesByKey, problems, intents } = a;
  const slots: ColumnSlot[] = [];
  // Columns a partitioned table's index already covers need no index of their own on its partitions
  // (only a partitioned table is ever an ancestor: the others need no key, 40,000 strings at 10,000 tables).
  const plannedOnTable = new Set<string>();
  const shapesOnTable = new Set<string>();
  for (const r of a.resolved) {
    if (r.table.kind !== 'partitioned') continue;
    for (const c of r.columns) plannedOnTable.add(qualifiedKey(r.table) + '\0' + c.column.name);
    // Likewise the `indexes:` entries a partitioned table's entry of the same shape covers.
    for (const ix of r.indexes) shapesOnTable.add(qualifiedKey(r.table) + '\0' + entryShape(ix));
  }

  for (const r of a.resolved) {
    const table = r.table;
    // One name object for all the lines of a table's columns (nothing changes a line's table): at
    // 40,000 columns, 30,000 fewer objects that live as long as the plan (issue 16).
    const tableName = qname(table);
    const concurrently = r.spec.concurrently ?? file.concurrently;
    const covering = ancestors(table, tablesByKey);
    for (const { column, spec, include: includeColumns } of r.columns) {
      const pos = spec?.pos ?? r.spec.pos;
      // A partition's own entry with options of its own (a partial index, another method…) still stands.
      const ownOptions = spec !== null && (spec.where || spec.unique || spec.include?.length || spec.method || spec.opclass);
      // (Most tables are no partition: no closure for each of their columns.)
      const parent = ownOptions || covering.length === 0 ? undefined : covering.find((t) => plannedOnTable.has(qualifiedKey(t) + '\0' + column.name));
      if (parent) {
        const reason = `covered by the index planned on its partitioned table ${quoteQualified(parent)}`;
        slots.push({ table: tableName, column: column.name, type: column.type.declared, method: null, opclass: null, index: null, action: 'skip', reason });
        continue;
      }
      const decision = advise({ column, table, spec, rules: file.rules, catalog: snapshot });
      if (decision.kind === 'problem') {
        problems.push(decision.problem);
        continue;
      }
      if (decision.kind === 'skip') {
        // A column an existing valid index already leads is served: that is "exists", not a skip.
        const action = decision.existingIndex ? 'exists' : 'skip';
        // The decision's own name object, made for it: no copy.
        const index = decision.existingIndex ?? null;
        // Written out rather than spread from a common base: the most common line of a large plan (issue 16).
        const plan: ColumnPlan = { table: tableName, column: column.name, type: column.type.declared, method: null, opclass: null, index, action, reason: decision.reason };
        if (decision.suggestion) plan.suggestion = decision.suggestion;
        slots.push(plan);
        continue;
      }
      const where = spec?.where?.trim() || decision.where || null;
      const include = includeColumns.map((c) => c.name);
      const unique = spec?.unique ?? false;
      const writtenTablespace = spec?.tablespace ?? r.spec.tablespace ?? file.tablespace;
      const tablespace = writtenTablespace === undefined ? null : tablespaceName(writtenTablespace, pos, problems);
      // Only a where, a tablespace or unique has anything to check: most columns skip writing a label for it.
      if (where !== null || tablespace !== null || unique) {
        checkIntent({ table, columns: [column.name], label: columnLabel(table, column.name), where, tablespace, unique, pos, snapshot, tablesByKey, problems });
      }

      const opclass = decision.opclass === null ? null : { schema: decision.opclassSchema, name: decision.opclass };
      const def: IndexDef = {
        method: decision.method,
        keys: [{ column: column.name, opclass }],
        unique,
        include,
        where,
        whereNormalised: where !== null ? (a.predicates?.get(predicateKey(table, where)) ?? null) : null,
      };
      const parts: NameParts = { table: table.name, columns: [column.name], method: decision.method, unique };
      const target = { table, parts, name: indexName(parts), partitions: partitionTargets(tablesByKey, table, parts, pos, problems) };
      const intent: Intent = { table, column, decision, def, tablespace, concurrently, pos, target };
      slots.push(intent);
      intents.push(intent);
    }
    // The table's `indexes:` entries: never merged; one that its partitioned table's entry of the same
    // shape covers gets its line at once, as a column does.
    for (const ix of r.indexes) {
      const shape = entryShape(ix);
      const parent = covering.find((t) => shapesOnTable.has(qualifiedKey(t) + '\0' + shape));
      if (parent) {
        const keys = keysLabel(plannedKeys(ix));
        const type = ix.keys.map((c) => c?.type.declared ?? 'expression').join(', ');
        slots.push({
          table: tableName,
          column: keys,
          type,
          method: null,
          opclass: null,
          index: null,
          action: 'skip',
          reason: `covered by the index planned on its partitioned table ${quoteQualified(parent)}`,
        });
        continue;
      }
      const intent = indexIntent({ file, snapshot, tablesByKey, predicates: a.predicates, serverKeys: a.serverKeys, problems }, r, ix);
      if (intent) {
        slots.push(intent);
        intents.push(intent);
      }
    }
  }
  return slots;
}

/** Size facts of each planned table, once each, in plan order. */
function summarise(tables: TableInfo[]): TableSummary[] {
  // By the snapshot's table objects themselves: no key string for each table.
  const seen = new Set<TableInfo>();
  const out: TableSummary[] = [];
  for (const t of tables) {
    if (seen.has(t)) continue;
    seen.add(t);
    out.push({
      table: qname(t),
      kind: t.kind,
      rows: t.reltuples,
      pages: t.relpages,
      sizeBytes: t.sizeBytes,
      partitions: t.partitions.length,
      analyzed: t.lastAnalyzed !== null,
    });
  }
  return out;
}
