/**
 * pgindex as another project gets it: `npm pack` of the built project, installed from the tarball into
 * an empty project, a TypeScript file there compiled under `strict` against the shipped declarations
 * (module NodeNext, so `exports` and its `types` condition are what resolve 'pgindex'), run with node
 * against the test database, and the installed `pgindex` bin.
 *
 * Dependencies come from npm's cache when it has them (`npm ci` filled it), else from the registry.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testDatabase, type TestDatabase } from '../support/db.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * npm run by `npm test` passes its own run's variables down (npm_package_*, npm_lifecycle_*): they
 * describe pgindex's package, not the project npm works on here. The user's npm_config_* stay.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_(package|lifecycle)_/i.test(k)) env[k] = v;
  }
  return env;
}

function run(command: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: childEnv(), timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function ok(r: Ran, what: string): string {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let db: TestDatabase;
let dir: string;
let consumer: string;
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

before(async () => {
  db = await testDatabase('pgindex_package');
  await db.query('create table orders as select g as id, (g % 97)::text as customer from generate_series(1, 2000) g');
  await db.query('analyze orders');
  dir = mkdtempSync(join(tmpdir(), 'pgindex-package-'));
  consumer = join(dir, 'consumer');
  mkdirSync(consumer);
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What the other project writes: every import through the package name, nothing deep. */
const CONSUMER_TS = `import { preparePlan, loadPlanFile, executePlan, InputError, type Plan, type PreparedPlan, type RunResult } from 'pgindex';

const [planPath, url] = process.argv.slice(2);
if (planPath === undefined || url === undefined) throw new Error('usage: node index.js PLAN URL');

const file = await loadPlanFile(planPath, { cwd: process.cwd() });
const prepared: PreparedPlan = await preparePlan({ planPath, dbFlag: url, env: {}, cwd: process.cwd(), log: () => undefined });
const plan: Plan = prepared.plan;
// The declarations are strict: neither pgindex's types nor pg's (a dependency, as the declarations
// use them) are any, or these directives would be unused, which is an error.
// @ts-expect-error a Plan's steps are not a number
const steps: number = plan.steps;
// @ts-expect-error pg's ClientConfig: port is a number
const port: string = prepared.connection.port;
void [steps, port];
const result: RunResult = await executePlan(plan, { connection: prepared.connection, sink: () => undefined });

let invalid = '';
try {
  await loadPlanFile('missing.yaml', { cwd: process.cwd() });
} catch (err) {
  if (err instanceof InputError) invalid = err.problems.map((p) => p.message).join('; ');
}
console.log(JSON.stringify({ tables: file.tables.map((t) => t.name), steps: plan.steps.map((s) => s.index?.name), done: result.done, invalid }));
`;

test('npm pack, installed into an empty project: strict TypeScript imports pgindex, plans and builds with it, and the bin works', { timeout: 180_000 }, async () => {
  const packed = ok(await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT), 'npm pack');
  const [info] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
  assert.ok(info, packed);
  const shipped = info.files.map((f) => f.path);
  for (const needed of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/bundle/cli/main.js', 'schemas/pgindex.schema.json', 'package.json']) {
    assert.ok(shipped.includes(needed), `the package ships ${needed}`);
  }
  assert.deepEqual(
    shipped.filter((p) => !/^(dist\/src\/|dist\/bundle\/cli\/|schemas\/|examples\/|README\.md$|package\.json$|LICENSE)/.test(p)),
    [],
    'nothing but the library, the bundled CLI, its schema, examples and README',
  );

  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
  ok(
    await run(NPM, ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', join(dir, info.filename)], consumer),
    'npm install of the tarball',
  );

  writeFileSync(join(consumer, 'index.ts'), CONSUMER_TS);
  writeFileSync(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        // Checking every declaration file of every dependency (@types/node above all) takes most of a
        // minute; the @ts-expect-error lines show the shipped declarations are resolved and typed.
        skipLibCheck: true,
        outDir: 'dist',
      },
      files: ['index.ts'],
    }),
  );
  ok(await run(process.execPath, [TSC, '-p', 'tsconfig.json'], consumer), 'tsc in the consumer project');

  writeFileSync(join(consumer, 'plan.yaml'), 'version: 1\nconcurrently: false\ntables:\n  - name: orders\n    columns: [customer]\n');
  const out = ok(await run(process.execPath, ['dist/index.js', 'plan.yaml', db.url], consumer), 'the compiled consumer');
  assert.deepEqual(JSON.parse(out), {
    tables: ['orders'],
    steps: ['orders_customer_btree_idx'],
    done: 1,
    invalid: 'cannot read plan file: no such file',
  });
  const { rows } = await db.query<{ valid: boolean }>("select indisvalid as valid from pg_index where indexrelid = 'orders_customer_btree_idx'::regclass");
  assert.deepEqual(rows, [{ valid: true }]);

  const bin = join(consumer, 'node_modules', '.bin', 'pgindex');
  assert.equal(ok(await run(bin, ['--version'], consumer), 'pgindex --version').trim(), version);
  const example = join(consumer, 'node_modules', 'pgindex', 'examples', 'film.yaml');
  assert.match(ok(await run(bin, ['validate', example], consumer), 'pgindex validate'), /film\.yaml: valid \(4 table entries\)/);
  // Nothing of the project leaked in: the installed package is the tarball's files and its dependencies.
  assert.ok(!readdirSync(join(consumer, 'node_modules', 'pgindex')).includes('src'));
});
