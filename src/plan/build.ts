/**
 * buildPlan: plan file × catalog snapshot → Plan. Pure: the same inputs give the same Plan, byte for
 * byte once rendered, in plan order of tables, then column order.
 *
 * For each column the advisor chooses a method (or a skip, with its reason); this module names the
 * index, compares it with what the database has (src/plan/diff.ts), and writes the statements:
 * - an equivalent valid index, whatever its name → `exists`, no statement;
 * - an INVALID index with the planned name (an interrupted CONCURRENTLY build) → drop it, build again;
 * - a valid index with the planned name but another definition → PlanningError showing both;
 * - a partitioned table → `CREATE INDEX ... ON ONLY parent`, one CONCURRENTLY build per partition and
 *   `ALTER INDEX ... ATTACH PARTITION` for each, recursively through sub-partitioned partitions; a
 *   partition that already has an equivalent index gets it attached, not rebuilt. Without
 *   `concurrently`, one plain CREATE INDEX on the parent (PostgreSQL recurses and attaches itself).
 */
import type { CatalogSnapshot, ColumnInfo, IndexInfo, TableInfo } from '../catalog/types.js';
import type { PlanFile, SourcePos } from '../planfile/types.js';
import type { ColumnPlan, Plan, QualifiedName, Step, TableSummary } from './types.js';
import { NameSyntaxError, parseIdentifier } from '../catalog/names.js';
import type { Decision } from '../advisor/types.js';
import { InputError, PlanningError, formatProblem, type Problem } from '../errors.js';
import { resolveTables, type Resolution } from '../catalog/resolve.js';
import { isValid } from '../pg/index-state.js';
import { advise } from '../advisor/advise.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { indexName, withDisambiguator, type NameParts } from './names.js';
import { attachPartitionSql, createIndexSql, dropInvalidIndexSql, rawPredicateProblem } from './sql.js';
import { differences, findEquivalentValid, isEquivalent, normalisePredicate, plannedIsDefault, type IndexDef } from './diff.js';
import { deriveRunSettings } from './settings.js';
import { estimateBuild, sumEstimates, ZERO_ESTIMATE, type Estimate } from './estimate.js';
import { parallelCapable } from '../pg/access-methods.js';
import { stepFacts, type StepFacts } from './step-facts.js';

export interface BuildOptions {
  /**
   * The server's rendering (pg_get_expr) of each planned `where`, keyed by predicateKey(): lets a
   * partial index built by an earlier run be recognised although the server rewrote its predicate.
   */
  predicates?: ReadonlyMap<string, string>;
  /** resolveTables(file, snapshot, { deferProblems: true }), when the caller has it already. */
  resolution?: Resolution;
  /** Problems the caller found at plan positions (the server rejected a `where`…), to be reported
   * together with the planner's own. */
  problems?: readonly Problem[];
}

export function predicateKey(table: QualifiedName, where: string): string {
  return `${qualifiedKey(table)}\0${where.trim()}`;
}

const qname = (t: { schema: string; name: string }): QualifiedName => ({ schema: t.schema, name: t.name });
const display = (q: QualifiedName): string => quoteQualified(q);

/** One index the plan wants on one relation; partitions of a partitioned table are its children. */
interface Node {
  table: TableInfo;
  parts: NameParts;
  name: string;
  children: Node[];
}

/** One planned index for one column of one resolved table. */
interface Intent {
  table: TableInfo;
  column: ColumnInfo;
  decision: Extract<Decision, { kind: 'index' }>;
  def: IndexDef;
  tablespace: string | null;
  concurrently: boolean;
  pos: SourcePos;
  node: Node;
  /** Set when an identical index was planned earlier in the plan. */
  duplicateOf?: Intent;
}

/**
 * What makes two planned indexes the same index: an operator class named in the plan that is the
 * default for the column's type counts as no operator class, INCLUDE columns as a set, predicates
 * as the server writes them (or normalised text).
 */
