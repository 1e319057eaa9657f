/**
 * libpq's sslmode, turned into pg's `ssl` option. pg's own reading differs (it verifies certificates
 * under `require` and cannot fall back to a plain connection under `prefer`), so pgindex sets `ssl`
 * itself and never lets pg see an sslmode.
 *
 *   disable      no SSL
 *   allow        plain first; SSL when the server refuses a plain connection (see connect)
 *   prefer       SSL first; plain when the server does not support SSL (libpq's default)
 *   require      SSL, certificate not verified (verified as in verify-ca when a root certificate is there)
 *   verify-ca    SSL, certificate signed by the root certificate
 *   verify-full  SSL, certificate signed by the root certificate and naming the host
 *
 * The root certificate is sslrootcert (or PGSSLROOTCERT), else ~/.postgresql/root.crt; `system` means
 * the system's trusted roots. SSL is never used over a Unix socket, as in libpq.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { ConnectionError } from '../errors.js';

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

export function isSslMode(text: string): text is SslMode {
  return (SSL_MODES as readonly string[]).includes(text);
}

export interface SslChoice {
  /** pg's `ssl` for the first attempt. */
  ssl: false | ConnectionOptions;
  /** The mode in effect: `prefer` and `allow` tell connect() to try the other way when the first fails. */
  mode: SslMode;
}

const NO_VERIFY: ConnectionOptions = { rejectUnauthorized: false };

export function sslChoice(opts: { mode: SslMode; rootcert?: string | undefined; home: string | undefined; unixSocket: boolean }): SslChoice {
  const { mode } = opts;
  if (opts.unixSocket || mode === 'disable') return { ssl: false, mode: 'disable' };
  if (mode === 'allow') return { ssl: false, mode };
  if (mode === 'prefer') return { ssl: { ...NO_VERIFY }, mode };

  const explicit = opts.rootcert !== undefined && opts.rootcert !== '';
  const path = explicit ? (opts.rootcert as string) : opts.home ? join(opts.home, '.postgresql', 'root.crt') : undefined;
  let ca: string | undefined;
  if (path === 'system') {
    ca = undefined;
  } else if (path !== undefined && (explicit || existsSync(path))) {
    try {
      ca = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
      throw new ConnectionError(`cannot read the root certificate ${path} (sslrootcert): ${reason}`);
    }
  }
  const haveRoot = ca !== undefined || path === 'system';
  if (mode === 'require' && !haveRoot) return { ssl: { ...NO_VERIFY }, mode };
  if (!haveRoot) {
    throw new ConnectionError(
      `sslmode ${mode} needs a root certificate to check the server's against: ${path ?? '~/.postgresql/root.crt'} does not exist; ` +
        'give sslrootcert=FILE (or PGSSLROOTCERT), or sslrootcert=system for the system\'s trusted roots',
    );
  }
  const ssl: ConnectionOptions = { rejectUnauthorized: true, ...(ca !== undefined ? { ca } : {}) };
  // verify-ca (and require with a root certificate) checks the signature, not the host name.
  if (mode !== 'verify-full') ssl.checkServerIdentity = () => undefined;
  return { ssl, mode };
}
