/**
 * From a plan file to a Plan, with the database: load the file, connect, optionally ANALYZE, take the
 * catalog snapshot, let the server render the plan's partial-index predicates, build the plan, and
 * disconnect. Everything that talks to the server for planning is here; buildPlan itself is pure.
 */
import type pg from 'pg';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadPlanFile } from './planfile/load.js';
import { DEFAULT_RULES, type PlanFile, type SourcePos } from './planfile/types.js';
import { chooseConnection, clientConfig, connect, describeSource, describeTarget, type ConnectionFlags } from './db/connection.js';
import { takeSnapshot } from './catalog/snapshot.js';
import type { CatalogSnapshot } from './catalog/types.js';
import { analyzeUnanalyzed } from './catalog/analyze.js';
import { withCitusFacts } from './catalog/citus.js';
import { matchEntries, resolveTables, type EntryMatches, type Relations, type ResolvedTable } from './catalog/resolve.js';
import { buildPlan } from './plan/build.js';
import { withAutoIndexes } from './plan/auto.js';
import type { QueryFile } from './advisor/workload/gather.js';
import type { WorkloadAdvice } from './advisor/workload/advice.js';
import { qualifiedKey } from './sql/qualified.js';
import { advisedWhere, type AdvisedWhere } from './advisor/advise.js';
import { serverMachine } from './db/server-machine.js';
import { modelForServer } from './cost/cache.js';
import { keysKey, predicateKey, type ServerKey } from './plan/predicates.js';
import { keysLabel, needsServerKeys, plannedKeys } from './plan/index-entries.js';
import { rawPredicateProblem } from './plan/sql.js';
import { quoteIdent, quoteQualified } from './sql/quote.js';
import { PlanningError, SqlError, type Problem } from './errors.js';
import { describeHolders, isLockTimeout, lockHolders, lockTimeoutError, type WantedLock } from './catalog/locks.js';
import type { Plan, QualifiedName } from './plan/types.js';
import { relkindNoun } from './pg/relkinds.js';
import { connectForRun, type AcquireOptions, type RunLock } from './db/run-lock.js';
import { SQLSTATE } from './pg/sqlstate.js';
import { fingerprintDiff, fingerprintOf, looksLikeSavedPlan, parseSavedPlan, SavedPlanError, type Fingerprint, type SavedPlan } from './plan/saved.js';
import { queryRows } from './db/rows.js';

export interface PrepareOptions {
  planPath: string;
  /** The --db flag, if given: a connection string, or a bare database name as psql's -d takes it. */
  dbFlag?: string | undefined;
  /** psql's -h, -p, -U (and -W's password): they override the connection string's settings. */
  connectionFlags?: ConnectionFlags | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Notes and warnings for stderr. */
  log: (message: string) => void;
  /** application_name of the planning session. */
  applicationName?: string;
  /** Where `pgindex calibrate` cached the cost model (src/cost/cache.ts); absent: XDG_CACHE_HOME/pgindex. */
  cacheDir?: string;
  /**
   * Take the database's run lock (src/db/run-lock.ts) before planning and hand it over in the
   * result, to be released when the run has ended: one apply or run at a time per database.
   */
  runLock?: AcquireOptions;
  /** For `indexes: auto`: the files of --queries (pg_stat_statements is read when installed). */
  queryFiles?: readonly QueryFile[];
}

export interface PreparedPlan {
  plan: Plan;
  file: PlanFile;
  /** How to reach the database the plan was made for (to run it on the same one). */
  connection: pg.ClientConfig;
  /** Held when `runLock` was asked for: release it once the run has ended. */
  runLock: RunLock | null;
  /**
   * The catalog facts the plan was made from, for `plan --save` (src/plan/saved.ts). Worked out on
   * first read (a quarter of a second at 10,000 tables, for a plan that is seldom saved; issue 16):
   * until then the result keeps the snapshot.
   */
  readonly fingerprint: Fingerprint;
}

