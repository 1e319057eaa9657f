/**
 * The CI kit end to end, with the built binary as a child process on a real server: `validate`
 * finding a `where`'s syntax error offline, `plan --format markdown --detailed-exitcode` for a
 * pull-request comment (an INVALID leftover flagged as a drop), `--format sql --no-psql` read by
 * PostgreSQL's own parser while psql still runs the default script, `--explain` on a narrow
 * terminal (a pseudo-terminal from script(1)) and in a pipe, and the shell steps of
 * examples/github-actions/pgindex.yml.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { CLI_PATH } from '../../support/cli.js';
import { loadSqlParser } from '../../../src/sql/parse.js';
import { commands } from '../../../src/cli/commands/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
let db: TestDatabase;
let dir: string;

interface Ran {
  code: number;
  out: string;
  err: string;
}

/** `file args…` to its end, in the test directory, with exactly `env` (and PATH). */
function exec(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, out, errOut) => {
      const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
      resolve({ code: Number.isInteger(code) ? code : 1, out, err: errOut });
    });
  });
}

/** The built pgindex, as a user runs it: no database unless given. */
const pgindex = (args: string[], env: NodeJS.ProcessEnv = {}) => exec(process.execPath, [CLI_PATH, ...args], env);

/** Each test starts from the table alone: every index but the primary key dropped, valid or not. */
async function reset(): Promise<void> {
  const { rows } = await db.query<{ name: string }>(
    "select indexrelid::regclass::text as name from pg_index where indrelid = 'orders'::regclass and not indisprimary",
  );
  for (const r of rows) await db.query(`drop index ${r.name}`);
}

async function validIndexes(): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    "select indexrelid::regclass::text as name from pg_index where indrelid = 'orders'::regclass and indisvalid and not indisprimary order by 1",
  );
  return rows.map((r) => r.name);
}

const BUILT = ['orders_placed_at_btree_idx', 'orders_status_btree_idx', 'orders_total_btree_idx'];

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

const PLAN = `version: 1
lock_timeout: 30s
tables:
  - name: orders
    columns:
      - name: status
        where: status <> 'void'
      - name: total
        method: btree
      - placed_at
`;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-ci-kit-'));
  await db.query(`create table orders as
    select g as id, (array['open','paid','void'])[1 + g % 3] as status, (g % 50)::numeric as total,
           now() - g * interval '1 minute' as placed_at
    from generate_series(1, 3000) g`);
  await db.query('alter table orders add primary key (id)');
  await db.query('analyze orders');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('validate finds a where\'s syntax error offline, at its character, as the server words it; plan stops there too', async () => {
  const bad = write('bad.yaml', PLAN.replace("where: status <> 'void'", 'where: "total > AND"'));
  // No database anywhere: validate connects to nothing.
  const v = await pgindex(['validate', bad]);
  assert.deepEqual(v, { code: 1, out: '', err: 'bad.yaml:7:25: where: syntax error at or near "AND"\n' });
  const p = await pgindex(['plan', bad, '-d', db.url]);
  assert.equal(p.code, 1);
  assert.equal(p.err, 'bad.yaml:7:25: where: syntax error at or near "AND"\n');

  // What only the server knows stays plan's to find: a column that does not exist.
  const unknown = write('unknown.yaml', PLAN.replace("where: status <> 'void'", 'where: nosuch > 0'));
  assert.deepEqual(await pgindex(['validate', unknown]), { code: 0, out: 'unknown.yaml: valid (1 table entry)\n', err: '' });
  const q = await pgindex(['plan', unknown, '-d', db.url]);
  assert.equal(q.code, 1);
  assert.match(q.err, /^unknown\.yaml:6:15: where: nosuch > 0: column "nosuch" does not exist$/m);
});

