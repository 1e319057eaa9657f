/**
 * Checks a JSON Schema cannot express well: sizes and durations with units, `${VAR}` syntax in the
 * connection, and combinations of values. They run on the raw data next to the schema, so every
 * problem is reported in one go; each looks only at values of the right shape and leaves wrong
 * shapes to the schema.
 */
import type { Problem } from '../errors.js';
import { UNIQUE_METHOD, canInclude, includeMethodsText } from '../pg/access-methods.js';
import { malformedVariables } from './interpolate.js';
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

export function checkValues(data: unknown, where: SourceMap): Problem[] {
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
