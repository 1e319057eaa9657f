/**
 * Checks a JSON Schema cannot express well: sizes and durations with units, `${VAR}` syntax in the
 * connection, and combinations of values. They run on the raw data next to the schema, so every
 * problem is reported in one go; each looks only at values of the right shape and leaves wrong
 * shapes to the schema.
 */
import type { Problem } from '../errors.js';
import { UNIQUE_METHOD, canInclude, canMultiColumn, canOrder, includeMethodsText } from '../pg/access-methods.js';
import { storageParamProblem } from '../pg/storage-params.js';
import { writtenMethod } from './index-method.js';
import { malformedVariables } from './interpolate.js';
import { closest } from './hints.js';
import type { SourceMap } from './positions.js';
import { parseDuration, parseSize, type UnitResult } from './units.js';

/** Top-level keys whose values carry units; their schema errors are replaced by these messages. */
export const UNIT_KEYS: Readonly<Record<string, (label: string, value: unknown) => UnitResult>> = {
  maintenance_work_mem: parseSize,
  lock_timeout: parseDuration,
  snapshot_wait_timeout: parseDuration,
  statement_timeout: parseDuration,
};

/** The schema's method enum: other values are the schema's to report. */
const METHODS = ['btree', 'hash', 'gin', 'gist', 'spgist', 'brin', 'bloom'];