export async function preparePlan(opts: PrepareOptions): Promise<PreparedPlan> {
  const file = await loadPlanFile(opts.planPath, { cwd: opts.cwd });
  const target = chooseConnection({ flag: opts.dbFlag, flags: opts.connectionFlags, env: opts.env, plan: file.connection });
  const connection = clientConfig(target, opts.applicationName ?? 'pgindex plan');
  // Before planning: a plan made while another run builds would take its builds for leftovers.
  const { client, runLock } = await connectForRun(connection, opts.runLock);
  let planned = false;
  try {
    opts.log(`connected to ${describeTarget(connection)} (from ${describeSource(target)})`);
    const lockTimeout = `SET lock_timeout = ${planningLockTimeoutMs(file)}`;
    await queryRows(client, lockTimeout);
    // A large plan reads its indexes on a second session, beside the columns (catalog/snapshot.ts).
    const openHelper = async () => {
      const helper = await connect(connection);
      try {
        await queryRows(helper, lockTimeout);
        return helper;
      } catch (err) {
        await helper.end().catch(() => undefined);
        throw err;
      }
    };
    // The plan's entries are matched to the tables while the server reads their columns and indexes.
    let matches: EntryMatches | undefined;
    const onRelations = (relations: Relations) => {
      matches = matchEntries(file, relations);
    };
    // On a Citus coordinator, the distributed tables' sizes and statistics are their shards' (src/catalog/citus.ts).
    let snapshot = await withCitusFacts(client, await takeSnapshot(client, file, { openHelper, onRelations }));
    if (file.analyze) {
      const analyzed = await lockMessage(client, 'ANALYZE', snapshot.tables.map((t) => t.oid), 'ShareUpdateExclusiveLock', () => analyzeUnanalyzed(client, snapshot));
      if (analyzed.length > 0) {
        opts.log(`analyzed ${analyzed.length} table${analyzed.length === 1 ? '' : 's'} that had no statistics: ${analyzed.join(', ')}`);
        snapshot = await withCitusFacts(client, await takeSnapshot(client, file, { openHelper, onRelations }));
      }
    }
    const resolution = resolveTables(file, snapshot, { deferProblems: true, matches });
    const auto = await autoAdvice(client, snapshot, resolution.tables, file.rules.rareShare, opts);
    const { predicates, problems } = await serverPredicates(client, file, resolution.tables, opts.log, snapshot);
    // The advised indexes' expression keys are read by the server as any entry's are.
    const keys = await serverKeys(client, withAutoIndexes(resolution, auto).resolution.tables, opts.log);
    const costModel = await modelForServer(client, opts.env, opts.log, opts.cacheDir);
    const plan = buildPlan(file, snapshot, {
      predicates,
      serverKeys: keys.serverKeys,
      resolution,
      problems: [...problems, ...keys.problems],
      machine: serverMachine(connection),
      costModel,
      ...(auto ? { auto } : {}),
    });
    await lockMessage(client, 'checking that the planned index names are free', [], 'AccessShareLock', () => checkNamesFree(client, plan));
    planned = true;
    return withLazyFingerprint({ plan, file, connection, runLock }, snapshot);
  } finally {
    await client.end().catch(() => undefined);
    if (!planned) await runLock?.release();
  }
}

/**
 * The workload advisor's verdict on the tables of the plan's `indexes: auto` entries, or undefined
 * when it has none. Throws when there is no workload to read (WorkloadSourceError says how to get one).
 */
