/**
 * Equivalence between a planned index and an index the database already has. The state lives in the
 * database: an equivalent valid index, whatever its name, means there is nothing to do.
 *
 * Equivalent means: same table, method, keys (each a column, or an expression as the server writes it;
 * the order and NULLS placement; the collation, by default the column's own; the operator class, a
 * planned default one equal to an existing key with the operator class CREATE INDEX would pick for
 * the key's type), uniqueness and NULLS NOT DISTINCT, INCLUDE columns (as a set), predicate, storage
 * parameters (as their types read them), and the tablespace when the plan's index entry names one.
 * Predicates and expressions are compared after normalisation; when in doubt they count as different,
 * which at worst builds one index too many, never skips a needed one.
 */
import type { CatalogSnapshot, ColumnInfo, IndexInfo, OpclassInfo, TableInfo } from '../catalog/types.js';
import { fit, usesDefaultOpclass } from '../pg/opclasses.js';
import { isValid, sameCollation } from '../pg/index-state.js';
import { canonicalParams, parseReloptions } from '../pg/storage-params.js';
import { LexError, tokenize, type Token } from '../sql/split.js';

export interface PlannedKey {
  /** The column; null for an expression key. */
  column: string | null;
  /** Operator class, with its schema when known; null for the method's default. */
  opclass: { schema: string | null; name: string } | null;
  /** An expression key: raw SQL from the plan file. */
  expression?: string;
  /**
   * What the server made of an expression key on a copy of the table (src/planner.ts): the expression
   * as pg_get_indexdef writes it, and the operator class and collation it resolved to.
   */
  server?: { expression: string; opclass: string; collation: string | null };
  /** A collation named in the plan (otherwise the column's or the expression's own). */
  collation?: string;
  /** DESC; absent: ASC. */
  descending?: boolean;
  /** NULLS FIRST (true) or LAST (false) as the plan writes it; absent: the order's default. */
  nullsFirst?: boolean;
}

/** Whether an existing key sorts NULLs first for this planned key: DESC puts them first unless told. */
function plannedNullsFirst(key: PlannedKey): boolean {
  return key.nullsFirst ?? key.descending ?? false;
}

/** What a planned index is, independent of its name and of where it is built. */
export interface IndexDef {
  method: string;
  keys: PlannedKey[];
  unique: boolean;
  include: string[];
  /** Raw SQL from the plan file. */
  where: string | null;
  /** The server's own rendering of `where` (pg_get_expr), when the planner could ask for it. */
  whereNormalised?: string | null;
  /** UNIQUE NULLS NOT DISTINCT. */
  nullsNotDistinct?: boolean;
  /** Storage parameters (WITH), each value in its canonical spelling (src/pg/storage-params.ts), in plan order. */
  storage?: [string, string][];
  /** A tablespace the plan's index entry names itself: then an index elsewhere is not equivalent. */
  tablespace?: string;
}

/** Does an operator class accept values of this column's type (as CREATE INDEX would)? */
export function opclassAccepts(snapshot: CatalogSnapshot, op: OpclassInfo, column: ColumnInfo): boolean {
  return fit(snapshot, op, column.type) !== null;
}

/** The catalog entry for a planned operator class of a method, if the snapshot has it. */
function findOpclass(snapshot: CatalogSnapshot, method: string, opclass: NonNullable<PlannedKey['opclass']>, column: ColumnInfo): OpclassInfo | undefined {
  const { schema, name } = opclass;
  const candidates = snapshot.opclasses.filter((o) => o.method === method && o.name === name && (schema === null || o.schema === schema));
  return candidates.find((o) => opclassAccepts(snapshot, o, column)) ?? candidates[0];
}

/** A planned opclass that is the method's default for the column's type counts as "default". */
export function plannedIsDefault(snapshot: CatalogSnapshot, method: string, key: PlannedKey, column: ColumnInfo | undefined): boolean {
  if (key.opclass === null) return true;
  if (!column) return false;
  const op = findOpclass(snapshot, method, key.opclass, column);
  return op !== undefined && op.isDefault && opclassAccepts(snapshot, op, column);
}

