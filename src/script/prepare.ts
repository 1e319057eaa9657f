/**
 * From a SQL file to a Plan, with the database (`pgindex run`'s planner, as preparePlan is apply's):
 * connect (and open the run's own connections, when asked), read the server's facts while the
 * statements are parsed, run the file's leading SETs on the planning session (they decide which
 * tables its statements name), size those tables and learn their kind in one round trip, let the
 * server say what the file's later SETs set, and disconnect. Everything that talks to the server is
 * here; readScript, scriptSteps and planScript are pure. Nothing of the file runs but its SETs on
 * the planning session, and only once the whole file has been read and parsed without error.
 */
import type pg from 'pg';
import { chooseConnection, clientConfig, type ConnectionConfig, type ConnectionFlags } from '../db/connection.js';
import { extendedQuery } from '../db/extended-query.js';
import { newRunId, Preconnected } from '../db/preconnect.js';
import { runSetup, SetupError } from '../db/session-setup.js';
import { connectForRun, type AcquireOptions, type RunLock } from '../db/run-lock.js';
import { readServerFacts } from '../catalog/server.js';
import { serverMachine } from '../db/server-machine.js';
import { readScriptCatalog } from '../catalog/script-catalog.js';
import { readdir } from 'node:fs/promises';
import { cacheDir, modelForServer } from '../cost/cache.js';
import { DEFAULT_MODEL, type CostModel } from '../cost/kinds.js';
import { queryRows } from '../db/rows.js';
import { PgindexError, SqlError } from '../errors.js';
import { loadTreeParser, type TreeParser } from '../sql/parse.js';
import { positionInFile, type SqlStatement } from '../sql/split.js';
import type { Plan } from '../plan/types.js';
import type { SqlScript } from './load.js';
import { locateStep, planScript, scriptChoices, type ScriptChoices } from './plan.js';
import { laterSettings, readScript, scriptIndexes, scriptSteps, scriptTables, worthParsing, type ReadScript } from './steps.js';

export interface PrepareScriptOptions {
  /** The statements, from loadScriptFile or parseScript. */
  script: SqlScript;
  /** The --db flag, if given; else DATABASE_URL, else libpq's PG* variables. */
  dbFlag?: string | undefined;
  /** psql's -h, -p, -U (and -W's password), as PrepareOptions.connectionFlags. */
  connectionFlags?: ConnectionFlags | undefined;
  env: NodeJS.ProcessEnv;
  /** Anything left out (or undefined) takes its SCRIPT_DEFAULTS value. */
  choices?: Partial<ScriptChoices>;
  /** application_name of the planning session. */
  applicationName?: string;
  /** Take the database's run lock before planning (see PrepareOptions.runLock). */
  runLock?: AcquireOptions;
  /**
   * Open the run's connections (its control connection and as many sessions as it can use) while
   * the file is parsed and planned: PreparedScript.preconnected, for ExecuteOptions.preconnected.
   */
  preconnect?: boolean;
}

export interface PreparedScript {
  plan: Plan;
  /** How to reach the database the plan was made for (to run it on the same one). */
  connection: ConnectionConfig;
  /** The file's leading SET statements as written, to run on every session (ExecuteOptions.sessionSetup). */
  sessionSetup: string[];
  /** The run's connections, opened when `preconnect` was asked for: give them to the run, or close them. */
  preconnected: Preconnected | null;
  /** `FILE:LINE:COL` of a step's statement (at the server's error position in it), for failure messages. */
  locate(stepId: string, position: number | null): string | null;
  /** Held when `runLock` was asked for: release it once the run has ended. */
  runLock: RunLock | null;
}

export async function prepareScript(opts: PrepareScriptOptions): Promise<PreparedScript> {
  const { file } = opts.script;
  const connection = clientConfig(chooseConnection({ flag: opts.dbFlag, flags: opts.connectionFlags, env: opts.env }), opts.applicationName ?? 'pgindex run');
  // Connecting (a TCP handshake, a backend forked, an authentication exchange) goes on while the
  // parser loads and reads the file: neither waits for the other.
  const connecting = connectForRun(connection, opts.runLock);
  // Awaited only once the file is read: a failed connection must not leave its rejection unhandled.
  connecting.catch(() => undefined);
  // The run's own connections too: it would otherwise open them after planning, before its first
  // statement. Sessions beyond the statements' count would have nothing to run.
  const choices = scriptChoices(opts.choices);
  // Opened once the planner's connection is, which planning waits for first.
  const preconnected = opts.preconnect ? new Preconnected(newRunId(), connection, Math.min(choices.parallelism, opts.script.statements.length), connecting) : null;
  // What depends on the server alone is read once connected, while the file is still being parsed.
  const serverFacts = connecting.then(({ client }) => readServerFacts(client));
  serverFacts.catch(() => undefined);
  const cachedModels = readdir(cacheDir(opts.env)).catch(() => [] as string[]);
  let read: ReadScript;
  let parse: TreeParser;
  try {
    // Loading the parser (WebAssembly) is for files with statements it can tell apart; a file of
    // plain statements never pays for it.
    parse = opts.script.statements.some((s) => worthParsing(s.sql)) ? await loadTreeParser() : () => null;
    performance.mark('pgindex:parser loaded');
    parse = await parsedAhead(opts.script.statements, parse);
    read = readScript(opts.script.statements, file, parse);
    performance.mark('pgindex:parsed');
  } catch (err) {
    // A file that cannot run is reported at once, whatever the connection does; the connection is
    // closed once it is open (or has failed), not waited for.
    void connecting.then(({ client, runLock }) => Promise.all([client.end().catch(() => undefined), runLock?.release()]), () => undefined);
    void preconnected?.close();
    throw err;
  }
  const { client, runLock } = await connecting;
  performance.mark('pgindex:connected (planner, run lock)');
  let planned = false;
  try {
    const server = await serverFacts;
    // The file's leading SETs (a search_path above all) decide which tables its statements name;
    // run here first, a bad one is reported at its place in the file before any session opens.
    await runHeader(client, file, read.header);
    const catalog = await readScriptCatalog(client, scriptTables(read), scriptIndexes(read));
    const settings = await settingValues(client, read);
    const model = await scriptModel(client, opts.env, server.versionNum, await cachedModels);
    performance.mark('pgindex:catalog read');
    const script = scriptSteps(read, { versionNum: server.versionNum, parse, tablePages: catalog.pages, relkinds: catalog.relkinds, indexTables: catalog.indexTables, settings });
    const plan = planScript(script, { server, machine: serverMachine(connection), model: model.model }, choices);
    if (model.warning) plan.warnings.push(model.warning);
    planned = true;
    return {
      plan,
      connection,
      sessionSetup: read.header.map((stmt) => stmt.sql),
      preconnected,
      locate: (stepId, position) => locateStep(script, stepId, position),
      runLock,
    };
  } finally {
    await client.end().catch(() => undefined);
    if (!planned) await Promise.all([runLock?.release(), preconnected?.close()]);
  }
}

