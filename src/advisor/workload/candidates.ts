/**
 * Candidate indexes from what the workload asks of each table: for each predicate, the access
 * methods whose installed operator classes can search with its operator (pg_amop, operators.ts);
 * composites of one query's equality columns (most selective first, by pg_stats) followed by one
 * range column or its ORDER BY; expression candidates; join keys; unindexed foreign keys whose
 * checks or joins call for an index (foreign-keys.ts). Candidates only: which of them
 * pay is for the evaluation to say. Pure.
 */
import type { CatalogSnapshot, ColumnInfo, ColumnType, IndexInfo, OpclassInfo, TableInfo } from '../../catalog/types.js';
import { defaultOpclass, fit } from '../../pg/opclasses.js';
import { isValid } from '../../pg/index-state.js';
import { quoteIdent } from '../../sql/quote.js';
import { qualifiedKey } from '../../sql/qualified.js';
import { bareTypeName } from '../families.js';
import { operatorKey, type OperatorCatalog } from './operators.js';
import type { Operand, Predicate, QualifiedName, TableAccess } from './types.js';
import type { AnalysedQuery } from './workload.js';
import { foreignKeyNeeds, type ForeignKey, type ForeignKeyNeed } from './foreign-keys.js';
import { constantShare, constants } from './estimate.js';
import { valuesPredicate } from '../advise.js';
import { percent } from '../format.js';
import { DEFAULT_RULES } from '../../planfile/types.js';

export interface CandidateKey {
  /** A column name, or an expression as CREATE INDEX writes it (`lower(email)`). */
  column?: string;
  expression?: string;
  /** Null: the method's default operator class for the key's type. */
  opclass: string | null;
  descending?: true;
}

export interface Candidate {
  table: QualifiedName;
  method: string;
  keys: CandidateKey[];
  /** The extension the operator class comes from (pg_trgm…), installed. */
  extension: string | null;
  /** What it is for, as the queries wrote it: `customer_id =, created >=, ORDER BY created DESC`. */
  serves: string;
  /** The queries (indexes into the workload's queries) it may serve. */
  queries: number[];
  /** A join key (a foreign key's columns, typically): the evaluation weighs it as such. */
  join?: true;
  /** An unindexed foreign key whose columns these are, and why it wants an index (foreign-keys.ts). */
  foreignKey?: Omit<ForeignKeyNeed, 'joins'>;
  /** A partial index's predicate: a query's literal rare values (`status = 'failed'::text`). */
  where?: string;
}

export interface CandidateOptions {
  /** Unindexed foreign keys whose checks or joins may call for an index (readForeignKeys). */
  foreignKeys?: readonly ForeignKey[];
  /** A literal value held by fewer than this share of the rows is rare: a partial candidate for it. */
  rareShare?: number;
}

export interface CandidateSet {
  candidates: Candidate[];
  /** What could not be served and what would help: `CREATE EXTENSION pg_trgm` for ILIKE… */
  notes: string[];
}

type Catalog = Pick<CatalogSnapshot, 'tables' | 'opclasses' | 'binaryCoercions' | 'extensions' | 'accessMethods'>;

/** Methods tried, in order, for an operator btree cannot serve. */
const OTHER_METHODS = ['gin', 'gist', 'spgist', 'hash'];
const RANGE = new Set(['<', '<=', '>', '>=']);
const JSONB_PATH_OPERATORS = new Set(['@>', '@?', '@@']);
const PATTERN_OPCLASS: Readonly<Record<string, string>> = { text: 'text_pattern_ops', 'character varying': 'varchar_pattern_ops', character: 'bpchar_pattern_ops' };

/** One key for one predicate: the method and operator class that can serve it. */
interface Served {
  method: string;
  key: CandidateKey;
  extension: string | null;
  /** Part of a btree composite: equality, range or IS NULL on a btree key. */
  btree: 'equality' | 'range' | null;
}