async function autoAdvice(client: pg.ClientBase, snapshot: CatalogSnapshot, tables: readonly ResolvedTable[], rareShare: number, opts: PrepareOptions): Promise<WorkloadAdvice | undefined> {
  const auto = new Map(tables.filter((r) => r.spec.auto).map((r) => [qualifiedKey(r.table), { schema: r.table.schema, name: r.table.name }]));
  if (auto.size === 0) return undefined;
  // Loaded only here: the workload advisor's dozen modules serve `indexes: auto` alone.
  const { gatherAdvice } = await import('./advisor/workload/gather.js');
  const advice = await gatherAdvice(client, snapshot, { tables: [...auto.values()], queryFiles: opts.queryFiles ?? [], rareShare });
  const n = advice.indexes.length;
  opts.log(
    `indexes: auto: ${n} index${n === 1 ? '' : 'es'} advised on ${auto.size} table${auto.size === 1 ? '' : 's'} from ${advice.sources.join(' and ')}, ` +
      `${advice.evaluation === 'hypopg' ? 'weighed by the planner (HypoPG)' : 'estimated from statistics (HypoPG is not installed)'}` +
      (advice.notes.length > 0 ? `; ${advice.notes.length} note${advice.notes.length === 1 ? '' : 's'} (--explain shows them)` : ''),
  );
  return advice;
}

/** The prepared plan, its fingerprint computed from the snapshot when first read, then kept. */
function withLazyFingerprint(prepared: Omit<PreparedPlan, 'fingerprint'>, snapshot: CatalogSnapshot | null): PreparedPlan {
  let fingerprint: Fingerprint | undefined;
  return Object.defineProperty(prepared, 'fingerprint', {
    enumerable: true,
    get: (): Fingerprint => {
      if (fingerprint === undefined) {
        fingerprint = fingerprintOf(snapshot as CatalogSnapshot);
        snapshot = null;
      }
      return fingerprint;
    },
  }) as PreparedPlan;
}

export interface SavedPlanOptions extends Omit<PrepareOptions, 'planPath'> {
  /** The saved plan's path, relative to `cwd`. */
  savedPath: string;
}

/** A saved plan read and checked again against the database: exactly its Plan, never a new one. */
export interface PreparedSavedPlan {
  plan: Plan;
  connection: pg.ClientConfig;
  runLock: RunLock | null;
  fingerprint: Fingerprint;
}

/**
 * The saved plan in a file, or null when the file is not one (then it is a plan file): recognised by
 * its content (src/plan/saved.ts). `saved: true` (apply --plan) takes any file for a saved plan, so
 * that a damaged one is reported as such. A file that cannot be read is an error only then; otherwise
 * loadPlanFile reports it, as for any plan file.
 */
export async function readSavedPlan(path: string, opts: { cwd: string; saved?: boolean }): Promise<SavedPlan | null> {
  let text: string;
  try {
    text = await readFile(resolve(opts.cwd, path), 'utf8');
  } catch (err) {
    if (!opts.saved) return null;
    const code = (err as NodeJS.ErrnoException).code;
    throw new SavedPlanError(path, `cannot read it: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message}`);
  }
  if (!opts.saved && !looksLikeSavedPlan(text)) return null;
  return parseSavedPlan(text, path);
}

/**
 * Connects (taking the run lock first when asked, as preparePlan does: nobody may change the indexes
 * between the check and the run), reads again the facts the saved plan was made from (a snapshot of
 * exactly its tables) and returns its Plan unchanged. When any fact differs it throws, naming every
 * difference, before anything runs. The connection comes from -d, the flags and the environment: a
 * saved plan keeps no connection string (it could hold a password).
 */
