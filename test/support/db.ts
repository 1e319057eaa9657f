/**
 * A fresh database per test file, on the server that test/support/run.ts started (or the one
 * PGINDEX_TEST_DATABASE_URL names). Tests that need PostgreSQL call `testDatabase()` in a `before`.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { quoteIdent } from '../../src/sql/quote.js';

export interface TestDatabase {
  url: string;
  name: string;
  /** A connected client on the test database, for setup and assertions. */
  client: pg.Client;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  drop(): Promise<void>;
}

export function serverUrl(): string {
  const url = process.env.PGINDEX_TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      'PGINDEX_TEST_DATABASE_URL is not set: run integration tests through `npm test` (which starts a server) ' +
        'or point it at a server you own',
    );
  }
  return url;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

export async function testDatabase(prefix = 'pgindex_test'): Promise<TestDatabase> {
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING 'UTF8'`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl(), name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    url,
    name,
    client,
    query: (sql, params) => client.query(sql, params),
    async drop() {
      await client.end().catch(() => undefined);
      const a = new pg.Client({ connectionString: serverUrl() });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
