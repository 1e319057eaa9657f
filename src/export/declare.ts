/**
 * The indexes of a catalog snapshot as `indexes:` entries of a plan: pure data, sorted, that
 * plan-yaml.ts writes out. Each entry says everything the index is (explicit name, method, keys with
 * their operator class, collation, order and NULLS placement where not the default, INCLUDE, the
 * predicate, UNIQUE NULLS NOT DISTINCT, storage parameters, tablespace), so that planning the export
 * against the same database finds nothing to do and applying it elsewhere builds the same indexes.
 *
 * Left out, each with its reason (a comment in the file; a warning too when it is something the plan
 * cannot say): indexes backing a constraint (the table's DDL makes them), a partition's index
 * attached to a partitioned index (the parent's entry rolls it out), INVALID leftovers of interrupted
 * builds, and anything the plan format cannot express.
 */
import type { CatalogSnapshot, ColumnInfo, IndexInfo, IndexKey, TableInfo } from '../catalog/types.js';
import type { IndexOwnerFacts } from '../catalog/index-owners.js';
import { usesDefaultOpclass } from '../pg/opclasses.js';
import { isValid, sameCollation } from '../pg/index-state.js';
import { STORAGE_PARAMS, canonicalParam, parseReloptions } from '../pg/storage-params.js';
import { qualifiedKey } from '../sql/qualified.js';
import { quoteQualified } from '../sql/quote.js';
import { planName } from './plan-names.js';

/** One key: a column (its name as the catalog has it) or an expression, with what is not the default. */
export interface ExportedKey {
  column?: string;
  expression?: string;
  /** As a plan writes it: `name`, or `schema.name` when the search_path would not find it. */
  opclass?: string;
  collation?: string;
  order?: 'desc';
  nulls?: 'first' | 'last';
}

export type StorageValue = number | boolean | string;

export interface ExportedIndex {
  name: string;
  method: string;
  keys: ExportedKey[];
  unique?: true;
  nullsNotDistinct?: true;
  include?: string[];
  where?: string;
  /** Storage parameters in pg_class.reloptions order, typed as the plan's `with:` takes them. */
  with?: [string, StorageValue][];
  tablespace?: string;
  /** Why it is declared, written as comment lines above it (`pgindex advise`: the workload's reason). */
  comment?: string[];
}

/** An index the export leaves out, and why. */
export interface LeftOut {
  index: string;
  reason: string;
}

export interface ExportedTable {
  schema: string;
  name: string;
  indexes: ExportedIndex[];
  /** Indexes that back PRIMARY KEY, UNIQUE and EXCLUDE constraints. */
  constraints: LeftOut[];
  /** Indexes the plan cannot declare (each is also a warning). */
  inexpressible: LeftOut[];
  /** Other indexes left out on purpose (INVALID leftovers…), each also a warning. */
  skipped: LeftOut[];
  /** `pgindex advise`: the candidates the workload advisor considered and dropped, and why. */
  dropped?: LeftOut[];
}

export interface ExportedPlan {
  database: string;
  serverVersion: string;
  tables: ExportedTable[];
  /** What could not be exported, one line each, for stderr. */
  warnings: string[];
}

