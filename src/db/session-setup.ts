/**
 * What a session runs before its work, every time it (re)connects: pgindex's own settings and a SQL
 * file's leading settings (pg_dump writes ten SETs at the top of a post-data section), in the order
 * given, the later winning where both set one setting. `pgindex run`'s planning session runs the
 * file's settings the same way before it plans, so that a bad one is reported at its place in the
 * file before any statement runs.
 *
 * Each connect is one round trip for all of it: one message of pgindex's own statements, the file's
 * as one DO block that EXECUTEs each as written (the user's text only ever inside literals, as
 * quoteLiteral writes them; each one SET or set_config, as the parser read it), and the read of the
 * backend pid. Should the message fail, its implicit transaction took all of it back: each statement
 * is then sent alone (the file's over the extended protocol, one statement per query), up to the one
 * the server refuses, which the error names. When every one passes alone (the block cannot run: no
 * plpgsql in the database), the session goes on with them so set.
 */
import type pg from 'pg';
import { extendedQuery } from './extended-query.js';
import { SqlError } from '../errors.js';
import { quoteLiteral } from '../sql/quote.js';

export interface SessionSetup {
  /** pgindex's own statements (sessionSettingsSql): text pgindex wrote. */
  own: readonly string[];
  /** Statements as a user wrote them, each one setting (a SQL file's leading SETs), in file order. */
  written: readonly string[];
  order: 'own-first' | 'written-first';
}

/** A setup statement the server refused: the statement (SqlError.sql), and its index in `written` if it is one of those. */
export class SetupError extends SqlError {
  constructor(
    sql: string,
    cause: unknown,
    readonly writtenIndex: number | null,
  ) {
    super(sql, cause);
  }
}

/** A DO block that EXECUTEs each statement as written, in order; null for none. */
export function writtenBlock(written: readonly string[]): string | null {
  if (written.length === 0) return null;
  let tag = '$pgindex$';
  for (let n = 1; written.some((sql) => sql.includes(tag)); n++) tag = `$pgindex${n}$`;
  return `DO ${tag}BEGIN\n${written.map((sql) => `EXECUTE ${quoteLiteral(sql)};\n`).join('')}END${tag}`;
}

/** The one message of a connect: the setup in its order, then the read of the backend pid. */
export function setupMessage(setup: SessionSetup): string {
  const block = writtenBlock(setup.written);
  const written = block === null ? [] : [block];
  const parts = setup.order === 'own-first' ? [...setup.own, ...written] : [...written, ...setup.own];
  return [...parts, 'select pg_backend_pid() as pid'].join(';\n');
}

/** Runs the setup on a new connection; the backend pid. SetupError names a statement the server refused. */
export async function runSetup(client: pg.ClientBase, setup: SessionSetup): Promise<number | null> {
  let result: pg.QueryResult<{ pid?: number }> | pg.QueryResult<{ pid?: number }>[];
  try {
    result = await client.query<{ pid?: number }>(setupMessage(setup));
  } catch (err) {
    await oneByOne(client, setup, err);
    result = await client.query<{ pid?: number }>('select pg_backend_pid() as pid');
  }
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return last?.rows[0]?.pid ?? null;
}

/** Each statement alone, in order; the first refused is a SetupError (or the message's own failure, if it was a lost connection). */
async function oneByOne(client: pg.ClientBase, setup: SessionSetup, messageFailure: unknown): Promise<void> {
  const own = setup.own.map((sql) => ({ sql, writtenIndex: null }));
  const written = setup.written.map((sql, i) => ({ sql, writtenIndex: i }));
  for (const { sql, writtenIndex } of setup.order === 'own-first' ? [...own, ...written] : [...written, ...own]) {
    try {
      await client.query(extendedQuery(sql));
    } catch (err) {
      throw new SetupError(sql, err, writtenIndex);
    }
  }
  if (setup.own.length === 0 && setup.written.length === 0) throw new SqlError('select pg_backend_pid() as pid', messageFailure);
}
