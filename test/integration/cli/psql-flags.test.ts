/**
 * psql's connection flags on the built binary, against the harness's server: -h, -p, -U, -d NAME,
 * the service file, PGOPTIONS and -W on a terminal. Each child gets an environment of its own (no
 * PG* variable, no ~/.pgpass of the machine's) so that only what the test gives can connect it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { CLI_PATH } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;
/** The server as the flags name it. */
let host: string;
let port: string;
let user: string;
let password: string;

const PLAN = 'version: 1\ntables:\n  - name: accounts\n    columns: [email]\n';

before(async () => {
  db = await testDatabase();
  const u = new URL(db.url);
  host = u.hostname;
  port = u.port;
  user = decodeURIComponent(u.username);
  password = decodeURIComponent(u.password);
  dir = mkdtempSync(join(tmpdir(), 'pgindex-psql-flags-'));
  mkdirSync(join(dir, 'home'));
  writeFileSync(join(dir, 'plan.yaml'), PLAN);
  await db.query("create table accounts as select g as id, 'user' || g || '@example.com' as email from generate_series(1, 500) g");
  await db.query('create schema app');
  await db.query('create table app.hidden as select g as id from generate_series(1, 50) g');
  await db.query('analyze');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** The environment of a child: nothing of the machine's PostgreSQL settings, a home of its own. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: join(dir, 'home'), PGSYSCONFDIR: join(dir, 'no-sysconf'), ...extra };
}

/** `pgindex ARGS`, the built binary as a child process in the test's directory. */
function pgindex(args: string[], childEnv: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: dir, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

test('plan -h HOST -p PORT -U USER -d DBNAME connects with those, as psql would', async () => {
  const r = await pgindex(['plan', 'plan.yaml', '-h', host, '-p', port, '-U', user, '-d', db.name], env({ PGPASSWORD: password }));
  assert.equal(r.err.split('\n')[0], `pgindex plan: connected to ${user}@${host}:${port}/${db.name} (from -h, -p, -U, -d and the PG* environment)`);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /CREATE INDEX CONCURRENTLY accounts_email_btree_idx ON public\.accounts/);
  // The long forms, and --db as the old name of -d.
  const long = await pgindex(['plan', 'plan.yaml', '--host', host, '--port', port, '--username', user, '--db', db.name], env({ PGPASSWORD: password }));
  assert.equal(long.code, 0, long.err);
  assert.equal(long.out, r.out);
  assert.doesNotMatch(r.err + long.err, new RegExp(password));
});

test('the flags override DATABASE_URL setting by setting; the URL gives the rest', async () => {
  // Port 1 and a database that does not exist: only the flags make this connection work.
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:1/no_such_db`;
  const r = await pgindex(['plan', 'plan.yaml', '-p', port, '-d', db.name], env({ DATABASE_URL: url }));
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, new RegExp(`connected to ${user}@${host}:${port}/${db.name} \\(from DATABASE_URL with -p, -d\\)`));
  assert.match(r.out, /accounts_email_btree_idx/);
  // Without them, the URL alone is used, and fails on its port.
  const without = await pgindex(['plan', 'plan.yaml'], env({ DATABASE_URL: url }));
  assert.equal(without.code, 1);
  assert.match(without.err, new RegExp(`cannot connect to ${user}@${host}:1/no_such_db`));
  assert.doesNotMatch(without.err, new RegExp(password));
});

test('apply with -h builds (it used to print the help, build nothing and exit 0)', async () => {
  const r = await pgindex(['apply', 'plan.yaml', '-h', host, '-p', port, '-U', user, '-d', db.name], env({ PGPASSWORD: password }));
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out + r.err, /Usage:/);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_indexes where indexname = 'accounts_email_btree_idx'");
  assert.equal(rows[0]?.n, 1);
  await db.query('drop index accounts_email_btree_idx');
});

test('run takes the same flags', async () => {
  writeFileSync(join(dir, 'build.sql'), 'CREATE INDEX accounts_id_run_idx ON accounts (id);\n');
  const r = await pgindex(['run', '-h', host, '-p', port, '-U', user, '-d', db.name, 'build.sql'], env({ PGPASSWORD: password }));
  assert.equal(r.code, 0, r.err);
  const { rows } = await db.query<{ n: number }>("select count(*)::int as n from pg_indexes where indexname = 'accounts_id_run_idx'");
  assert.equal(rows[0]?.n, 1);
  await db.query('drop index accounts_id_run_idx');
});

test('PGSERVICE and service= read pg_service.conf; explicit settings override the service', async () => {
  const services = join(dir, 'services.conf');
  writeFileSync(
    services,
    `# the test's services\n[other]\nhost=nowhere.invalid\n\n[test]\nhost=${host}\nport=${port}\nuser=${user}\ndbname=postgres\npassword=${password}\n`,
    { mode: 0o600 },
  );
  // dbname=postgres in the service: -d names the test's database over it.
  const viaEnv = await pgindex(['plan', 'plan.yaml', '-d', db.name], env({ PGSERVICEFILE: services, PGSERVICE: 'test' }));
  assert.equal(viaEnv.code, 0, viaEnv.err);
  assert.match(viaEnv.err, new RegExp(`connected to ${user}@${host}:${port}/${db.name}`));
  assert.match(viaEnv.out, /accounts_email_btree_idx/);
  // service= in a connection string, its own dbname over the service's.
  const viaString = await pgindex(['plan', 'plan.yaml', '-d', `service=test dbname=${db.name}`], env({ PGSERVICEFILE: services }));
  assert.equal(viaString.code, 0, viaString.err);
  assert.equal(viaString.out, viaEnv.out);
  // A service nowhere to be found: an error naming the files looked in.
  const unknown = await pgindex(['plan', 'plan.yaml'], env({ PGSERVICEFILE: services, PGSERVICE: 'nope' }));
  assert.equal(unknown.code, 1);
  assert.equal(
    unknown.err,
    `pgindex plan: definition of service "nope" not found; looked in ${services}, ${join(dir, 'no-sysconf', 'pg_service.conf')} (does not exist) ` +
      '(PGSERVICEFILE names the user file, PGSYSCONFDIR the directory of the system one)\n',
  );
  assert.doesNotMatch(viaEnv.err + viaString.err + unknown.err, new RegExp(password));
});

