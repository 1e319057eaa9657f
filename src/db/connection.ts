/**
 * Which database to connect to, and how, as psql users expect. The connection string is the --db
 * flag's (a URL or key=value string), else DATABASE_URL, else the plan's `connection`, else none.
 * psql's flags (-h, -p, -U, -d with a bare database name, the password -W asked for) override what
 * that string says; what both leave out comes from the service (`service=` in the string, else
 * PGSERVICE; src/db/service.ts), then from libpq's PG* environment variables, then libpq's defaults.
 * pgindex resolves every setting itself (from the environment it is given) and hands pg a complete
 * configuration, so pg neither reads process.env, ~/.pgpass nor an sslmode on its own.
 * A password is never part of anything this module returns for display.
 */
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ConnectionError } from '../errors.js';
import { interpolateConnection } from '../planfile/interpolate.js';
import type { PlanConnection } from '../planfile/types.js';
import { isConnectionString, isPort, parseConninfo, type Conninfo, type Keyword } from './conninfo.js';
import { passwordFromFile } from './pgpass.js';
import { readService } from './service.js';
import { isSslMode, SSL_MODES, sslChoice, type SslMode } from './ssl.js';

export { parseKeywordConninfo, parseUrlConninfo } from './conninfo.js';

export type ConnectionSource = '--db' | 'DATABASE_URL' | 'plan connection' | 'PG* environment';

/**
 * psql's connection flags: -h, -p, -U, -d with a bare database name, and the password -W prompted
 * for. Explicit settings: they override the connection string (where psql would let a string given
 * to -d override -h, -p and -U, pgindex lets the flag typed for one setting win, whatever string
 * DATABASE_URL or the plan holds).
 */
export interface ConnectionFlags {
  host?: string | undefined;
  port?: string | undefined;
  user?: string | undefined;
  dbname?: string | undefined;
  password?: string | undefined;
}

/** The flag that sets each keyword, for messages. */
const FLAG_NAMES: Record<keyof ConnectionFlags, string> = {
  host: '-h (--host)',
  port: '-p (--port)',
  user: '-U (--username)',
  dbname: '-d (--dbname)',
  password: '-W (--password)',
};

export interface ConnectionTarget {
  source: ConnectionSource;
  /** A URL or a libpq keyword=value string; undefined means libpq's environment variables alone. */
  conninfo?: string;
  /** psql's flags, which override the string's settings. */
  flags?: ConnectionFlags;
  /** Where PG* variables are read from. */
  env: NodeJS.ProcessEnv;
}

/**
 * The first connection string given wins; the plan's `connection` has its `${VAR}`s replaced only when
 * it is the one used (an unset one is then an InputError at its place in the plan). A `flag` that is
 * not a connection string is a database name, as psql's -d takes it: a flag like -h, and the string
 * comes from further down the list.
 */
export function chooseConnection(opts: {
  flag?: string | undefined;
  flags?: ConnectionFlags | undefined;
  env: NodeJS.ProcessEnv;
  plan?: PlanConnection | undefined;
}): ConnectionTarget {
  const { env } = opts;
  const flags: ConnectionFlags = {};
  for (const [k, v] of Object.entries(opts.flags ?? {}) as [keyof ConnectionFlags, string | undefined][]) if (v !== undefined) flags[k] = v;
  let dbString = opts.flag;
  if (dbString && !isConnectionString(dbString)) {
    flags.dbname = dbString;
    dbString = undefined;
  }
  const withFlags = Object.keys(flags).length > 0 ? { flags } : {};
  if (dbString) return { source: '--db', conninfo: dbString, ...withFlags, env };
  if (env.DATABASE_URL) return { source: 'DATABASE_URL', conninfo: env.DATABASE_URL, ...withFlags, env };
  if (opts.plan) return { source: 'plan connection', conninfo: interpolateConnection(opts.plan, env), ...withFlags, env };
  return { source: 'PG* environment', ...withFlags, env };
}

/** Where a target's settings come from, for "connected to … (from …)": the string's source and the flags given. */
export function describeSource(target: ConnectionTarget): string {
  const given = (Object.keys(FLAG_NAMES) as (keyof ConnectionFlags)[]).filter((k) => nonEmpty(target.flags?.[k]) !== undefined);
  const flags = given.map((k) => FLAG_NAMES[k].split(' ')[0]).join(', ');
  if (flags === '') return target.source;
  return target.source === 'PG* environment' ? `${flags} and the PG* environment` : `${target.source} with ${flags}`;
}

