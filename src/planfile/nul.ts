/**
 * NUL characters (U+0000) in a plan's strings. PostgreSQL allows none in a name, a query or a
 * connection string, and the driver would only fail later, on the catalog query, far from the plan
 * line. So every string value holding one (table names and globs, columns, include, exclude,
 * opclass, tablespace, where, connection…) is a problem at its own place in the plan.
 */
import type { Problem } from '../errors.js';
import type { SourceMap } from './positions.js';
import { label, show } from './schema-errors.js';

/**
 * `data` parsed from `text`. YAML makes a NUL only of a NUL written as is or of an escape in a
 * double-quoted string (`\0`, `\x00`, `\u0000`): a text with neither a NUL nor a backslash needs no
 * walk over its values (20 ms of a 10,000-entry plan; issue 16).
 */
export function nulProblems(data: unknown, where: SourceMap, text: string): Problem[] {
  if (!text.includes('\0') && !text.includes('\\')) return [];
  const problems: Problem[] = [];
  const visit = (value: unknown, pointer: string): void => {
    if (typeof value === 'string') {
      if (value.includes('\0')) {
        problems.push({
          pos: where.value(pointer),
          message: `${label(pointer)} contains a NUL character (U+0000), which PostgreSQL does not allow in names or SQL: ${show(value)}`,
        });
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${pointer}/${i}`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    }
  };
  visit(data, '');
  return problems;
}