export function workloadCandidates(queries: readonly AnalysedQuery[], catalog: Catalog, operators: OperatorCatalog, opts: CandidateOptions = {}): CandidateSet {
  const { foreignKeys = [], rareShare = DEFAULT_RULES.rareShare } = opts;
  const tables = new Map(catalog.tables.map((t) => [qualifiedKey(t), t]));
  const byKey = new Map<string, Candidate>();
  const notes = new Set<string>();
  const add = (c: Omit<Candidate, 'queries'>, query: number) => {
    const key = candidateKey(c);
    const had = byKey.get(key);
    if (had) {
      if (!had.queries.includes(query)) had.queries.push(query);
      if (c.join) had.join = true;
    } else byKey.set(key, { ...c, queries: [query] });
  };

  queries.forEach((q, qi) => {
    for (const access of q.shape.accesses) {
      const table = tables.get(qualifiedKey(access.table));
      if (!table) continue;
      const ctx: Ctx = { table, catalog, operators, notes, columnOperators: operatorsByOperand(queries, access.table) };
      const served = access.predicates.filter((p) => !p.inOr).map((p) => ({ p, s: servePredicate(ctx, p) }));
      for (const { p, s } of served) {
        if (s) add({ table: access.table, method: s.method, keys: [s.key], extension: s.extension, serves: describe(p) }, qi);
      }
      // OR branches: each an index of its own (a BitmapOr of them), never a composite's part.
      for (const p of access.predicates.filter((x) => x.inOr)) {
        const s = servePredicate(ctx, p);
        if (s) add({ table: access.table, method: s.method, keys: [s.key], extension: s.extension, serves: `${describe(p)} (in an OR)` }, qi);
      }
      const nearest = nearestFor(ctx, access);
      if (nearest) add(nearest, qi);
      const composite = compositeFor(ctx, access, served);
      if (composite) add(composite, qi);
      for (const partial of partialsFor(ctx, access, served, rareShare)) add(partial, qi);
      for (const j of access.joins) {
        const col = table.columns.find((c) => c.name === j.column);
        if (!col || !defaultOpclass(catalog, 'btree', col.type)) continue;
        const other = `${quoteIdent(j.other.schema)}.${quoteIdent(j.other.name)}.${quoteIdent(j.other.column)}`;
        add({ table: access.table, method: 'btree', keys: [{ column: j.column, opclass: null }], extension: null, serves: `join ${quoteIdent(j.column)} = ${other}`, join: true }, qi);
      }
    }
  });

  for (const need of foreignKeyNeeds(foreignKeys, queries, catalog.tables)) {
    const { joins, ...foreignKey } = need;
    const fk = need.foreignKey;
    const c: Omit<Candidate, 'queries'> = { table: fk.table, method: 'btree', keys: fk.columns.map((column) => ({ column, opclass: null })), extension: null, serves: need.label, join: true };
    const had = byKey.get(candidateKey(c));
    if (had) {
      had.foreignKey = foreignKey;
      had.join = true;
      for (const qi of joins) if (!had.queries.includes(qi)) had.queries.push(qi);
    } else byKey.set(candidateKey(c), { ...c, foreignKey, queries: [...joins] });
  }

  const candidates = [...byKey.values()].filter((c) => {
    const table = tables.get(qualifiedKey(c.table));
    return table !== undefined && servingIndex(table, c) === null;
  });
  return { candidates, notes: [...notes].sort() };
}

/**
 * The valid, non-partial index of the same method whose leading keys are the candidate's keys: it
 * already serves whatever the candidate would.
 */
export function servingIndex(table: TableInfo, c: Pick<Candidate, 'method' | 'keys'>): IndexInfo | null {
  return (
    table.indexes.find(
      (i) =>
        isValid(i) &&
        i.predicate === null &&
        i.method === c.method &&
        i.keys.length >= c.keys.length &&
        c.keys.every((k, n) => {
          const have = i.keys[n];
          if (!have) return false;
          const same = k.column !== undefined ? have.column === k.column : normaliseExpression(have.expression) === normaliseExpression(k.expression ?? '');
          return same && (k.opclass === null ? have.opclassIsDefault : have.opclass === k.opclass);
        }),
    ) ?? null
  );
}

function normaliseExpression(sql: string): string {
  return sql.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1');
}

interface Ctx {
  table: TableInfo;
  catalog: Catalog;
  operators: OperatorCatalog;
  notes: Set<string>;
  /** Every operator the workload uses on each operand of this table (jsonb_path_ops or jsonb_ops). */
  columnOperators: Map<string, Set<string>>;
}

function operandKey(o: Operand): string {
  return o.kind === 'column' ? `c:${o.column}` : `e:${o.sql}`;
}

