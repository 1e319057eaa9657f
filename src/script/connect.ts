/**
 * prepareScript's connection, started ahead: `pgindex run` starts it once the file has been read,
 * so that the planner's connection and the run lock's (a backend forked and an authentication
 * exchange each, slow on a busy server) open while it loads its planner and runner and parses the
 * file. Nothing is sent on them but the run lock's query until the whole file has been parsed
 * without error. A caller that does not go on to prepareScript closes them (abandon).
 */
import type pg from 'pg';
import { chooseConnection, clientConfig, type ConnectionConfig, type ConnectionFlags } from '../db/connection.js';
import { connectForRun, type AcquireOptions, type RunLock } from '../db/run-lock.js';

export interface ScriptConnectionOptions {
  /** The --db flag, if given; else DATABASE_URL, else libpq's PG* variables. */
  dbFlag?: string | undefined;
  /** psql's -h, -p, -U (and -W's password), as PrepareOptions.connectionFlags. */
  connectionFlags?: ConnectionFlags | undefined;
  env: NodeJS.ProcessEnv;
  /** application_name of the planning session. */
  applicationName?: string;
  /** Take the database's run lock as well (see PrepareOptions.runLock). */
  runLock?: AcquireOptions;
}

export interface ScriptConnection {
  /** How to reach the database (the run's sessions connect the same way). */
  connection: ConnectionConfig;
  /** The planner's connection and the run lock, once both are open; rejected if either fails (neither is then left open). */
  connecting: Promise<{ client: pg.Client; runLock: RunLock | null }>;
}

/** Starts connecting; a connection string that cannot be read throws here, before anything opens. */
export function startScriptConnection(opts: ScriptConnectionOptions): ScriptConnection {
  const connection = clientConfig(chooseConnection({ flag: opts.dbFlag, flags: opts.connectionFlags, env: opts.env }), opts.applicationName ?? 'pgindex run');
  performance.mark('pgindex:connecting');
  const connecting = connectForRun(connection, opts.runLock);
  // Awaited only once the file is read and parsed: a failed connection must not leave its rejection unhandled.
  connecting.catch(() => undefined);
  return { connection, connecting };
}

/** Closes what `started` opened, once it is open (or has failed), without waiting for it. */
export function abandon(started: ScriptConnection | Promise<ScriptConnection>): void {
  void Promise.resolve(started).then(
    ({ connecting }) => connecting.then(({ client, runLock }) => Promise.all([client.end().catch(() => undefined), runLock?.release()])),
    () => undefined,
  ).catch(() => undefined);
}