/** libpq's environment variable for each keyword. */
const ENV: Record<Keyword, string> = {
  host: 'PGHOST',
  hostaddr: 'PGHOSTADDR',
  port: 'PGPORT',
  user: 'PGUSER',
  password: 'PGPASSWORD',
  passfile: 'PGPASSFILE',
  dbname: 'PGDATABASE',
  application_name: 'PGAPPNAME',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  options: 'PGOPTIONS',
  service: 'PGSERVICE',
};

/** pg settings plus what connect() needs to act as libpq does. */
export interface ConnectionConfig extends pg.ClientConfig {
  /** libpq's sslmode in effect: connect() tries the other way for `prefer` and `allow`. */
  sslmode?: SslMode;
  /** The password file to look in when the server asks for a password and none was given. */
  passfile?: string;
}

/**
 * A complete pg configuration for a target. Each setting is the first of: a flag, the connection
 * string, the service, the PG* variable, libpq's default.
 */
export function clientConfig(target: ConnectionTarget, applicationName?: string): ConnectionConfig {
  const given = readTarget(target);
  const env = target.env;
  const home = nonEmpty(env.HOME) ?? homedir();
  const serviceName = nonEmpty(given.service) ?? nonEmpty(env.PGSERVICE);
  const service = serviceName === undefined ? undefined : readService(serviceName, env, home);
  const flag = (k: Keyword): string | undefined => (k in FLAG_NAMES ? nonEmpty(target.flags?.[k as keyof ConnectionFlags]) : undefined);
  const origin = (k: Keyword): string => {
    if (flag(k) !== undefined) return FLAG_NAMES[k as keyof ConnectionFlags];
    if (nonEmpty(given[k]) !== undefined) return `${k} (from ${target.source})`;
    if (service && nonEmpty(service.values[k]) !== undefined) return `${k} (from service "${service.name}" in ${service.file})`;
    return ENV[k];
  };
  const get = (k: Keyword): string | undefined => flag(k) ?? nonEmpty(given[k]) ?? nonEmpty(service?.values[k]) ?? nonEmpty(env[ENV[k]]);

  // -h names the host, and would lose to a hostaddr from further down the list: libpq keeps both
  // (hostaddr to connect, host for the certificate and the password file); pgindex connects to one.
  const hostaddr = flag('host') !== undefined ? undefined : get('hostaddr');
  const host = hostaddr ?? get('host') ?? 'localhost';
  if (host.includes(',')) throw new ConnectionError(`${origin(hostaddr ? 'hostaddr' : 'host')}: several hosts are not supported; name one`);
  const portText = get('port') ?? '5432';
  if (!isPort(portText)) throw new ConnectionError(`${origin('port')} must be a port number from 1 to 65535`);
  const user = get('user') ?? osUser(env);
  const sslmodeText = get('sslmode') ?? 'prefer';
  if (!isSslMode(sslmodeText)) {
    throw new ConnectionError(`${origin('sslmode')} must be one of ${SSL_MODES.join(', ')}, not "${sslmodeText}"`);
  }
  const { ssl, mode } = sslChoice({ mode: sslmodeText, rootcert: get('sslrootcert'), home, unixSocket: host.startsWith('/') });

  const config: ConnectionConfig = {
    host,
    port: Number(portText),
    user,
    database: get('dbname') ?? user,
    ssl,
    sslmode: mode,
    connectionTimeoutMillis: connectTimeoutMs(get('connect_timeout'), origin('connect_timeout')),
    // Given (options= or PGOPTIONS) it goes in the startup packet as libpq sends it. Not given, a lone
    // space, which the server reads as no options: pg would otherwise read process.env.PGOPTIONS.
    options: get('options') ?? ' ',
  };
  const password = get('password');
  if (password !== undefined) config.password = password;
  else config.passfile = get('passfile') ?? join(home, '.pgpass');
  const appName = get('application_name') ?? applicationName;
  if (appName !== undefined) config.application_name = appName;
  return config;
}

