/**
 * Connecting as psql users expect, against the test server (which has no SSL): libpq's PG* variables
 * alone, sslmode, the password file, connect_timeout, the plan's `connection` used only when nothing
 * else is given, and errors that are clear and never show a password. The CLI runs as a child
 * process with only the variables a test gives it, so nothing of the caller's environment leaks in.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientConfig, connect } from '../../../src/db/connection.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { CLI_PATH, runCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;
/** The test database as libpq variables. */
let pg: { PGHOST: string; PGPORT: string; PGUSER: string; PGPASSWORD: string; PGDATABASE: string };
const cli = CLI_PATH;

before(async () => {
  db = await testDatabase();
  await db.query('create table t (a int)');
  const u = new URL(db.url);
  pg = {
    PGHOST: u.hostname,
    PGPORT: u.port,
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
  };
  dir = mkdtempSync(join(tmpdir(), 'pgindex-conn-'));
  writeFileSync(join(dir, 'plan.yaml'), 'version: 1\ntables:\n  - name: t\n    columns: [a]\n');
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI with exactly these variables (and PATH), HOME in the test's directory: no ~/.pgpass of the machine. */
function pgindex(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** The CLI in-process, with exactly these variables: the same resolution, without a process to start. */
async function inProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const r = await runCli(args, { env: { HOME: dir, ...env }, cwd: dir });
  return { code: r.code, stdout: r.out, stderr: r.err };
}

/** Nothing of pg's own warnings, no stack trace, no internal error. */
function assertClean(r: Result, secret?: string): void {
  const all = r.stdout + r.stderr;
  assert.doesNotMatch(all, /SECURITY WARNING|DeprecationWarning|internal error|\n\s+at /, all);
  if (secret) assert.ok(!all.includes(secret), `the password appears in the output:\n${all}`);
}

function planned(r: Result): void {
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^CREATE INDEX CONCURRENTLY t_a_btree_idx ON public\.t USING btree \(a\);$/m);
}

test('only PG* variables: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGAPPNAME, PGCONNECT_TIMEOUT', async () => {
  const r = await pgindex(['plan', 'plan.yaml'], { ...pg, PGSSLMODE: 'prefer', PGAPPNAME: 'from-env', PGCONNECT_TIMEOUT: '10' });
  planned(r);
  assert.match(r.stderr, new RegExp(`connected to ${pg.PGUSER}@${pg.PGHOST}:${pg.PGPORT}/${pg.PGDATABASE} \\(from PG\\* environment\\)`));
  assertClean(r, pg.PGPASSWORD);

  // The same variables in-process, where the session shows what it got.
  const client = await connect(clientConfig({ source: 'PG* environment', env: { ...pg, HOME: dir, PGAPPNAME: 'from-env', PGCONNECT_TIMEOUT: '10' } }, 'pgindex plan'));
  try {
    const { rows } = await client.query<{ app: string; db: string; usr: string; ssl: boolean }>(
      'select current_setting($1) as app, current_database() as db, current_user as usr, coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false) as ssl',
      ['application_name'],
    );
    assert.deepEqual(rows[0], { app: 'from-env', db: pg.PGDATABASE, usr: pg.PGUSER, ssl: false });
  } finally {
    await client.end();
  }
  // A connection string's own application_name wins over PGAPPNAME; pgindex's name is the fallback.
  for (const [env, conninfo, want] of [
    [{ PGAPPNAME: 'from-env' }, `${db.url}?application_name=from-url`, 'from-url'],
    [{}, db.url, 'pgindex plan'],
  ] as const) {
    const c = await connect(clientConfig({ source: '--db', conninfo, env: { HOME: dir, ...env } }, 'pgindex plan'));
    try {
      assert.equal((await c.query<{ app: string }>("select current_setting('application_name') as app")).rows[0]?.app, want);
    } finally {
      await c.end();
    }
  }
});

test('sslmode against a server without SSL: disable, allow and prefer connect; require fails clearly; pg never warns', async () => {
  const keywords = `host=${pg.PGHOST} port=${pg.PGPORT} user=${pg.PGUSER} password=${pg.PGPASSWORD} dbname=${pg.PGDATABASE}`;
  const forms = (mode: string) =>
    [
      ['URL', ['-d', `${db.url}?sslmode=${mode}`], {}],
      ['keywords', ['-d', `${keywords} sslmode=${mode}`], {}],
      ['PGSSLMODE', [], { ...pg, PGSSLMODE: mode }],
    ] as const;
  // prefer, the mode of QA #7, as a user runs it: pg's warnings would show on the process's stderr.
  // (The keyword form never reached pg's parser; in-process is enough.)
  for (const [how, args, env] of forms('prefer')) {
    const r = how === 'keywords' ? await inProcess(['plan', 'plan.yaml', ...args], env) : await pgindex(['plan', 'plan.yaml', ...args], env);
    assert.equal(r.code, 0, `prefer via ${how}: ${r.stderr}`);
    planned(r);
    assertClean(r, pg.PGPASSWORD);
  }
  for (const mode of ['disable', 'allow']) {
    for (const [how, args, env] of forms(mode)) {
      const r = await inProcess(['plan', 'plan.yaml', ...args], env);
      assert.equal(r.code, 0, `${mode} via ${how}: ${r.stderr}`);
      planned(r);
    }
  }
  const require = `pgindex plan: cannot connect to ${pg.PGUSER}@${pg.PGHOST}:${pg.PGPORT}/${pg.PGDATABASE}: the server does not support SSL connections, and sslmode is require (sslmode prefer or disable connects without SSL)\n`;
  const viaUrl = await pgindex(['plan', 'plan.yaml', '-d', `${db.url}?sslmode=require`]);
  assert.deepEqual(viaUrl, { code: 1, stdout: '', stderr: require });
  for (const [how, args, env] of forms('require')) {
    assert.deepEqual(await inProcess(['plan', 'plan.yaml', ...args], env), { code: 1, stdout: '', stderr: require }, how);
  }
});

test('the password file: PGPASSFILE or ~/.pgpass, read by pgindex (no pg warning), only when it is 0600', async () => {
  const { PGPASSWORD: password, ...noPassword } = pg;
  const file = join(dir, 'pgpass');
  // Escapes and a wildcard, and a first line that does not match.
  writeFileSync(file, `# test\nother:*:*:*:wrong\n${pg.PGHOST}:${pg.PGPORT}:*:${pg.PGUSER}:${password.replace(/[:\\]/g, '\\$&')}\n`);
  chmodSync(file, 0o600);
  const viaEnv = await pgindex(['plan', 'plan.yaml'], { ...noPassword, PGPASSFILE: file });
  planned(viaEnv);
  assertClean(viaEnv, password);

  writeFileSync(join(dir, '.pgpass'), `*:${pg.PGPORT}:*:*:${password}\n`, { mode: 0o600 });
  try {
    const viaHome = await pgindex(['plan', 'plan.yaml', '-d', `postgres://${pg.PGUSER}@${pg.PGHOST}:${pg.PGPORT}/${pg.PGDATABASE}`]);
    planned(viaHome);
    assertClean(viaHome, password);
  } finally {
    rmSync(join(dir, '.pgpass'));
  }

  chmodSync(file, 0o644);
  const open = await pgindex(['plan', 'plan.yaml'], { ...noPassword, PGPASSFILE: file });
  assert.equal(open.code, 1);
  assert.match(
    open.stderr,
    new RegExp(
      '^pgindex plan: cannot connect to .*: the server asks for a password and none was given: put it in the connection string, in PGPASSWORD ' +
        `or in the password file ${file} \\(password file ${file} has group or world access and was not read; permissions should be u=rw \\(0600\\) or less\\)\n$`,
    ),
  );
  assertClean(open, password);
});

test('a wrong password and a connect_timeout are clear ConnectionErrors', async () => {
  const secret = 'Wr0ng-S3cret-Pw';
  const wrong = await inProcess(['plan', 'plan.yaml', '-d', `postgres://${pg.PGUSER}:${secret}@${pg.PGHOST}:${pg.PGPORT}/${pg.PGDATABASE}`]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^pgindex plan: cannot connect to .*: password authentication failed for user "postgres"\n$/);
  assertClean(wrong, secret);

  // A server that accepts connections and never answers: PGCONNECT_TIMEOUT=1 waits 2 s, as libpq does.
  const sockets: Socket[] = [];
  const silent: Server = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as { port: number }).port;
  try {
    const started = Date.now();
    await assert.rejects(
      connect(clientConfig({ source: 'PG* environment', env: { HOME: dir, PGHOST: '127.0.0.1', PGPORT: String(port), PGCONNECT_TIMEOUT: '1' } })),
      new RegExp(`^ConnectionError: cannot connect to \\S+@127\\.0\\.0\\.1:${port}/\\S+: no answer within 2s \\(connect_timeout\\)$`),
    );
    const waited = Date.now() - started;
    assert.ok(waited >= 1900 && waited < 8000, `waited ${waited} ms`);
  } finally {
    for (const s of sockets) s.destroy();
    silent.close();
  }
});

