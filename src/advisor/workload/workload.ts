/**
 * A workload read through PostgreSQL's own parser: every query's shape, and a note for each one left
 * out and why (the parser rejects it, it names no table the snapshot knows, it reads only the system
 * catalogs). One bad query never fails the whole: it is a note.
 */
import type { SqlParser } from '../../sql/parse.js';
import { formatPosition } from '../../errors.js';
import { positionInFile } from '../../sql/split.js';
import { Analyser } from './analyse.js';
import type { WorkloadQuery } from './sources.js';
import type { QueryShape, TableLookup } from './types.js';

export interface AnalysedQuery {
  query: WorkloadQuery;
  shape: QueryShape;
}

export interface WorkloadNote {
  query: WorkloadQuery;
  message: string;
}

export interface Workload {
  queries: AnalysedQuery[];
  /** Queries left out, or read only in part (some of their relations unknown), in source order. */
  notes: WorkloadNote[];
  /** Statements that read no table (SET, BEGIN, SELECT 1…) or only system catalogs: counted, not noted. */
  ignored: number;
}

/** Where a query came from, for notes: FILE:LINE:COL, or `queryid N`. */
export function queryLabel(q: WorkloadQuery): string {
  return q.source === 'file' ? formatPosition(q.pos) : `queryid ${q.stats.queryid}`;
}

const SYSTEM_SCHEMAS = /^(pg_catalog|information_schema)\.|^pg_/;

export function analyseWorkload(queries: readonly WorkloadQuery[], parser: SqlParser, lookup: TableLookup): Workload {
  const out: Workload = { queries: [], notes: [], ignored: 0 };
  for (const query of queries) {
    const parsed = parser.trees(query.text);
    if ('error' in parsed) {
      out.notes.push({ query, message: `skipped: the parser rejects it: ${parsed.error.message}${where(query, parsed.error.offset)}` });
      continue;
    }
    if (parsed.trees.length !== 1) {
      out.notes.push({ query, message: `skipped: ${parsed.trees.length} statements in one query text` });
      continue;
    }
    const shape = Analyser.analyse(parsed.trees[0], lookup);
    const unknown = shape.unknownTables.filter((t) => !SYSTEM_SCHEMAS.test(t));
    if (shape.accesses.length === 0 && shape.writes.length === 0) {
      if (unknown.length > 0) out.notes.push({ query, message: `skipped: it names no table pgindex knows (${unknown.join(', ')})` });
      else out.ignored++;
      continue;
    }
    if (unknown.length > 0) out.notes.push({ query, message: `read in part: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not among the planned tables` });
    out.queries.push({ query, shape });
  }
  return out;
}

/** ` (at FILE:LINE:COL)` for a position (UTF-16 offset) inside a query read from a file. */
function where(query: WorkloadQuery, offset: number): string {
  if (query.source !== 'file') return '';
  const stmt = { sql: query.text, line: query.pos.line, col: query.pos.col, offset: 0 };
  const { line, col } = positionInFile(stmt, [...query.text.slice(0, offset)].length + 1);
  return ` (at ${formatPosition({ file: query.pos.file, line, col })})`;
}
