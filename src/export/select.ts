/**
 * Which tables `pgindex export` reads: every table of the schemas in search_path by default;
 * `--schema` (a name or a glob, as the schema part of a plan's table name) and `--table` (a glob as
 * a plan's `name` takes it) narrow that. They become the table patterns takeSnapshot already reads
 * (schema × table, always qualified, so that no search_path visibility rule hides a table of a later
 * schema), and the same rules then filter the snapshot's tables. The partitions of a selected
 * partitioned table come with it (the snapshot adds them): their partition-local indexes are its too.
 */
import { PgindexError } from '../errors.js';
import { DEFAULT_RULES, type PlanFile } from '../planfile/types.js';
import { NameSyntaxError, matchesPart, parseTablePattern, type NamePattern, type TablePattern } from '../catalog/names.js';
import type { TableInfo } from '../catalog/types.js';
import { qualifiedKey } from '../sql/qualified.js';
import { planName } from './plan-names.js';

export interface ExportSelection {
  /** --schema: names or globs; none: search_path's schemas. */
  schemas?: readonly string[];
  /** --table: globs, optionally schema-qualified; none: every table. */
  tables?: readonly string[];
}

/** Schemas no plan indexes: the system catalogs and other sessions' temporary schemas. */
export function isSystemSchema(schema: string): boolean {
  return schema === 'pg_catalog' || schema === 'information_schema' || /^pg_(toast|temp_\d+|toast_temp_\d+)$/.test(schema);
}

export interface SelectionPatterns {
  /** Table patterns in the plan's language, for takeSnapshot. */
  patterns: string[];
  /** Whether a table of the snapshot is selected (partitions of selected tables are decided by the caller). */
  selects(table: Pick<TableInfo, 'schema' | 'name'>): boolean;
}

/** A bad --schema or --table value; the CLI reports it as a usage error. */
export class SelectionError extends PgindexError {
  constructor(message: string) {
    super(message, 'usage');
  }
}

function parse(written: string, what: string): TablePattern {
  try {
    return parseTablePattern(written);
  } catch (err) {
    if (!(err instanceof NameSyntaxError)) throw err;
    throw new SelectionError(`${what} ${JSON.stringify(written)}: ${err.message}`);
  }
}

/** The patterns and the filter for a selection; `searchPath` is the session's (current_schemas(false)). */
export function selectionPatterns(sel: ExportSelection, searchPath: readonly string[]): SelectionPatterns {
  const schemaWritten = sel.schemas && sel.schemas.length > 0 ? [...sel.schemas] : searchPath.filter((s) => !isSystemSchema(s)).map(planName);
  // A schema is one part of a name, read as a table name's last part is (folded unless quoted, globs).
  const schemas: { written: string; part: NamePattern }[] = schemaWritten.map((s) => {
    const p = parse(s, '--schema');
    if (p.schema !== null) throw new SelectionError(`--schema ${JSON.stringify(s)}: a schema name has no unquoted dot`);
    return { written: s, part: p.table };
  });
  const tables = (sel.tables && sel.tables.length > 0 ? sel.tables : ['*']).map((t) => ({ written: t, pattern: parse(t, '--table') }));
  const patterns: string[] = [];
  for (const t of tables) {
    if (t.pattern.schema !== null) patterns.push(t.written);
    else for (const s of schemas) patterns.push(`${s.written}.${t.written}`);
  }
  // A qualified --table names its schema itself; only --schema, when given, narrows it further.
  const explicitSchemas = sel.schemas !== undefined && sel.schemas.length > 0;
  const selects = (table: Pick<TableInfo, 'schema' | 'name'>): boolean => {
    if (isSystemSchema(table.schema)) return false;
    const inSchemas = schemas.some((s) => matchesPart(s.part, table.schema));
    return tables.some((t) =>
      t.pattern.schema !== null
        ? matchesPart(t.pattern.schema, table.schema) && matchesPart(t.pattern.table, table.name) && (!explicitSchemas || inSchemas)
        : inSchemas && matchesPart(t.pattern.table, table.name),
    );
  };
  return { patterns: [...new Set(patterns)], selects };
}

/** The snapshot's tables a selection keeps: those it selects, and the partitions (at any depth) of those. */
export function selectedTables(tables: readonly TableInfo[], selects: SelectionPatterns['selects']): TableInfo[] {
  const byKey = new Map(tables.map((t) => [qualifiedKey(t), t]));
  const kept = new Set<string>();
  const keep = (t: TableInfo): void => {
    if (kept.has(qualifiedKey(t))) return;
    kept.add(qualifiedKey(t));
    for (const p of t.partitions) {
      const child = byKey.get(qualifiedKey(p));
      if (child) keep(child);
    }
  };
  for (const t of tables) if (selects(t)) keep(t);
  return tables.filter((t) => kept.has(qualifiedKey(t)));
}

/**
 * The smallest plan file takeSnapshot reads, for a command that selects tables by patterns rather
 * than by a plan (export, check): only the table names matter to it. `label` names the command in
 * positions.
 */
export function patternPlan(label: string, patterns: readonly string[], lockTimeoutMs: number): PlanFile {
  return {
    file: label,
    version: 1,
    parallelism: 1,
    concurrently: true,
    analyze: false,
    lockTimeoutMs,
    statementTimeoutMs: 0,
    retries: 0,
    rules: { ...DEFAULT_RULES },
    tables: patterns.map((name) => ({ name, columns: [], exclude: [], pos: { file: label, line: 1, col: 1 } })),
  };
}