export async function prepareSavedPlan(saved: SavedPlan, opts: SavedPlanOptions): Promise<PreparedSavedPlan> {
  const target = chooseConnection({ flag: opts.dbFlag, flags: opts.connectionFlags, env: opts.env });
  const connection = clientConfig(target, opts.applicationName ?? 'pgindex apply');
  const { client, runLock } = await connectForRun(connection, opts.runLock);
  let checked = false;
  try {
    opts.log(`connected to ${describeTarget(connection)} (from ${describeSource(target)})`);
    await queryRows(client, `SET lock_timeout = ${planningLockTimeoutMs({ lockTimeoutMs: saved.plan.settings.lockTimeoutMs })}`);
    const pos = { file: opts.savedPath, line: 1, col: 1 };
    // Each saved table by its exact name (quoteIdent quotes what would fold or glob); only the
    // names of this plan file are read by takeSnapshot.
    const tables = saved.fingerprint.tables.map((t) => ({ name: quoteQualified(t), columns: [], exclude: [], pos }));
    const file: PlanFile = { file: opts.savedPath, version: 1, parallelism: 1, concurrently: true, analyze: false, lockTimeoutMs: 0, statementTimeoutMs: 0, retries: 0, rules: { ...DEFAULT_RULES }, tables };
    const now = fingerprintOf(await withCitusFacts(client, await takeSnapshot(client, file)));
    const changes = fingerprintDiff(saved.fingerprint, now);
    if (changes.length > 0) {
      const what = changes.length === 1 ? changes[0] : `${changes.length} changes since ${opts.savedPath} was saved:\n${changes.map((c) => `  ${c}`).join('\n')}`;
      throw new PlanningError(`saved plan is stale: ${what}\nnothing was run: plan again with pgindex plan --save, and review the new plan`);
    }
    const n = saved.fingerprint.tables.length;
    opts.log(`saved plan ${opts.savedPath}: the facts it was made from are unchanged (${n} table${n === 1 ? '' : 's'}, server ${now.server.version})`);
    checked = true;
    return { plan: saved.plan, connection, runLock, fingerprint: now };
  } finally {
    await client.end().catch(() => undefined);
    if (!checked) await runLock?.release();
  }
}

/**
 * When the plan's entries, all together, matched no table (Plan.matchedNoTable): what to say, naming
 * the database, so that a plan pointed at the wrong database does not look like "nothing to do".
 * Null when some table matched. The CLI decides what it means for the exit code: an error, unless
 * --allow-empty (`allowEmpty`: the message then suggests nothing).
 */
export function nothingMatchedMessage(prepared: Pick<PreparedPlan, 'plan' | 'file' | 'connection'>, opts: { allowEmpty: boolean }): string | null {
  if (!prepared.plan.matchedNoTable) return null;
  const n = prepared.file.tables.length;
  const entries = n === 1 ? "the plan's table entry matches no table" : `none of the plan's ${n} table entries matches a table`;
  const message = `nothing matched: ${entries} in ${describeTarget(prepared.connection)}`;
  return opts.allowEmpty ? message : `${message} (is this the right database? --allow-empty accepts a plan that matches nothing)`;
}

/**
 * Planning never waits long for a lock: the plan's lock_timeout, or 5 s when it has none (0 would
 * wait forever behind, say, a migration holding ACCESS EXCLUSIVE on a table).
 */
export function planningLockTimeoutMs(file: Pick<PlanFile, 'lockTimeoutMs'>): number {
  return file.lockTimeoutMs > 0 ? file.lockTimeoutMs : 5000;
}

/** Runs `fn`; a lock timeout in it becomes an error naming the tables and sessions in the way. */
async function lockMessage<T>(client: pg.ClientBase, doing: string, relations: number[], wanted: WantedLock, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isLockTimeout(err)) throw await lockTimeoutError(client, doing, relations, wanted);
    throw err;
  }
}

interface PredicateRequest {
  table: QualifiedName;
  oid: number;
  where: string;
  pos: SourcePos;
}

/**
 * The distinct (table, where) pairs of the plan, for the tables it resolves to; with `advised`, also
 * the advisor's own predicates (a few-valued column's rare values) on tables that have a partial
 * index already, the only place where the server's form of the predicate matters.
 */
