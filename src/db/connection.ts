/**
 * Which database to connect to, in the order psql users expect: the --db flag, DATABASE_URL, the
 * plan's `connection`, then libpq's PG* environment variables (which pg reads itself, with ~/.pgpass).
 * A password is never part of anything this module returns for display.
 */
import pg from 'pg';
import { ConnectionError } from '../errors.js';

export type ConnectionSource = '--db' | 'DATABASE_URL' | 'plan connection' | 'PG* environment';

export interface ConnectionTarget {
  source: ConnectionSource;
  /** A URL or a libpq keyword=value string; undefined means libpq's environment variables alone. */
  conninfo?: string;
}

export function chooseConnection(opts: { flag?: string; env: NodeJS.ProcessEnv; plan?: string }): ConnectionTarget {
  if (opts.flag) return { source: '--db', conninfo: opts.flag };
  if (opts.env.DATABASE_URL) return { source: 'DATABASE_URL', conninfo: opts.env.DATABASE_URL };
  if (opts.plan) return { source: 'plan connection', conninfo: opts.plan };
  return { source: 'PG* environment' };
}

const KEYWORDS: Record<string, keyof pg.ClientConfig | 'sslmode'> = {
  host: 'host',
  hostaddr: 'host',
  port: 'port',
  user: 'user',
  password: 'password',
  dbname: 'database',
  application_name: 'application_name',
  connect_timeout: 'connectionTimeoutMillis',
  sslmode: 'sslmode',
};

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/**
 * Parses libpq's `key=value key = 'quoted \'value\''` form. An error gives the (1-based) character
 * position and, when it is one pgindex knows, the keyword being read: never text of the string itself,
 * which could be part of a password (`password=sec ret` must not print "ret").
 */
export function parseKeywordConninfo(conninfo: string): Record<string, string> {
  const out: Record<string, string> = {};
  const fail = (at: number, message: string) => new ConnectionError(`cannot read connection string at character ${at + 1}: ${message}`);
  let i = 0;
  let previous: string | null = null;
  for (;;) {
    while (isSpace(conninfo[i])) i++;
    if (i >= conninfo.length) return out;
    const keyStart = i;
    while (i < conninfo.length && /[A-Za-z0-9_]/.test(conninfo[i] as string)) i++;
    const key = conninfo.slice(keyStart, i);
    const after = previous ? ` (after the value of ${previous})` : '';
    if (key === '' || !/^[A-Za-z_]/.test(key)) throw fail(keyStart, `expected a keyword${after}`);
    if (!Object.hasOwn(KEYWORDS, key)) {
      throw fail(keyStart, `unsupported keyword${after}; pgindex reads ${Object.keys(KEYWORDS).join(', ')}`);
    }
    while (isSpace(conninfo[i])) i++;
    if (conninfo[i] !== '=') throw fail(i, `expected "=" after ${key}`);
    i++;
    while (isSpace(conninfo[i])) i++;
    let value = '';
    if (conninfo[i] === "'") {
      const open = i++;
      for (;;) {
        if (i >= conninfo.length) throw fail(open, `unterminated quoted value of ${key}`);
        const c = conninfo[i] as string;
        if (c === "'") break;
        if (c === '\\' && i + 1 < conninfo.length) i++;
        value += conninfo[i];
        i++;
      }
      i++;
      if (i < conninfo.length && !isSpace(conninfo[i])) throw fail(i, `expected a space after the quoted value of ${key}`);
    } else {
      while (i < conninfo.length && !isSpace(conninfo[i])) {
        if (conninfo[i] === '\\' && i + 1 < conninfo.length) i++;
        value += conninfo[i];
        i++;
      }
    }
    out[key] = value;
    previous = key;
  }
}

function isUrl(conninfo: string): boolean {
  return /^postgres(ql)?:\/\//i.test(conninfo);
}

/** pg client settings for a target; PG* variables fill whatever the target leaves out. */
export function clientConfig(target: ConnectionTarget, applicationName?: string): pg.ClientConfig {
  const config: pg.ClientConfig = {};
  if (target.conninfo && isUrl(target.conninfo)) {
    config.connectionString = target.conninfo;
  } else if (target.conninfo) {
    const kv = parseKeywordConninfo(target.conninfo);
    for (const [k, v] of Object.entries(kv)) {
      const field = KEYWORDS[k] as (typeof KEYWORDS)[string];
      if (field === 'sslmode') {
        if (v !== 'disable') config.ssl = v === 'require' || v === 'prefer' || v === 'allow' ? { rejectUnauthorized: false } : true;
      } else if (field === 'port') config.port = Number(v);
      else if (field === 'connectionTimeoutMillis') config.connectionTimeoutMillis = Number(v) * 1000;
      else (config as Record<string, unknown>)[field] = v;
    }
  }
  if (applicationName) config.application_name = applicationName;
  return config;
}

/** `user@host:port/db` for messages: never the password. */
export function describeTarget(config: pg.ClientConfig): string {
  const p = new pg.Client(config) as unknown as { user?: string; host?: string; port?: number; database?: string };
  const host = p.host?.startsWith('/') ? `socket ${p.host}` : p.host;
  return `${p.user ?? '?'}@${host ?? '?'}:${p.port ?? '?'}/${p.database ?? '?'}`;
}

/** Removes passwords from URLs and keyword strings inside any text. */
export function redact(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
}

/** Connects, turning failures into a ConnectionError that names the target (without password). */
export async function connect(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client(config);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    throw new ConnectionError(`cannot connect to ${describeTarget(config)}: ${redact(message)}`);
  }
  // An idle client whose server goes away emits 'error'; without a listener that would crash the process.
  client.on('error', () => undefined);
  return client;
}