function operatorsByOperand(queries: readonly AnalysedQuery[], table: QualifiedName): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const q of queries) {
    for (const a of q.shape.accesses) {
      if (qualifiedKey(a.table) !== qualifiedKey(table)) continue;
      for (const p of a.predicates) {
        const k = operandKey(p.operand);
        const set = out.get(k) ?? new Set<string>();
        set.add(p.operator);
        out.set(k, set);
      }
    }
  }
  return out;
}

function keyOf(o: Operand, opclass: string | null): CandidateKey {
  return o.kind === 'column' ? { column: o.column, opclass } : { expression: o.sql, opclass };
}

/** The method and operator class for one predicate, or null (with a note when something would help). */
function servePredicate(ctx: Ctx, p: Predicate): Served | null {
  const { catalog } = ctx;
  const column = p.operand.kind === 'column' ? ctx.table.columns.find((c) => c.name === (p.operand as { column: string }).column) : undefined;
  if (p.operand.kind === 'column' && !column) return null;
  if (column?.generated === 'v') return null;

  // An expression's type is the server's to say: btree serves its equality and ranges when the type
  // has a default class, which the evaluation (HypoPG, or the server's CREATE INDEX) will tell.
  if (!column) {
    return p.operator === '=' || RANGE.has(p.operator) ? { method: 'btree', key: keyOf(p.operand, null), extension: null, btree: p.operator === '=' ? 'equality' : 'range' } : null;
  }
  const type = column.type;
  const btree = catalog.accessMethods.includes('btree') ? defaultOpclass(catalog, 'btree', type) : null;

  if (p.operator === 'IS NULL' || p.operator === 'IS NOT NULL') {
    return btree && p.operator === 'IS NULL' ? { method: 'btree', key: keyOf(p.operand, null), extension: null, btree: 'equality' } : null;
  }
  if (p.operator === '~~' || p.operator === '~~*') return servePattern(ctx, p, column);

  if (btree && supports(ctx, btree, p.operator) && (p.operator === '=' || RANGE.has(p.operator)) && type.category !== 'A') {
    return { method: 'btree', key: keyOf(p.operand, null), extension: null, btree: p.operator === '=' ? 'equality' : 'range' };
  }
  for (const method of OTHER_METHODS) {
    if (!catalog.accessMethods.includes(method)) continue;
    const opc = opclassFor(ctx, method, type, p);
    if (opc) return { method, key: keyOf(p.operand, opc.isDefault ? null : opc.name), extension: opc.extension ?? null, btree: null };
  }
  if (btree && supports(ctx, btree, p.operator)) return { method: 'btree', key: keyOf(p.operand, null), extension: null, btree: null };
  return null;
}

/** The operator class of `method` for this type that can search with the predicate's operator. */
function opclassFor(ctx: Ctx, method: string, type: ColumnType, p: Predicate): OpclassInfo | null {
  const fitting = ctx.catalog.opclasses.filter((o) => o.method === method && fit(ctx.catalog, o, type) !== null && supports(ctx, o, p.operator));
  if (fitting.length === 0) return null;
  if (bareTypeName(type.base) === 'jsonb' && method === 'gin') {
    // jsonb_path_ops is smaller and faster, but serves only the containment and path operators.
    const used = ctx.columnOperators.get(operandKey(p.operand)) ?? new Set([p.operator]);
    const pathOnly = [...used].every((op) => JSONB_PATH_OPERATORS.has(op) || op === 'IS NULL' || op === 'IS NOT NULL');
    const path = fitting.find((o) => o.name === 'jsonb_path_ops');
    if (pathOnly && path) return path;
  }
  const defaults = fitting.filter((o) => o.isDefault);
  return defaults.find((o) => fit(ctx.catalog, o, type) === 'exact') ?? defaults[0] ?? fitting[0] ?? null;
}

function supports(ctx: Ctx, opc: OpclassInfo, operator: string): boolean {
  return ctx.operators.get(operatorKey(opc.method, opc.name))?.search.has(operator) ?? false;
}

/**
 * LIKE 'prefix%' → btree, which needs a pattern operator class unless the column's collation is C;
 * ILIKE, '%infix%' and a pattern only known at run time ($1) → gin gin_trgm_ops when pg_trgm is
 * installed, else a note with the CREATE EXTENSION that would enable it.
 */