function defKey(snapshot: CatalogSnapshot, table: TableInfo, def: IndexDef): string {
  const opclass = (k: IndexDef['keys'][number]): string => {
    const column = table.columns.find((c) => c.name === k.column);
    if (k.opclass === null || plannedIsDefault(snapshot, def.method, k, column)) return '';
    return `${k.opclass.schema ?? ''}.${k.opclass.name}`;
  };
  const where = def.whereNormalised ?? def.where;
  return [
    table.schema,
    table.name,
    def.method,
    def.keys.map((k) => `${k.column}:${opclass(k)}`).join(','),
    def.unique ? 'u' : '',
    [...def.include].sort().join(','),
    where ? normalisePredicate(where) : '',
  ].join('\0');
}

/** Code-unit order, the same on every machine (no locale). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Every level below a partitioned table, as nodes named after each partition. */
function partitionNodes(tablesByKey: Map<string, TableInfo>, table: TableInfo, parts: NameParts, pos: SourcePos): Node[] {
  if (table.kind !== 'partitioned') return [];
  const children = [...table.partitions].sort((a, b) => compareText(qualifiedKey(a), qualifiedKey(b)));
  return children.map((p) => {
    const child = tablesByKey.get(qualifiedKey(p));
    if (!child) {
      throw new PlanningError(`partition ${display(p)} of ${display(table)} is missing from the catalog snapshot`, pos);
    }
    const childParts = { ...parts, table: child.name };
    return { table: child, parts: childParts, name: indexName(childParts), children: partitionNodes(tablesByKey, child, childParts, pos) };
  });
}

function allNodes(node: Node): Node[] {
  return [node, ...node.children.flatMap(allNodes)];
}

function ancestors(table: TableInfo, tablesByKey: Map<string, TableInfo>): TableInfo[] {
  const out: TableInfo[] = [];
  let p = table.parent;
  while (p) {
    const t = tablesByKey.get(qualifiedKey(p));
    if (!t) break;
    out.push(t);
    p = t.parent;
  }
  return out;
}

