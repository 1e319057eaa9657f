/**
 * The plan's raw SQL, checked offline: each field the plan format documents as raw SQL (a column's or
 * an index's `where`, an index key's `expression`) is parsed by PostgreSQL's own grammar (src/sql/parse.ts) in the statement it
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
  /** What follows the value in that statement. */
  after?: string;
  /** The key, to name it in messages: `where` or `expression`. */
  label: 'where' | 'expression';
}

/**
 * The planner writes a `where` as `CREATE INDEX ... ON table USING method (columns) ... WHERE <where>`
 * and nothing after it, so this is the grammar it must fit (a `SELECT ... WHERE` would also accept
 * `x > 0 ORDER BY 1`). Names here are stand-ins: only the syntax is checked.
 */
const WHERE_STATEMENT = 'CREATE INDEX ON t (k) WHERE ';

/** An expression key is written `((<expression>))` among the keys; one key alone checks its syntax. */
const EXPRESSION_STATEMENT = { before: 'CREATE INDEX ON t ((', after: '))' };

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
  // A NUL is nul.ts's to report: the parser, written in C, would read the text only up to it.
  const checkable = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '' && !v.includes('\0');
  data.tables.forEach((table: unknown, t) => {
    if (!isObj(table)) return;
    if (Array.isArray(table.columns)) {
      table.columns.forEach((column: unknown, c) => {
        if (isObj(column) && checkable(column.where)) {
          out.push({ pointer: `/tables/${t}/columns/${c}/where`, text: column.where, before: WHERE_STATEMENT, label: 'where' });
        }
      });
    }
    if (Array.isArray(table.indexes)) {
      table.indexes.forEach((ix: unknown, i) => {
        if (!isObj(ix)) return;
        if (Array.isArray(ix.columns)) {
          ix.columns.forEach((key: unknown, k) => {
            if (isObj(key) && checkable(key.expression)) {
              out.push({ pointer: `/tables/${t}/indexes/${i}/columns/${k}/expression`, text: key.expression, ...EXPRESSION_STATEMENT, label: 'expression' });
            }
          });
        }
        if (checkable(ix.where)) out.push({ pointer: `/tables/${t}/indexes/${i}/where`, text: ix.where, before: WHERE_STATEMENT, label: 'where' });
      });
    }
  });
  return out;
}

/**
 * The problems of each raw SQL value: the lexical rules every `where` and `expression` follows
 * (src/sql/predicate.ts: one expression, no comment, no backslash), then PostgreSQL's grammar, each at its place in the file.
 * `source` is the plan file's text, to point inside the value.
 */
export function rawSqlProblems(fields: RawSqlField[], where: SourceMap, source: string, parser: SqlParser): Problem[] {
  const problems: Problem[] = [];
  for (const field of fields) {
    const lexical = rawPredicateProblem(field.text);
    if (lexical !== null) {
      problems.push({ pos: where.value(field.pointer), message: `${field.label}: ${lexical}` });
      continue;
    }
    const error = fragmentSyntaxError(parser, { before: field.before, text: field.text, ...(field.after !== undefined ? { after: field.after } : {}) });
    if (error === null) continue;
    const node = where.locate(field.pointer).node;
    const inSource = node ? sourceOffset(field.text, error.offset, source.slice(node.start, node.end)) : null;
    problems.push(
      node && inSource !== null
        ? { pos: where.at(node.start + inSource), message: `${field.label}: ${error.message}` }
        : { pos: where.value(field.pointer), message: `${field.label}: ${error.message}`, hint: `at character ${error.offset + 1} of the ${field.label}` },
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