/**
 * A predicate in a comparable form, from the tokens of src/sql/split.ts: quoted text as written, the
 * rest in lower case (SQL keywords and unquoted identifiers are case-insensitive), one space between
 * tokens except around parentheses and commas and inside an operator written without spaces (`<>`),
 * and without redundant outer parentheses (pg_get_expr wraps the whole predicate in them). Text that
 * does not scan is compared as written.
 */
export function normalisePredicate(sql: string): string {
  let tokens: Token[];
  try {
    tokens = [...tokenize(sql)];
  } catch (err) {
    if (err instanceof LexError) return sql.trim();
    throw err;
  }
  while (tokens.length >= 2 && tokens[0]?.kind === 'lparen' && closingParen(tokens) === tokens.length - 1) tokens = tokens.slice(1, -1);
  const tight = (t: Token) => t.kind === 'lparen' || t.kind === 'rparen' || t.text === ',';
  let out = '';
  tokens.forEach((t, i) => {
    const prev = tokens[i - 1];
    if (prev && !tight(prev) && !tight(t) && !(prev.kind === 'op' && t.kind === 'op' && prev.end === t.start)) out += ' ';
    out += t.kind === 'string' || t.kind === 'ident' || t.kind === 'dollar' ? t.text : t.text.toLowerCase();
  });
  return out;
}

/** Index of the token closing the parenthesis that opens the list; -1 if none. */
function closingParen(tokens: Token[]): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const kind = tokens[i]?.kind;
    if (kind === 'lparen') depth++;
    else if (kind === 'rparen' && --depth === 0) return i;
  }
  return -1;
}

function samePredicate(def: IndexDef, existing: string | null): boolean {
  const planned = def.whereNormalised ?? def.where;
  if (planned === null || planned === undefined || planned.trim() === '') return existing === null || existing.trim() === '';
  if (existing === null) return false;
  return normalisePredicate(planned) === normalisePredicate(existing);
}

function sameSet(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((x, i) => x === sb[i]);
}

/** Why an existing index is not the planned one: empty when they are equivalent (validity aside). */
export function differences(snapshot: CatalogSnapshot, table: TableInfo, def: IndexDef, existing: IndexInfo): string[] {
  const out: string[] = [];
  if (existing.method !== def.method) out.push(`method ${existing.method}, planned ${def.method}`);
  if (existing.unique !== def.unique) out.push(existing.unique ? 'it is unique, the plan is not' : 'the plan is unique, it is not');
  if (existing.keys.length !== def.keys.length) {
    out.push(`${existing.keys.length} key column(s), planned ${def.keys.length}`);
  } else {
    def.keys.forEach((key, i) => {
      const ek = existing.keys[i] as IndexInfo['keys'][number];
      if (key.column === null) {
        expressionDifferences(key, ek, i, out);
        return;
      }
      const column = table.columns.find((c) => c.name === key.column);
      if (ek.column !== key.column) {
        out.push(`key ${i + 1} is ${ek.expression}, planned ${key.column}`);
        return;
      }
      if (ek.descending !== (key.descending ?? false) || ek.nullsFirst !== plannedNullsFirst(key)) {
        out.push(`key ${key.column} is ${orderText(ek.descending, ek.nullsFirst)}, planned ${orderText(key.descending ?? false, plannedNullsFirst(key))}`);
      }
      if (!sameCollation(ek.collation, key.collation ?? column?.collation ?? null)) out.push(`key ${key.column} has collation ${ek.collation}${key.collation ? `, planned ${key.collation}` : ''}`);
      const plannedDefault = plannedIsDefault(snapshot, def.method, key, column);
      const existingDefault = column ? usesDefaultOpclass(snapshot, existing.method, ek, column.type) : ek.opclassIsDefault;
      const sameOpclass = (plannedDefault && existingDefault) || (key.opclass !== null && key.opclass.name === ek.opclass);
      if (!sameOpclass) out.push(`key ${key.column} has operator class ${ek.opclass}, planned ${key.opclass?.name ?? 'the default'}`);
    });
  }
  if (!sameSet(existing.include, def.include)) out.push(`INCLUDE (${existing.include.join(', ')}), planned (${def.include.join(', ')})`);
  if (!samePredicate(def, existing.predicate)) out.push(`predicate ${existing.predicate ?? 'none'}, planned ${def.where ?? 'none'}`);
  if ((existing.nullsNotDistinct ?? false) !== (def.nullsNotDistinct ?? false)) {
    out.push(existing.nullsNotDistinct ? 'it is NULLS NOT DISTINCT, the plan is not' : 'the plan is NULLS NOT DISTINCT, it is not');
  }
  const storage = storageText(existing.method, parseReloptions(existing.storage));
  const plannedStorage = storageText(def.method, def.storage ?? []);
  if (storage !== plannedStorage) out.push(`WITH (${storage || 'nothing'}), planned (${plannedStorage || 'nothing'})`);
  if (def.tablespace !== undefined && (existing.tablespace ?? 'pg_default') !== def.tablespace) {
    out.push(`tablespace ${existing.tablespace ?? 'the default'}, planned ${def.tablespace}`);
  }
  return out;
}

