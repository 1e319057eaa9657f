import type pg from 'pg';
import { SqlError } from '../errors.js';

/**
 * One statement on a session, its rows returned; a failure becomes an SqlError that shows the
 * statement with the server's message (and keeps the driver's error as its cause).
 */
export async function queryRows<R extends pg.QueryResultRow = pg.QueryResultRow>(client: Queryable, sql: string, params?: unknown[]): Promise<R[]> {
  try {
    return (await client.query<R>(sql, params)).rows;
  } catch (err) {
    throw SqlError.fromDriver(sql, err);
  }
}

/** What queryRows needs of a session: a pg client, or the runner's Session. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}