export function buildPlan(file: PlanFile, snapshot: CatalogSnapshot, options: BuildOptions = {}): Plan {
  const resolution = options.resolution ?? resolveTables(file, snapshot, { deferProblems: true });
  const { tables: resolved, warnings: resolveWarnings } = resolution;
  const versionNum = snapshot.server.versionNum;
  const warnings: string[] = [...resolveWarnings];
  // Every problem with the plan is reported at once, at its plan position: resolution's, the
  // caller's, the advisor's and the checks below.
  const problems: Problem[] = [...(resolution.problems ?? []), ...(options.problems ?? [])];
  const conflicts: string[] = [];
  const tablesByKey = new Map(snapshot.tables.map((t) => [qualifiedKey(t), t]));
  const columns: ColumnPlan[] = [];
  /** Column plans in plan order; intents fill theirs in once the catalog has been compared. */
  const slots: { intent?: Intent; plan?: ColumnPlan }[] = [];
  const intents: Intent[] = [];

  // Columns a partitioned table's index already covers need no index of their own on its partitions.
  const plannedOnTable = new Set<string>();
  for (const r of resolved) for (const c of r.columns) plannedOnTable.add(qualifiedKey(r.table) + '\0' + c.column.name);

  for (const r of resolved) {
    const table = r.table;
    const concurrently = r.spec.concurrently ?? file.concurrently;
    const covering = ancestors(table, tablesByKey);
    for (const { column, spec, include: includeColumns } of r.columns) {
      const pos = spec?.pos ?? r.spec.pos;
      const base: Omit<ColumnPlan, 'action' | 'reason'> = {
        table: qname(table),
        column: column.name,
        type: column.type.declared,
        method: null,
        opclass: null,
        index: null,
      };
      // A partition's own entry with options of its own (a partial index, another method…) still stands.
      const ownOptions = spec !== null && (spec.where || spec.unique || spec.include?.length || spec.method || spec.opclass);
      const parent = ownOptions ? undefined : covering.find((a) => plannedOnTable.has(qualifiedKey(a) + '\0' + column.name));
      if (parent) {
        slots.push({ plan: { ...base, action: 'skip', reason: `covered by the index planned on its partitioned table ${display(parent)}` } });
        continue;
      }
      let decision: Decision;
      try {
        decision = advise({ column, table, spec, rules: file.rules, catalog: snapshot });
      } catch (err) {
        if (!(err instanceof PlanningError) || !err.pos) throw err;
        problems.push({ pos: err.pos, message: err.reason });
        continue;
      }
      if (decision.kind === 'skip') {
        // A column an existing valid index already leads is served: that is "exists", not a skip.
        const action = decision.existingIndex ? 'exists' : 'skip';
        const index = decision.existingIndex ? qname(decision.existingIndex) : null;
        slots.push({ plan: { ...base, action, index, reason: decision.reason, ...(decision.suggestion ? { suggestion: decision.suggestion } : {}) } });
        continue;
      }
      const where = spec?.where?.trim() || null;
      const include = includeColumns.map((c) => c.name);
      const unique = spec?.unique ?? false;
      const writtenTablespace = spec?.tablespace ?? r.spec.tablespace ?? file.tablespace;
      const tablespace = writtenTablespace === undefined ? null : identifier(writtenTablespace, pos, problems);
      checkIntent({ table, column, where, tablespace, unique, pos, snapshot, tablesByKey, problems });

      const opclass = decision.opclass === null ? null : { schema: decision.opclassSchema, name: decision.opclass };
      const def: IndexDef = {
        method: decision.method,
        keys: [{ column: column.name, opclass }],
        unique,
        include,
        where,
        whereNormalised: where !== null ? (options.predicates?.get(predicateKey(table, where)) ?? null) : null,
      };
      const parts: NameParts = { table: table.name, columns: [column.name], method: decision.method, unique };
      const node: Node = { table, parts, name: indexName(parts), children: partitionNodes(tablesByKey, table, parts, pos) };
      const intent: Intent = { table, column, decision, def, tablespace, concurrently, pos, node };
      intents.push(intent);
      slots.push({ intent });
    }
  }
  const tableSummaries = summarise(resolved.map((r) => r.table));

  assignNames(snapshot, intents, warnings);

  const ctx: Ctx = { snapshot, versionNum, steps: [], conflicts, warnings, indexByName: indexesByName(snapshot), tablesByKey, stepIntent: new Map() };
  for (const slot of slots) {
    if (slot.plan) {
      columns.push(slot.plan);
      continue;
    }
    const intent = slot.intent as Intent;
    columns.push(planIntent(ctx, intent));
  }
  problems.push(...permissionProblems(ctx));
  if (problems.length > 0) throw new InputError(sortProblems(problems));
  if (conflicts.length > 0) {
    throw new PlanningError(
      `${conflicts.length === 1 ? 'an index name is' : `${conflicts.length} index names are`} already taken by indexes with other definitions; nothing was run.\n` +
        conflicts.join('\n') +
        '\nRename or drop the existing index (or change the plan), then plan again.',
    );
  }
  return {
    version: 1,
    source: file.file,
    server: { version: snapshot.server.version, versionNum },
    settings: deriveRunSettings(snapshot.server.settings, file),
    columns,
    steps: ctx.steps,
    warnings: [...new Set(warnings)],
    tables: tableSummaries,
    matchedNoTable: resolved.length === 0,
  };
}

/** Names in a plan follow SQL's rules (unquoted letters fold to lower case); see src/catalog/names.ts. */
function identifier(written: string, pos: SourcePos, problems: Problem[]): string {
  try {
    return parseIdentifier(written);
  } catch (err) {
    if (!(err instanceof NameSyntaxError)) throw err;
    problems.push({ pos, message: err.message });
    return written;
  }
}

function summarise(tables: TableInfo[]): TableSummary[] {
  const seen = new Set<string>();
  const out: TableSummary[] = [];
  for (const t of tables) {
    if (seen.has(qualifiedKey(t))) continue;
    seen.add(qualifiedKey(t));
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

function sortProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const k = formatProblem(p);
      return seen.has(k) ? false : (seen.add(k), true);
    })
    .sort((a, b) => compareText(a.pos.file, b.pos.file) || a.pos.line - b.pos.line || a.pos.col - b.pos.col);
}

