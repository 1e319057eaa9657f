/**
 * Reading a connection string as libpq does: a `postgres://` / `postgresql://` URL or a
 * `key=value key='quoted value'` string, into libpq keywords. Nothing else is guessed.
 *
 * An error gives a (1-based) character position and, when it is one pgindex knows, the keyword or
 * part being read: never text of the string itself, which could be part of a password (`password=sec
 * ret` must not print "ret"; a `/` in a URL password cuts it short, so its tail may look like a port).
 */
import { ConnectionError } from '../errors.js';

/** The libpq keywords pgindex reads, from a keyword string or a URL's query parameters. */
export const KEYWORDS = [
  'host',
  'hostaddr',
  'port',
  'user',
  'password',
  'passfile',
  'dbname',
  'application_name',
  'connect_timeout',
  'sslmode',
  'sslrootcert',
  // Sent as is in the startup packet, as libpq does: `-c search_path=app -c work_mem=64MB`.
  'options',
  // A section of pg_service.conf (src/db/service.ts) whose values fill what the string leaves out.
  'service',
] as const;

export type Keyword = (typeof KEYWORDS)[number];
export type Conninfo = Partial<Record<Keyword, string>>;

export function isKeyword(key: string): key is Keyword {
  return (KEYWORDS as readonly string[]).includes(key);
}

const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/**
 * Whether a -d value is a connection string, as libpq decides for psql's -d: a URL (any `scheme://`,
 * so that a wrong scheme is an error rather than a database name) or anything holding an `=`.
 * Anything else is a bare database name.
 */
export function isConnectionString(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) || value.includes('=');
}

/** A URL or a keyword string; the scheme of anything written `scheme://` must be postgres(ql). */
export function parseConninfo(conninfo: string): Conninfo {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(conninfo)?.[1];
  if (scheme === undefined) return parseKeywordConninfo(conninfo);
  if (!/^postgres(ql)?$/i.test(scheme)) {
    throw new ConnectionError(`unsupported URL scheme "${scheme}": a connection URL starts with postgres:// or postgresql://`);
  }
  return parseUrlConninfo(conninfo);
}

export function parseKeywordConninfo(conninfo: string): Conninfo {
  const out: Conninfo = {};
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
    if (!isKeyword(key)) throw fail(keyStart, `unsupported keyword${after}; pgindex reads ${KEYWORDS.join(', ')}`);
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

/**
 * `postgres://[user[:password]@][host][:port][/dbname][?keyword=value&...]`, percent-encoded, a host
 * in brackets for IPv6. Unlike libpq, the credentials end at the last `@` before the path, so a
 * password with an unencoded `@` (easy to get from `${VAR}`) still reads as intended.
 */
export function parseUrlConninfo(url: string): Conninfo {
  const fail = (at: number, message: string) => new ConnectionError(`cannot read connection URL at character ${at + 1}: ${message}`);
  const decode = (from: number, to: number, what: string): string => {
    try {
      return decodeURIComponent(url.slice(from, to));
    } catch {
      throw fail(from, `invalid percent-encoding in the ${what}`);
    }
  };
  const out: Conninfo = {};
  const start = url.indexOf('://') + 3;
  const pathAt = (() => {
    const slash = url.indexOf('/', start);
    const query = url.indexOf('?', start);
    const ends = [slash, query, url.length].filter((n) => n >= 0);
    return Math.min(...ends);
  })();
  const at = url.lastIndexOf('@', pathAt - 1);
  let i = start;
  if (at >= start) {
    const colon = url.indexOf(':', start);
    const userEnd = colon >= 0 && colon < at ? colon : at;
    if (userEnd > start) out.user = decode(start, userEnd, 'user name');
    if (userEnd < at) out.password = decode(userEnd + 1, at, 'password');
    i = at + 1;
  } else if (url.indexOf('@', pathAt) >= 0) {
    // Most likely a password holding "/" or "?": what follows would be read as host, port or database.
    throw fail(pathAt, 'an "@" after the host: a "/" or "?" in a user name or password must be percent-encoded (%2F, %3F)');
  }

  if (url[i] === '[') {
    const close = url.indexOf(']', i);
    if (close < 0 || close > pathAt) throw fail(i, 'an IPv6 host opened with "[" is not closed with "]"');
    out.host = url.slice(i + 1, close);
    i = close + 1;
  } else {
    let end = i;
    while (end < pathAt && url[end] !== ':') end++;
    if (end > i) out.host = decode(i, end, 'host');
    i = end;
  }
  if (out.host?.includes(',') || url.slice(i, pathAt).includes(',')) throw fail(i, 'several hosts are not supported; name one');
  if (url[i] === ':') {
    const port = url.slice(i + 1, pathAt);
    if (!isPort(port)) throw fail(i + 1, 'the port must be a number from 1 to 65535');
    out.port = port;
    i = pathAt;
  } else if (i < pathAt) {
    throw fail(i, 'expected ":port", "/database" or "?" after the host');
  }

  if (url[i] === '/') {
    const end = url.indexOf('?', i) >= 0 ? url.indexOf('?', i) : url.length;
    if (end > i + 1) out.dbname = decode(i + 1, end, 'database name');
    i = end;
  }
  if (url[i] === '?') {
    let p = i + 1;
    while (p < url.length) {
      const amp = url.indexOf('&', p) >= 0 ? url.indexOf('&', p) : url.length;
      const eq = url.indexOf('=', p);
      if (eq < 0 || eq > amp) throw fail(p, 'expected keyword=value in the query parameters');
      const key = decode(p, eq, 'query parameters');
      if (!isKeyword(key)) throw fail(p, `unsupported query parameter; pgindex reads ${KEYWORDS.join(', ')}`);
      out[key] = decode(eq + 1, amp, `value of ${key}`);
      p = amp + 1;
    }
  }
  return out;
}

export function isPort(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}
