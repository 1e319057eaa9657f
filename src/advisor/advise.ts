/**
 * The access-method advisor: a pure function from one column's facts, its table's statistics, the
 * plan's rules and the server's catalog to a decision with a reason a person can check.
 *
 * Order: what the plan says explicitly (method, opclass, unique) wins, checked against the catalog;
 * then the skips (virtual generated, already indexed, boolean, json); then statistics, which refine
 * a btree choice only (brin for ordered data, gin through btree_gin for few distinct values, hash for
 * wide values); then the type family; last, any method with a default operator class for the type.
 *
 * What the plan asks that the catalog cannot give is a `problem` decision at the entry's position,
 * never an exception: the planner reports it with every other problem of the plan.
 */
import type { Problem } from '../errors.js';
import { NameSyntaxError, parseQualifiedName } from '../catalog/names.js';
import type { ColumnInfo, ColumnStats, ColumnType, IndexInfo, OpclassInfo, TableInfo } from '../catalog/types.js';
import type { ColumnSpec } from '../planfile/types.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../sql/quote.js';
import { UNIQUE_METHOD, canInclude, includeMethodsText } from '../pg/access-methods.js';
import { isValid, sameCollation } from '../pg/index-state.js';
import { EXTENSION_OPCLASSES, btreeGinCovers, btreeGistCovers, familyOf, isIdentifierType } from './families.js';
import { decimal, percent, ratio } from './format.js';
import { thousands } from '../format.js';
import { defaultOpclass, fit, opclassesNamed, usesDefaultOpclass } from '../pg/opclasses.js';
import type { AdviceInput, Decision } from './types.js';

type IndexDecision = Extract<Decision, { kind: 'index' }>;
type ProblemDecision = Extract<Decision, { kind: 'problem' }>;
type SkipDecision = Extract<Decision, { kind: 'skip' }>;


/** When no rule names a method: the methods tried, in order, for a default operator class. */
const FALLBACK_ORDER = ['btree', 'hash', 'gist', 'gin', 'spgist', 'brin'];

export function advise(input: AdviceInput): Decision {
  const { column, spec } = input;
  const explicit = spec !== null && (spec.method !== undefined || spec.opclass !== undefined);
  if (column.generated === 'v') {
    if (spec && (explicit || spec.unique)) {
      return problem(input, spec, 'it is a virtual generated column, which PostgreSQL cannot index (make it STORED, or index its expression)');
    }
    return {
      kind: 'skip',
      reason: 'virtual generated column: PostgreSQL cannot index it',
      suggestion: 'make it a STORED generated column, or index its expression',
    };
  }
  if (spec && explicit) return explicitChoice(input, spec);
  if (spec?.unique) return uniqueChoice(input, spec);

  const plain = !spec || (spec.where === undefined && !spec.include?.length);
  if (plain) {
    const leading = leadingIndex(input, input.table, column);
    if (leading) {
      const what = leading.primary ? ', primary key' : leading.unique ? ', unique' : '';
      return {
        kind: 'skip',
        // Joined once, one flat string: the reason of most columns of a large plan, kept as long as
        // the plan (a template made a chain of partial strings that each collection copied; issue 16).
        reason: ['already led by valid index ', quoteQualified(leading), ' (', leading.method, what, ')'].join(''),
        existingIndex: { schema: leading.schema, name: leading.name },
      };
    }
  }

  const needsInclude = (spec?.include?.length ?? 0) > 0;
  const decision = adviseByTypeAndStatistics(input, needsInclude, spec === null);
  if (spec && needsInclude && decision.kind === 'index' && !canInclude(decision.method)) {
    return problem(
      input,
      spec,
      `${decision.reason}, but ${decision.method} indexes cannot have INCLUDE columns: give method: ${includeMethodsText()}, or drop include`,
    );
  }
  return decision;
}

export type AdvisedWhere = Pick<AdviceInput, 'rules' | 'catalog'>;

/** The predicate of the partial index the advisor chooses for a column, if it chooses one. */
export function advisedWhere(input: AdviceInput): string | undefined {
  const decision = advise(input);
  return decision.kind === 'index' ? decision.where : undefined;
}

/**
 * The method for one column by its type and statistics alone, as for a column of `columns: all`,
 * without the skips that look at existing indexes: an `indexes:` entry of one plain column declares
 * an index, which only an equivalent index can make unnecessary.
 */
export function adviseMethod(input: Omit<AdviceInput, 'spec'>): Decision {
  return adviseByTypeAndStatistics({ ...input, spec: null }, false, false);
}