/** What the server would refuse at CREATE INDEX, found now rather than in the middle of a run. */
function checkIntent(a: {
  table: TableInfo;
  column: ColumnInfo;
  where: string | null;
  tablespace: string | null;
  unique: boolean;
  pos: SourcePos;
  snapshot: CatalogSnapshot;
  tablesByKey: Map<string, TableInfo>;
  problems: Problem[];
}): void {
  const label = `${display(a.table)}.${quoteIdent(a.column.name)}`;
  const at = (message: string, hint?: string) => a.problems.push({ pos: a.pos, message, ...(hint ? { hint } : {}) });
  const where = a.where !== null ? rawPredicateProblem(a.where) : null;
  if (where) at(`${label}: where: ${where}`);
  if (a.tablespace === 'pg_global') {
    at(`tablespace "pg_global" holds only shared system catalogs: no index can be placed there`, 'name another tablespace, or leave tablespace out for the default');
  } else if (a.tablespace !== null && a.snapshot.tablespaces.length > 0 && !a.snapshot.tablespaces.includes(a.tablespace)) {
    const usable = a.snapshot.tablespaces.filter((t) => t !== 'pg_global');
    at(`tablespace "${a.tablespace}" does not exist`, `existing: ${usable.join(', ')}`);
  }
  if (a.unique && a.table.kind === 'partitioned') {
    const missing = partitionKeysMissing(a.table, a.column.name, a.tablesByKey);
    if (missing) {
      at(
        `${label}: unique: true on a partitioned table needs every partition key column in the index, but ${missing}`,
        'a unique index on one partition is possible: name the partition as a table of its own',
      );
    }
  }
}

/** Why a unique index on `column` alone cannot be built on `table` and its partitioned partitions, or null. */
function partitionKeysMissing(table: TableInfo, column: string, tablesByKey: Map<string, TableInfo>): string | null {
  const queue: TableInfo[] = [table];
  for (let t = queue.shift(); t; t = queue.shift()) {
    const key = t.partitionKey;
    if (key && !key.every((k) => k === column)) {
      const written = key.map((k) => (k === null ? 'an expression' : quoteIdent(k))).join(', ');
      return `${display(t)} is partitioned by (${written})`;
    }
    for (const p of t.partitions) {
      const child = tablesByKey.get(qualifiedKey(p));
      if (child?.kind === 'partitioned') queue.push(child);
    }
  }
  return null;
}

/**
 * CREATE INDEX and ALTER INDEX ... ATTACH PARTITION need the table's owner (or a member of the owning
 * role, or a superuser): the MAINTAIN privilege does not allow them. One problem per plan position
 * and table, for the tables the plan's statements would touch.
 */
function permissionProblems(ctx: Ctx): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const role = ctx.snapshot.role;
  for (const step of ctx.steps) {
    if (step.action === 'drop-invalid' || !step.table) continue;
    const table = ctx.tablesByKey.get(qualifiedKey(step.table));
    const intent = ctx.stepIntent.get(step.id);
    if (!table || table.canIndex !== false || !intent) continue;
    // When the planned table itself is not ours, its partitions need not be listed too.
    if (table.oid !== intent.table.oid && intent.table.canIndex === false) continue;
    const k = `${where(intent.pos)}\0${qualifiedKey(table)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const owner = table.owner ? ` (owned by ${quoteIdent(table.owner)})` : '';
    const who = role ? `; the plan connects as ${quoteIdent(role)}, which is neither a member of that role nor a superuser` : '';
    // A partition reached through its partitioned table only because the builds run concurrently.
    const throughParent = table.oid !== intent.table.oid && intent.concurrently;
    out.push({
      pos: intent.pos,
      message: `permission denied: only the owner of ${display(table)}${owner} can create indexes on it${who}`,
      hint: throughParent
        ? `it is a partition of ${display(intent.table)}: with concurrently: false one CREATE INDEX on ${display(intent.table)} builds it, which needs only that table's owner`
        : 'connect as its owner, or GRANT the owning role to this one',
    });
  }
  return out;
}

/**
 * Names every planned index. Identical indexes planned twice are built once (with a warning naming
 * both plan positions); different indexes that would share a name within a schema each get a hash of
 * their own definition instead.
 */
