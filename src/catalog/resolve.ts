/**
 * Which tables and columns a plan means, from its names and globs and a catalog snapshot. Pure.
 *
 * - A name without a glob must match a table, and every column, include and exclude it names must
 *   exist: each miss is a problem at its plan position, all reported in one InputError.
 * - A glob that matches nothing is a warning.
 * - A table named exactly by an entry takes that entry (several exact entries: one ResolvedTable
 *   each); globs apply only to tables no entry names exactly, and when several globs match a table
 *   the last one in the plan applies (as later settings override earlier ones), with a warning.
 * - The partitions of a matched partitioned table are rolled out through it, so a partition that only
 *   a glob matches is not an entry of its own; one named exactly is.
 */
import { InputError, type Problem } from '../errors.js';
import type { ColumnSpec, PlanFile, TableSpec } from '../planfile/types.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import { NameSyntaxError, matchesPart, parseIdentifier, parseTablePattern, type TablePattern } from './names.js';
import type { CatalogSnapshot, ColumnInfo, TableInfo } from './types.js';
import { qualifiedKey } from '../plan/qualified.js';

export interface ResolvedColumn {
  column: ColumnInfo;
  /** The plan's entry for this column, or null for a column taken by `columns: all`. */
  spec: ColumnSpec | null;
  /** spec.include resolved to the table's columns, in the plan's order (empty without include). */
  include: ColumnInfo[];
}

export interface ResolvedTable {
  table: TableInfo;
  /** The plan entry that selected the table. */
  spec: TableSpec;
  /** In plan order for a column list, in attnum order for `all`. */
  columns: ResolvedColumn[];
}

/** The tables a plan means, and what to warn about: globs that matched nothing, tables several globs
 * match, tables without statistics (whose columns get no statistics rule). */
export interface Resolution {
  tables: ResolvedTable[];
  warnings: string[];
}

interface Entry {
  index: number;
  spec: TableSpec;
  pattern: TablePattern;
}

