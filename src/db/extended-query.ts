import type pg from 'pg';

/**
 * A query sent with the extended protocol: the server parses one statement per query, so a
 * statement can never carry a second one behind a semicolon. Every statement of a plan or a SQL
 * file goes this way. (@types/pg does not know `queryMode`.)
 */
export function extendedQuery(text: string, values?: unknown[]): pg.QueryConfig {
  const config: pg.QueryConfig & { queryMode: 'extended' } = { text, queryMode: 'extended', ...(values ? { values } : {}) };
  return config;
}