/** The methods a plan's `method` may name (the schema's enum). */
const PLAN_METHODS = new Set(['btree', 'hash', 'gin', 'gist', 'spgist', 'brin', 'bloom']);

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The plan of the `tables` (the snapshot's, already selected), every index declared or left out with
 * a reason. `owners` holds the constraint and operator-class-parameter facts (src/catalog/index-owners.ts).
 */
export function declareIndexes(snapshot: CatalogSnapshot, tables: readonly TableInfo[], owners: ReadonlyMap<string, IndexOwnerFacts>): ExportedPlan {
  const indexesOfSelection = new Set(tables.flatMap((t) => t.indexes.map((ix) => qualifiedKey(ix))));
  const warnings: string[] = [];
  const out: ExportedTable[] = [];
  const sorted = [...tables].sort((a, b) => byText(a.schema, b.schema) || byText(a.name, b.name));
  for (const table of sorted) {
    const entry: ExportedTable = { schema: table.schema, name: table.name, indexes: [], constraints: [], inexpressible: [], skipped: [] };
    for (const ix of [...table.indexes].sort((a, b) => byText(a.name, b.name))) {
      const owner = owners.get(qualifiedKey(ix));
      if (owner?.constraint) {
        entry.constraints.push({ index: ix.name, reason: `${owner.constraint.kind.toUpperCase()} constraint ${owner.constraint.name}` });
        continue;
      }
      if (ix.parentIndex) {
        // Part of its parent's index: the parent's entry rolls it out. Said only when that parent is not exported.
        if (indexesOfSelection.has(qualifiedKey(ix.parentIndex))) continue;
        const reason = `attached to partitioned index ${quoteQualified(ix.parentIndex)}, whose table is not exported: it is declared there`;
        entry.skipped.push({ index: ix.name, reason });
        warnings.push(`${quoteQualified(table)}: index ${ix.name} left out: ${reason}`);
        continue;
      }
      if (!isValid(ix)) {
        const reason = 'INVALID (an interrupted or failed build): not an index to keep; drop it or build it again';
        entry.skipped.push({ index: ix.name, reason });
        warnings.push(`${quoteQualified(table)}: index ${ix.name} left out: ${reason}`);
        continue;
      }
      const declared = declareIndex(snapshot, table, ix, owner);
      if (typeof declared === 'string') {
        entry.inexpressible.push({ index: ix.name, reason: declared });
        warnings.push(`${quoteQualified(table)}: index ${ix.name} cannot be expressed in a plan: ${declared}; left out (${ix.definition})`);
        continue;
      }
      // A plan builds one index per definition (an equivalent index under any name is enough), so a
      // second index with the definition of an earlier one would be planned away: said, not declared.
      const same = entry.indexes.find((d) => definitionKey(d) === definitionKey(declared));
      if (same) {
        entry.inexpressible.push({ index: ix.name, reason: `a duplicate of ${same.name} (the same definition): a plan declares a definition once` });
        warnings.push(`${quoteQualified(table)}: index ${ix.name} is a duplicate of ${same.name}; left out (a plan builds one index per definition)`);
        continue;
      }
      entry.indexes.push(declared);
    }
    if (entry.indexes.length + entry.constraints.length + entry.inexpressible.length + entry.skipped.length > 0) out.push(entry);
  }
  return { database: snapshot.database, serverVersion: snapshot.server.version, tables: out, warnings };
}

/**
 * What makes two entries one index for the planner: everything but the name, INCLUDE and storage
 * parameters as sets, and the tablespace left out (an entry that names none accepts any).
 */
function definitionKey(ix: ExportedIndex): string {
  const { name: _name, tablespace: _tablespace, include, with: params, ...rest } = ix;
  return JSON.stringify({ ...rest, include: [...(include ?? [])].sort(), with: [...(params ?? [])].sort(([a], [b]) => byText(a, b)) });
}

/** One index as an entry, or why the plan format cannot say it. */
export function declareIndex(snapshot: CatalogSnapshot, table: TableInfo, ix: IndexInfo, owner?: IndexOwnerFacts): ExportedIndex | string {
  if (!PLAN_METHODS.has(ix.method)) return `access method ${ix.method} (a plan's method is one of ${[...PLAN_METHODS].join(', ')})`;
  if (owner?.opclassOptions) return 'an operator class with parameters (such as siglen)';
  const keys: ExportedKey[] = [];
  for (const k of ix.keys) {
    const key = declareKey(snapshot, table, ix.method, k);
    if (typeof key === 'string') return key;
    keys.push(key);
  }
  const out: ExportedIndex = { name: ix.name, method: ix.method, keys };
  if (ix.unique) out.unique = true;
  if (ix.nullsNotDistinct) out.nullsNotDistinct = true;
  if (ix.include.length > 0) out.include = [...ix.include];
  if (ix.predicate !== null) out.where = ix.predicate;
  const params = parseReloptions(ix.storage);
  if (params.length > 0) {
    const values: [string, StorageValue][] = [];
    for (const [name, raw] of params) {
      const type = STORAGE_PARAMS[ix.method]?.[name];
      const value = type ? canonicalParam(type, raw) : null;
      if (!type || !value?.ok) return `storage parameter ${name}=${raw}, which a plan's with: cannot give a ${ix.method} index`;
      values.push([name, type.kind === 'integer' ? Number(value.value) : type.kind === 'boolean' ? value.value === 'on' : value.value]);
    }
    // In the server's order, which is the order they were written in: pg_get_indexdef shows them so,
    // and applying the export writes them back in that order.
    out.with = values;
  }
  if (ix.tablespace !== null) out.tablespace = ix.tablespace;
  return out;
}

function declareKey(snapshot: CatalogSnapshot, table: TableInfo, method: string, k: IndexKey): ExportedKey | string {
  const column: ColumnInfo | undefined = k.column !== null ? table.columns.find((c) => c.name === k.column) : undefined;
  if (k.column !== null && !column) return `key column ${k.column} is not among the table's columns`;
  const key: ExportedKey = column ? { column: column.name } : { expression: k.expression };
  if (column) {
    if (!usesDefaultOpclass(snapshot, method, k, column.type)) {
      const opclass = opclassName(snapshot, method, k.opclass);
      if (opclass === null) return `operator class ${k.opclass} of key ${column.name}, whose schema is ambiguous`;
      key.opclass = opclass;
    }
    if (!sameCollation(k.collation, column.collation)) key.collation = k.collation ?? 'default';
  } else {
    // The expression's type is not in the snapshot: pg_opclass.opcdefault stands for "the default".
    if (!k.opclassIsDefault) {
      const opclass = opclassName(snapshot, method, k.opclass);
      if (opclass === null) return `operator class ${k.opclass} of key (${k.expression}), whose schema is ambiguous`;
      key.opclass = opclass;
    }
    // The expression's own collation is not known either: a collation other than the database's is
    // written out (equal to the expression's own, it changes nothing).
    if (k.collation !== null && k.collation !== 'default') key.collation = k.collation;
  }
  if (k.descending) key.order = 'desc';
  // NULLS FIRST is the default of DESC, NULLS LAST of ASC: only the other one is written.
  if (k.nullsFirst !== k.descending) key.nulls = k.nullsFirst ? 'first' : 'last';
  return key;
}

/**
 * An operator class as a plan names it: by its name, when it is the only one of that name for the
 * method; null when several schemas have one (the snapshot names a key's operator class without its
 * schema, so which one the index uses is not known here).
 */
function opclassName(snapshot: CatalogSnapshot, method: string, name: string): string | null {
  const named = snapshot.opclasses.filter((o) => o.method === method && o.name === name);
  return named.length === 1 ? planName(name) : null;
}