function readTarget(target: ConnectionTarget): Conninfo {
  if (target.conninfo === undefined) return {};
  try {
    return parseConninfo(target.conninfo);
  } catch (err) {
    if (err instanceof ConnectionError) throw new ConnectionError(`${target.source}: ${err.message}`);
    throw err;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function osUser(env: NodeJS.ProcessEnv): string {
  try {
    return userInfo().username;
  } catch {
    return env.USER ?? env.USERNAME ?? 'postgres';
  }
}

/** Node's timers hold at most 2^31-1 ms (24.8 days): a longer one fires at once, with a TimeoutOverflowWarning. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * libpq: whole seconds; zero or negative waits forever, and 1 counts as 2. libpq takes any int, so a
 * timeout beyond what a Node timer holds is clamped to that (in effect: waits forever).
 */
function connectTimeoutMs(text: string | undefined, origin: string): number {
  if (text === undefined) return 0;
  if (!/^\s*[-+]?\d+\s*$/.test(text)) throw new ConnectionError(`${origin} must be a whole number of seconds`);
  const seconds = Number(text);
  if (seconds <= 0) return 0;
  return Math.min(Math.max(seconds, 2) * 1000, MAX_TIMER_MS);
}

/** `user@host:port/db` for messages: never the password. */
export function describeTarget(config: pg.ClientConfig): string {
  const p = (config.connectionString ? new pg.Client(config) : config) as { user?: string; host?: string; port?: number; database?: string };
  const host = p.host?.startsWith('/') ? `socket ${p.host}` : p.host;
  return `${p.user ?? '?'}@${host ?? '?'}:${p.port ?? '?'}/${p.database ?? '?'}`;
}

/** Removes passwords from URLs and keyword strings inside any text. */
export function redact(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
}

/** host:port of servers that answered "no SSL" to a `prefer` connection: later ones go plain at once. */
const withoutSsl = new Set<string>();

const NO_SSL_MESSAGE = 'The server does not support SSL connections';

/**
 * Connects, turning failures into a ConnectionError that names the target (without password).
 * sslmode prefer falls back to a plain connection when the server has no SSL; allow tries SSL when the
 * server refuses a plain connection.
 */
export async function connect(config: pg.ClientConfig): Promise<pg.Client> {
  const c = config as ConnectionConfig;
  const server = `${c.host}:${c.port}`;
  const preferPlain = c.sslmode === 'prefer' && withoutSsl.has(server);
  const first = await attempt(c, preferPlain ? false : c.ssl);
  if (first.client) return first.client;
  let failure = first.failure;
  if (c.sslmode === 'prefer' && !preferPlain && failure.noSsl) {
    withoutSsl.add(server);
    const second = await attempt(c, false);
    if (second.client) return second.client;
    failure = second.failure;
  } else if (c.sslmode === 'allow' && failure.code?.startsWith('28')) {
    const second = await attempt(c, { rejectUnauthorized: false });
    if (second.client) return second.client;
    failure = second.failure;
  }
  throw new ConnectionError(`cannot connect to ${describeTarget(config)}: ${explain(c, failure)}`);
}

interface Failure {
  message: string;
  code?: string | undefined;
  noSsl: boolean;
  /** The server asked for a password, none was given and the password file had none. */
  noPassword: boolean;
  passfile?: string | undefined;
  passfileNote?: string | undefined;
}

type Attempt = { client: pg.Client; failure?: undefined } | { client?: undefined; failure: Failure };

async function attempt(c: ConnectionConfig, ssl: pg.ClientConfig['ssl']): Promise<Attempt> {
  const { sslmode: _sslmode, passfile, ...settings } = c;
  const asked: { noPassword: boolean; note?: string | undefined } = { noPassword: false };
  const pgConfig: pg.ClientConfig = { ...settings, ssl };
  // A function, even when there is no file: pg then reads neither PGPASSWORD nor ~/.pgpass itself.
  if (!c.connectionString && (settings.password === undefined || settings.password === null || settings.password === '')) {
    pgConfig.password = (async () => {
      const found = passfile
        ? await passwordFromFile(passfile, { host: c.host ?? '', port: c.port ?? 5432, database: c.database ?? '', user: c.user ?? '' })
        : {};
      asked.note = found.note;
      asked.noPassword = found.password === undefined;
      return found.password;
    }) as () => Promise<string>;
  }
  const client = new pg.Client(pgConfig);
  // An idle client whose server goes away emits 'error'; without a listener that would crash the
  // process. Attached before connecting: a session terminated while it starts emits it too.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    const e = err as { message?: string; code?: string };
    const message = e.message ?? String(err);
    return {
      failure: {
        message,
        code: typeof e.code === 'string' ? e.code : undefined,
        noSsl: message === NO_SSL_MESSAGE,
        noPassword: asked.noPassword,
        passfile,
        passfileNote: asked.note,
      },
    };
  }
  return { client };
}

function explain(c: ConnectionConfig, f: Failure): string {
  const note = f.passfileNote ? ` (${f.passfileNote})` : '';
  if (f.noPassword) {
    return (
      'the server asks for a password and none was given: put it in the connection string, in PGPASSWORD or in the ' +
      `password file${f.passfile ? ` ${f.passfile}` : ''}${note}`
    );
  }
  if (f.noSsl) return `the server does not support SSL connections, and sslmode is ${c.sslmode ?? 'require'} (sslmode prefer or disable connects without SSL)`;
  if (/timeout expired|connection timeout/i.test(f.message)) {
    return `no answer within ${Math.round((c.connectionTimeoutMillis ?? 0) / 1000)}s (connect_timeout)`;
  }
  return redact(f.message) + note;
}
