/**
 * (d) The seed: its PL/pgSQL `run_sqls_parallel(parallels, sqls, conn_url)`, which runs the statements
 * on `parallels` dblink connections it opens from inside the server, polling pg_stat_activity (and
 * sleeping 1 s whenever every connection is busy). The functions are loaded as the seed's document
 * writes them (its ``` blocks that create `conn` and `run_sqls_parallel`), never copied into the
 * project; dblink comes from contrib. Called at the bench's parallelism on the same statements as (a).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { connectClient, type RunResult } from './baselines.js';

/** ../shared/seed beside the repository: dist/bench/ → the repository → its parent. */
const SEED_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'seed');

/** The seed document that defines run_sqls_parallel, or null when there is none. */
export function findSeed(dir = SEED_DIR): string | null {
  if (!existsSync(dir)) return null;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (readFileSync(path, 'utf8').includes('function run_sqls_parallel(')) return path;
  }
  return null;
}

/** The document's code blocks that create the two functions, in the document's order. */
export function seedFunctionSql(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const wanted = blocks.filter((b) => /create or replace function (conn|run_sqls_parallel)\s*\(/i.test(b));
  if (wanted.length !== 2) throw new Error(`the seed document should define conn and run_sqls_parallel in two code blocks, found ${wanted.length}`);
  return wanted;
}

/** dblink and the seed's functions in the bench's database. */
export async function installSeed(client: pg.ClientBase, path: string): Promise<void> {
  await client.query('create extension if not exists dblink');
  for (const sql of seedFunctionSql(readFileSync(path, 'utf8'))) await client.query(sql);
}

/** libpq's key=value string for dblink's connections, to which the seed appends application_name's value. */
function dblinkConninfo(url: string): string {
  const u = new URL(url);
  const q = (v: string) => `'${v.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return [
    `hostaddr=${q(u.hostname)}`,
    `port=${q(u.port || '5432')}`,
    `user=${q(decodeURIComponent(u.username))}`,
    `password=${q(decodeURIComponent(u.password))}`,
    `dbname=${q(decodeURIComponent(u.pathname.slice(1)) || 'postgres')}`,
    'application_name=',
  ].join(' ');
}

/**
 * One run of the seed on a fresh session (its dblink connections end with it). It reports no
 * failures of its own (dblink_get_result is called with fail_on_error false): the bench's count of
 * valid indexes afterwards is what tells.
 */
export async function runSeed(url: string, statements: string[], parallelism: number): Promise<RunResult> {
  const client = await connectClient(url, 'bench/seed');
  try {
    const start = performance.now();
    await client.query('select * from run_sqls_parallel($1, $2, $3) as t(a text)', [parallelism, statements, dblinkConninfo(url)]);
    return { ms: performance.now() - start, statements: [], failures: [] };
  } finally {
    await client.end();
  }
}
