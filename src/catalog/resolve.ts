/**
 * Which tables and columns a plan means, from its names and globs and a catalog snapshot. Pure.
 *
 * - A name without a glob must match a table, a partitioned table or a materialized view, and every
 *   column, include and exclude it names must exist: each miss is a problem at its plan position, all
 *   reported together. A name that is a view, a sequence… says so.
 * - A glob that matches nothing is a warning.
 * - Entries merge per table: every entry that matches a table contributes its columns (`exclude`
 *   removes columns from its own entry's `all` only). When several entries give the same column, the
 *   most specific one gives it: an exact name before a glob, then the later entry before the earlier;
 *   if the others gave it with different options (method, opclass, where, include, unique,
 *   tablespace, concurrently), that is a warning naming both entries.
 * - A partition that a glob matches together with its partitioned ancestor is covered by the
 *   ancestor's index (the roll-out); matched by another entry than its ancestor, or named exactly,
 *   it is planned as a table of its own for that entry's columns.
 */
import { InputError, sortProblems, type Problem } from '../errors.js';
import type { ColumnSpec, IndexSpec, PlanFile, SourcePos, TableSpec } from '../planfile/types.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import { NameSyntaxError, matchesPart, parseIdentifier, parseTablePattern, type NamePattern, type TablePattern } from './names.js';
import type { CatalogSnapshot, ColumnInfo, OtherRelation, TableInfo } from './types.js';
import { qualifiedKey } from '../sql/qualified.js';
import { relkindWithArticle } from '../pg/relkinds.js';
import { closest } from '../planfile/hints.js';
import { advisorChooses, specMethodFacts } from '../planfile/index-method.js';

export interface ResolvedColumn {
  column: ColumnInfo;
  /** The plan's entry for this column, or null for a column taken by `columns: all`. */
  spec: ColumnSpec | null;
  /** spec.include resolved to the table's columns, in the plan's order (empty without include). */
  include: readonly ColumnInfo[];
}

/**
 * The include of every column without one: one array for the 40,000 columns of a 10,000-table
 * plan's `columns: all`, rather than one each, kept as long as the plan is being made (issue 16).
 */
const NO_INCLUDE: readonly ColumnInfo[] = Object.freeze([]);

/** An `indexes:` entry on one table: each key's column (null for an expression), the include columns. */
export interface ResolvedIndex {
  spec: IndexSpec;
  keys: (ColumnInfo | null)[];
  include: ColumnInfo[];
}

export interface ResolvedTable {
  table: TableInfo;
  /** The plan entry that selected the table. */
  spec: TableSpec;
  /** In plan order for a column list, in attnum order for `all`. */
  columns: ResolvedColumn[];
  /** The entry's `indexes:` whose columns all exist, in plan order. Every entry's are planned: they are not merged. */
  indexes: ResolvedIndex[];
}

/** The tables a plan means, and what to warn about: globs that matched nothing, columns several
 * entries give differently, tables without statistics (whose columns get no statistics rule). */
export interface Resolution {
  tables: ResolvedTable[];
  warnings: string[];
  /** With `deferProblems`: the problems found (missing tables and columns…), for the caller to report
   * with its own; the tables and columns that could be resolved are in `tables`. */
  problems?: Problem[];
}

export interface Entry {
  index: number;
  spec: TableSpec;
  pattern: TablePattern;
}


/**
 * The relations of a catalog snapshot, as far as matching the plan's names goes: what takeSnapshot
 * knows once its first query has answered (SnapshotOptions.onRelations), and any CatalogSnapshot.
 */
export interface Relations {
  /** The tables, in the snapshot's order. */
  tables: readonly { schema: string; name: string }[];
  otherRelations?: readonly OtherRelation[] | undefined;
  searchPath: readonly string[];
}

/**
 * What each entry of a plan matches among the relations: matchEntries, given to resolveTables.
 * Worked out apart from the rest of resolution so that a caller can do it while the snapshot's
 * columns and indexes are still being read (issue 16).
 */
