/**
 * The shapes the planner works with between the plan file and the Plan: what the plan wants for one
 * column (Intent), the index that means on each relation it touches (IndexTarget, a tree for a
 * partitioned table), and what writing the statements accumulates (PlanningState).
 */
import type { CatalogSnapshot, ColumnInfo, IndexInfo, TableInfo } from '../catalog/types.js';
import type { Decision } from '../advisor/types.js';
import type { Problem, SourcePos } from '../errors.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import type { IndexDef } from './diff.js';
import type { NameParts } from './names.js';
import type { QualifiedName, Step } from './types.js';

/**
 * One index the plan wants on one relation. For a partitioned table, `partitions` holds the index
 * each partition needs below it (recursively for sub-partitioned ones); `name` is final once
 * assignNames has run.
 */
export interface IndexTarget {
  table: TableInfo;
  parts: NameParts;
  name: string;
  partitions: IndexTarget[];
  /** The plan names the index itself (`name:`): it is never changed to avoid a collision. */
  explicit?: boolean;
}

/** A target and every target below it. */
export function allTargets(target: IndexTarget): IndexTarget[] {
  return [target, ...target.partitions.flatMap(allTargets)];
}

/**
 * One planned index of one resolved table: for one column (`columns:`), or one entry of `indexes:`
 * (then `column` is its first key's column, or null for an expression, and `keys` says what it is).
 */
export interface Intent {
  table: TableInfo;
  column: ColumnInfo | null;
  /** An `indexes:` entry: its keys as the Plan's lines show them (`a, b DESC NULLS LAST`). */
  keys?: string;
  decision: Extract<Decision, { kind: 'index' }>;
  def: IndexDef;
  tablespace: string | null;
  concurrently: boolean;
  pos: SourcePos;
  target: IndexTarget;
  /** Set when an identical index was planned earlier in the plan. */
  duplicateOf?: Intent;
}

/** What writing the statements of every intent reads (the catalog) and accumulates (steps, conflicts, warnings). */
export interface PlanningState {
  snapshot: CatalogSnapshot;
  versionNum: number;
  steps: Step[];
  /** Planned names held by other definitions, one formatted entry each, reported together at the end. */
  conflicts: string[];
  warnings: string[];
  /** Every index of the planned tables, by its schema and name. */
  indexByName: IndexesByName;
  tablesByKey: Map<string, TableInfo>;
  /** The intent each step comes from, for problems found once the steps are known. */
  intentOfStep: Map<string, Intent>;
  /** Problems found while writing the statements (an INVALID index another session is building…). */
  problems: Problem[];
}

export function planningState(snapshot: CatalogSnapshot, tablesByKey: Map<string, TableInfo>, warnings: string[]): PlanningState {
  return { snapshot, versionNum: snapshot.server.versionNum, steps: [], conflicts: [], warnings, indexByName: new IndexesByName(snapshot.tables), tablesByKey, intentOfStep: new Map(), problems: [] };
}

/**
 * The indexes of some tables by schema and name, and the table of each. Keyed by schema, then by the
 * index's own name string, to the table: a qualifiedKey string and an entry object per index were
 * 60,000 objects at 30,000 indexes, made for a few lookups per planned index (issue 16).
 */
export class IndexesByName {
  private readonly bySchema = new Map<string, Map<string, TableInfo>>();

  constructor(tables: readonly TableInfo[]) {
    for (const table of tables) {
      for (const index of table.indexes) {
        let names = this.bySchema.get(index.schema);
        if (names === undefined) {
          names = new Map();
          this.bySchema.set(index.schema, names);
        }
        names.set(index.name, table);
      }
    }
  }

  get(name: QualifiedName): { index: IndexInfo; table: TableInfo } | undefined {
    const table = this.bySchema.get(name.schema)?.get(name.name);
    const index = table?.indexes.find((i) => i.name === name.name && i.schema === name.schema);
    return table && index ? { index, table } : undefined;
  }
}

/** The schema and name of a table (or index) and nothing else, as the Plan records them. */
export const qname = (t: { schema: string; name: string }): QualifiedName => ({ schema: t.schema, name: t.name });

/** The index a target names: it lives in its table's schema. */
export function targetIndex(target: IndexTarget): QualifiedName {
  return { schema: target.table.schema, name: target.name };
}

/** What an intent is for on `table` (its own, or a partition): `schema.table.column` or `schema.table (keys)`. */
export function intentLabel(intent: Intent, table: QualifiedName = intent.table): string {
  return intent.keys !== undefined ? `${quoteQualified(table)} (${intent.keys})` : columnLabel(table, intent.column?.name ?? '');
}

/** `schema.table.column`, as messages and step reasons name the column an intent is for. */
export function columnLabel(table: QualifiedName, column: string): string {
  return `${quoteQualified(table)}.${quoteIdent(column)}`;
}