function assignNames(snapshot: CatalogSnapshot, intents: Intent[], warnings: string[]): void {
  // The same definition on the same table: the later ones are duplicates of the first.
  const byDef = new Map<string, Intent>();
  for (const intent of intents) {
    const k = defKey(snapshot, intent.table, intent.def);
    const first = byDef.get(k);
    if (!first) {
      byDef.set(k, intent);
      continue;
    }
    intent.duplicateOf = first;
    warnings.push(
      `${where(intent.pos)}: ${columnLabel(intent)} gives the same index as ${where(first.pos)} (${intent.def.method}${intent.def.unique ? ', unique' : ''}${intent.def.where ? ', partial' : ''}): planned once`,
    );
  }
  const groups = new Map<string, { node: Node; intent: Intent; key: string }[]>();
  for (const intent of intents) {
    if (intent.duplicateOf) continue;
    for (const node of allNodes(intent.node)) {
      const k = qualifiedKey({ schema: node.table.schema, name: node.name });
      const list = groups.get(k) ?? [];
      list.push({ node, intent, key: defKey(snapshot, node.table, intent.def) });
      groups.set(k, list);
    }
  }
  for (const list of groups.values()) {
    if (list.length === 1 || new Set(list.map((e) => e.key)).size === 1) continue;
    for (const e of list) e.node.name = withDisambiguator(e.node.parts, e.key);
  }
  for (const intent of intents) if (intent.duplicateOf) intent.node.name = intent.duplicateOf.node.name;
}

