/**
 * Connection services (`service=NAME` or PGSERVICE), read from pg_service.conf as libpq reads it, so
 * that a DBA's `PGSERVICE=prod pgindex plan …` reaches the server psql reaches.
 *
 * The files, as libpq looks in them: PGSERVICEFILE, else ~/.pg_service.conf; when the service is not
 * there (or the file does not exist), PGSYSCONFDIR/pg_service.conf, else the system file, which for
 * Debian's libpq is /etc/postgresql-common/pg_service.conf. The first file that has the service wins.
 * In a file: `[name]` starts a service, `keyword=value` lines follow (no spaces around `=`; the value
 * runs to the end of the line), `#` starts a comment line. Within the service the first value of a
 * keyword wins, and the lines of other services are not read at all.
 *
 * A service's values are defaults: whatever the connection string or the flags say overrides them,
 * and they override the PG* variables. Errors name the file and line, never a value (it could be a
 * password).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectionError } from '../errors.js';
import { isKeyword, KEYWORDS, type Conninfo } from './conninfo.js';

/** Where Debian's libpq (and so Debian's psql) looks when PGSYSCONFDIR is not set. */
export const DEFAULT_SYSCONFDIR = '/etc/postgresql-common';

export interface Service {
  name: string;
  /** The file the service was found in. */
  file: string;
  values: Conninfo;
}

/** The files to look in, in libpq's order: the user's (if any), then the system's. */
export function serviceFiles(env: NodeJS.ProcessEnv, home: string | undefined): string[] {
  const user = nonEmpty(env.PGSERVICEFILE) ?? (home ? join(home, '.pg_service.conf') : undefined);
  const system = join(nonEmpty(env.PGSYSCONFDIR) ?? DEFAULT_SYSCONFDIR, 'pg_service.conf');
  return user === undefined ? [system] : [user, system];
}

/** The service's values from the first file that defines it; an unknown service is an error naming every file looked in. */
export function readService(name: string, env: NodeJS.ProcessEnv, home: string | undefined): Service {
  const looked: string[] = [];
  for (const file of serviceFiles(env, home)) {
    const text = readServiceFile(file);
    if (text === null) {
      looked.push(`${file} (does not exist)`);
      continue;
    }
    const values = parseServiceFile(text, name, file);
    if (values !== null) return { name, file, values };
    looked.push(file);
  }
  throw new ConnectionError(
    `definition of service "${name}" not found; looked in ${looked.join(', ')} ` +
      '(PGSERVICEFILE names the user file, PGSYSCONFDIR the directory of the system one)',
  );
}

/** The file's text, or null when there is no such file (libpq then goes on to the next one). */
function readServiceFile(file: string): string | null {
  try {
    if (!statSync(file).isFile()) throw new ConnectionError(`service file ${file} is not a plain file`);
  } catch (err) {
    if (err instanceof ConnectionError) throw err;
    return null;
  }
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConnectionError(`cannot read service file ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * The keywords of service `name` in a pg_service.conf text, or null when it has no such service. Pure.
 * Only the lines of that service are checked, as libpq checks them.
 */
export function parseServiceFile(text: string, name: string, file: string): Conninfo | null {
  let found = false;
  const out: Conninfo = {};
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const at = `service file ${file}, line ${n + 1}`;
    if (line.startsWith('[')) {
      if (found) break;
      found = line.startsWith(`[${name}]`);
      continue;
    }
    if (!found) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new ConnectionError(`syntax error in ${at}: expected keyword=value`);
    const key = line.slice(0, eq);
    if (key === 'service') throw new ConnectionError(`nested service specifications are not supported (${at})`);
    if (!isKeyword(key)) {
      throw new ConnectionError(`unsupported keyword "${key}" in ${at} (no spaces around "="); pgindex reads ${KEYWORDS.filter((k) => k !== 'service').join(', ')}`);
    }
    // The first value wins: libpq only fills a keyword that has none yet.
    if (out[key] === undefined) out[key] = line.slice(eq + 1);
  }
  return found ? out : null;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