function predicateRequests(tables: ResolvedTable[], advised?: AdvisedWhere): PredicateRequest[] {
  const out = new Map<string, PredicateRequest>();
  for (const r of tables) {
    const partials = advised !== undefined && r.table.indexes.some((i) => i.predicate !== null);
    for (const c of r.columns) {
      const where = c.spec?.where?.trim() ?? (partials && c.column.stats?.mostCommon ? advisedWhere({ column: c.column, table: r.table, spec: c.spec, ...advised }) : undefined);
      if (!where || rawPredicateProblem(where) !== null) continue; // buildPlan reports bad ones at their line
      const table = { schema: r.table.schema, name: r.table.name };
      out.set(predicateKey(table, where), { table, oid: r.table.oid, where, pos: c.spec?.pos ?? r.spec.pos });
    }
    for (const ix of r.indexes) {
      const where = ix.spec.where?.trim();
      if (!where || rawPredicateProblem(where) !== null) continue;
      const table = { schema: r.table.schema, name: r.table.name };
      if (!out.has(predicateKey(table, where))) out.set(predicateKey(table, where), { table, oid: r.table.oid, where, pos: ix.spec.pos });
    }
  }
  return [...out.values()];
}

/**
 * How the server itself writes each planned predicate (pg_get_expr, as the snapshot reads existing
 * ones), found by building the partial index on an empty temporary copy of the table inside a
 * transaction that is rolled back: nothing persists and the real table is only share-locked for a
 * moment. This recognises a partial index built by an earlier run although the server rewrote its
 * predicate (`status = 'paid'` comes back as `status = 'paid'::text`), and a predicate the server
 * rejects is a problem at its plan line, returned for the planner to report with all the others.
 * Copying the table waits for a lock at most the session's lock_timeout: another session's lock is a
 * problem too, naming the table and the session.
 */