/**
 * `byValues`: the column's values (few of them) decide whether it gets an index at all, and on
 * which rows (a skip, or a partial index on the rare ones): for a column `columns: all` takes, where
 * pgindex chooses what pays; not for a column the plan names, nor an `indexes:` entry, which ask
 * for their index.
 */
function adviseByTypeAndStatistics(input: AdviceInput, needsInclude: boolean, byValues: boolean): Decision {
  const { column, rules, catalog } = input;
  const type = column.type;
  const label = typeLabel(type);
  const family = familyOf(type, rules);

  if (family.kind === 'boolean') {
    return {
      kind: 'skip',
      reason: 'boolean: too few distinct values for an index to pay off',
      suggestion: `a partial index on the rarer value, e.g. WHERE ${quoteIdent(column.name)} (or WHERE NOT ${quoteIdent(column.name)})`,
    };
  }
  if (family.kind === 'json') {
    return {
      kind: 'skip',
      reason: 'json has no operator class for any index method',
      suggestion: `store it as jsonb, or index an expression such as ((${quoteIdent(column.name)}->>'key'))`,
    };
  }

  let base: IndexDecision | null = null;
  if (family.kind === 'method') {
    const opc = family.opclass
      ? opclassesNamed(catalog, family.opclass, { method: family.method }).find((o) => fit(catalog, o, type) !== null)
      : defaultOpclass(catalog, family.method, type);
    if (opc && catalog.accessMethods.includes(family.method)) {
      // jsonb has two usual classes: say which one even when it is the default.
      const shown = family.opclass ?? (family.family === 'jsonb' ? opc.name : null);
      base = index(family.method, family.opclass ? opc : null, opc, `${label} → ${family.method}${shown ? ' ' + shown : ''}`);
    }
  }
  base ??= anyDefault(input, label);
  if (!base) {
    return {
      kind: 'skip',
      reason: `${label} has no default operator class for any index method`,
      suggestion: 'index an expression, or name a method and an operator class in the plan',
    };
  }
  // Statistics refine a btree choice only: for arrays, jsonb, ranges… the type decides.
  if (base.method === 'btree' && !needsInclude) return (byValues ? fewValuesChoice(input, base) : null) ?? statisticsChoice(input) ?? base;
  return base;
}

/** The first method with a default operator class for a type no rule covers. */
function anyDefault(input: AdviceInput, label: string): IndexDecision | null {
  for (const method of FALLBACK_ORDER) {
    if (!input.catalog.accessMethods.includes(method)) continue;
    const opc = defaultOpclass(input.catalog, method, input.column.type);
    if (opc) return index(method, null, opc, `${label} → ${method} (no rule for this type; ${method} has a default operator class for it)`);
  }
  return null;
}

function statisticsChoice(input: AdviceInput): IndexDecision | null {
  const { column, table, rules, catalog } = input;
  const stats = column.stats;
  if (!stats) return null;
  const type = column.type;
  const has = (m: string) => catalog.accessMethods.includes(m);
  // Only a class that keeps the type's own comparison: an extension type reaching a text class through
  // a binary coercion (citext → text) would be indexed case-sensitively, useless to its own operators.
  const defaultFor = (method: string) => {
    const opc = has(method) ? defaultOpclass(catalog, method, type) : null;
    return opc && !(type.extension && fit(catalog, opc, type) === 'binary') ? opc : null;
  };

  const rows = table.reltuples;
  const distinct = distinctValues(stats, rows);
  if (stats.correlation !== null && Math.abs(stats.correlation) >= rules.brinMinCorrelation && table.relpages >= rules.brinMinPages) {
    const opc = defaultFor('brin');
    // A Citus table's statistics are its shards': the correlation is the weakest of the shards read.
    const where = stats.shards ? `${stats.shards.sampled} of ${stats.shards.total} shards, ${thousands(table.relpages)} pages` : `${thousands(table.relpages)} pages`;
    const correlated = `correlation ${decimal(stats.correlation)} on ${where}`;
    // An identifier is looked up by equality, for which brin reads a whole block range (128 pages by
    // default) per value; a time is asked for by ranges, which brin serves well.
    if (opc && isIdentifierType(type) && rows > 0 && distinct / rows >= NEAR_UNIQUE) {
      const btree = defaultOpclass(catalog, 'btree', type);
      const unique = `${stats.nDistinct === -1 ? 'unique' : 'near-unique'} identifier (n_distinct ${decimal(stats.nDistinct)})`;
      if (btree) return index('btree', null, btree, `${unique}: ${correlated} would suit brin for ranges, but an equality lookup on brin reads whole block ranges → btree`);
    }
    if (opc) return index('brin', null, opc, `${correlated} → brin`);
  }

  if (rows > 0 && distinct >= rules.ginMinDistinct && distinct <= rules.ginMaxDistinct && distinct / rows <= rules.ginMaxDistinctRatio) {
    const facts = `${thousands(distinct)} distinct values in ${thousands(rows)} rows (ratio ${ratio(distinct / rows)})`;
    const opc = defaultFor('gin');
    if (opc) return index('gin', null, opc, `${facts} → gin${opc.extension ? ' via ' + opc.extension : ''}`);
    if (btreeGinCovers(type)) {
      const btree = defaultOpclass(catalog, 'btree', type);
      if (btree) {
        const installed = isInstalled(input, 'btree_gin');
        return {
          ...index('btree', null, btree, `${facts} would suit gin, but ${installed ? `btree_gin has no operator class for ${typeLabel(type)}` : 'btree_gin is not installed'} → btree`),
          ...(installed ? {} : { suggestion: createExtension(input, 'btree_gin') }),
        };
      }
    }
  }

  if (stats.avgWidth >= rules.hashMinAvgWidth) {
    const opc = defaultFor('hash');
    if (opc) return index('hash', null, opc, `average width ${thousands(stats.avgWidth)} bytes (btree keys are capped near 2.7 kB) → hash`);
  }
  return null;
}