function where(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

interface Ctx {
  snapshot: CatalogSnapshot;
  versionNum: number;
  steps: Step[];
  conflicts: string[];
  warnings: string[];
  indexByName: Map<string, { index: IndexInfo; table: TableInfo }>;
  tablesByKey: Map<string, TableInfo>;
  /** The intent each step comes from, for problems found once the steps are known. */
  stepIntent: Map<string, Intent>;
  /** The intent being planned. */
  current?: Intent;
}

function indexesByName(snapshot: CatalogSnapshot): Map<string, { index: IndexInfo; table: TableInfo }> {
  const out = new Map<string, { index: IndexInfo; table: TableInfo }>();
  for (const table of snapshot.tables) for (const index of table.indexes) out.set(qualifiedKey(index), { index, table });
  return out;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

function createSql(intent: Intent, node: Node, opts: { concurrently: boolean; only: boolean }): string {
  return createIndexSql({
    name: node.name,
    table: qname(node.table),
    method: intent.def.method,
    keys: intent.def.keys,
    unique: intent.def.unique,
    concurrently: opts.concurrently,
    only: opts.only,
    include: intent.def.include,
    tablespace: intent.tablespace,
    where: intent.def.where,
  });
}

/** Records a conflict: `existing` has the planned name but is not the planned index. */
function conflict(ctx: Ctx, intent: Intent, node: Node, existing: { index: IndexInfo; table: TableInfo }, plannedSql: string): void {
  const diffs =
    existing.table.oid === node.table.oid
      ? differences(ctx.snapshot, node.table, intent.def, existing.index)
      : [`it is on ${display(existing.table)}, planned on ${display(node.table)}`];
  ctx.conflicts.push(
    [
      `${formatProblem({ pos: intent.pos, message: `index ${display({ schema: node.table.schema, name: node.name })} already exists with another definition (${diffs.join('; ')})` })}`,
      `  existing: ${oneLine(existing.index.definition)}${isValid(existing.index) ? '' : ' (INVALID)'}`,
      `  planned:  ${plannedSql}`,
    ].join('\n'),
  );
}

function stepBase(intent: Intent, node: Node): Pick<Step, 'table' | 'index' | 'method' | 'columns'> {
  return {
    table: qname(node.table),
    index: { schema: node.table.schema, name: node.name },
    method: intent.def.method,
    columns: intent.def.keys.map((k) => k.column),
  };
}

function addStep(ctx: Ctx, intent: Intent, shape: Omit<Step, keyof StepFacts>): string {
  const step: Step = { ...shape, ...stepFacts(shape, intent.pos) };
  ctx.steps.push(step);
  if (ctx.current) ctx.stepIntent.set(step.id, ctx.current);
  return step.id;
}

function leafEstimate(node: Node, intent: Intent): Estimate {
  return estimateBuild(intent.def.method, node.table, intent.column.name);
}

function treeEstimate(node: Node, intent: Intent): Estimate {
  if (node.children.length === 0) return leafEstimate(node, intent);
  return sumEstimates(node.children.map((c) => treeEstimate(c, intent)));
}

function createStep(ctx: Ctx, intent: Intent, node: Node, opts: { concurrently: boolean; dependsOn: string[]; reason: string; estimate: Estimate }): string {
  return addStep(ctx, intent, {
    id: `create:${display({ schema: node.table.schema, name: node.name })}`,
    action: 'create',
    sql: createSql(intent, node, { concurrently: opts.concurrently, only: false }),
    reason: opts.reason,
    ...stepBase(intent, node),
    concurrently: opts.concurrently,
    parallelCapable: parallelCapable(intent.def.method, ctx.versionNum),
    dependsOn: opts.dependsOn,
    estimate: opts.estimate,
  });
}

function dropStep(ctx: Ctx, intent: Intent, node: Node, reason: string): string {
  const index = { schema: node.table.schema, name: node.name };
  return addStep(ctx, intent, {
    id: `drop-invalid:${display(index)}`,
    action: 'drop-invalid',
    sql: dropInvalidIndexSql(index),
    reason,
    ...stepBase(intent, node),
    concurrently: true,
    parallelCapable: false,
    dependsOn: [],
    estimate: { ...ZERO_ESTIMATE },
  });
}

function createParentStep(ctx: Ctx, intent: Intent, node: Node, dependsOn: string[], reason: string): string {
  return addStep(ctx, intent, {
    id: `create-parent:${display({ schema: node.table.schema, name: node.name })}`,
    action: 'create-parent',
    sql: createSql(intent, node, { concurrently: false, only: true }),
    reason,
    ...stepBase(intent, node),
    concurrently: false,
    parallelCapable: false,
    dependsOn,
    estimate: { ...ZERO_ESTIMATE },
  });
}

function attachStep(ctx: Ctx, intent: Intent, parent: { table: TableInfo; name: string }, child: { table: TableInfo; name: string }, dependsOn: string[], reason: string): string {
  const childIndex = { schema: child.table.schema, name: child.name };
  return addStep(ctx, intent, {
    id: `attach:${display(childIndex)}`,
    action: 'attach',
    sql: attachPartitionSql({ schema: parent.table.schema, name: parent.name }, childIndex),
    reason,
    table: qname(parent.table),
    index: { schema: parent.table.schema, name: parent.name },
    attachChild: childIndex,
    method: intent.def.method,
    columns: intent.def.keys.map((k) => k.column),
    concurrently: false,
    parallelCapable: false,
    dependsOn,
    estimate: { ...ZERO_ESTIMATE },
  });
}

function columnLabel(intent: Intent): string {
  return `${display(qname(intent.table))}.${quoteIdent(intent.column.name)}`;
}

function planIntent(ctx: Ctx, intent: Intent): ColumnPlan {
  const { node, decision } = intent;
  const base = {
    table: qname(intent.table),
    column: intent.column.name,
    type: intent.column.type.declared,
    method: decision.method,
    opclass: decision.opclass,
    ...(decision.suggestion ? { suggestion: decision.suggestion } : {}),
    ...(decision.extension ? { extension: decision.extension } : {}),
  };
  const planned = { schema: node.table.schema, name: node.name };
  if (intent.duplicateOf) {
    return { ...base, action: 'skip', index: planned, reason: `the same index as plan position ${where(intent.duplicateOf.pos)}, planned once, there` };
  }
  ctx.current = intent;
  const equivalent = findEquivalentValid(ctx.snapshot, node.table, intent.def, node.name);
  if (equivalent) {
    const leftover = ctx.indexByName.get(qualifiedKey(planned));
    if (leftover && leftover.index.name !== equivalent.name && !isValid(leftover.index)) {
      ctx.warnings.push(`INVALID index ${display(planned)} is left over; ${equivalent.name} serves instead (DROP INDEX CONCURRENTLY ${display(planned)} to remove it)`);
    }
    return { ...base, action: 'exists', index: qname(equivalent), reason: `equivalent index ${display(qname(equivalent))} exists${equivalent.name === node.name ? '' : ' under another name'}` };
  }
  const result = node.table.kind === 'partitioned' ? planPartitioned(ctx, intent) : planPlain(ctx, intent, node);
  return { ...base, index: planned, ...result };
}

/** Statements for a plain table (or a partition named in the plan by itself). */
function planPlain(ctx: Ctx, intent: Intent, node: Node): Pick<ColumnPlan, 'action' | 'reason'> {
  const label = columnLabel(intent);
  const sql = createSql(intent, node, { concurrently: intent.concurrently, only: false });
  const existing = ctx.indexByName.get(qualifiedKey({ schema: node.table.schema, name: node.name }));
  const estimate = leafEstimate(node, intent);
  if (existing && (existing.table.oid !== node.table.oid || isValid(existing.index))) {
    conflict(ctx, intent, node, existing, sql);
    return { action: 'skip', reason: 'name conflict' };
  }
  if (existing) {
    const diffs = differences(ctx.snapshot, node.table, intent.def, existing.index);
    const why = `INVALID index ${node.name} was left by an interrupted build${diffs.length ? ` (its definition differed: ${diffs.join('; ')})` : ''}`;
    const drop = dropStep(ctx, intent, node, `${why}: drop it before building again`);
    createStep(ctx, intent, node, { concurrently: intent.concurrently, dependsOn: [drop], reason: `${label}: ${intent.decision.reason} (rebuild)`, estimate });
    return { action: 'rebuild', reason: `${intent.decision.reason}; ${why}` };
  }
  if (ctx.tablesByKey.has(qualifiedKey({ schema: node.table.schema, name: node.name }))) {
    conflict(ctx, intent, node, { index: pseudoIndexForTable(node), table: ctx.tablesByKey.get(qualifiedKey({ schema: node.table.schema, name: node.name })) as TableInfo }, sql);
    return { action: 'skip', reason: 'name conflict' };
  }
  createStep(ctx, intent, node, { concurrently: intent.concurrently, dependsOn: [], reason: `${label}: ${intent.decision.reason}`, estimate });
  return { action: 'create', reason: intent.decision.reason };
}

function pseudoIndexForTable(node: Node): IndexInfo {
  return {
    schema: node.table.schema,
    name: node.name,
    method: '',
    unique: false,
    primary: false,
    valid: true,
    ready: true,
    keys: [],
    include: [],
    predicate: null,
    sizeBytes: 0,
    tablespace: null,
    definition: `a table named ${display({ schema: node.table.schema, name: node.name })}`,
    parentIndex: null,
  };
}

interface Tally {
  creates: number;
  attaches: number;
  drops: number;
}

/** Statements for a partitioned table named in the plan. */
function planPartitioned(ctx: Ctx, intent: Intent): Pick<ColumnPlan, 'action' | 'reason'> {
  const { node } = intent;
  const label = columnLabel(intent);
  const existing = ctx.indexByName.get(qualifiedKey({ schema: node.table.schema, name: node.name }));
  const tally: Tally = { creates: 0, attaches: 0, drops: 0 };
  if (existing) {
    const sameTable = existing.table.oid === node.table.oid;
    // A partitioned index cannot be dropped concurrently; an incomplete one with our definition is
    // finished instead (its partitions' missing indexes built and attached), anything else conflicts.
    if (!sameTable || isValid(existing.index) || !isEquivalent(ctx.snapshot, node.table, intent.def, existing.index)) {
      conflict(ctx, intent, node, existing, createSql(intent, node, { concurrently: false, only: intent.concurrently }));
      return { action: 'skip', reason: 'name conflict' };
    }
    planChildren(ctx, intent, node, null, tally);
    const what = `${tally.creates} partition index(es) to build, ${tally.attaches} to attach`;
    if (tally.creates === 0 && tally.attaches === 0) {
      ctx.warnings.push(`partitioned index ${display({ schema: node.table.schema, name: node.name })} is INVALID although every partition has its index attached`);
    }
    return {
      action: tally.creates > 0 ? 'rebuild' : 'attach',
      reason: `${intent.decision.reason}; completes the unfinished partitioned index ${node.name}: ${what}`,
    };
  }
  if (!intent.concurrently || node.children.length === 0) {
    // PostgreSQL builds (or attaches) every partition's index itself; with no partitions this is instant.
    createStep(ctx, intent, node, {
      concurrently: false,
      dependsOn: [],
      reason: `${label}: ${intent.decision.reason} (partitioned table: one CREATE INDEX builds every partition's index)`,
      estimate: treeEstimate(node, intent),
    });
    return { action: 'create', reason: intent.decision.reason };
  }
  const parentStep = createParentStep(ctx, intent, node, [], `${label}: ${intent.decision.reason} (partitioned table: index on the parent only, valid once every partition's index is attached)`);
  planChildren(ctx, intent, node, parentStep, tally);
  return { action: 'create', reason: `${intent.decision.reason}; ${node.children.length} partition(s): ${tally.creates} to build, ${tally.attaches} to attach` };
}

/**
 * Statements that give every partition below `parent` an index attached to the parent's index.
 * Returns the ids of the steps after which the parent's index has all of them.
 */
function planChildren(ctx: Ctx, intent: Intent, parent: Node, parentStep: string | null, tally: Tally): string[] {
  const done: string[] = [];
  for (const child of parent.children) done.push(...planChild(ctx, intent, parent, child, parentStep, tally));
  return done;
}

function planChild(ctx: Ctx, intent: Intent, parent: Node, child: Node, parentStep: string | null, tally: Tally): string[] {
  const after = parentStep ? [parentStep] : [];
  const label = `${display(qname(child.table))}.${quoteIdent(intent.column.name)}`;
  const isParentIndex = (ix: IndexInfo) => ix.parentIndex !== null && ix.parentIndex.schema === parent.table.schema && ix.parentIndex.name === parent.name;
  const attached = parentStep === null ? child.table.indexes.find(isParentIndex) : undefined;
  if (attached) {
    if (isValid(attached)) return [];
    // A sub-partitioned partition whose own partitioned index is still incomplete: finish it.
    return planChildren(ctx, intent, { ...child, name: attached.name }, null, tally);
  }
  const attach = (dependsOn: string[], reason: string, childName = child.name) => {
    tally.attaches++;
    return attachStep(ctx, intent, parent, { table: child.table, name: childName }, [...after, ...dependsOn], reason);
  };
  const equivalent = findEquivalentValid(ctx.snapshot, child.table, intent.def, child.name, (ix) => ix.parentIndex === null);
  if (equivalent) {
    return [attach([], `${label}: equivalent index ${equivalent.name} exists on the partition: attach it instead of building another`, equivalent.name)];
  }
  const existing = ctx.indexByName.get(qualifiedKey({ schema: child.table.schema, name: child.name }));
  const concurrently = intent.concurrently;
  if (child.children.length === 0 && child.table.kind !== 'partitioned') {
    const sql = createSql(intent, child, { concurrently, only: false });
    const deps: string[] = [...after];
    let reason = `${label}: partition of ${display(qname(parent.table))}`;
    if (existing) {
      if (existing.table.oid !== child.table.oid || isValid(existing.index)) {
        conflict(ctx, intent, child, existing, sql);
        return [];
      }
      tally.drops++;
      deps.push(dropStep(ctx, intent, child, `INVALID index ${child.name} was left by an interrupted build: drop it before building again`));
      reason += ' (rebuild)';
    }
    tally.creates++;
    const create = createStep(ctx, intent, child, { concurrently, dependsOn: deps, reason, estimate: leafEstimate(child, intent) });
    return [attach([create], `${label}: attach to ${parent.name}`)];
  }
  // A partition that is itself partitioned: its own ON ONLY index, its partitions', then attach it.
  if (existing) {
    const sameTable = existing.table.oid === child.table.oid;
    if (!sameTable || isValid(existing.index) || existing.index.parentIndex !== null || !isEquivalent(ctx.snapshot, child.table, intent.def, existing.index)) {
      conflict(ctx, intent, child, existing, createSql(intent, child, { concurrently: false, only: true }));
      return [];
    }
    const inner = planChildren(ctx, intent, child, null, tally);
    return [attach(inner, `${label}: attach the completed partitioned index ${child.name} to ${parent.name}`)];
  }
  const own = createParentStep(ctx, intent, child, after, `${label}: sub-partitioned partition of ${display(qname(parent.table))}: index on it only`);
  const inner = planChildren(ctx, intent, child, own, tally);
  return [attach([own, ...inner], `${label}: attach to ${parent.name} once its own partitions are attached`)];
}