export interface EntryMatches {
  entries: Entry[];
  /** The entries whose names do not parse. */
  problems: Problem[];
  /**
   * Each entry's tables (their places in `tables`: numbers, not a key string for each of 10,000
   * tables; issue 16) and relations of other kinds, in snapshot order.
   */
  matched: Map<Entry, { tables: number[]; others: OtherRelation[] }>;
  /** The tables matched against: resolveTables checks they are its snapshot's, in its order. */
  tables: Relations['tables'];
  /** How many relations of other kinds were matched against (the tables are `tables`). */
  otherCount: number;
}

/** A relation of the snapshot as a pattern finds it: a table, or a relation of another kind (`other`). */
interface Candidate {
  schema: string;
  name: string;
  other: OtherRelation | null;
  /**
   * Its place among the snapshot's relations (tables first, then the others), the order they are
   * matched in: a table's is its place among the tables.
   */
  seq: number;
}

/**
 * The snapshot's relations by name, built once for all the entries of a plan: an exact name is one
 * lookup, and a glob tests only the names that start with its literal prefix. Comparing every entry
 * with every relation took minutes for 10,000 entries on 10,000 tables (issue 16).
 */
class RelationIndex {
  private readonly byName = new Map<string, Candidate[]>();
  /** The distinct names in UTF-16 code unit order, where the names sharing a prefix are consecutive. */
  private readonly sortedNames: string[];
  private readonly pathRank = new Map<string, number>();

  constructor(snapshot: Relations) {
    let seq = 0;
    const add = (r: { schema: string; name: string }, other: OtherRelation | null) => {
      const candidate = { schema: r.schema, name: r.name, other, seq: seq++ };
      const list = this.byName.get(r.name);
      if (list) list.push(candidate);
      else this.byName.set(r.name, [candidate]);
    };
    for (const table of snapshot.tables) add(table, null);
    for (const other of snapshot.otherRelations ?? []) add(other, other);
    this.sortedNames = [...this.byName.keys()].sort();
    snapshot.searchPath.forEach((schema, i) => {
      if (!this.pathRank.has(schema)) this.pathRank.set(schema, i);
    });
  }

  /** The schema's place in search_path (its first), or -1. */
  rank(schema: string): number {
    return this.pathRank.get(schema) ?? -1;
  }

  /** The relations whose name `table` matches, in snapshot order (tables first, then the others). */
  matching(table: NamePattern): Candidate[] {
    if (table.exact !== null) return this.byName.get(table.exact) ?? [];
    const like = table.like ?? '';
    const prefix = literalPrefix(like);
    // A glob that starts with a wildcard (`*_log`) tests every name: its literal end rules most out
    // before the RegExp does.
    const suffix = literalSuffix(like);
    const out: Candidate[] = [];
    for (let i = lowerBound(this.sortedNames, prefix); i < this.sortedNames.length; i++) {
      const name = this.sortedNames[i] as string;
      if (!name.startsWith(prefix)) break;
      if (name.endsWith(suffix) && matchesPart(table, name)) for (const c of this.byName.get(name) ?? []) out.push(c);
    }
    return out.length > 1 ? out.sort((a, b) => a.seq - b.seq) : out;
  }
}

/** What every name a glob matches starts with: its LIKE pattern (names.ts) up to the first unescaped % or _. */
function literalPrefix(like: string): string {
  let prefix = '';
  for (let i = 0; i < like.length; i++) {
    const c = like[i] as string;
    if (c === '%' || c === '_') break;
    if (c === '\\') i++;
    prefix += like[i] ?? '';
  }
  return prefix;
}

/** What every name a glob matches ends with: its LIKE pattern after the last unescaped % or _. */
function literalSuffix(like: string): string {
  let suffix = '';
  for (let i = 0; i < like.length; i++) {
    const c = like[i] as string;
    if (c === '%' || c === '_') {
      suffix = '';
      continue;
    }
    if (c === '\\') i++;
    suffix += like[i] ?? '';
  }
  return suffix;
}

