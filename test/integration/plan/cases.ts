/**
 * Planning cases as a table, run on a real server, in the manner of pg-schema-diff's acceptance
 * tests: each case gets a database of its own (test/support/db.ts), runs its setup, writes its plan
 * file and states exactly what `pgindex plan` gives: the statements, or every problem at its plan
 * position, or the error. The same checks then run for every case: nothing on stdout when planning
 * fails, the SQL script agrees with the JSON statements, --detailed-exitcode says whether statements
 * are pending, the password is never shown; and, when the case asks, the script applied with psql
 * leaves its indexes valid and nothing to do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli, type CliResult } from '../../support/cli.js';

/** SQL that must succeed, or a statement that must fail with a message matching `fails`. */
export type SetupStatement = string | { sql: string; fails: RegExp };

/** A line of output: its exact text, or a pattern for what the server words differently across versions. */
export type Expected = string | RegExp;

export interface PlanCase {
  name: string;
  /** Run one by one, in order, on the case's database before planning. */
  setup?: SetupStatement[];
  /** Boolean SQL expressions that hold once the setup has run: what it is meant to have produced. */
  assume?: string[];
  /** Run after the case, passed or failed, on its database: roles outlive it. */
  teardown?: string[];
  /** Plan as this role (the test superuser's name when user is omitted) instead of the test superuser. */
  as?: { user?: string; password: string };
  /** A LOCK TABLE statement another session holds, in an open transaction, while the case plans. */
  lockedBy?: string;
  /** How long planning may take, in ms. */
  elapsedMs?: { min?: number; max: number };
  /** The plan file, written as plan.yaml: problems are at `plan.yaml:LINE:COL`. */
  plan: string;

  // What planning gives: statements (it succeeds), or problems, or an error (it fails, exit 1).
  /** The SQL of every statement, in plan order, exact. */
  statements?: string[];
  /** Every problem, as `FILE:LINE:COL: message (hint)`, in order. */
  problems?: Expected[];
  /** The whole error of a failure that has no plan position (name conflicts, locks, connecting). */
  error?: Expected;
  /** Every column's line, in plan order: `table.column: action method (reason)`, `-` for no method. */
  columns?: string[];
  /** Every warning on stderr, in order. */
  warnings?: Expected[];
  /** Every note on stderr (`note: …`, `analyzed …`), in order. */
  notes?: Expected[];
  /** Apply the SQL script with psql: these indexes are then valid and planning again finds nothing to do. */
  applied?: { valid: string[] };
  /** What the table's columns cannot say, on the outputs of the case. */
  more?: (run: CaseRun) => void | Promise<void>;
}

export interface CaseRun {
  db: TestDatabase;
  /** `plan --format json`, parsed; null when planning failed. */
  doc: PlanJson | null;
  /** `plan --detailed-exitcode`: the SQL script; '' when planning failed. */
  script: string;
  /** Plans again, as the case does, with other arguments. */
  plan(args: string[]): Promise<CliResult>;
}

export interface PlanJson {
  statements: { id: string; action: string; dependsOn: string[]; reason: string; sql: string }[];
  columns: { table: { name: string }; column: string; action: string; method: string | null; reason: string }[];
}

/** Registers one node:test test per case; `prefix` names the cases' databases. */
export function planCases(prefix: string, cases: PlanCase[]): void {
  for (const c of cases) test(c.name, () => runCase(prefix, c));
}

