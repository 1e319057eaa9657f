/**
 * The password file (~/.pgpass or PGPASSFILE), read as libpq reads it, so that pg does not: pg's own
 * reading prints a deprecation warning and will go away in pg 9.
 *
 * Lines are `host:port:database:user:password`; `*` alone matches anything in the first four fields,
 * `\:` and `\\` escape, lines starting with `#` are comments, and the first matching line wins. Like
 * libpq, a file that group or others may read is ignored.
 */
import { stat, readFile } from 'node:fs/promises';

export interface PgpassKey {
  host: string;
  port: number;
  database: string;
  user: string;
}

export interface PgpassResult {
  password?: string;
  /** Why the file was not used, when that is worth telling (it exists but is ignored). */
  note?: string;
}

/** Unix socket directories libpq treats as "localhost" in the password file. */
const DEFAULT_SOCKET_DIRS = ['/var/run/postgresql', '/run/postgresql', '/tmp'];

/** The password of the first line matching `key`, if any. Pure. */
export function matchPgpass(text: string, key: PgpassKey): string | undefined {
  const host = key.host === '' || DEFAULT_SOCKET_DIRS.includes(key.host.replace(/\/+$/, '')) ? 'localhost' : key.host;
  const wanted = [host, String(key.port), key.database, key.user];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    let rest: string | null = line;
    for (const value of wanted) {
      rest = matchField(rest, value);
      if (rest === null) break;
    }
    if (rest !== null) return unescapePassword(rest);
  }
  return undefined;
}

/** The rest of the line after a field equal to `value` (or `*`) and its `:`; null when it does not match. */
function matchField(line: string, value: string): string | null {
  if (line.startsWith('*:')) return line.slice(2);
  let i = 0;
  let j = 0;
  while (i < line.length) {
    let c = line[i] as string;
    let escaped = false;
    if (c === '\\' && i + 1 < line.length) {
      escaped = true;
      c = line[++i] as string;
    }
    if (c === ':' && !escaped) return j === value.length ? line.slice(i + 1) : null;
    if (c !== value[j]) return null;
    i++;
    j++;
  }
  return null;
}

/** The password runs to the next unescaped `:` or the end of the line. */
function unescapePassword(rest: string): string {
  let out = '';
  for (let i = 0; i < rest.length; i++) {
    let c = rest[i] as string;
    if (c === ':') break;
    if (c === '\\' && i + 1 < rest.length) c = rest[++i] as string;
    out += c;
  }
  return out;
}

/** Reads the file when it exists and only its owner may read it, and looks the key up. */
export async function passwordFromFile(path: string, key: PgpassKey): Promise<PgpassResult> {
  let mode: number;
  let isFile: boolean;
  try {
    const s = await stat(path);
    mode = s.mode;
    isFile = s.isFile();
  } catch {
    return {};
  }
  if (!isFile) return { note: `password file ${path} is not a plain file; it was not read` };
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    return { note: `password file ${path} has group or world access and was not read; permissions should be u=rw (0600) or less` };
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { note: `password file ${path} could not be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const password = matchPgpass(text, key);
  return password === undefined ? {} : { password };
}