/** The first index of a sorted list whose element is not below `key`. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The relations an entry's pattern matches among the snapshot's, with search_path visibility: the
 * tables, and the relations of other kinds an exact name found (or that hide a table of that name).
 */
function matchRelations(pattern: TablePattern, index: RelationIndex): { tables: number[]; others: OtherRelation[] } {
  const candidates = index.matching(pattern.table);
  // Straight into the two lists, no intermediate arrays: 10,000 entries call this (issue 16).
  const tables: number[] = [];
  const others: OtherRelation[] = [];
  const take = (r: Candidate) => {
    if (r.other === null) tables.push(r.seq);
    else others.push(r.other);
  };
  if (pattern.schema) {
    for (const r of candidates) if (matchesPart(pattern.schema, r.schema)) take(r);
  } else if (candidates.length === 1) {
    // One relation of that name (the usual exact name): visible when its schema is on search_path.
    const [r] = candidates as [Candidate];
    if (index.rank(r.schema) >= 0) take(r);
  } else {
    // Without a schema, a name means the relation in the first search_path schema that has one.
    const firstByName = new Map<string, { candidate: Candidate; rank: number }>();
    for (const r of candidates) {
      const rank = index.rank(r.schema);
      if (rank < 0) continue;
      const seen = firstByName.get(r.name);
      if (!seen || rank < seen.rank) firstByName.set(r.name, { candidate: r, rank });
    }
    for (const x of firstByName.values()) take(x.candidate);
  }
  return { tables, others };
}

function entries(file: PlanFile, problems: Problem[]): Entry[] {
  const out: Entry[] = [];
  file.tables.forEach((spec, index) => {
    try {
      out.push({ index, spec, pattern: parseTablePattern(spec.name) });
    } catch (err) {
      if (!(err instanceof NameSyntaxError)) throw err;
      problems.push({ pos: spec.pos, message: `bad table name: ${err.message}` });
    }
  });
  return out;
}

/** What each entry of the plan matches among the relations (names and search_path only). */
export function matchEntries(file: PlanFile, relations: Relations): EntryMatches {
  const problems: Problem[] = [];
  const list = entries(file, problems);
  const index = new RelationIndex(relations);
  const matched = new Map(list.map((e) => [e, matchRelations(e.pattern, index)]));
  return { entries: list, problems, matched, tables: relations.tables, otherCount: relations.otherRelations?.length ?? 0 };
}

/**
 * For each table, the entries that apply to it, in plan order. Keyed by the snapshot's TableInfo
 * itself: resolveTables looks every table up, and a key string each was 20,000 more strings at
 * 10,000 tables (issue 16).
 */
function assign(file: PlanFile, snapshot: CatalogSnapshot, problems: Problem[], warnings: string[], given?: EntryMatches): Map<TableInfo, Entry[]> {
  const tables = snapshot.tables;
  const matches = given && given.otherCount === (snapshot.otherRelations?.length ?? 0) && sameRelations(given.tables, tables) ? given : matchEntries(file, snapshot);
  problems.push(...matches.problems);
  const list = matches.entries;
  const matchedBy = new Map<Entry, readonly number[]>();
  let suggested = 0;
  for (const e of list) {
    const { tables: found, others } = matches.matched.get(e) ?? { tables: [], others: [] };
    if (found.length === 0) {
      if (e.pattern.isGlob) warnings.push(`${where(e.spec.pos)}: "${e.spec.name}" matched no table`);
      else if (others[0]) problems.push({ pos: e.spec.pos, message: notIndexable(others[0]) });
      else {
        const near = suggested++ < MAX_TABLE_SUGGESTIONS ? nearestTable(e.pattern, snapshot) : '';
        problems.push({ pos: e.spec.pos, message: `table "${e.spec.name}" does not exist`, hint: near + lookedIn(e.pattern, snapshot) });
      }
    }
    matchedBy.set(e, found);
  }
  // The tables' places by name, for the ancestors of partitions only: most plans have none.
  let placeOf: Map<string, number> | undefined;
  // A glob that matches a partition and one of its ancestors covers the partition through the ancestor.
  const coveredByAncestor = (t: TableInfo, matched: Set<number>): boolean => {
    if (!t.parent) return false;
    placeOf ??= new Map(tables.map((x, i) => [qualifiedKey(x), i]));
    for (let p: TableInfo['parent'] = t.parent; p; ) {
      const i = placeOf.get(qualifiedKey(p));
      if (i === undefined) return false;
      if (matched.has(i)) return true;
      p = (tables[i] as TableInfo).parent;
    }
    return false;
  };
  // Entry by entry, in plan order, to the tables each matched (not table by table through every entry).
  const result = new Map<TableInfo, Entry[]>();
  for (const e of list) {
    const matched = matchedBy.get(e) ?? [];
    // Only a glob can match a table and its ancestor: a set for each exact name was 10,000 sets (issue 16).
    const globbed = e.pattern.isGlob ? new Set(matched) : null;
    for (const i of matched) {
      const t = tables[i];
      if (!t || (globbed && coveredByAncestor(t, globbed))) continue;
      const applying = result.get(t);
      if (applying) applying.push(e);
      else result.set(t, [e]);
    }
  }
  return result;
}