/** distinct values / rows at or above this: a near-unique column (pg_stats n_distinct near -1). */
const NEAR_UNIQUE = 0.9;
/** The most common values must hold this share of the rows (with the NULLs) for them to be all the values. */
const ALL_VALUES = 0.99;

/** The number of distinct values (pg_stats' n_distinct; negative: a share of the rows). */
function distinctValues(stats: ColumnStats, rows: number): number {
  return stats.nDistinct >= 0 ? stats.nDistinct : -stats.nDistinct * Math.max(rows, 0);
}

/**
 * A column of at most `rules.fewValues` distinct values, all of them among pg_stats' most common
 * values: skipped when every value holds at least `rules.rareShare` of the rows (an index on one of
 * them reads a large part of the table, as for a boolean), else a partial index on the rare values,
 * which queries for them use and which stays as small as they are. Null when the statistics do not
 * list every value: then nothing is known of the unlisted ones.
 */
function fewValuesChoice(input: AdviceInput, btree: IndexDecision): IndexDecision | SkipDecision | null {
  const { column, table, rules } = input;
  const stats = column.stats;
  const rows = table.reltuples;
  if (!stats?.mostCommon || rules.fewValues <= 0 || rows <= 0) return null;
  const distinct = distinctValues(stats, rows);
  const { values, freqs } = stats.mostCommon;
  const listed = freqs.reduce((a, b) => a + b, 0);
  if (distinct <= 0 || distinct > rules.fewValues || values.length !== freqs.length || listed + stats.nullFrac < ALL_VALUES) return null;
  const facts = values.length === 1 ? `one value in all ${thousands(rows)} rows` : `${values.length} distinct values in ${thousands(rows)} rows`;
  const rare = values.map((v, i) => ({ v, share: freqs[i] as number })).filter((x) => x.share < rules.rareShare);
  const name = quoteIdent(column.name);
  if (rare.length === 0) {
    return {
      kind: 'skip',
      reason: `${facts}${values.length === 1 ? '' : `, the rarest in ${percent(Math.min(...freqs))} of them`}: too few distinct values for an index to pay off`,
      suggestion: `an index that leads with a more selective column and then ${name}, in indexes:`,
    };
  }
  // Every value rare (the NULLs are the common "value"): an ordinary index serves as well.
  if (rare.length === values.length) return null;
  rare.sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
  const where = valuesPredicate(column, rare.map((x) => x.v));
  const which = rare.map((x) => `${quoteLiteral(x.v)} in ${percent(x.share)}`).join(', ');
  return {
    ...btree,
    method: 'btree',
    where,
    reason: `${facts}, rare ones (under ${percent(rules.rareShare)} of the rows): ${which} → btree partial index on them`,
  };
}

/**
 * `col = 'v'::type` or `col IN ('a'::type, 'b'::type)`: a partial index's predicate on some values
 * of a column, each a literal typed by the column's type (as pg_stats shows values: as text).
 */