async function runCase(prefix: string, c: PlanCase): Promise<void> {
  const db = await testDatabase(prefix);
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-case-'));
  const fill = (s: string) => s.replaceAll('{db}', db.name);
  let failure: unknown;
  try {
    await checkCase(db, dir, c, fill);
  } catch (err) {
    failure = err;
  }
  // The case's own failure is the one reported; a teardown that fails after a passing case fails it.
  try {
    for (const sql of c.teardown ?? []) await db.query(fill(sql));
  } catch (err) {
    failure ??= err;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
  if (failure !== undefined) throw failure;
}

async function checkCase(db: TestDatabase, dir: string, c: PlanCase, fill: (s: string) => string): Promise<void> {
  for (const s of c.setup ?? []) {
    if (typeof s === 'string') await db.query(fill(s));
    else await assert.rejects(db.query(fill(s.sql)), s.fails, `setup statement expected to fail: ${s.sql}`);
  }
  for (const condition of c.assume ?? []) {
    const { rows } = await db.query<{ holds: boolean | null }>(`SELECT (${fill(condition)}) AS holds`);
    assert.equal(rows[0]?.holds, true, `after setup: ${condition}`);
  }
  writeFileSync(join(dir, 'plan.yaml'), c.plan);
  const url = new URL(db.url);
  if (c.as) {
    url.username = fill(c.as.user ?? url.username);
    url.password = c.as.password;
  }
  const password = decodeURIComponent(url.password);
  const plan = async (args: string[]) => {
    const r = await runCli(['plan', 'plan.yaml', '-d', url.toString(), ...args], { cwd: dir });
    assert.ok(!r.out.includes(password) && !r.err.includes(password), 'the password is never shown');
    return r;
  };

  const holder = c.lockedBy ? await holdLock(db, fill(c.lockedBy)) : null;
  let json: CliResult;
  let ms: number;
  try {
    const start = performance.now();
    json = await plan(['--format', 'json']);
    ms = performance.now() - start;
  } finally {
    await holder?.release();
  }
  const expand = (e: Expected): Expected => (typeof e === 'string' ? fill(e).replaceAll('{pid}', String(holder?.pid)) : e);
  const stderr = readStderr(json.err);
  if (c.elapsedMs) {
    assert.ok(ms < c.elapsedMs.max && ms >= (c.elapsedMs.min ?? 0), `planned in ${Math.round(ms)} ms`);
  }
  assertLines(stderr.notes, (c.notes ?? []).map(expand), 'notes');

  if (c.statements === undefined) {
    assert.ok(c.problems !== undefined || c.error !== undefined, `case "${c.name}" expects statements, problems or an error`);
    assert.equal(json.code, 1, json.err);
    assert.equal(json.out, '', 'nothing on stdout when planning fails');
    if (c.problems !== undefined) assertLines(stderr.failure, c.problems.map(expand), 'problems');
    if (c.error !== undefined) assertLines([stderr.failure.join('\n')], [expand(c.error)], 'error');
    assertLines(stderr.warnings, [], 'warnings');
    await c.more?.({ db, doc: null, script: '', plan });
    return;
  }

  assert.equal(json.code, 0, json.err);
  assert.deepEqual(stderr.failure, [], 'no error');
  const doc = JSON.parse(json.out) as PlanJson;
  assert.deepEqual(doc.statements.map((s) => s.sql), c.statements, 'statements');
  if (c.columns) {
    assert.deepEqual(doc.columns.map((col) => `${col.table.name}.${col.column}: ${col.action} ${col.method ?? '-'} (${col.reason})`), c.columns.map(fill), 'columns');
  }
  assertLines(stderr.warnings, (c.warnings ?? []).map(expand), 'warnings');

  // The SQL script is the same plan: each statement once, and the exit code says whether any is pending.
  const sql = await plan(['--detailed-exitcode']);
  assert.equal(sql.code, c.statements.length > 0 ? 2 : 0, sql.err);
  for (const statement of c.statements) assert.equal(sql.out.split(`\n${statement};\n`).length, 2, `once in the script: ${statement}`);
  assert.equal([...sql.out.matchAll(/^(CREATE( UNIQUE)?|DROP|ALTER) INDEX /gm)].length, c.statements.length, `no other statement in the script:\n${sql.out}`);

  if (c.applied) {
    psql(dir, db.url, sql.out);
    for (const name of c.applied.valid) {
      const { rows } = await db.query<{ valid: boolean }>('SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = $1::regclass', [name]);
      assert.equal(rows[0]?.valid, true, `${name} is valid once the script has run`);
    }
    const again = await plan(['--detailed-exitcode']);
    assert.equal(again.code, 0, `nothing left to do once the script has run:\n${again.out}${again.err}`);
  }
  await c.more?.({ db, doc, script: sql.out, plan });
}

/** stderr of `pgindex plan`, by kind; where it connected is left out (the port changes). */
function readStderr(err: string): { notes: string[]; warnings: string[]; failure: string[] } {
  const out = { notes: [] as string[], warnings: [] as string[], failure: [] as string[] };
  const log = 'pgindex plan: ';
  for (const line of err.split('\n')) {
    if (line === '' || line.startsWith(`${log}connected to `)) continue;
    if (line.startsWith(`${log}warning: `)) out.warnings.push(line.slice(`${log}warning: `.length));
    else if (line.startsWith(`${log}note: `) || line.startsWith(`${log}analyzed `)) out.notes.push(line.slice(log.length));
    else out.failure.push(line);
  }
  return out;
}

function assertLines(actual: string[], expected: Expected[], what: string): void {
  if (expected.every((e) => typeof e === 'string')) {
    assert.deepEqual(actual, expected, what);
    return;
  }
  assert.equal(actual.length, expected.length, `${what}:\n${actual.join('\n')}`);
  expected.forEach((e, i) => {
    if (typeof e === 'string') assert.equal(actual[i], e, what);
    else assert.match(actual[i] ?? '', e, what);
  });
}

/** Another session holding a lock in an open transaction, until released. */
async function holdLock(db: TestDatabase, lockSql: string): Promise<{ pid: number; release(): Promise<void> }> {
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(lockSql);
  const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
  return { pid, release: () => holder.end() };
}

/** Runs an SQL script as psql would from a file, stopping at the first error. */
export function psql(dir: string, url: string, sql: string): void {
  const file = join(dir, `script-${Math.random().toString(16).slice(2)}.sql`);
  writeFileSync(file, sql);
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
}