test("a connect_timeout beyond Node's timer limit (2147484 s or more, as libpq accepts) connects, without a TimeoutOverflowWarning", async () => {
  for (const [args, env] of [
    [['plan', 'plan.yaml'], { ...pg, PGCONNECT_TIMEOUT: '99999999' }],
    [['plan', 'plan.yaml', '-d', `${db.url}?connect_timeout=2147484`], {}],
  ] as const) {
    const r = await pgindex([...args], env);
    planned(r);
    assert.doesNotMatch(r.stderr, /TimeoutOverflowWarning|does not fit into a 32-bit signed integer/, r.stderr);
    assertClean(r);
  }
});

test('malformed URLs are clear errors that never show the password (QA #2, #8)', async () => {
  const secret = 'S3cret-In-Url';
  const urls = [
    `postgress://postgres:${secret}@${pg.PGHOST}/db`,
    `postgres://postgres:${secret}@127.0.0.1:99999/x`,
    `postgres://postgres:${secret}@[bad`,
    `postgres://postgres:${secret}@h:notaport/x`,
    `postgres://postgres:${secret}/x@h/db`,
  ];
  // The first two as QA ran them, in a process of their own; every one in-process.
  for (const [i, url] of urls.entries()) {
    for (const r of i < 2 ? [await pgindex(['plan', 'plan.yaml', '-d', url]), await inProcess(['plan', 'plan.yaml', '-d', url])] : [await inProcess(['plan', 'plan.yaml', '-d', url])]) {
      assert.equal(r.code, 1, url);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^pgindex plan: --db: (cannot read connection URL at character \d+|unsupported URL scheme "postgress")/, url);
      assertClean(r, secret);
    }
  }
  const viaEnv = await inProcess(['plan', 'plan.yaml'], { DATABASE_URL: `postgres://postgres:${secret}@h:0/x` });
  assert.equal(viaEnv.stderr, 'pgindex plan: DATABASE_URL: cannot read connection URL at character 37: the port must be a number from 1 to 65535\n');
});