/** The tables an entry's pattern matches among the snapshot's, with search_path visibility. */
function matchTables(pattern: TablePattern, snapshot: CatalogSnapshot): TableInfo[] {
  if (pattern.schema) {
    const schema = pattern.schema;
    return snapshot.tables.filter((t) => matchesPart(schema, t.schema) && matchesPart(pattern.table, t.name));
  }
  // Without a schema, a name means the table in the first search_path schema that has one.
  const firstByName = new Map<string, { t: TableInfo; rank: number }>();
  for (const t of snapshot.tables) {
    const rank = snapshot.searchPath.indexOf(t.schema);
    if (rank < 0 || !matchesPart(pattern.table, t.name)) continue;
    const seen = firstByName.get(t.name);
    if (!seen || rank < seen.rank) firstByName.set(t.name, { t, rank });
  }
  return [...firstByName.values()].map((x) => x.t);
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

/** For each table, the entries that apply to it, in plan order; plus warnings about overlaps. */
function assign(file: PlanFile, snapshot: CatalogSnapshot, problems: Problem[], warnings: string[]): Map<string, Entry[]> {
  const list = entries(file, problems);
  const exact = new Map<string, Entry[]>();
  const globbed = new Map<string, Entry[]>();
  const matchedKeys = new Set<string>();
  for (const e of list) {
    const found = matchTables(e.pattern, snapshot);
    if (found.length === 0) {
      if (e.pattern.isGlob) warnings.push(`${where(e.spec)}: "${e.spec.name}" matched no table`);
      else problems.push({ pos: e.spec.pos, message: `table "${e.spec.name}" does not exist`, hint: lookedIn(e.pattern, snapshot) });
    }
    for (const t of found) {
      const k = qualifiedKey(t);
      matchedKeys.add(k);
      const into = e.pattern.isGlob ? globbed : exact;
      into.set(k, [...(into.get(k) ?? []), e]);
    }
  }
  const byKey = new Map(snapshot.tables.map((t) => [qualifiedKey(t), t]));
  const hasMatchedAncestor = (t: TableInfo): boolean => {
    for (let p = t.parent; p; p = byKey.get(qualifiedKey(p))?.parent ?? null) if (matchedKeys.has(qualifiedKey(p))) return true;
    return false;
  };
  const result = new Map<string, Entry[]>();
  const overridden = new Map<string, { loser: Entry; winner: Entry; tables: string[] }>();
  for (const t of snapshot.tables) {
    const k = qualifiedKey(t);
    const named = exact.get(k);
    if (named) {
      result.set(k, named);
      continue;
    }
    const globs = globbed.get(k);
    if (!globs || hasMatchedAncestor(t)) continue;
    const winner = globs[globs.length - 1] as Entry;
    result.set(k, [winner]);
    for (const loser of globs.slice(0, -1)) {
      const o = overridden.get(`${loser.index}/${winner.index}`) ?? { loser, winner, tables: [] };
      o.tables.push(quoteQualified(t));
      overridden.set(`${loser.index}/${winner.index}`, o);
    }
  }
  for (const { loser, winner, tables } of overridden.values()) {
    warnings.push(
      `${where(loser.spec)}: "${loser.spec.name}" also matches ${listSome(tables)}, which ${where(winner.spec)} ("${winner.spec.name}") takes, as the later entry`,
    );
  }
  return result;
}

function lookedIn(pattern: TablePattern, snapshot: CatalogSnapshot): string {
  if (pattern.schema) return 'schema.table names are case-folded unless double-quoted, as in SQL';
  return snapshot.searchPath.length > 0
    ? `looked in search_path: ${snapshot.searchPath.join(', ')}; write schema.table for another schema`
    : 'search_path names no existing schema: write schema.table';
}

function where(spec: TableSpec): string {
  return `${spec.pos.file}:${spec.pos.line}:${spec.pos.col}`;
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
  const hint = folded ? ` (there is ${quoteIdent(folded.name)}: write it as '${quoteIdent(folded.name)}' in the plan)` : '';
  return `column "${name}" does not exist in ${quoteQualified(table)}${hint}`;
}

export function resolveTables(file: PlanFile, snapshot: CatalogSnapshot): Resolution {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const assigned = assign(file, snapshot, problems, warnings);
  // Column problems, grouped so that a glob over many tables reports each missing name once.
  const missing = new Map<string, { pos: ColumnSpec['pos']; message: string; tables: string[] }>();
  const miss = (pos: ColumnSpec['pos'], written: string, problem: string, table: TableInfo) => {
    const k = `${pos.file}:${pos.line}:${pos.col}:${written}`;
    const m = missing.get(k) ?? { pos, message: problem, tables: [] };
    m.tables.push(quoteQualified(table));
    missing.set(k, m);
  };

  const out: ResolvedTable[] = [];
  for (const table of snapshot.tables) {
    for (const entry of assigned.get(qualifiedKey(table)) ?? []) {
      const spec = entry.spec;
      const excluded = new Set<string>();
      for (const written of spec.exclude) {
        const c = findColumn(table, written);
        if (typeof c === 'string') miss(spec.pos, `exclude:${written}`, `exclude: ${c}`, table);
        else excluded.add(c.name);
      }
      const columns: ResolvedColumn[] = [];
      if (spec.columns === 'all') {
        for (const column of [...table.columns].sort((a, b) => a.attnum - b.attnum)) {
          if (!excluded.has(column.name)) columns.push({ column, spec: null, include: [] });
        }
      } else {
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
          if (!excluded.has(c.name)) columns.push({ column: c, spec: cs, include });
        }
      }
      out.push({ table, spec, columns });
    }
  }
  for (const m of missing.values()) {
    // The message names the first table; a glob's other tables are listed after it.
    const others = m.tables.slice(1);
    problems.push({ pos: m.pos, message: m.message + (others.length > 0 ? ` (nor in ${listSome(others)})` : '') });
  }
  if (problems.length > 0) throw new InputError(sortByPosition(problems));
  for (const table of snapshot.tables) {
    if (!assigned.has(qualifiedKey(table)) || !neverAnalyzed(table)) continue;
    warnings.push(
      `table ${quoteQualified(table)} was never analyzed; statistics rules were not applied` + (file.analyze ? '' : ' (set analyze: true)'),
    );
  }
  const tables = out.sort((a, b) => a.spec.pos.line - b.spec.pos.line || a.spec.pos.col - b.spec.pos.col || compareNames(a.table, b.table));
  return { tables, warnings };
}

function compareNames(a: TableInfo, b: TableInfo): number {
  return a.schema < b.schema ? -1 : a.schema > b.schema ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function sortByPosition(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
}

/** Never analyzed: no ANALYZE recorded and no column statistics (statistics survive a stats reset). */
export function neverAnalyzed(table: TableInfo): boolean {
  return table.lastAnalyzed === null && table.columns.every((c) => c.stats === null);
}