type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `omitMissingKeys`: after a YAML syntax error a key may just have been swallowed, so a missing one
 * is not reported (as the schema's missing keys are not).
 */
export function checkValues(data: unknown, where: SourceMap, opts: { omitMissingKeys?: boolean } = {}): Problem[] {
  if (!isObj(data)) return [];
  const problems: Problem[] = [];

  for (const [key, parse] of Object.entries(UNIT_KEYS)) {
    if (!(key in data)) continue;
    const r = parse(key, data[key]);
    if (!r.ok) problems.push({ pos: where.value(`/${key}`), message: r.message, ...(r.hint ? { hint: r.hint } : {}) });
  }

  if (typeof data.connection === 'string') {
    // Whether each variable is set matters only if this connection is used: see interpolateConnection.
    for (const offset of malformedVariables(data.connection)) {
      problems.push({
        // Everything up to it makes a needle found once; the position is that of its "${".
        pos: where.within('/connection', data.connection.slice(0, offset + 2), offset),
        message: 'malformed variable: write ${NAME}, a name of letters, digits and _ not starting with a digit',
      });
    }
  }

  if (isObj(data.rules)) {
    const { gin_min_distinct: lo, gin_max_distinct: hi } = data.rules;
    if (typeof lo === 'number' && typeof hi === 'number' && lo > hi) {
      problems.push({ pos: where.value('/rules/gin_min_distinct'), message: `gin_min_distinct (${lo}) is larger than gin_max_distinct (${hi})` });
    }
  }

  if (Array.isArray(data.tables)) {
    data.tables.forEach((table: unknown, t) => {
      if (isObj(table) && table.columns === undefined && table.indexes === undefined && !opts.omitMissingKeys) {
        // A misspelt key ("colums") is the schema's to report, with its hint: not a second mistake.
        // (Looked for only here: an edit distance per key of every entry cost a 10,000-entry plan 0.25 s.)
        const misspelt = Object.keys(table).some((k) => closest(k, ['columns', 'indexes']) !== undefined);
        if (!misspelt) problems.push({ pos: where.value(`/tables/${t}`), message: 'a table entry needs columns or indexes (or both)' });
      }
      if (isObj(table) && Array.isArray(table.indexes)) {
        table.indexes.forEach((ix: unknown, i) => problems.push(...indexProblems(ix, `/tables/${t}/indexes/${i}`, where)));
      }
      if (!isObj(table) || !Array.isArray(table.columns)) return;
      table.columns.forEach((column: unknown, c) => {
        if (!isObj(column) || typeof column.method !== 'string' || !METHODS.includes(column.method)) return;
        const at = `/tables/${t}/columns/${c}`;
        if (column.unique === true && column.method !== UNIQUE_METHOD) {
          problems.push({ pos: where.value(`${at}/method`), message: `a unique index must use ${UNIQUE_METHOD}, not ${column.method}` });
        }
        if (Array.isArray(column.include) && !canInclude(column.method)) {
          problems.push({
            pos: where.value(`${at}/include`),
            message: `include needs method ${includeMethodsText()}, not ${column.method}`,
            hint: `${column.method} indexes cannot store INCLUDE columns`,
          });
        }
      });
    });
  }
  return problems;
}

/**
 * What one `indexes:` entry asks that its method cannot give, known from the file alone: a key with
 * both a name and an expression (or neither), several keys, an order, INCLUDE, UNIQUE or storage
 * parameters on a method without them, NULLS NOT DISTINCT without UNIQUE. The method is the one
 * written, or btree when the entry is not the advisor's to choose (src/planfile/index-method.ts);
 * the advisor's own choices are checked by the planner.
 */
function indexProblems(ix: unknown, at: string, where: SourceMap): Problem[] {
  if (!isObj(ix) || !Array.isArray(ix.columns)) return [];
  const columns: unknown[] = ix.columns;
  const problems: Problem[] = [];
  const keys = columns.map((k: unknown) => (isObj(k) ? k : typeof k === 'string' ? { name: k } : {}));
  keys.forEach((k, i) => {
    const hasName = typeof k.name === 'string';
    const hasExpression = typeof k.expression === 'string';
    if (hasName && hasExpression) problems.push({ pos: where.value(`${at}/columns/${i}`), message: 'a key has both name and expression: give one of them' });
    else if (!hasName && !hasExpression && isObj(columns[i])) {
      problems.push({ pos: where.value(`${at}/columns/${i}`), message: 'a key needs name (a column) or expression' });
    }
  });
  if (ix.nulls_not_distinct === true && ix.unique !== true) {
    problems.push({ pos: where.value(`${at}/nulls_not_distinct`), message: 'nulls_not_distinct needs unique: true', hint: 'NULLS NOT DISTINCT is an option of UNIQUE indexes' });
  }
  const method = writtenMethod({ ...ix, keys, nullsNotDistinct: ix.nulls_not_distinct });
  if (method === null || !METHODS.includes(method)) return problems;
  const pointer = (key: string) => (ix.method === undefined ? where.value(`${at}/${key}`) : where.value(`${at}/method`));
  const because = ix.method === undefined ? ' (the default method for this entry)' : '';
  if (keys.length > 1 && !canMultiColumn(method)) {
    problems.push({ pos: pointer('columns'), message: `${method} indexes cannot have several keys${because}`, hint: 'one key per index, or method btree, gist, gin or brin' });
  }
  keys.forEach((k, i) => {
    if ((k.order !== undefined || k.nulls !== undefined) && !canOrder(method)) {
      problems.push({ pos: where.value(`${at}/columns/${i}`), message: `order and nulls need an ordered method (btree), not ${method}`, hint: `${method} indexes have no sort order` });
    }
  });
  if (ix.unique === true && method !== UNIQUE_METHOD) problems.push({ pos: pointer('unique'), message: `a unique index must use ${UNIQUE_METHOD}, not ${method}` });
  if (Array.isArray(ix.include) && !canInclude(method)) {
    problems.push({ pos: where.value(`${at}/include`), message: `include needs method ${includeMethodsText()}, not ${method}`, hint: `${method} indexes cannot store INCLUDE columns` });
  }
  if (isObj(ix.with)) {
    for (const [name, value] of Object.entries(ix.with)) {
      const problem = storageParamProblem(method, name, value);
      // Unknown names and wrong types are the schema's to report.
      if (problem !== null && !problem.startsWith('unknown') && !/ must be /.test(problem)) problems.push({ pos: where.keyOf(`${at}/with`, name), message: `with: ${problem}${because}` });
    }
  }
  return problems;
}