/** Whether `given` are the snapshot's tables, in its order (what matchEntries was given may be another list of them). */
function sameRelations(given: Relations['tables'], tables: readonly TableInfo[]): boolean {
  if (given === tables) return true;
  if (given.length !== tables.length) return false;
  for (let i = 0; i < given.length; i++) {
    const a = given[i] as Relations['tables'][number];
    const b = tables[i] as TableInfo;
    if (a.schema !== b.schema || a.name !== b.name) return false;
  }
  return true;
}

function notIndexable(r: OtherRelation): string {
  const what = relkindWithArticle(r.relkind);
  return `${quoteQualified(r)} is ${what}: only tables, partitioned tables and materialized views can be indexed`;
}

/**
 * Missing tables that get a "did you mean": a plan pointed at the wrong database misses every table,
 * and thousands of suggestions would be slow and say nothing the first few do not.
 */
const MAX_TABLE_SUGGESTIONS = 20;

/**
 * "did you mean …? " for a table name that matched nothing, from the tables of the schemas it could
 * have meant (CatalogSnapshot.nearbyTables); empty when none is near.
 */
function nearestTable(pattern: TablePattern, snapshot: CatalogSnapshot): string {
  const name = pattern.table.exact;
  if (name === null) return '';
  const schema = pattern.schema?.exact ?? null;
  const inPath = new Set(snapshot.searchPath);
  // Only names that could be close enough (closest allows a third of the letters, or a cut-off word)
  // go through the edit distance: a schema may hold thousands of tables.
  const slack = Math.max(1, Math.floor(Math.max(name.length, 3) / 3));
  const lower = name.toLowerCase();
  const names = (snapshot.nearbyTables ?? [])
    .filter((t) => (schema === null ? inPath.has(t.schema) : t.schema === schema))
    .map((t) => t.name)
    .filter((n) => Math.abs(n.length - name.length) <= slack || n.toLowerCase().startsWith(lower));
  const near = closest(name, names);
  if (near === undefined) return '';
  const written = schema === null ? quoteIdent(near) : quoteQualified({ schema, name: near });
  return `did you mean ${written}? `;
}

function lookedIn(pattern: TablePattern, snapshot: CatalogSnapshot): string {
  if (pattern.schema) return 'schema.table names are case-folded unless double-quoted, as in SQL';
  return snapshot.searchPath.length > 0
    ? `looked in search_path: ${snapshot.searchPath.join(', ')}; write schema.table for another schema`
    : 'search_path names no existing schema: write schema.table';
}