/** `DESC NULLS LAST` and the like, for messages. */
function orderText(descending: boolean, nullsFirst: boolean): string {
  return `${descending ? 'DESC' : 'ASC'} NULLS ${nullsFirst ? 'FIRST' : 'LAST'}`;
}

/** Storage parameters as one comparable text: canonical values, sorted by name. */
function storageText(method: string, entries: readonly (readonly [string, unknown])[]): string {
  return [...canonicalParams(method, entries)]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * An expression key against an existing key: the expressions as the server writes them (or, when it
 * could not be asked, as normalised text), then order, collation and operator class, the latter two
 * as the server resolved them for the planned expression when it could.
 */
function expressionDifferences(key: PlannedKey, ek: IndexInfo['keys'][number], i: number, out: string[]): void {
  const planned = key.server?.expression ?? key.expression ?? '';
  if (ek.column !== null || normalisePredicate(ek.expression) !== normalisePredicate(planned)) {
    out.push(`key ${i + 1} is ${ek.expression}, planned ${planned}`);
    return;
  }
  if (ek.descending !== (key.descending ?? false) || ek.nullsFirst !== plannedNullsFirst(key)) {
    out.push(`key ${i + 1} is ${orderText(ek.descending, ek.nullsFirst)}, planned ${orderText(key.descending ?? false, plannedNullsFirst(key))}`);
  }
  const collation = key.collation ?? key.server?.collation;
  if (collation !== undefined && !sameCollation(ek.collation, collation)) out.push(`key ${i + 1} has collation ${ek.collation}, planned ${collation}`);
  const opclass = key.opclass?.name ?? key.server?.opclass;
  const sameOpclass = opclass === undefined ? ek.opclassIsDefault : opclass === ek.opclass;
  if (!sameOpclass) out.push(`key ${i + 1} has operator class ${ek.opclass}, planned ${opclass ?? 'the default'}`);
}

export function isEquivalent(snapshot: CatalogSnapshot, table: TableInfo, def: IndexDef, existing: IndexInfo): boolean {
  return sameShape(def, existing) && differences(snapshot, table, def, existing).length === 0;
}

/**
 * The first differences() checks, without their messages: most of a table's indexes fail one of
 * them, and differences() would also have built the storage texts of each (70 ms of 30,000 indexes'
 * comparisons at 10,000 tables, issue 16).
 */
function sameShape(def: IndexDef, existing: IndexInfo): boolean {
  if (existing.method !== def.method || existing.unique !== def.unique || existing.keys.length !== def.keys.length) return false;
  return def.keys.every((key, i) => key.column === null || existing.keys[i]?.column === key.column);
}

/**
 * The valid index of `table` equivalent to `def`, preferring one named `preferName`, then by name, so
 * the answer does not depend on catalog order.
 */
export function findEquivalentValid(
  snapshot: CatalogSnapshot,
  table: TableInfo,
  def: IndexDef,
  preferName: string,
  filter: (ix: IndexInfo) => boolean = () => true,
): IndexInfo | undefined {
  const matches = table.indexes
    .filter((ix) => isValid(ix) && filter(ix) && isEquivalent(snapshot, table, def, ix))
    .sort((a, b) => (a.name === preferName ? -1 : b.name === preferName ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return matches[0];
}