export function valuesPredicate(column: Pick<ColumnInfo, 'name' | 'type'>, values: readonly string[]): string {
  const literal = (v: string) => `${quoteLiteral(v)}::${column.type.declared}`;
  const name = quoteIdent(column.name);
  return values.length === 1 ? `${name} = ${literal(values[0] as string)}` : `${name} IN (${values.map(literal).join(', ')})`;
}

function uniqueChoice(input: AdviceInput, spec: ColumnSpec): Decision {
  const opc = defaultOpclass(input.catalog, UNIQUE_METHOD, input.column.type);
  if (!opc || !input.catalog.accessMethods.includes(UNIQUE_METHOD)) {
    return problem(input, spec, `a unique index needs btree, and btree has no operator class for ${typeLabel(input.column.type)}`);
  }
  return index(UNIQUE_METHOD, null, opc, 'unique → btree (the only method with unique indexes)');
}

/** A method and/or operator class named in the plan: honoured when the catalog allows it, a problem otherwise. */
function explicitChoice(input: AdviceInput, spec: ColumnSpec): Decision {
  const { catalog, column, rules } = input;
  const type = column.type;
  const label = typeLabel(type);
  let method = spec.method;
  if (method !== undefined && !catalog.accessMethods.includes(method)) {
    const extra = method === 'bloom' ? '; CREATE EXTENSION bloom adds it' : '';
    return problem(input, spec, `access method "${method}" does not exist on this server (it has ${catalog.accessMethods.join(', ')})${extra}`);
  }

  let chosen: OpclassInfo | null = null;
  let named = false;
  if (spec.opclass !== undefined) {
    const found = namedOpclass(input, spec.opclass, method);
    if (typeof found === 'string') return problem(input, spec, found);
    chosen = found;
    method = chosen.method;
    named = true;
  } else if (method !== undefined) {
    // The family's preferred operator class when the plan picks the family's method (gist on inet → inet_ops).
    const family = familyOf(type, rules);
    if (family.kind === 'method' && family.method === method && family.opclass) {
      chosen = opclassesNamed(catalog, family.opclass, { method }).find((o) => fit(catalog, o, type) !== null) ?? null;
      named = chosen !== null;
    }
    chosen ??= defaultOpclass(catalog, method, type);
    if (!chosen) {
      return problem(input, spec, `${method} has no default operator class for ${label}: name one with opclass:${opclassHint(input, method)}`);
    }
  }
  if (!chosen || method === undefined) throw new Error('unreachable: an explicit choice names a method or an operator class');

  if (spec.unique && method !== UNIQUE_METHOD) {
    return problem(input, spec, `unique: true needs ${UNIQUE_METHOD} (PostgreSQL has unique indexes only for ${UNIQUE_METHOD}), but the plan gives ${method}`);
  }
  if (spec.include?.length && !canInclude(method)) {
    return problem(input, spec, `${method} indexes cannot have INCLUDE columns (${includeMethodsText()} can)`);
  }
  const given = spec.opclass !== undefined ? `${method} ${chosen.name}` : method;
  const reason = `${given} given in the plan` + (named && spec.opclass === undefined ? ` (${chosen.name} for ${label})` : '');
  return index(method, named ? chosen : null, chosen, reason);
}

/** The operator class the plan names, or why it cannot be used (the problem's message). */
function namedOpclass(input: AdviceInput, written: string, method: string | undefined): OpclassInfo | string {
  const { catalog, column } = input;
  let parsed: { schema: string | null; name: string };
  try {
    parsed = parseQualifiedName(written);
  } catch (err) {
    if (err instanceof NameSyntaxError) return `bad operator class name: ${err.message}`;
    throw err;
  }
  const sameName = opclassesNamed(catalog, parsed.name, { schema: parsed.schema });
  const forMethod = method === undefined ? sameName : sameName.filter((o) => o.method === method);
  if (forMethod.length === 0) {
    if (sameName.length > 0) {
      const methods = unique(sameName.map((o) => o.method));
      return `operator class "${written}" does not exist for ${method}; it does for ${methods.join(', ')}`;
    }
    const ext = EXTENSION_OPCLASSES[parsed.name];
    const extra = ext && !isInstalled(input, ext) ? `; ${createExtension(input, ext)} provides it` : '';
    return `operator class "${written}" does not exist${method ? ` for ${method}` : ''}${extra}`;
  }
  const fitting = forMethod.filter((o) => fit(catalog, o, column.type) !== null);
  if (fitting.length === 0) {
    const takes = unique(forMethod.map((o) => `${o.method} ${o.name} takes ${o.inputTypeName}`));
    return `operator class "${written}" does not accept ${typeLabel(column.type)} (${takes.join('; ')})`;
  }
  let candidates = fitting;
  const methods = unique(fitting.map((o) => o.method)).sort();
  if (methods.length > 1) {
    // jsonb_ops exists for btree, hash and gin: on a jsonb column, the method its type calls for is meant.
    const family = familyOf(column.type, input.rules);
    candidates = family.kind === 'method' ? fitting.filter((o) => o.method === family.method) : [];
    if (candidates.length === 0) {
      return `operator class "${written}" exists for ${methods.join(', ')}: say which with method:`;
    }
  }
  // An exact input type before a coercible one, as PostgreSQL resolves it.
  return candidates.find((o) => fit(catalog, o, column.type) === 'exact') ?? (candidates[0] as OpclassInfo);
}

