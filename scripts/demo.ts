/**
 * `npm run demo`: pgindex on a throwaway PostgreSQL 18, with nothing installed but Node and npm.
 *
 * It starts an embedded server, builds the sample shop database (scripts/sample-data.ts), then runs
 * the real CLI, as a user would, on examples/demo.yaml: the explained plan, the SQL, `apply` with live
 * progress, and a second `plan` that finds nothing to do. The server is always stopped and its
 * directory removed, on success, on error and on Ctrl-C.
 *
 *   node dist/scripts/demo.js [--scale N]      (PGINDEX_DEMO_PG_BIN=DIR uses other PostgreSQL binaries)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startServer, type TestServer } from '../test/support/server.js';
import { withDatabase } from '../test/support/db.js';
import { CLI_PATH } from '../test/support/cli.js';
import { redact } from '../src/index.js';
import { createSampleData } from './sample-data.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = CLI_PATH;
const PLAN = 'examples/demo.yaml';
const DATABASE = 'pgindex_demo';

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);

function say(text: string): void {
  process.stdout.write(text + '\n');
}

function heading(text: string): void {
  say('\n' + bold(`== ${text}`));
}

/**
 * A failure whose message is all the user needs (the server would not start, a bad option): printed
 * without a stack trace, which would only point into this script.
 */
class Plain extends Error {}

let starting: Promise<TestServer> | undefined;
let child: ChildProcess | undefined;
let interrupted = false;

/** Runs the pgindex CLI in the foreground, sharing this terminal so its progress display is live. */
function pgindex(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  say(dim(`$ pgindex ${args.join(' ')}`));
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      child = undefined;
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}

let stopping: Promise<void> | undefined;

/** Stops the server and removes its directory; every exit path awaits this same promise. */
function stopServer(): Promise<void> {
  // Also a server still starting when the signal came: it is stopped as soon as it is up.
  stopping ??= (async () => {
    await starting?.then((s) => s.stop()).catch(() => undefined);
  })();
  return stopping;
}

/**
 * Ctrl-C in a terminal reaches pgindex too (it is in our process group): let it cancel its builds and
 * print its summary, then stop the server. Passing it on as well would count as a second Ctrl-C, so a
 * SIGINT is passed on only when there is no terminal (then it was sent to this process alone), and a
 * SIGTERM always. A second signal stops everything at once.
 */
function onSignal(signal: NodeJS.Signals): void {
  if (interrupted) {
    child?.kill('SIGKILL');
    void stopServer().finally(() => process.exit(130));
    return;
  }
  interrupted = true;
  process.stderr.write(`\ndemo: ${signal}: stopping (again to force)\n`);
  if (!child) void stopServer().finally(() => process.exit(130));
  else if (signal === 'SIGTERM' || !process.stdin.isTTY) child.kill(signal);
}

async function run(scale: number): Promise<number> {
  const started = Date.now();
  heading('Starting a throwaway PostgreSQL server');
  starting = startServer({
    binDir: process.env.PGINDEX_DEMO_PG_BIN || undefined,
    // Sized for this machine, so that pgindex's CPU budget (from max_parallel_workers) is its cores.
    settings: {
      shared_buffers: '256MB',
      max_wal_size: '2GB',
      max_parallel_workers: String(availableParallelism()),
      max_parallel_maintenance_workers: '2',
    },
  });
  // startServer rejects only with a ServerStartError, whose message says what failed and what to do.
  const server = await starting.catch((err: unknown) => {
    throw new Plain(err instanceof Error ? err.message : String(err));
  });
  say(`${server.version} on 127.0.0.1:${server.port} (temporary data directory, removed at the end)`);

  heading('Creating the sample database');
  // An idle client whose server goes away (Ctrl-C) emits 'error'; unheard, that would crash the cleanup.
  const admin = new pg.Client({ connectionString: server.url });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  const url = withDatabase(server.url, DATABASE);
  const db = new pg.Client({ connectionString: url });
  db.on('error', () => undefined);
  await db.connect();
  try {
    const t0 = Date.now();
    const tables = await createSampleData(db, { scale, log: (m) => say(`  ${m}`) });
    const rows = tables.reduce((sum, t) => sum + t.rows, 0);
    say(`${rows.toLocaleString('en-US')} rows in ${tables.length} tables, analyzed, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } finally {
    await db.end();
  }
  if (interrupted) return 130;

  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url };
  for (const k of Object.keys(env)) if (k.startsWith('PG') && !k.startsWith('PGINDEX')) delete env[k];
  say(`\npgindex connects through ${dim(`DATABASE_URL=${redact(url)}`)}`);

  const steps: { title: string; args: string[]; expect: number[] }[] = [
    { title: `What pgindex would build for ${PLAN}, and why`, args: ['plan', PLAN, '--explain'], expect: [0] },
    { title: 'The SQL it would run (the dry run; psql -f can run it as well)', args: ['plan', PLAN], expect: [0] },
    { title: 'Building the indexes', args: ['apply', PLAN], expect: [0] },
    {
      title: 'Planning again: the database already has every index, so there is nothing to do (exit code 0)',
      args: ['plan', PLAN, '--detailed-exitcode'],
      expect: [0],
    },
  ];
  for (const step of steps) {
    heading(step.title);
    const code = await pgindex(step.args, env);
    if (interrupted || code === 130) return 130;
    if (!step.expect.includes(code)) {
      process.stderr.write(`demo: \`pgindex ${step.args.join(' ')}\` exited with ${code}, expected ${step.expect.join(' or ')}\n`);
      return 1;
    }
  }
  heading(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s; stopping the server`);
  return 0;
}

async function main(): Promise<number> {
  let values: { scale?: string };
  try {
    ({ values } = parseArgs({ options: { scale: { type: 'string' } }, strict: true }));
  } catch (err) {
    throw new Plain(`${(err as Error).message}\nusage: node dist/scripts/demo.js [--scale N]`);
  }
  const scale = Number(values.scale ?? process.env.PGINDEX_DEMO_SCALE ?? 1);
  if (!(scale > 0)) throw new Plain(`--scale must be a positive number, not ${values.scale}`);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(scale);
  } finally {
    await stopServer();
  }
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    // Once interrupted, the failing query is only the server going away: not worth a stack trace.
    if (!interrupted) {
      const text = err instanceof Plain ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`demo: ${redact(text)}\n`);
    }
    await stopServer().catch(() => undefined);
    process.exit(interrupted ? 130 : 1);
  },
);
