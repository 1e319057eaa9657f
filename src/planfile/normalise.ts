/**
 * A plan that passed the schema and the checks, turned into a PlanFile: defaults applied, names in
 * camelCase, units resolved, bare column names made into ColumnSpecs, positions kept for later errors.
 */
import { variableNames } from './interpolate.js';
import type { DataPath, SourceMap } from './positions.js';
import { DEFAULT_RULES, type ColumnSpec, type IndexKeySpec, type IndexSpec, type PlanFile, type Rules, type TableSpec } from './types.js';
import { parseDuration, parseSize } from './units.js';

/** The plan as written, in the shape the schema guarantees (snake_case keys). */
interface RawColumn {
  name: string;
  method?: string;
  opclass?: string;
  where?: string;
  include?: string[];
  unique?: boolean;
  tablespace?: string;
}

interface RawIndexKey {
  name?: string;
  expression?: string;
  opclass?: string;
  collation?: string;
  order?: 'asc' | 'desc';
  nulls?: 'first' | 'last';
}

interface RawIndex {
  columns: (string | RawIndexKey)[];
  method?: string;
  unique?: boolean;
  nulls_not_distinct?: boolean;
  include?: string[];
  where?: string;
  with?: Record<string, number | boolean | string>;
  tablespace?: string;
  concurrently?: boolean;
  name?: string;
}

interface RawTable {
  name: string;
  columns?: 'all' | (string | RawColumn)[];
  indexes?: 'auto' | RawIndex[];
  exclude?: string[];
  tablespace?: string;
  concurrently?: boolean;
  prune?: boolean;
}

interface RawPlan {
  version: 1;
  connection?: string;
  parallelism?: number;
  tablespace?: string;
  concurrently?: boolean;
  analyze?: boolean;
  prune?: boolean;
  maintenance_work_mem?: string | number;
  cores?: number;
  citus?: { per_node?: number };
  lock_timeout?: string | number;
  snapshot_wait_timeout?: string | number;
  statement_timeout?: string | number;
  retries?: number;
  rules?: {
    brin_min_correlation?: number;
    brin_min_pages?: number;
    gin_min_distinct?: number;
    gin_max_distinct?: number;
    gin_max_distinct_ratio?: number;
    hash_min_avg_width?: number;
    jsonb_opclass?: Rules['jsonbOpclass'];
    few_values?: number;
    rare_share?: number;
  };
  tables: RawTable[];
}

export const DEFAULTS = {
  parallelism: 2,
  concurrently: true,
  analyze: false,
  lockTimeoutMs: 5000,
  statementTimeoutMs: 0,
  retries: 3,
} as const;

/** Only called once validation found nothing wrong, so unit parsing cannot fail here. */
function unit(result: ReturnType<typeof parseSize>): number {
  if (!result.ok) throw new Error(`unchecked value reached normalisation: ${result.message}`);
  return result.value;
}

export function normalise(data: unknown, where: SourceMap): PlanFile {
  const raw = data as RawPlan;
  const r = raw.rules ?? {};
  const rules: Rules = {
    brinMinCorrelation: r.brin_min_correlation ?? DEFAULT_RULES.brinMinCorrelation,
    brinMinPages: r.brin_min_pages ?? DEFAULT_RULES.brinMinPages,
    ginMinDistinct: r.gin_min_distinct ?? DEFAULT_RULES.ginMinDistinct,
    ginMaxDistinct: r.gin_max_distinct ?? DEFAULT_RULES.ginMaxDistinct,
    ginMaxDistinctRatio: r.gin_max_distinct_ratio ?? DEFAULT_RULES.ginMaxDistinctRatio,
    hashMinAvgWidth: r.hash_min_avg_width ?? DEFAULT_RULES.hashMinAvgWidth,
    jsonbOpclass: r.jsonb_opclass ?? DEFAULT_RULES.jsonbOpclass,
    fewValues: r.few_values ?? DEFAULT_RULES.fewValues,
    rareShare: r.rare_share ?? DEFAULT_RULES.rareShare,
  };
  const plan: PlanFile = {
    file: where.file,
    version: 1,
    parallelism: raw.parallelism ?? DEFAULTS.parallelism,
    concurrently: raw.concurrently ?? DEFAULTS.concurrently,
    analyze: raw.analyze ?? DEFAULTS.analyze,
    lockTimeoutMs: raw.lock_timeout === undefined ? DEFAULTS.lockTimeoutMs : unit(parseDuration('lock_timeout', raw.lock_timeout)),
    statementTimeoutMs: raw.statement_timeout === undefined ? DEFAULTS.statementTimeoutMs : unit(parseDuration('statement_timeout', raw.statement_timeout)),
    retries: raw.retries ?? DEFAULTS.retries,
    rules,
    tables: raw.tables.map((t, i) => table(t, ['tables', i], where)),
  };
  // Absent (or 0): CONCURRENTLY builds wait for older transactions as long as they last.
  const snapshotWait = raw.snapshot_wait_timeout === undefined ? 0 : unit(parseDuration('snapshot_wait_timeout', raw.snapshot_wait_timeout));
  if (snapshotWait > 0) plan.snapshotWaitTimeoutMs = snapshotWait;
  if (raw.connection !== undefined) {
    const text = raw.connection;
    const variables = variableNames(text).map((name) => ({ name, pos: where.within('/connection', `\${${name}}`) }));
    plan.connection = { text, pos: where.value('/connection'), variables };
  }
  if (raw.tablespace !== undefined) plan.tablespace = raw.tablespace;
  if (raw.maintenance_work_mem !== undefined) plan.maintenanceWorkMemBytes = unit(parseSize('maintenance_work_mem', raw.maintenance_work_mem));
  if (raw.cores !== undefined) plan.cores = raw.cores;
  if (raw.citus !== undefined) plan.citus = raw.citus.per_node !== undefined ? { perNode: raw.citus.per_node } : {};
  if (raw.prune !== undefined) plan.prune = raw.prune;
  return plan;
}