/** What could make a method usable for a type: an extension, or the non-default classes that exist. */
function opclassHint(input: AdviceInput, method: string): string {
  const type = input.column.type;
  const hints: string[] = [];
  const usable = input.catalog.opclasses.filter((o) => o.method === method && fit(input.catalog, o, type) !== null).map((o) => o.name);
  if (usable.length > 0) hints.push(`${method} operator classes that accept it: ${unique(usable).join(', ')}`);
  if (method === 'gin' && btreeGinCovers(type) && !isInstalled(input, 'btree_gin')) hints.push(`${createExtension(input, 'btree_gin')} adds gin operator classes for scalar types`);
  if (method === 'gist' && btreeGistCovers(type) && !isInstalled(input, 'btree_gist')) hints.push(`${createExtension(input, 'btree_gist')} adds gist operator classes for scalar types`);
  const texty = ['text', 'character varying', 'varchar', 'character', 'bpchar', 'citext'].includes(type.base);
  if ((method === 'gin' || method === 'gist') && texty && !isInstalled(input, 'pg_trgm')) {
    hints.push(`${createExtension(input, 'pg_trgm')} adds ${method}_trgm_ops for LIKE and similarity search`);
  }
  return hints.length > 0 ? ` (${hints.join('; ')})` : '';
}

/**
 * The index, if any, that is valid, covers every row and has this column as its first key, compared
 * as the column's queries compare it: in the column's collation, with the type's default operator
 * class (an index on `z COLLATE "C"` or `z text_pattern_ops` does not serve `z = $1` in the default).
 */
function leadingIndex(input: AdviceInput, table: TableInfo, column: ColumnInfo): IndexInfo | null {
  // A loop rather than find() with closures: two closures for each of 40,000 columns (issue 16).
  for (const i of table.indexes) {
    const first = i.keys[0];
    if (
      isValid(i) &&
      i.predicate === null &&
      first !== undefined &&
      first.column === column.name &&
      sameCollation(first.collation, column.collation) &&
      usesDefaultOpclass(input.catalog, i.method, first, column.type)
    ) {
      return i;
    }
  }
  return null;
}

function index(method: string, named: OpclassInfo | null, used: OpclassInfo, reason: string): IndexDecision {
  return {
    kind: 'index',
    method,
    opclass: named ? named.name : null,
    opclassSchema: named ? named.schema : null,
    extension: used.extension ?? null,
    reason,
  };
}

function isInstalled(input: AdviceInput, extension: string): boolean {
  return input.catalog.extensions.some((e) => e.name === extension && e.installed !== null);
}

function createExtension(input: AdviceInput, extension: string): string {
  const available = input.catalog.extensions.some((e) => e.name === extension && e.available !== null);
  return available
    ? `CREATE EXTENSION ${quoteIdent(extension)}`
    : `CREATE EXTENSION ${quoteIdent(extension)} (after installing it: this server does not have it)`;
}

export function typeLabel(type: ColumnType): string {
  return type.isDomain ? `${type.declared} (domain over ${type.base})` : type.declared;
}

/** What the plan's entry for the column asks that cannot be done, at the entry's position. */
function problem(input: AdviceInput, spec: ColumnSpec, message: string): ProblemDecision {
  const found: Problem = { pos: spec.pos, message: `${quoteQualified(input.table)}.${quoteIdent(input.column.name)}: ${message}` };
  return { kind: 'problem', problem: found };
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
