/**
 * psql's connection flags, the same on every command that connects (all but validate): their entries
 * for parseArgs, their help lines, and what they become for the library (the connection string of
 * -d, the settings -h, -p, -U and -W give). Where they sit among DATABASE_URL, the plan's
 * `connection`, the service and the PG* variables is decided in src/db/connection.ts.
 */
import type { ParseArgsConfig } from 'node:util';
import type { ConnectionFlags } from '../db/connection.js';
import type { CliIO, ParsedArgs } from './command.js';
import { EXIT } from './command.js';
import { HELP_WIDTH, usageError, wrapWords } from './args.js';
import { canPrompt, readPassword } from './password.js';

/** Spread into a command's options. -h is the host here, as in psql: help is -? or --help. */
export const CONNECTION_OPTIONS = {
  host: { type: 'string', short: 'h' },
  port: { type: 'string', short: 'p' },
  username: { type: 'string', short: 'U' },
  dbname: { type: 'string', short: 'd' },
  // The name pgindex had before it took psql's: kept, so that scripts written for it still work.
  db: { type: 'string' },
  password: { type: 'boolean', short: 'W' },
  'no-password': { type: 'boolean', short: 'w' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/**
 * The help lines of the connection options, for every command that connects; `strings` names the
 * connection strings the command would otherwise use.
 */
export function connectionHelp(strings: string): string {
  const intro = `Connection options, as psql's. Each overrides that one setting of the connection string (-d's, else ${strings}), of the service (PGSERVICE) and of the PG* variables:`;
  return `${wrapWords(intro, HELP_WIDTH).join('\n')}
  -h, --host HOST      server host name or Unix socket directory
  -p, --port PORT      server port
  -U, --username USER  user name
  -d, --dbname DB      a database name, or a postgres:// URL or key=value
                       connection string (also --db)
  -W, --password       ask for the password on the terminal first
  -w, --no-password    never ask (pgindex only asks with -W)`;
}

/** What the flags give the library: preparePlan's and prepareScript's dbFlag and connectionFlags. */
export interface ConnectionChoice {
  dbFlag: string | undefined;
  connectionFlags: ConnectionFlags;
}

/**
 * The connection flags read, and the password asked for when -W says so; or the exit code, once the
 * reason is written. Called last among a command's checks: nobody types a password to hear then that
 * -j was wrong.
 */
export async function readConnectionFlags(values: ParsedArgs['values'], io: CliIO, command: string): Promise<ConnectionChoice | number> {
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  if (text('dbname') !== undefined && text('db') !== undefined) return usageError(io, command, '-d (--dbname) and --db are one option: give it once');
  if (values.password === true && values['no-password'] === true) return usageError(io, command, '-W (--password) and -w (--no-password) exclude each other');
  const connectionFlags: ConnectionFlags = { host: text('host'), port: text('port'), user: text('username') };
  for (const [flag, value] of [
    ['-h (--host)', connectionFlags.host],
    ['-p (--port)', connectionFlags.port],
    ['-U (--username)', connectionFlags.user],
    ['-d (--dbname)', text('dbname') ?? text('db')],
  ] as const) {
    if (value === '') return usageError(io, command, `${flag} needs a value that is not empty`);
  }
  if (values.password === true) {
    if (!canPrompt(io)) {
      return usageError(
        io,
        command,
        '-W cannot ask for the password: standard input is not a terminal (give it in PGPASSWORD, the password file or the connection string)',
      );
    }
    const password = await readPassword(io, connectionFlags.user ? `Password for user ${connectionFlags.user}: ` : 'Password: ');
    if (password === null) return EXIT.interrupted;
    connectionFlags.password = password;
  }
  return { dbFlag: text('dbname') ?? text('db'), connectionFlags };
}
