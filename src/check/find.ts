/**
 * The pure part of `pgindex check`: catalog facts in, findings out. Each index is reported at most
 * once, for the worst thing about it (invalid, then duplicate, then redundant, then unused): an index
 * planted as a duplicate has never been scanned either, and dropping it settles both.
 */
import type { IndexInfo, IndexKey, TableInfo } from '../catalog/types.js';
import type { CheckFacts, ForeignKeyFact } from '../catalog/check-facts.js';
import { normalisePredicate } from '../plan/diff.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { FINDING_KINDS, type Finding, type Fix } from './types.js';

/** Leftovers of REINDEX CONCURRENTLY: the new copy (`_ccnew`, `_ccnew1`…) or the old one (`_ccold`…). */
const REINDEX_LEFTOVER = /_cc(new|old)\d*$/;

function isBuilt(ix: IndexInfo): boolean {
  return ix.valid && ix.ready;
}

/** What makes two keys the same key for a scan: the column or normalised expression, and its ordering rules. */
function keyText(k: IndexKey): string {
  return JSON.stringify([k.column ?? normalisePredicate(k.expression), k.opclass, k.collation, k.descending, k.nullsFirst]);
}

function predicateText(ix: IndexInfo): string | null {
  return ix.predicate === null || ix.predicate.trim() === '' ? null : normalisePredicate(ix.predicate);
}

/**
 * The normalised definition: two indexes with the same one answer the same queries the same way.
 * Storage parameters and the tablespace are left out (they change how, not what, it stores).
 */
function definitionText(ix: IndexInfo): string {
  return JSON.stringify([ix.method, ix.unique, ix.nullsNotDistinct ?? false, ix.keys.map(keyText), [...ix.include].sort(), predicateText(ix)]);
}

/** DROP INDEX, CONCURRENTLY where the server allows it (not for a partitioned table's index). */
function dropFix(table: TableInfo, ix: IndexInfo): Fix {
  return { sql: `DROP INDEX ${table.kind === 'partitioned' ? '' : 'CONCURRENTLY '}${quoteQualified(ix)};` };
}


/** Every finding about these tables, sorted by kind, table and index. */
export function findProblems(tables: readonly TableInfo[], facts: CheckFacts): Finding[] {
  const out: Finding[] = [];
  const reported = new Set<string>();
  const constraintOf = (ix: IndexInfo) => facts.constraintOf.get(qualifiedKey(ix));
  const report = (table: TableInfo, ix: IndexInfo | null, kind: Finding['kind'], detail: string, fix: Fix) => {
    if (ix) reported.add(qualifiedKey(ix));
    out.push({ kind, table: quoteQualified(table), index: ix ? quoteQualified(ix) : null, detail, fix });
  };
  const byName = (a: IndexInfo, b: IndexInfo) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

  for (const table of tables) {
    const indexes = [...table.indexes].sort(byName);
    // A partition's index attached to its parent's goes with that one: it cannot be dropped alone.
    const own = indexes.filter((ix) => ix.parentIndex === null);

    for (const ix of indexes) {
      if (isBuilt(ix) || (ix.buildingPid !== undefined && ix.buildingPid !== null)) continue;
      const leftover = REINDEX_LEFTOVER.exec(ix.name);
      if (leftover) {
        const what = leftover[1] === 'new' ? 'the new copy' : 'the old copy, which could not be dropped';
        report(table, ix, 'invalid', `INVALID: ${what}, left by an interrupted REINDEX CONCURRENTLY`, dropFix(table, ix));
      } else if (table.kind === 'partitioned') {
        report(table, ix, 'invalid', 'INVALID: some partition has no index attached to it', {
          instruction: `create the missing partitions' indexes and ALTER INDEX ${quoteQualified(ix)} ATTACH PARTITION each, or DROP INDEX ${quoteQualified(ix)}`,
        });
      } else {
        report(table, ix, 'invalid', 'INVALID: an interrupted or failed build; queries do not use it, writes still maintain it', {
          sql: `REINDEX INDEX CONCURRENTLY ${quoteQualified(ix)};`,
        });
      }
    }

    // Duplicates: the one backing a constraint is kept, otherwise the first by name.
    const groups = new Map<string, IndexInfo[]>();
    for (const ix of own.filter(isBuilt)) {
      const key = definitionText(ix);
      groups.set(key, [...(groups.get(key) ?? []), ix]);
    }
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const kept = group.find((ix) => constraintOf(ix) !== undefined) ?? group[0]!;
      for (const ix of group) {
        if (ix === kept) continue;
        const constraint = constraintOf(ix);
        report(
          table,
          ix,
          'duplicate',
          `the same definition as ${quoteIdent(kept.name)}`,
          constraint !== undefined
            ? { instruction: `it backs constraint ${quoteIdent(constraint)}: drop the constraint, or ${quoteIdent(kept.name)} if nothing needs it` }
            : dropFix(table, ix),
        );
      }
    }

    // Redundant: a plain btree whose keys lead a longer btree's, with the same predicate.
    const btrees = own.filter((ix) => isBuilt(ix) && ix.method === 'btree');
    for (const ix of btrees) {
      if (reported.has(qualifiedKey(ix)) || ix.unique || constraintOf(ix) !== undefined) continue;
      const keys = ix.keys.map(keyText);
      const covering = btrees.find((other) => {
        if (other === ix || other.keys.length <= ix.keys.length || predicateText(other) !== predicateText(ix)) return false;
        if (!keys.every((k, i) => k === keyText(other.keys[i]!))) return false;
        // Its INCLUDE columns must be in the other one too, or an index-only scan would lose them.
        const has = new Set([...other.keys.map((k) => k.column), ...other.include]);
        return ix.include.every((c) => has.has(c));
      });
      if (covering) report(table, ix, 'redundant', `its keys lead those of ${quoteIdent(covering.name)} (${covering.keys.map((k) => k.expression).join(', ')})`, dropFix(table, ix));
    }
  }
  out.push(...unindexedForeignKeys(tables, facts.foreignKeys));
  return out;
}