function where(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

function listSome(names: string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** A column of the table by the plan's spelling, or a problem describing why not. */
function findColumn(table: TableInfo, written: string): ColumnInfo | string {
  let name: string;
  try {
    name = parseIdentifier(written);
  } catch (err) {
    if (err instanceof NameSyntaxError) return `bad column name: ${err.message}`;
    throw err;
  }
  const found = table.columns.find((c) => c.name === name);
  if (found) return found;
  const folded = table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  const near = folded ? undefined : closest(name, table.columns.map((c) => c.name));
  const hint = folded
    ? ` (there is ${quoteIdent(folded.name)}: write it as '${quoteIdent(folded.name)}' in the plan)`
    : near !== undefined
      ? ` (did you mean ${quoteIdent(near)}?)`
      : '';
  return `column "${name}" does not exist in ${quoteQualified(table)}${hint}`;
}

export function resolveTables(file: PlanFile, snapshot: CatalogSnapshot, options: { deferProblems?: boolean; matches?: EntryMatches } = {}): Resolution {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const assigned = assign(file, snapshot, problems, warnings, options.matches);
  // Column problems, grouped so that a glob over many tables reports each missing name once.
  const missing = new Map<string, { pos: ColumnSpec['pos']; message: string; tables: string[] }>();
  const miss = (pos: ColumnSpec['pos'], written: string, problem: string, table: TableInfo) => {
    const k = `${pos.file}:${pos.line}:${pos.col}:${written}`;
    const m = missing.get(k) ?? { pos, message: problem, tables: [] };
    m.tables.push(quoteQualified(table));
    missing.set(k, m);
  };
  const overrides = new Overrides();

  const out: ResolvedTable[] = [];
  for (const table of snapshot.tables) {
    const applying = assigned.get(table);
    if (!applying) continue;
    if (applying.length === 1) {
      // One entry (the usual case): every column it gives is its own, no other entry to weigh it against.
      const entry = applying[0] as Entry;
      const columns = entryColumns(table, entry.spec, miss);
      const indexes = entryIndexes(table, entry.spec, miss);
      out.push({ table, spec: entry.spec, columns, indexes });
      continue;
    }
    // (A table without columns: the general weighing keeps every entry, each with none.)
    const whole = table.columns.length > 0 ? wholeTableWinner(applying) : undefined;
    if (whole) {
      // What the general weighing below comes to for entries that each give every column the same
      // way: the most specific one gives them all, the others nothing, and no warning. A table both
      // a glob and its exact name plan (nine in ten of a large plan's) skips building and comparing
      // each entry's columns (issue 16).
      out.push({ table, spec: whole.spec, columns: entryColumns(table, whole.spec, miss), indexes: [] });
      continue;
    }
    const contributions = applying.map((entry) => ({
      entry,
      columns: entryColumns(table, entry.spec, miss),
    }));
    const winners = new Map<string, Entry>();
    for (const { entry, columns } of contributions) {
      for (const c of columns) {
        const seen = winners.get(c.column.name);
        if (!seen || moreSpecific(entry, seen)) winners.set(c.column.name, entry);
      }
    }
    for (const { entry, columns } of contributions) {
      const kept = columns.filter((c) => winners.get(c.column.name) === entry);
      for (const c of columns) {
        const winner = winners.get(c.column.name) as Entry;
        if (winner === entry) continue;
        const theirs = contributions.find((x) => x.entry === winner)?.columns ?? [];
        if (!sameOptions(entry.spec, c, winner.spec, theirs.filter((w) => w.column.name === c.column.name))) {
          overrides.add(entry, winner, `${quoteQualified(table)}.${quoteIdent(c.column.name)}`);
        }
      }
      const indexes = entryIndexes(table, entry.spec, miss);
      if (kept.length > 0 || columns.length === 0 || indexes.length > 0) out.push({ table, spec: entry.spec, columns: kept, indexes });
    }
  }
  warnings.push(...overrides.warnings());
  for (const m of missing.values()) {
    // The message names the first table; a glob's other tables are listed after it.
    const others = m.tables.slice(1);
    problems.push({ pos: m.pos, message: m.message + (others.length > 0 ? ` (nor in ${listSome(others)})` : '') });
  }
  if (problems.length > 0 && !options.deferProblems) throw new InputError(problems);
  for (const table of snapshot.tables) {
    // A table that has been analyzed (most, on a database in use) is passed over without a key string.
    if (!neverAnalyzed(table)) continue;
    const entries = assigned.get(table);
    // Complete definitions (`indexes:`) use no statistics, except to choose the method of one plain column;
    // `indexes: auto` weighs its candidates with them.
    const advised = entries?.some((e) => e.spec.auto || e.spec.columns === 'all' || e.spec.columns.length > 0 || (e.spec.indexes ?? []).some((ix) => advisorChooses(specMethodFacts(ix))));
    if (!advised) continue;
    warnings.push(
      `table ${quoteQualified(table)} was never analyzed; statistics rules were not applied` + (file.analyze ? '' : ' (set analyze: true)'),
    );
  }
  const tables = out.sort((a, b) => a.spec.pos.line - b.spec.pos.line || a.spec.pos.col - b.spec.pos.col || compareNames(a.table, b.table));
  return { tables, warnings, problems: sortProblems(problems) };
}

/** The columns in attnum order: as the snapshot has them, nearly always, without a sorted copy. */
function byAttnum(columns: readonly ColumnInfo[]): readonly ColumnInfo[] {
  for (let i = 1; i < columns.length; i++) {
    if ((columns[i] as ColumnInfo).attnum < (columns[i - 1] as ColumnInfo).attnum) return [...columns].sort((a, b) => a.attnum - b.attnum);
  }
  return columns;
}

/** The columns one entry gives one table: `all` minus exclude, or its list with includes resolved. */
function entryColumns(
  table: TableInfo,
  spec: TableSpec,
  miss: (pos: SourcePos, written: string, problem: string, table: TableInfo) => void,
): ResolvedColumn[] {
  // Most entries exclude nothing: no set for each of them.
  const excluded = spec.exclude.length > 0 ? new Set<string>() : null;
  for (const written of spec.exclude) {
    const c = findColumn(table, written);
    if (typeof c === 'string') miss(spec.pos, `exclude:${written}`, `exclude: ${c}`, table);
    else excluded?.add(c.name);
  }
  const columns: ResolvedColumn[] = [];
  if (spec.columns === 'all') {
    for (const column of byAttnum(table.columns)) {
      if (!excluded?.has(column.name)) columns.push({ column, spec: null, include: NO_INCLUDE });
    }
    return columns;
  }
  for (const cs of spec.columns) {
    const c = findColumn(table, cs.name);
    if (typeof c === 'string') {
      miss(cs.pos, cs.name, c, table);
      continue;
    }
    const include: ColumnInfo[] = [];
    for (const written of cs.include ?? []) {
      const ic = findColumn(table, written);
      if (typeof ic === 'string') miss(cs.pos, `include:${written}`, `include: ${ic}`, table);
      else include.push(ic);
    }
    if (!excluded?.has(c.name)) columns.push({ column: c, spec: cs, include });
  }
  return columns;
}

/** The `indexes:` of one entry on one table, each whose key and include columns all exist. */
function entryIndexes(
  table: TableInfo,
  spec: TableSpec,
  miss: (pos: SourcePos, written: string, problem: string, table: TableInfo) => void,
): ResolvedIndex[] {
  const out: ResolvedIndex[] = [];
  for (const ix of spec.indexes ?? []) {
    let complete = true;
    const keys = ix.keys.map((k) => {
      if (k.name === undefined) return null;
      const c = findColumn(table, k.name);
      if (typeof c !== 'string') return c;
      miss(k.pos, k.name, c, table);
      complete = false;
      return null;
    });
    const include: ColumnInfo[] = [];
    for (const written of ix.include ?? []) {
      const ic = findColumn(table, written);
      if (typeof ic !== 'string') include.push(ic);
      else {
        miss(ix.pos, `include:${written}`, `include: ${ic}`, table);
        complete = false;
      }
    }
    if (complete) out.push({ spec: ix, keys, include });
  }
  return out;
}

/**
 * The most specific of several entries that are all `columns: all` with no exclude, no `indexes:`
 * and the same tablespace and concurrently: they give every column alike, so it takes them all.
 * Undefined when any entry differs in one of these.
 */
function wholeTableWinner(applying: readonly Entry[]): Entry | undefined {
  const [first] = applying;
  if (!first) return undefined;
  let winner = first;
  for (const e of applying) {
    const spec = e.spec;
    if (spec.columns !== 'all' || spec.exclude.length > 0 || spec.indexes !== undefined || spec.auto) return undefined;
    if ((spec.tablespace ?? null) !== (first.spec.tablespace ?? null) || (spec.concurrently ?? null) !== (first.spec.concurrently ?? null)) return undefined;
    if (moreSpecific(e, winner)) winner = e;
  }
  return winner;
}

/** An exact name is more specific than a glob; between two of a kind, the later entry. */
function moreSpecific(a: Entry, b: Entry): boolean {
  if (a.pattern.isGlob !== b.pattern.isGlob) return !a.pattern.isGlob;
  return a.index > b.index;
}

/**
 * Does one entry ask of a column what another gives it (method, opclass, where, include, unique,
 * tablespace, concurrently)? Compared field by field: a JSON key per column and side was two
 * strings per column a glob and an exact name both plan, 36,000 at 10,000 tables (issue 16).
 */
function sameColumnOptions(aTable: TableSpec, a: ResolvedColumn, bTable: TableSpec, b: ResolvedColumn): boolean {
  const x = a.spec;
  const y = b.spec;
  return (
    (x?.method ?? null) === (y?.method ?? null) &&
    (x?.opclass?.trim() ?? null) === (y?.opclass?.trim() ?? null) &&
    (x?.where?.trim() || null) === (y?.where?.trim() || null) &&
    a.include.length === b.include.length &&
    a.include.every((c, i) => c.name === b.include[i]?.name) &&
    (x?.unique ?? false) === (y?.unique ?? false) &&
    (x?.tablespace ?? aTable.tablespace ?? null) === (y?.tablespace ?? bTable.tablespace ?? null) &&
    (aTable.concurrently ?? null) === (bTable.concurrently ?? null)
  );
}

/** Does the losing entry's column ask for exactly what the winner's gives (once or several times)? */
function sameOptions(loserSpec: TableSpec, loser: ResolvedColumn, winnerSpec: TableSpec, winners: ResolvedColumn[]): boolean {
  return winners.length > 0 && winners.every((w) => sameColumnOptions(winnerSpec, w, loserSpec, loser));
}

/** Columns that a more specific entry took from a less specific one, one warning per pair of entries. */
class Overrides {
  private readonly pairs = new Map<string, { loser: Entry; winner: Entry; columns: string[] }>();

  add(loser: Entry, winner: Entry, column: string): void {
    const k = `${loser.index}/${winner.index}`;
    const o = this.pairs.get(k) ?? { loser, winner, columns: [] };
    if (!o.columns.includes(column)) o.columns.push(column);
    this.pairs.set(k, o);
  }

  warnings(): string[] {
    return [...this.pairs.values()].map(({ loser, winner, columns }) => {
      const why = loser.pattern.isGlob !== winner.pattern.isGlob ? 'an exact name beats a glob' : 'the later entry wins';
      return (
        `${where(loser.spec.pos)} ("${loser.spec.name}") and ${where(winner.spec.pos)} ("${winner.spec.name}") both plan ` +
        `${listSome([...columns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))} with different options: ${where(winner.spec.pos)} applies (${why})`
      );
    });
  }
}

function compareNames(a: TableInfo, b: TableInfo): number {
  return a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Never analyzed: no ANALYZE recorded and no column statistics (statistics survive a stats reset). */
export function neverAnalyzed(table: TableInfo): boolean {
  return table.lastAnalyzed === null && table.columns.every((c) => c.stats === null);
}