function servePattern(ctx: Ctx, p: Predicate, column: ColumnInfo): Served | null {
  const pattern = p.values[0];
  const literal = pattern?.kind === 'const' ? pattern.text : null;
  const prefix = p.operator === '~~' && literal !== null && literal !== '' && !/^[%_]/.test(literal);
  if (prefix) {
    // Only a C collation compares byte-wise, as a LIKE prefix needs; `default` may be any locale
    // (the database's), and the pattern class serves LIKE in every one.
    const plain = column.collation === 'C' || column.collation === 'POSIX';
    const pattern = PATTERN_OPCLASS[bareTypeName(column.type.base)];
    if (plain && defaultOpclass(ctx.catalog, 'btree', column.type)) return { method: 'btree', key: keyOf(p.operand, null), extension: null, btree: 'range' };
    if (pattern) return { method: 'btree', key: keyOf(p.operand, pattern), extension: null, btree: 'range' };
  }
  const trgm = ctx.catalog.opclasses.find((o) => o.method === 'gin' && o.name === 'gin_trgm_ops' && fit(ctx.catalog, o, column.type) !== null);
  if (trgm && supports(ctx, trgm, p.operator)) return { method: 'gin', key: keyOf(p.operand, 'gin_trgm_ops'), extension: trgm.extension ?? 'pg_trgm', btree: null };
  if (!trgm) {
    const available = ctx.catalog.extensions.some((e) => e.name === 'pg_trgm' && e.available !== null);
    const label = `${quoteIdent(ctx.table.schema)}.${quoteIdent(ctx.table.name)}.${quoteIdent(column.name)}`;
    ctx.notes.add(
      `${label} ${p.written}: no installed operator class serves it; CREATE EXTENSION pg_trgm${available ? '' : ' (after installing it: this server does not have it)'} would enable gin gin_trgm_ops`,
    );
  }
  return null;
}

/**
 * One query's composite btree on one table: its equality keys, most selective first (pg_stats), then
 * one range key, or else its ORDER BY keys when it has a LIMIT. Null when that is a single key.
 */
function compositeFor(ctx: Ctx, access: TableAccess, served: { p: Predicate; s: Served | null }[]): Omit<Candidate, 'queries'> | null {
  const eq = new Map<string, { p: Predicate; s: Served }>();
  for (const x of served) if (x.s?.method === 'btree' && x.s.btree === 'equality' && !eq.has(operandKey(x.p.operand))) eq.set(operandKey(x.p.operand), { p: x.p, s: x.s });
  const equalities = [...eq.values()].sort((a, b) => distinct(ctx.table, b.p.operand) - distinct(ctx.table, a.p.operand) || operandKey(a.p.operand).localeCompare(operandKey(b.p.operand)));
  const keys = equalities.map((e) => e.s.key);
  const serves = equalities.map((e) => describe(e.p));

  const range = served.find((x) => x.s?.method === 'btree' && x.s.btree === 'range' && !eq.has(operandKey(x.p.operand)));
  const orderable = access.limit !== null && access.orderBy.length > 0 && access.orderBy.every((k) => k.operator === undefined && !eq.has(operandKey(k.operand)) && orderKeyIsBtree(ctx, k.operand));
  if (range?.s) {
    keys.push(range.s.key);
    serves.push(describe(range.p));
  } else if (orderable) {
    // A backward scan serves all-DESC as well as all-ASC: only mixed directions need DESC keys.
    const mixed = new Set(access.orderBy.map((k) => k.descending)).size > 1;
    for (const k of access.orderBy) keys.push({ ...keyOf(k.operand, null), ...(mixed && k.descending ? { descending: true as const } : {}) });
    serves.push(`ORDER BY ${access.orderBy.map((k) => operandLabel(k.operand) + (k.descending ? ' DESC' : '')).join(', ')} LIMIT`);
  }
  // A single key is a candidate of its own already, except an ORDER BY … LIMIT alone.
  if (keys.length < 2 && (equalities.length > 0 || range?.s)) return null;
  if (keys.length === 0) return null;
  return { table: access.table, method: 'btree', keys, extension: null, serves: serves.join(', ') };
}