/**
 * The cost model the builds are priced with, as `apply` reads it: the server's calibration when
 * `pgindex calibrate` cached one, else the defaults. Telling which server it is takes round trips
 * before the first statement, so they are spent only when the cache (`names`: its files) holds a
 * model of the server's version at all.
 */
async function scriptModel(client: pg.ClientBase, env: NodeJS.ProcessEnv, versionNum: number, names: readonly string[]): Promise<{ model: CostModel; warning: string | null }> {
  if (!names.some((name) => name.endsWith(`-${versionNum}.json`))) return { model: DEFAULT_MODEL, warning: null };
  let warning: string | null = null;
  const model = await modelForServer(client, env, (message) => (warning = message));
  return { model, warning };
}

/**
 * The parse trees of the statements worth parsing, made a few milliseconds at a time with the event
 * loop let in between (the connection being opened meanwhile needs it for each step of its
 * handshake), served by the parser returned; any other text goes to `parse` itself.
 */
async function parsedAhead(statements: readonly SqlStatement[], parse: TreeParser): Promise<TreeParser> {
  const trees = new Map<string, ReturnType<TreeParser>>();
  let sliceStart = performance.now();
  for (const stmt of statements) {
    if (!worthParsing(stmt.sql) || trees.has(stmt.sql)) continue;
    trees.set(stmt.sql, parse(stmt.sql));
    if (performance.now() - sliceStart > PARSE_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return (sql) => (trees.has(sql) ? (trees.get(sql) ?? null) : parse(sql));
}

const PARSE_SLICE_MS = 4;

/**
 * The file's leading settings on the planning session, as every session of the run will run them
 * (session-setup.ts: one round trip); one the server refuses is reported at its place in the file.
 */
async function runHeader(client: pg.ClientBase, file: string, header: readonly SqlStatement[]): Promise<void> {
  if (header.length === 0) return;
  try {
    await runSetup(client, { own: [], written: header.map((stmt) => stmt.sql), order: 'written-first' });
  } catch (err) {
    const stmt = err instanceof SetupError && err.writtenIndex !== null ? header[err.writtenIndex] : undefined;
    throw stmt && err instanceof SetupError ? locatedSqlError(file, stmt, err.cause) : err;
  }
}

async function runAt(client: pg.ClientBase, file: string, stmt: SqlStatement): Promise<void> {
  try {
    await client.query(extendedQuery(stmt.sql));
  } catch (err) {
    throw locatedSqlError(file, stmt, err);
  }
}

/**
 * What the file's later SETs set, as the server reads them: each setting's value after the leading
 * SETs, then each later SET run in turn on the planning session (the last thing it does) and its
 * value read back. A bad one is reported at its place in the file.
 */
async function settingValues(client: pg.ClientBase, read: ReadScript): Promise<{ before: Record<string, string>; after: string[] } | undefined> {
  const later = laterSettings(read);
  if (later.length === 0) return undefined;
  const before: Record<string, string> = {};
  for (const name of new Set(later.map((s) => s.name))) before[name] = await currentSetting(client, name);
  const after: string[] = [];
  for (const { stmt, name } of later) {
    await runAt(client, read.file, stmt);
    after.push(await currentSetting(client, name));
  }
  return { before, after };
}

async function currentSetting(client: pg.ClientBase, name: string): Promise<string> {
  const rows = await queryRows<{ value: string }>(client, 'select current_setting($1) as value', [name]);
  return rows[0]?.value ?? '';
}

/** A statement of the file that failed: where it is (the server's error position within it, if any), then the SQL with a caret. */
function locatedSqlError(file: string, stmt: SqlStatement, cause: unknown): PgindexError {
  const error = new SqlError(stmt.sql, cause);
  const at = positionInFile(stmt, error.position);
  return new PgindexError(`${file}:${at.line}:${at.col}: ${error.describe()}`, 'sql');
}