test('plan --format markdown --detailed-exitcode: exit 2 with the comment, the INVALID leftover flagged as a drop; exit 0 and "Nothing to do" once built', async () => {
  await reset();
  const file = write('ci.yaml', PLAN);
  // An interrupted build under a planned name: a unique index on duplicate values fails, INVALID.
  await db.query('create unique index concurrently orders_total_btree_idx on orders (total)').then(
    () => assert.fail('expected the unique build to fail'),
    () => undefined,
  );
  const r = await pgindex(['plan', file, '-d', db.url, '--detailed-exitcode', '--format', 'markdown']);
  assert.equal(r.code, 2, r.err);
  const md = r.out;
  assert.match(md, /^### pgindex plan `ci\.yaml`\n\n> \[!WARNING\]\n> \*\*⚠ drops \(1\)\*\*: /);
  assert.match(md, /^> - `public\.orders_total_btree_idx` on `public\.orders`: INVALID index orders\\_total\\_btree\\_idx was left by an interrupted build/m);
  assert.match(md, /^\*\*4 statements\*\*: 1 drop-invalid, 3 create$/m);
  assert.match(md, /^\| `public\.orders` \| 2 \| 1 \| 0 \| 0 \| 0 \|$/m);
  assert.match(md, /\n```sql\n[^`]*\n-- INVALID index orders_total_btree_idx[^\n]*\nDROP INDEX CONCURRENTLY IF EXISTS public\.orders_total_btree_idx;\n/);
  assert.match(md, /CREATE INDEX CONCURRENTLY orders_status_btree_idx ON public\.orders USING btree \(status\) WHERE status <> 'void';\n/);
  assert.match(md, /\n```\n$/);
  // The same database, the same comment: CI can update its comment only when the plan changed.
  assert.equal((await pgindex(['plan', file, '-d', db.url, '--format', 'markdown'])).out, md);

  const applied = await pgindex(['apply', file, '-d', db.url]);
  assert.equal(applied.code, 0, applied.err + applied.out);
  const again = await pgindex(['plan', file, '-d', db.url, '--detailed-exitcode', '--format', 'markdown']);
  assert.equal(again.code, 0, again.err);
  assert.match(again.out, /^### pgindex plan `ci\.yaml`\n\n\*\*Nothing to do\*\*: every planned index already exists\.\n/);
  assert.doesNotMatch(again.out, /```|WARNING/);
  assert.deepEqual(await validIndexes(), BUILT);
});

test('--format sql --no-psql is SQL alone, which PostgreSQL\'s parser reads; psql still runs the default script and builds the plan', async () => {
  await reset();
  const file = write('sql.yaml', PLAN);
  const plain = await pgindex(['plan', file, '-d', db.url, '--format', 'sql', '--no-psql']);
  assert.equal(plain.code, 0, plain.err);
  assert.doesNotMatch(plain.out, /^\\/m);
  const parsed = (await loadSqlParser()).parse(plain.out);
  // Four SETs, then one CREATE INDEX per planned column.
  assert.deepEqual(parsed, { statements: 4 + 3 });

  const script = await pgindex(['plan', file, '-d', db.url, '-o', 'plan.sql']);
  assert.equal(script.code, 0, script.err);
  assert.match(readFileSync(join(dir, 'plan.sql'), 'utf8'), /^\\set ON_ERROR_STOP on$/m);
  const psql = await exec('psql', ['-X', '-q', '-d', db.url, '-f', 'plan.sql']);
  assert.equal(psql.code, 0, psql.err);
  assert.deepEqual(await validIndexes(), BUILT);
  const done = await pgindex(['plan', file, '-d', db.url, '--detailed-exitcode']);
  assert.equal(done.code, 0, done.err);
});

test('--no-psql and --format are checked before connecting', async () => {
  const file = write('flags.yaml', PLAN);
  const json = await pgindex(['plan', file, '--format', 'json', '--no-psql']);
  assert.equal(json.code, 1);
  // One line, pointing at the help rather than printing it.
  assert.equal(json.err, 'pgindex plan: --no-psql applies to the sql format only, not to json (see pgindex plan --help)\n');
  const explain = await pgindex(['plan', file, '--explain', '--no-psql']);
  assert.equal(explain.err, 'pgindex plan: --no-psql applies to the sql format only, not to --explain (see pgindex plan --help)\n');
  const yaml = await pgindex(['plan', file, '--format', 'yaml']);
  assert.equal(yaml.err, 'pgindex plan: --format must be sql, json or markdown, not "yaml" (see pgindex plan --help)\n');
});