test('PGOPTIONS reaches the server, and options= in the connection string overrides it', async () => {
  const plan = join(dir, 'hidden.yaml');
  writeFileSync(plan, 'version: 1\ntables:\n  - name: hidden\n    columns: [id]\n');
  const base = env({ PGHOST: host, PGPORT: port, PGUSER: user, PGPASSWORD: password, PGDATABASE: db.name });
  // app is not in the default search_path: the bare name resolves only through the options.
  const plain = await pgindex(['plan', plan], base);
  assert.equal(plain.code, 1);
  assert.match(plain.err, /table "hidden" does not exist/);
  const viaEnv = await pgindex(['plan', plan], { ...base, PGOPTIONS: '-c search_path=app' });
  assert.equal(viaEnv.code, 0, viaEnv.err);
  assert.match(viaEnv.out, /CREATE INDEX CONCURRENTLY hidden_id_btree_idx ON app\.hidden/);
  const overridden = await pgindex(['plan', plan, '-d', `dbname=${db.name} options='-c search_path=public'`], { ...base, PGOPTIONS: '-c search_path=app' });
  assert.equal(overridden.code, 1);
  assert.match(overridden.err, /table "hidden" does not exist/);
});

test('a misspelt table or column gets the nearest name, from the real catalog', async () => {
  const plan = join(dir, 'typo.yaml');
  writeFileSync(plan, 'version: 1\ntables:\n  - name: acounts\n    columns: [email]\n  - name: accounts\n    columns: [emial]\n');
  const r = await pgindex(['plan', plan, '-d', db.name], env({ PGHOST: host, PGPORT: port, PGUSER: user, PGPASSWORD: password }));
  assert.equal(r.code, 1);
  assert.match(r.err, /typo\.yaml:3:11: table "acounts" does not exist \(did you mean accounts\? looked in search_path/);
  assert.match(r.err, /typo\.yaml:6:15: column "emial" does not exist in public\.accounts \(did you mean email\?\)/);
});

/** `script` runs a command on a pseudo-terminal of its own: the only way to give -W a real one. */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

test('-W asks for the password on the terminal, without echoing it', { skip: hasScript ? false : 'util-linux script(1) is not installed' }, async () => {
  const command = [process.execPath, CLI_PATH, 'plan', 'plan.yaml', '-h', host, '-p', port, '-U', user, '-d', db.name, '-W']
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: dir, env: env({ TERM: 'dumb' }), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let sent = false;
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (!sent && out.includes(`Password for user ${user}: `)) {
      sent = true;
      child.stdin.write(password + '\r');
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.ok(sent, `the prompt was shown: ${out}`);
  assert.equal(code, 0, out);
  assert.match(out, /CREATE INDEX CONCURRENTLY accounts_email_btree_idx/);
  assert.doesNotMatch(out, new RegExp(password), 'the password is not echoed');
});

test('-W with stdin that is not a terminal refuses before connecting, naming the other ways', async () => {
  const r = await pgindex(['plan', 'plan.yaml', '-h', host, '-p', port, '-U', user, '-d', db.name, '-W'], env());
  assert.equal(r.code, 1);
  assert.match(r.err, /^pgindex plan: -W cannot ask for the password: standard input is not a terminal/);
  assert.doesNotMatch(r.err, /connected to/);
});