/**
 * A literal equality or IN on rare values (from a --queries file: pg_stat_statements shows `$n`):
 * a partial index on those rows only, keyed by what else the query asks of the table (its other
 * equality and range keys, or its ORDER BY … LIMIT), else by the column itself. Rare: the values
 * hold fewer than `rareShare` of the rows by pg_stats' most common values.
 */
function partialsFor(ctx: Ctx, access: TableAccess, served: { p: Predicate; s: Served | null }[], rareShare: number): Omit<Candidate, 'queries'>[] {
  const out: Omit<Candidate, 'queries'>[] = [];
  for (const x of served) {
    const { p, s } = x;
    if (s?.method !== 'btree' || s.btree !== 'equality' || p.operator !== '=' || p.operand.kind !== 'column') continue;
    const name = p.operand.column;
    const column = ctx.table.columns.find((c) => c.name === name);
    const values = constants(p);
    const share = column?.stats && values ? constantShare(column.stats, ctx.table.reltuples, values) : null;
    if (!column || !values || share === null || share >= rareShare) continue;
    const where = valuesPredicate(column, values);
    const rest = served.filter((o) => o !== x && !(o.p.operand.kind === 'column' && o.p.operand.column === name));
    const composite = compositeFor(ctx, access, rest);
    const single = rest.find((o) => o.s?.method === 'btree' && o.s.btree === 'equality') ?? rest.find((o) => o.s?.method === 'btree' && o.s.btree === 'range');
    const base = composite ?? (single?.s ? { keys: [single.s.key], serves: describe(single.p) } : { keys: [s.key], serves: describe(p) });
    out.push({
      table: access.table,
      method: 'btree',
      keys: base.keys,
      extension: null,
      where,
      serves: `${base.serves}; partial: ${describe(p)} rare values, ${percent(share)} of the rows`,
    });
  }
  return out;
}

/** ORDER BY col <-> value LIMIT n: an index whose operator class orders by `<->` (gist, spgist). */
function nearestFor(ctx: Ctx, access: TableAccess): Omit<Candidate, 'queries'> | null {
  const [k, ...rest] = access.orderBy;
  if (!k || rest.length > 0 || k.operator === undefined || access.limit === null || k.operand.kind !== 'column') return null;
  const operator = k.operator;
  const name = k.operand.column;
  const column = ctx.table.columns.find((c) => c.name === name);
  if (!column) return null;
  for (const method of ['gist', 'spgist']) {
    if (!ctx.catalog.accessMethods.includes(method)) continue;
    const fitting = ctx.catalog.opclasses.filter(
      (o) => o.method === method && fit(ctx.catalog, o, column.type) !== null && (ctx.operators.get(operatorKey(o.method, o.name))?.order.has(operator) ?? false),
    );
    const opc = fitting.find((o) => o.isDefault) ?? fitting[0];
    if (opc) {
      return { table: access.table, method, keys: [keyOf(k.operand, opc.isDefault ? null : opc.name)], extension: opc.extension ?? null, serves: `ORDER BY ${quoteIdent(name)} ${operator} … LIMIT` };
    }
  }
  return null;
}

function orderKeyIsBtree(ctx: Ctx, o: Operand): boolean {
  if (o.kind === 'expression') return true;
  const col = ctx.table.columns.find((c) => c.name === o.column);
  return col !== undefined && defaultOpclass(ctx.catalog, 'btree', col.type) !== null;
}

/** The number of distinct values of a column (pg_stats' n_distinct; negative: a share of the rows); 0 unknown. */
function distinct(table: TableInfo, o: Operand): number {
  if (o.kind !== 'column') return 0;
  const stats = table.columns.find((c) => c.name === o.column)?.stats;
  if (!stats) return 0;
  return stats.nDistinct >= 0 ? stats.nDistinct : -stats.nDistinct * Math.max(table.reltuples, 0);
}

function operandLabel(o: Operand): string {
  return o.kind === 'column' ? quoteIdent(o.column) : o.sql;
}

function describe(p: Predicate): string {
  return `${operandLabel(p.operand)} ${p.written}`;
}

function candidateKey(c: Omit<Candidate, 'queries'>): string {
  return JSON.stringify([c.table.schema, c.table.name, c.method, c.keys.map((k) => [k.column ?? null, k.expression ?? null, k.opclass, k.descending ?? false]), c.where ?? null]);
}
