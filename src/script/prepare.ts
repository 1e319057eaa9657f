/**
 * From a SQL file to a Plan, with the database (`pgindex run`'s planner, as preparePlan is apply's):
 * connect, read the server's facts, turn the statements into steps, run the file's leading SETs on
 * the planning session (they decide which tables its statements name), size those tables, and
 * disconnect. Everything that talks to the server is here; scriptSteps and planScript are pure.
 */
import { chooseConnection, clientConfig, type ConnectionConfig, type ConnectionFlags } from '../db/connection.js';
import { extendedQuery } from '../db/extended-query.js';
import { connectForRun, type AcquireOptions, type RunLock } from '../db/run-lock.js';
import { readServerFacts } from '../catalog/server.js';
import { serverMachine } from '../db/server-machine.js';
import { tablePages } from '../catalog/table-pages.js';
import { PgindexError, SqlError } from '../errors.js';
import { positionInFile, type SqlStatement } from '../sql/split.js';
import type { Plan } from '../plan/types.js';
import type { SqlScript } from './load.js';
import { locateStep, planScript, scriptChoices, type ScriptChoices } from './plan.js';
import { scriptSteps } from './steps.js';

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
}

export interface PreparedScript {
  plan: Plan;
  /** How to reach the database the plan was made for (to run it on the same one). */
  connection: ConnectionConfig;
  /** The file's leading SET statements, to run on every session (ExecuteOptions.sessionSetup). */
  sessionSetup: string[];
  /** `FILE:LINE:COL` of a step's statement (at the server's error position in it), for failure messages. */
  locate(stepId: string, position: number | null): string | null;
  /** Held when `runLock` was asked for: release it once the run has ended. */
  runLock: RunLock | null;
}

export async function prepareScript(opts: PrepareScriptOptions): Promise<PreparedScript> {
  const { file } = opts.script;
  const connection = clientConfig(chooseConnection({ flag: opts.dbFlag, flags: opts.connectionFlags, env: opts.env }), opts.applicationName ?? 'pgindex run');
  const { client, runLock } = await connectForRun(connection, opts.runLock);
  let planned = false;
  try {
    const server = await readServerFacts(client);
    const script = scriptSteps(opts.script.statements, file, server.versionNum);
    // The file's leading SETs (a search_path above all) decide which tables its statements name;
    // run here first, a bad one is reported at its place in the file before any session opens.
    for (const stmt of script.sessionSetup) {
      try {
        await client.query(extendedQuery(stmt.sql));
      } catch (err) {
        throw locatedSqlError(file, stmt, err);
      }
    }
    const pages = await tablePages(client, script.steps.flatMap((s) => (s.table ? [s.table] : [])));
    const plan = planScript(script, { server, tablePages: pages, machine: serverMachine(connection) }, scriptChoices(opts.choices));
    planned = true;
    return {
      plan,
      connection,
      sessionSetup: script.sessionSetup.map((stmt) => stmt.sql),
      locate: (stepId, position) => locateStep(script, stepId, position),
      runLock,
    };
  } finally {
    await client.end().catch(() => undefined);
    if (!planned) await runLock?.release();
  }
}

/** A statement of the file that failed: where it is (the server's error position within it, if any), then the SQL with a caret. */
function locatedSqlError(file: string, stmt: SqlStatement, cause: unknown): PgindexError {
  const error = new SqlError(stmt.sql, cause);
  const at = positionInFile(stmt, error.position);
  return new PgindexError(`${file}:${at.line}:${at.col}: ${error.describe()}`, 'sql');
}