export async function serverPredicates(
  client: pg.ClientBase,
  file: PlanFile,
  tables: ResolvedTable[],
  log: (message: string) => void,
  catalog?: AdvisedWhere['catalog'],
): Promise<{ predicates: Map<string, string>; problems: Problem[] }> {
  const out = new Map<string, string>();
  const problems: Problem[] = [];
  const requests = predicateRequests(tables, catalog ? { rules: file.rules, catalog } : undefined);
  if (requests.length === 0) return { predicates: out, problems };
  await queryRows(client, 'BEGIN');
  try {
    let n = 0;
    for (const req of requests) {
      n++;
      const temp = `pgindex_predicate_${n}`;
      const tempTable = `pg_temp.${quoteIdent(temp)}`;
      // Privileges or a read-only server only stop the comparison from being exact: the predicate is
      // then compared as text, and it was already checked to be one expression.
      const cannotCheck = (code: string | undefined, message: string): boolean => {
        if (code !== SQLSTATE.insufficientPrivilege && code !== SQLSTATE.readOnlySqlTransaction) return false;
        log(
          `note: could not check the predicate of ${quoteQualified(req.table)} on the server (${message}); ` +
            'it is written into the statements as given and compared with existing indexes as text',
        );
        return true;
      };
      const locked = async (): Promise<void> => {
        const { holders, lockTimeout } = await lockHolders(client, [req.oid], 'AccessShareLock');
        problems.push({
          pos: req.pos,
          message: `where: ${req.where}: could not be checked on the server: gave up waiting for a lock${lockTimeout ? ` (lock_timeout ${lockTimeout})` : ''}: ${describeHolders(holders)}`,
          hint: 'plan again once it is released, or give the plan a longer lock_timeout',
        });
      };
      await queryRows(client, 'SAVEPOINT predicate');
      try {
        await queryRows(client, `CREATE TEMP TABLE ${quoteIdent(temp)} (LIKE ${quoteQualified(req.table)}) ON COMMIT DROP`);
        await queryRows(client, `ALTER TABLE ${tempTable} ADD COLUMN ${quoteIdent(`${temp}_key`)} int`);
      } catch (err) {
        await queryRows(client, 'ROLLBACK TO SAVEPOINT predicate');
        if (isLockTimeout(err)) await locked();
        else if (!(err instanceof SqlError && cannotCheck(err.sqlstate, err.message))) throw err;
        continue;
      }
      try {
        // The extended protocol runs exactly one statement, whatever the raw `where` holds.
        await client.query({
          text: `CREATE INDEX ON ${tempTable} (${quoteIdent(`${temp}_key`)}) WHERE ${req.where}`,
          queryMode: 'extended',
        } as pg.QueryConfig);
      } catch (err) {
        await queryRows(client, 'ROLLBACK TO SAVEPOINT predicate');
        // Anything but privileges or locks is the predicate's fault: reported at its plan line.
        const e = err as { code?: string; message?: string };
        const message = e.message ?? String(err);
        if (isLockTimeout(err)) await locked();
        else if (!cannotCheck(e.code, message)) problems.push({ pos: req.pos, message: `where: ${req.where}: ${message}` });
        continue;
      }
      const rows = await queryRows<{ predicate: string | null }>(
        client,
        'SELECT pg_get_expr(i.indpred, i.indrelid, true) AS predicate FROM pg_index i WHERE i.indrelid = $1::regclass',
        [tempTable],
      );
      const predicate = rows[0]?.predicate;
      if (predicate) out.set(predicateKey(req.table, req.where), predicate);
      await queryRows(client, 'RELEASE SAVEPOINT predicate');
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
  return { predicates: out, problems };
}

/**
 * How the server reads the keys of each `indexes:` entry with an expression or a collation: the keys
 * are built, with the entry's method, on an empty temporary copy of the table in a transaction that
 * is rolled back, as serverPredicates does. An expression comes back as pg_get_indexdef writes it
 * (`LOWER( email )` as `lower(email)`), with the operator class and collation the server resolved,
 * so that an existing index is recognised; whatever the server refuses (an unknown function, a
 * collation that does not exist or does not fit, an operator class that does not accept the
 * expression's type) is a problem at the entry's line.
 */
export async function serverKeys(
  client: pg.ClientBase,
  tables: ResolvedTable[],
  log: (message: string) => void,
): Promise<{ serverKeys: Map<string, ServerKey[]>; problems: Problem[] }> {
  const out = new Map<string, ServerKey[]>();
  const problems: Problem[] = [];
  const requests = new Map<string, { table: QualifiedName; oid: number; keys: string; method: string; pos: SourcePos }>();
  for (const r of tables) {
    for (const ix of r.indexes) {
      const method = needsServerKeys(ix);
      const keys = plannedKeys(ix);
      // An expression that is not one expression is buildPlan's to report (src/plan/index-entries.ts).
      if (method === null || keys.some((k) => k.expression !== undefined && rawPredicateProblem(k.expression) !== null)) continue;
      const table = { schema: r.table.schema, name: r.table.name };
      const label = keysLabel(keys);
      requests.set(keysKey(table, method, label), { table, oid: r.table.oid, keys: label, method, pos: ix.spec.pos });
    }
  }
  if (requests.size === 0) return { serverKeys: out, problems };
  await queryRows(client, 'BEGIN');
  try {
    let n = 0;
    for (const [key, req] of requests) {
      const temp = `pgindex_keys_${++n}`;
      const tempTable = `pg_temp.${quoteIdent(temp)}`;
      const locked = async (): Promise<void> => {
        const { holders, lockTimeout } = await lockHolders(client, [req.oid], 'AccessShareLock');
        problems.push({
          pos: req.pos,
          message: `${req.keys}: could not be checked on the server: gave up waiting for a lock${lockTimeout ? ` (lock_timeout ${lockTimeout})` : ''}: ${describeHolders(holders)}`,
          hint: 'plan again once it is released, or give the plan a longer lock_timeout',
        });
      };
      // Privileges or a read-only server only make the comparison less exact: the keys are then
      // compared with existing indexes as written.
      const cannotCheck = (code: string | undefined, message: string): boolean => {
        if (code !== SQLSTATE.insufficientPrivilege && code !== SQLSTATE.readOnlySqlTransaction) return false;
        log(`note: could not check the index keys ${req.keys} of ${quoteQualified(req.table)} on the server (${message}); they are compared with existing indexes as written`);
        return true;
      };
      await queryRows(client, 'SAVEPOINT keys');
      try {
        await queryRows(client, `CREATE TEMP TABLE ${quoteIdent(temp)} (LIKE ${quoteQualified(req.table)}) ON COMMIT DROP`);
      } catch (err) {
        await queryRows(client, 'ROLLBACK TO SAVEPOINT keys');
        if (isLockTimeout(err)) await locked();
        else if (!(err instanceof SqlError && cannotCheck(err.sqlstate, err.message))) throw err;
        continue;
      }
      try {
        // The extended protocol runs exactly one statement, whatever the raw expressions hold.
        await client.query({ text: `CREATE INDEX ON ${tempTable} USING ${quoteIdent(req.method)} (${req.keys})`, queryMode: 'extended' } as pg.QueryConfig);
      } catch (err) {
        await queryRows(client, 'ROLLBACK TO SAVEPOINT keys');
        // Anything but privileges or locks is the keys' fault: reported at the entry's line.
        const e = err as { code?: string; message?: string };
        const message = e.message ?? String(err);
        if (isLockTimeout(err)) await locked();
        else if (!cannotCheck(e.code, message)) problems.push({ pos: req.pos, message: `${req.keys}: ${message}` });
        continue;
      }
      const rows = await queryRows<{ keys: ServerKey[] }>(
        client,
        `SELECT json_agg(json_build_object('expression', pg_get_indexdef(i.indexrelid, k, true),
                                           'opclass', (SELECT o.opcname FROM pg_opclass o WHERE o.oid = i.indclass[k - 1]),
                                           'collation', (SELECT c.collname FROM pg_collation c WHERE c.oid = i.indcollation[k - 1]))
                         ORDER BY k) AS keys
           FROM pg_index i, generate_series(1, i.indnkeyatts) k
          WHERE i.indrelid = $1::regclass
          GROUP BY i.indexrelid`,
        [tempTable],
      );
      const keys = rows[0]?.keys;
      if (keys) out.set(key, keys);
      await queryRows(client, 'RELEASE SAVEPOINT keys');
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
  return { serverKeys: out, problems };
}

/**
 * Index names share a schema's namespace with every other relation, and the snapshot only knows the
 * planned tables and their indexes: one more query makes sure no other relation (an index of some
 * other table, a sequence, a view…) already holds a name the plan is about to create.
 */
async function checkNamesFree(client: pg.ClientBase, plan: Plan): Promise<void> {
  const dropped = new Set(plan.steps.filter((s) => s.action === 'drop-invalid' && s.index).map((s) => quoteQualified(s.index as QualifiedName)));
  const created = plan.steps
    .filter((s) => (s.action === 'create' || s.action === 'create-parent') && s.index && !dropped.has(quoteQualified(s.index)))
    .map((s) => s.index as QualifiedName);
  if (created.length === 0) return;
  const sql = `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
                      CASE WHEN c.relkind IN ('i', 'I') THEN pg_get_indexdef(c.oid) END AS definition
                 FROM unnest($1::text[], $2::text[]) AS p(schema, name)
                 JOIN pg_namespace n ON n.nspname = p.schema
                 JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.name
                ORDER BY 1, 2`;
  const rows = await queryRows<{ schema: string; name: string; kind: string; definition: string | null }>(client, sql, [
    created.map((q) => q.schema),
    created.map((q) => q.name),
  ]);
  if (rows.length === 0) return;
  const lines = rows.map((r) => {
    const what = relkindNoun(r.kind);
    return `  ${quoteQualified(r)} is already a ${what}${r.definition ? `: ${r.definition}` : ''}`;
  });
  throw new PlanningError(
    `planned index names are taken by relations outside the plan's tables; nothing was run.\n${lines.join('\n')}\n` +
      'Index names share their schema with tables, sequences and views: rename or drop the relation, then plan again.',
  );
}