test("the plan's connection: used with its ${VAR}s only when neither --db nor DATABASE_URL is given (QA #6)", async () => {
  writeFileSync(join(dir, 'conn.yaml'), `version: 1\nconnection: "postgres://${pg.PGUSER}:\${PW}@${pg.PGHOST}:\${PORT}/${pg.PGDATABASE}"\ntables:\n  - name: t\n    columns: [a]\n`);
  planned(await pgindex(['plan', 'conn.yaml', '-d', db.url]));
  planned(await inProcess(['plan', 'conn.yaml'], { DATABASE_URL: db.url }));
  const used = await inProcess(['plan', 'conn.yaml'], { PW: pg.PGPASSWORD, PORT: pg.PGPORT });
  planned(used);
  assert.match(used.stderr, /\(from plan connection\)/);

  const unset = await inProcess(['plan', 'conn.yaml'], { PORT: pg.PGPORT });
  assert.equal(unset.code, 1);
  assert.equal(
    unset.stderr,
    `conn.yaml:2:${'connection: "postgres://'.length + pg.PGUSER.length + 2}: environment variable PW is not set ` +
      "(the plan's connection uses ${PW}, and is the connection used since neither --db nor DATABASE_URL is given)\n",
  );
  const validate = await pgindex(['validate', 'conn.yaml']);
  assert.equal(validate.code, 0);
  assert.equal(validate.stdout, 'conn.yaml: valid (1 table entry)\n');
  assert.match(validate.stderr, /^conn\.yaml:2:\d+: note: environment variable PW is not set \(.*\)\nconn\.yaml:2:\d+: note: environment variable PORT is not set/);
});

test('plan -o into a directory that does not exist: an error naming the path, no stack trace', async () => {
  const r = await inProcess(['plan', 'plan.yaml', '-o', '/nonexistent/dir/x.sql', '-d', db.url]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /\npgindex plan: cannot write \/nonexistent\/dir\/x\.sql: no such file or directory\n$/);
  assertClean(r);
  const toDir = await inProcess(['plan', 'plan.yaml', '-o', '.', '-d', db.url]);
  assert.match(toDir.stderr, /\npgindex plan: cannot write \.: is a directory\n$/);
});