/** An index that serves a foreign key's lookups: led, in any order, by the key's columns. */
function servesForeignKey(ix: IndexInfo, fk: ForeignKeyFact): boolean {
  if (!isBuilt(ix) || !(ix.method === 'btree' || (ix.method === 'hash' && fk.columns.length === 1))) return false;
  const lead = ix.keys.slice(0, fk.columns.length);
  if (lead.length < fk.columns.length || lead.some((k) => k.column === null)) return false;
  const cols = new Set(fk.columns);
  if (!lead.every((k) => cols.has(k.column!)) || new Set(lead.map((k) => k.column)).size !== cols.size) return false;
  const predicate = predicateText(ix);
  if (predicate === null) return true;
  // The lookups are for non-null keys, so `WHERE col IS NOT NULL` (of key columns, ANDed) serves.
  const quoted = new Set(fk.columns.map(quoteIdent));
  return predicate.split(/\band\b/i).every((part) => {
    const m = /^\(*\s*(.+?)\s+is\s+not\s+null\s*\)*$/i.exec(part.trim());
    return m !== null && quoted.has(m[1]!);
  });
}

function unindexedForeignKeys(tables: readonly TableInfo[], foreignKeys: readonly ForeignKeyFact[]): Finding[] {
  const byKey = new Map(tables.map((t) => [qualifiedKey(t), t]));
  const out: Finding[] = [];
  for (const fk of foreignKeys) {
    const table = byKey.get(qualifiedKey(fk.table));
    if (!table || table.indexes.some((ix) => servesForeignKey(ix, fk))) continue;
    const cols = fk.columns.map(quoteIdent).join(', ');
    const partitioned = table.kind === 'partitioned';
    out.push({
      kind: 'unindexed-foreign-key',
      table: quoteQualified(table),
      index: null,
      detail:
        `foreign key ${quoteIdent(fk.name)} (${cols}) references ${quoteQualified(fk.references)}, and no index leads with its columns: ` +
        `every DELETE or key UPDATE there scans this table` +
        (partitioned ? ' (a partitioned table: the build cannot be CONCURRENTLY, it blocks writes)' : ''),
      fix: { sql: `CREATE INDEX ${partitioned ? '' : 'CONCURRENTLY '}ON ${quoteQualified(table)} (${cols});` },
    });
  }
  return out;
}

/** Indexes never scanned since the statistics were reset; never one that is unique or backs a constraint. */
export function findUnused(tables: readonly TableInfo[], facts: CheckFacts, already: readonly Finding[]): Finding[] {
  const reported = new Set(already.map((f) => f.index));
  const out: Finding[] = [];
  for (const table of tables) {
    for (const ix of [...table.indexes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (!isBuilt(ix) || ix.unique || ix.parentIndex !== null || facts.constraintOf.has(qualifiedKey(ix)) || reported.has(quoteQualified(ix))) continue;
      const usage = facts.usage.get(qualifiedKey(ix));
      if (!usage || usage.scans > 0) continue;
      const since = usage.statsReset ?? facts.databaseStatsReset;
      out.push({
        kind: 'unused',
        table: quoteQualified(table),
        index: quoteQualified(ix),
        detail: `never scanned since ${since === null ? 'the statistics began (never reset)' : `the statistics were reset at ${since}`}; scans on standbys are not counted`,
        fix: dropFix(table, ix),
      });
    }
  }
  return out;
}

/** Everything `check` reports, sorted by kind (FINDING_KINDS' order), then table and index. */
export function checkIndexes(tables: readonly TableInfo[], facts: CheckFacts): Finding[] {
  const found = findProblems(tables, facts);
  const all = [...found, ...findUnused(tables, facts, found)];
  const rank = (f: Finding) => FINDING_KINDS.indexOf(f.kind);
  return all.sort((a, b) => rank(a) - rank(b) || cmp(a.table, b.table) || cmp(a.index ?? '', b.index ?? '') || cmp(a.detail, b.detail));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
