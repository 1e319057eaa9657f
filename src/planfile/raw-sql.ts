/**
 * The plan's raw SQL, checked offline: each field the plan format documents as raw SQL (today only a
 * column's `where`) is parsed by PostgreSQL's own grammar (src/sql/parse.ts) in the statement it
 * becomes part of, so `pgindex validate` finds `where: "total > AND"` without a server, at the very
 * character the parser points at. Syntax only: whether `total` is a column is for `plan` to ask the
 * server.
 */
import type { Problem } from '../errors.js';
import { fragmentSyntaxError, type SqlParser } from '../sql/parse.js';
import { rawPredicateProblem } from '../sql/predicate.js';
import type { SourceMap } from './positions.js';

/** One raw SQL value of a plan and the statement it is written into. */
export interface RawSqlField {
  /** JSON pointer of the value. */
  pointer: string;
  text: string;
  /** The statement around it, up to the value: what the value must continue to make one statement. */
  before: string;
}

/**
 * The planner writes a `where` as `CREATE INDEX ... ON table USING method (columns) ... WHERE <where>`
 * and nothing after it, so this is the grammar it must fit (a `SELECT ... WHERE` would also accept
 * `x > 0 ORDER BY 1`). Names here are stand-ins: only the syntax is checked.
 */
const WHERE_STATEMENT = 'CREATE INDEX ON t (k) WHERE ';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every raw SQL value in the plan data, in file order. Values of the wrong shape (or empty) are the
 * schema's to report. test/unit/planfile/raw-sql.test.ts checks that this covers every field the schema
 * describes as raw SQL.
 */
export function rawSqlFields(data: unknown): RawSqlField[] {
  if (!isObj(data) || !Array.isArray(data.tables)) return [];
  const out: RawSqlField[] = [];
  data.tables.forEach((table: unknown, t) => {
    if (!isObj(table) || !Array.isArray(table.columns)) return;
    table.columns.forEach((column: unknown, c) => {
      // A NUL is nul.ts's to report: the parser, written in C, would read the text only up to it.
      if (isObj(column) && typeof column.where === 'string' && column.where.trim() !== '' && !column.where.includes('\0')) {
        out.push({ pointer: `/tables/${t}/columns/${c}/where`, text: column.where, before: WHERE_STATEMENT });
      }
    });
  });
  return out;
}

/**
 * The problems of each raw SQL value: the lexical rules every `where` follows (src/sql/predicate.ts:
 * one expression, no comment, no backslash), then PostgreSQL's grammar, each at its place in the file.
 * `source` is the plan file's text, to point inside the value.
 */
export function rawSqlProblems(fields: RawSqlField[], where: SourceMap, source: string, parser: SqlParser): Problem[] {
  const problems: Problem[] = [];
  for (const field of fields) {
    const lexical = rawPredicateProblem(field.text);
    if (lexical !== null) {
      problems.push({ pos: where.value(field.pointer), message: `where: ${lexical}` });
      continue;
    }
    const error = fragmentSyntaxError(parser, { before: field.before, text: field.text });
    if (error === null) continue;
    const node = where.locate(field.pointer).node;
    const range = node?.range;
    const inSource = range ? sourceOffset(field.text, error.offset, source.slice(range[0], range[1])) : null;
    problems.push(
      range && inSource !== null
        ? { pos: where.at(range[0] + inSource), message: `where: ${error.message}` }
        : { pos: where.value(field.pointer), message: `where: ${error.message}`, hint: `at character ${error.offset + 1} of the where` },
    );
  }
  return problems;
}

/**
 * Where character `offset` of a YAML string `value` is written in `written`, its source text, or
 * null when that cannot be told. A plain or quoted value without escapes is there verbatim; a block
 * scalar (`|`, `>`) loses its indentation and a folded one its line breaks, so the word at the
 * offset (or the last word before it, for an error at the end) is found instead, counting the
 * same word's earlier occurrences.
 */
export function sourceOffset(value: string, offset: number, written: string): number | null {
  const verbatim = written.indexOf(value);
  if (verbatim >= 0) return verbatim + offset;
  const words = [...value.matchAll(/\S+/g)].map((m) => ({ text: m[0], start: m.index }));
  const word = words.find((w) => w.start <= offset && offset < w.start + w.text.length) ?? words.filter((w) => w.start + w.text.length <= offset).at(-1);
  if (!word) return null;
  const earlier = occurrences(value.slice(0, word.start), word.text).length;
  const at = occurrences(written, word.text)[earlier];
  return at === undefined ? null : at + (offset - word.start);
}

/** Start of each non-overlapping occurrence of `needle` in `text`. */
function occurrences(text: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}