function table(t: RawTable, at: DataPath, where: SourceMap): TableSpec {
  const spec: TableSpec = {
    name: t.name,
    columns: t.columns === undefined ? [] : t.columns === 'all' ? 'all' : t.columns.map((c, i) => column(c, [...at, 'columns', i], where)),
    exclude: t.exclude ?? [],
    pos: where.value([...at, 'name']),
  };
  if (t.indexes === 'auto') spec.auto = true;
  else if (t.indexes !== undefined) spec.indexes = t.indexes.map((ix, i) => index(ix, [...at, 'indexes', i], where));
  if (t.tablespace !== undefined) spec.tablespace = t.tablespace;
  if (t.concurrently !== undefined) spec.concurrently = t.concurrently;
  if (t.prune !== undefined) spec.prune = t.prune;
  return spec;
}

function column(c: string | RawColumn, at: DataPath, where: SourceMap): ColumnSpec {
  if (typeof c === 'string') return { name: c, pos: where.value(at) };
  const spec: ColumnSpec = { name: c.name, pos: where.value([...at, 'name']) };
  if (c.method !== undefined) spec.method = c.method;
  if (c.opclass !== undefined) spec.opclass = c.opclass;
  if (c.where !== undefined) spec.where = c.where;
  if (c.include !== undefined) spec.include = [...c.include];
  if (c.unique !== undefined) spec.unique = c.unique;
  if (c.tablespace !== undefined) spec.tablespace = c.tablespace;
  return spec;
}

function index(ix: RawIndex, at: DataPath, where: SourceMap): IndexSpec {
  // The entry's position is its first key: the line that says which index this is.
  const spec: IndexSpec = { keys: ix.columns.map((k, i) => indexKey(k, [...at, 'columns', i], where)), pos: where.value([...at, 'columns', 0]) };
  if (ix.method !== undefined) spec.method = ix.method;
  if (ix.unique !== undefined) spec.unique = ix.unique;
  if (ix.nulls_not_distinct !== undefined) spec.nullsNotDistinct = ix.nulls_not_distinct;
  if (ix.include !== undefined) spec.include = [...ix.include];
  if (ix.where !== undefined) spec.where = ix.where;
  if (ix.with !== undefined) spec.with = Object.entries(ix.with).map(([name, value]) => ({ name, value, pos: where.value([...at, 'with', name]) }));
  if (ix.tablespace !== undefined) spec.tablespace = ix.tablespace;
  if (ix.concurrently !== undefined) spec.concurrently = ix.concurrently;
  if (ix.name !== undefined) spec.name = ix.name;
  return spec;
}

function indexKey(k: string | RawIndexKey, at: DataPath, where: SourceMap): IndexKeySpec {
  if (typeof k === 'string') return { name: k, pos: where.value(at) };
  const spec: IndexKeySpec = { pos: where.value(at) };
  if (k.name !== undefined) spec.name = k.name;
  if (k.expression !== undefined) spec.expression = k.expression;
  if (k.opclass !== undefined) spec.opclass = k.opclass;
  if (k.collation !== undefined) spec.collation = k.collation;
  if (k.order !== undefined) spec.order = k.order;
  if (k.nulls !== undefined) spec.nulls = k.nulls;
  return spec;
}