test('--explain: the aligned table in a pipe whatever COLUMNS says; expanded records within a narrow terminal', async () => {
  await reset();
  const file = write('explain.yaml', PLAN);
  const piped = await pgindex(['plan', file, '-d', db.url, '--explain'], { COLUMNS: '40' });
  assert.equal(piped.code, 0, piped.err);
  assert.match(piped.out, /^ {2}column {5}type {22}action {2}method {2}opclass {2}index {23}reason$/m);
  assert.ok(Math.max(...piped.out.split('\n').map((l) => l.length)) > 80);
  assert.doesNotMatch(piped.out, /RECORD/);

  // script(1) gives the command a pseudo-terminal; COLUMNS is its width, as psql reads it. Its notes
  // (stderr, which would share the terminal) are left out.
  const command = [process.execPath, CLI_PATH, 'plan', file, '-d', db.url, '--explain'].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ') + ' 2>/dev/null';
  const tty = await exec('script', ['-qec', command, '/dev/null'], { COLUMNS: '60' });
  assert.equal(tty.code, 0, tty.err + tty.out);
  const lines = tty.out.replace(/\r/g, '').split('\n');
  assert.match(lines[0] ?? '', /^public\.orders \(3,000 rows, [\d,]+ pages, \d+ kB\)$/);
  assert.match(lines[1] ?? '', /^ {2}-\[ RECORD 1 \]-+$/);
  assert.deepEqual(lines.slice(2, 9), [
    '  column  | status',
    '  type    | text',
    '  action  | create',
    '  method  | btree',
    '  opclass | -',
    '  index   | orders_status_btree_idx',
    '  reason  | text → btree',
  ]);
  const wide = lines.filter((l) => [...l].length > 60);
  assert.deepEqual(wide, [], 'every line fits 60 columns');
});

test('examples/github-actions/pgindex.yml: its pgindex commands use flags pgindex has, and its shell steps work against a database', async () => {
  const workflow = parseYaml(readFileSync(join(root, 'examples/github-actions/pgindex.yml'), 'utf8')) as {
    env: Record<string, string>;
    jobs: Record<string, { steps: { name?: string; run?: string }[] }>;
  };
  const runs = Object.values(workflow.jobs).flatMap((j) => j.steps.flatMap((s) => (s.run ? [s.run] : [])));
  const invocations = runs.flatMap((r) => [...r.matchAll(/npx pgindex (\w+)([^\n]*)/g)]);
  assert.deepEqual(invocations.map((m) => m[1]), ['validate', 'plan', 'apply']);
  for (const m of invocations) {
    const entry = commands.find((c) => c.name === m[1]);
    assert.ok(entry, m[0]);
    const command = await entry.load();
    for (const flag of (m[2] ?? '').matchAll(/\s--?([\w-]+)/g)) {
      const name = flag[1] ?? '';
      const known = name in command.options || Object.values(command.options).some((o) => o.short === name);
      assert.ok(known, `${m[0]}: pgindex ${command.name} has no option ${flag[0].trim()}`);
    }
  }

  await reset();
  // The steps' shell scripts, as the runner runs them (bash -e), with `npx pgindex` the built binary.
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\n[ "$1" = pgindex ] || exit 127\nshift\nexec "${process.execPath}" "${CLI_PATH}" "$@"\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  mkdirSync(join(dir, 'db'), { recursive: true });
  write(workflow.env.PLAN_FILE ?? 'missing', PLAN);
  const step = (job: string, name: string) => workflow.jobs[job]?.steps.find((s) => s.name === name)?.run ?? assert.fail(`no step ${name}`);
  const output = join(dir, 'github-output');
  const env = { ...workflow.env, PATH: `${bin}:${process.env.PATH ?? ''}`, DATABASE_URL: db.url, GITHUB_OUTPUT: output };
  const bash = (script: string) => exec('bash', ['-e', '-c', script], env);

  assert.equal((await bash(step('plan', 'pgindex validate'))).code, 0);
  writeFileSync(output, '');
  const planned = await bash(step('plan', 'pgindex plan'));
  assert.equal(planned.code, 0, planned.err);
  assert.equal(readFileSync(output, 'utf8'), 'changes=true\n');
  assert.match(readFileSync(join(dir, 'pgindex-plan.md'), 'utf8'), /^### pgindex plan `db\/indexes\.yaml`\n\n\*\*3 statements\*\*: 3 create$/m);

  const applied = await bash(step('apply', 'pgindex apply'));
  assert.equal(applied.code, 0, applied.err + applied.out);
  writeFileSync(output, '');
  assert.equal((await bash(step('plan', 'pgindex plan'))).code, 0);
  assert.equal(readFileSync(output, 'utf8'), 'changes=false\n');

  // An error is the step's failure, with pgindex's exit code.
  const broken = await bash(step('plan', 'pgindex plan').replace('"$PLAN_FILE"', 'no-such.yaml'));
  assert.equal(broken.code, 1);
  assert.match(broken.err, /no-such\.yaml:1:1: cannot read plan file: no such file/);
  assert.deepEqual(await validIndexes(), BUILT);
});
