import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseConnection, clientConfig, parseKeywordConninfo, redact, describeTarget, type ConnectionTarget } from '../../../src/db/connection.js';
import { parseConninfo, parseUrlConninfo } from '../../../src/db/conninfo.js';
import { matchPgpass, passwordFromFile } from '../../../src/db/pgpass.js';
import { ConnectionError, InputError } from '../../../src/errors.js';
import type { PlanConnection } from '../../../src/planfile/types.js';

const pos = { file: 'p.yaml', line: 2, col: 13 };
const planConnection = (text: string): PlanConnection => ({
  text,
  pos,
  variables: [...text.matchAll(/\$\{(\w+)\}/g)].map((m, i) => ({ name: m[1] as string, pos: { ...pos, col: 20 + i } })),
});

test('connection precedence: --db, then DATABASE_URL, then the plan, then PG* variables', () => {
  const env = { DATABASE_URL: 'postgres://env@h/db' };
  const plan = planConnection('postgres://plan@h/db');
  assert.deepEqual(chooseConnection({ flag: 'postgres://flag@h/db', env, plan }), { source: '--db', conninfo: 'postgres://flag@h/db', env });
  assert.equal(chooseConnection({ env, plan }).source, 'DATABASE_URL');
  assert.deepEqual(chooseConnection({ env: {}, plan }), { source: 'plan connection', conninfo: 'postgres://plan@h/db', env: {} });
  assert.deepEqual(chooseConnection({ env: {} }), { source: 'PG* environment', env: {} });
});

test("the plan's ${VAR}s are only looked at when the plan's connection is the one used", () => {
  const plan = planConnection('postgres://app:${PW}@${HOST}/shop');
  assert.equal(chooseConnection({ flag: 'postgres://f@h/db', env: {}, plan }).conninfo, 'postgres://f@h/db');
  assert.equal(chooseConnection({ env: { DATABASE_URL: 'postgres://e@h/db' }, plan }).conninfo, 'postgres://e@h/db');
  assert.equal(chooseConnection({ env: { PW: 'x', HOST: 'db' }, plan }).conninfo, 'postgres://app:x@db/shop');
  assert.throws(
    () => chooseConnection({ env: { HOST: 'db' }, plan }),
    (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.deepEqual(err.problems.map((p) => [p.pos.col, p.message]), [[20, 'environment variable PW is not set']]);
      return true;
    },
  );
});

test('libpq keyword/value strings are parsed, quotes and escapes included', () => {
  assert.deepEqual(parseKeywordConninfo("host=localhost port=5433 dbname='my db' password='it\\'s'"), {
    host: 'localhost',
    port: '5433',
    dbname: 'my db',
    password: "it's",
  });
  assert.deepEqual(parseKeywordConninfo(" host = db  password=a\\ b user=''"), { host: 'db', password: 'a b', user: '' });
});

test('a connection string error gives a position and a known keyword, never the text: it could be a password', () => {
  const cases: [string, RegExp][] = [
    ['password=sec ret', /^cannot read connection string at character 14: unsupported keyword \(after the value of password\); pgindex reads host, /],
    ['password=sec ret=x', /^cannot read connection string at character 14: unsupported keyword \(after the value of password\)/],
    ["password='sec ret", /^cannot read connection string at character 10: unterminated quoted value of password$/],
    ["password='sec'ret", /^cannot read connection string at character 15: expected a space after the quoted value of password$/],
    ['host=db password=sec %ret', /^cannot read connection string at character 22: expected a keyword \(after the value of password\)$/],
    ['host db', /^cannot read connection string at character 6: expected "=" after host$/],
  ];
  for (const [conninfo, expected] of cases) {
    assert.throws(
      () => parseKeywordConninfo(conninfo),
      (err: Error) => {
        assert.match(err.message, expected, conninfo);
        assert.doesNotMatch(err.message, /sec|ret|\bdb\b/, conninfo);
        return true;
      },
    );
  }
});

test('URLs as libpq reads them: percent-encoding, IPv6, sockets, query parameters; the last "@" ends the credentials', () => {
  assert.deepEqual(parseUrlConninfo('postgresql://al%20ice:p%40ss@db.example:6543/my%20db?sslmode=require&application_name=x'), {
    user: 'al ice',
    password: 'p@ss',
    host: 'db.example',
    port: '6543',
    dbname: 'my db',
    sslmode: 'require',
    application_name: 'x',
  });
  assert.deepEqual(parseUrlConninfo('postgres://u:p@ss:w@rd@h/d'), { user: 'u', password: 'p@ss:w@rd', host: 'h', dbname: 'd' });
  assert.deepEqual(parseUrlConninfo('postgres://[::1]:5433/d'), { host: '::1', port: '5433', dbname: 'd' });
  assert.deepEqual(parseUrlConninfo('postgres://%2Fvar%2Frun%2Fpostgresql/d'), { host: '/var/run/postgresql', dbname: 'd' });
  assert.deepEqual(parseUrlConninfo('postgres:///d?host=/tmp&port=5433'), { dbname: 'd', host: '/tmp', port: '5433' });
  assert.deepEqual(parseUrlConninfo('postgres://'), {});
  assert.deepEqual(parseConninfo('POSTGRES://u@h'), { user: 'u', host: 'h' });
});

test('a malformed URL is a ConnectionError with a position, never with the password', () => {
  const cases: [string, RegExp][] = [
    ['postgres://u:SECRET@127.0.0.1:99999/x', /^cannot read connection URL at character 31: the port must be a number from 1 to 65535$/],
    ['postgres://u:SECRET@h:notaport/x', /^cannot read connection URL at character 23: the port must be a number from 1 to 65535$/],
    ['postgres://u:SECRET@[bad/x', /^cannot read connection URL at character 21: an IPv6 host opened with "\[" is not closed with "\]"$/],
    ['postgress://u:SECRET@h/x', /^unsupported URL scheme "postgress": a connection URL starts with postgres:\/\/ or postgresql:\/\/$/],
    ['postgres://u:SECRET@h1,h2/x', /several hosts are not supported/],
    ['postgres://u:SEC/RET@h/x', /^cannot read connection URL at character 17: an "@" after the host: a "\/" or "\?" in a user name or password must be percent-encoded/],
    ['postgres://u:SECRET%zz@h/x', /^cannot read connection URL at character 14: invalid percent-encoding in the password$/],
    ['postgres://u:SECRET@h/x?passwd=SECRET', /^cannot read connection URL at character 25: unsupported query parameter; pgindex reads host, /],
    ['postgres://u:SECRET@h/x?sslmode', /^cannot read connection URL at character 25: expected keyword=value/],
  ];
  for (const [url, expected] of cases) {
    assert.throws(
      () => parseConninfo(url),
      (err: unknown) => {
        assert.ok(err instanceof ConnectionError, url);
        assert.match(err.message, expected, url);
        assert.doesNotMatch(err.message, /SEC|RET/, url);
        return true;
      },
    );
  }
  // Through clientConfig, the error also names where the string came from.
  assert.throws(() => clientConfig({ source: '--db', conninfo: 'postgres://u:SECRET@h:0/x', env: {} }), /^ConnectionError: --db: cannot read connection URL at character 23/);
});

const target = (conninfo: string | undefined, env: NodeJS.ProcessEnv = {}): ConnectionTarget => ({
  source: conninfo === undefined ? 'PG* environment' : '--db',
  ...(conninfo === undefined ? {} : { conninfo }),
  env: { HOME: '/nonexistent-home', ...env },
});

test('every setting is resolved for pg: the string first, then PG* variables, then the defaults', () => {
  assert.deepEqual(clientConfig(target('host=/tmp port=5433 dbname=app user=u sslmode=disable'), 'pgindex/x'), {
    host: '/tmp',
    port: 5433,
    user: 'u',
    database: 'app',
    ssl: false,
    sslmode: 'disable',
    connectionTimeoutMillis: 0,
    passfile: '/nonexistent-home/.pgpass',
    // No options given: a lone space, which the server reads as none (and pg then reads no PGOPTIONS).
    options: ' ',
    application_name: 'pgindex/x',
  });
  const env = {
    PGHOST: 'envhost',
    PGPORT: '6000',
    PGUSER: 'envuser',
    PGPASSWORD: 'envpw',
    PGDATABASE: 'envdb',
    PGAPPNAME: 'envapp',
    PGCONNECT_TIMEOUT: '7',
    PGSSLMODE: 'require',
    PGOPTIONS: '-c work_mem=8MB',
  };
  assert.deepEqual(clientConfig(target(undefined, env), 'pgindex plan'), {
    host: 'envhost',
    port: 6000,
    user: 'envuser',
    database: 'envdb',
    ssl: { rejectUnauthorized: false },
    sslmode: 'require',
    connectionTimeoutMillis: 7000,
    password: 'envpw',
    options: '-c work_mem=8MB',
    application_name: 'envapp',
  });
  const mixed = clientConfig(target('postgres://u@h/d?application_name=mine&sslmode=disable', env), 'pgindex plan');
  assert.deepEqual([mixed.host, mixed.port, mixed.user, mixed.database, mixed.password, mixed.application_name, mixed.ssl], ['h', 6000, 'u', 'd', 'envpw', 'mine', false]);
  const bare = clientConfig(target(undefined, { PGPASSFILE: '/x/pgpass' }));
  assert.equal(bare.host, 'localhost');
  assert.equal(bare.port, 5432);
  assert.equal(bare.database, bare.user);
  assert.equal(bare.passfile, '/x/pgpass');
  assert.equal(bare.sslmode, 'prefer');
  assert.equal(bare.application_name, undefined);
});

test('connect_timeout as libpq reads it: whole seconds, 0 or less waits forever, 1 counts as 2', () => {
  const ms = (v: string) => clientConfig(target(undefined, { PGCONNECT_TIMEOUT: v })).connectionTimeoutMillis;
  assert.deepEqual(['0', '-3', '1', '2', '10'].map(ms), [0, 0, 2000, 2000, 10_000]);
  // libpq takes any int; Node's timers stop at 2^31-1 ms (a longer one fires at once, with a warning).
  assert.deepEqual(['2147483', '2147484', '99999999', '2147483647'].map(ms), [2_147_483_000, 2_147_483_647, 2_147_483_647, 2_147_483_647]);
  assert.throws(() => ms('1.5'), /^ConnectionError: PGCONNECT_TIMEOUT must be a whole number of seconds$/);
  assert.throws(() => clientConfig(target('connect_timeout=soon')), /connect_timeout \(from --db\) must be a whole number/);
  assert.throws(() => clientConfig(target(undefined, { PGPORT: 'x' })), /^ConnectionError: PGPORT must be a port number from 1 to 65535$/);
  assert.throws(() => clientConfig(target('host=a,b')), /several hosts are not supported/);
});

test('sslmode as libpq: prefer (default) and require do not verify, allow starts plain, verify-* need a root certificate', () => {
  const ssl = (conninfo: string, env: NodeJS.ProcessEnv = {}) => {
    const c = clientConfig(target(conninfo, env));
    return [c.sslmode, c.ssl];
  };
  assert.deepEqual(ssl('host=h'), ['prefer', { rejectUnauthorized: false }]);
  assert.deepEqual(ssl('host=h', { PGSSLMODE: 'disable' }), ['disable', false]);
  assert.deepEqual(ssl('host=h sslmode=allow', { PGSSLMODE: 'disable' }), ['allow', false]);
  assert.deepEqual(ssl('postgres://h/d?sslmode=require'), ['require', { rejectUnauthorized: false }]);
  // SSL is not used over a Unix socket, whatever the mode.
  assert.deepEqual(ssl('host=/tmp sslmode=require'), ['disable', false]);
  assert.throws(() => ssl('host=h sslmode=verify-full'), /^ConnectionError: sslmode verify-full needs a root certificate .*\/nonexistent-home\/\.postgresql\/root\.crt does not exist; give sslrootcert=FILE/);
  assert.throws(() => ssl('host=h sslmode=prefered'), /^ConnectionError: sslmode \(from --db\) must be one of disable, allow, prefer, require, verify-ca, verify-full, not "prefered"$/);
  assert.throws(() => ssl('host=h sslmode=verify-ca sslrootcert=/nonexistent/ca.pem'), /^ConnectionError: cannot read the root certificate \/nonexistent\/ca\.pem \(sslrootcert\): no such file$/);

  const dir = mkdtempSync(join(tmpdir(), 'pgindex-ssl-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), 'CERT');
    const [, verifyCa] = ssl('host=h sslmode=verify-ca', { PGSSLROOTCERT: join(dir, 'ca.pem') }) as [string, Record<string, unknown>];
    assert.equal(verifyCa.ca, 'CERT');
    assert.equal(verifyCa.rejectUnauthorized, true);
    assert.equal(typeof verifyCa.checkServerIdentity, 'function');
    const [, verifyFull] = ssl(`postgres://h/d?sslmode=verify-full&sslrootcert=${encodeURIComponent(join(dir, 'ca.pem'))}`);
    assert.deepEqual(verifyFull, { rejectUnauthorized: true, ca: 'CERT' });
    assert.deepEqual(ssl('host=h sslmode=verify-full sslrootcert=system'), ['verify-full', { rejectUnauthorized: true }]);
    // libpq: require with a root certificate at hand verifies it, as verify-ca does.
    mkdirSync(join(dir, '.postgresql'));
    writeFileSync(join(dir, '.postgresql', 'root.crt'), 'HOMECERT');
    const [, require] = ssl('host=h sslmode=require', { HOME: dir }) as [string, Record<string, unknown>];
    assert.equal(require.ca, 'HOMECERT');
    assert.equal(require.rejectUnauthorized, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the password file: first matching line, * wildcards, \\: escapes, comments; a socket or empty host is localhost', () => {
  const text = [
    '# comment',
    'other:5432:*:*:no',
    'db\\:host:5432:app:alice:escaped',
    '*:5433:*:bob:pw\\:with\\\\colon:ignored',
    'localhost:5432:*:carol:local',
    '*:*:*:*:fallback',
    '',
  ].join('\n');
  const key = (host: string, port: number, database: string, user: string) => ({ host, port, database, user });
  assert.equal(matchPgpass(text, key('db:host', 5432, 'app', 'alice')), 'escaped');
  assert.equal(matchPgpass(text, key('anywhere', 5433, 'x', 'bob')), 'pw:with\\colon');
  assert.equal(matchPgpass(text, key('/var/run/postgresql', 5432, 'x', 'carol')), 'local');
  assert.equal(matchPgpass(text, key('', 5432, 'x', 'carol')), 'local');
  assert.equal(matchPgpass(text, key('db', 5432, 'app', 'alice')), 'fallback');
  assert.equal(matchPgpass('h:5432:d:u:pw\r\n', key('h', 5432, 'd', 'u')), 'pw');
  assert.equal(matchPgpass('h:5432:d:u\n', key('h', 5432, 'd', 'u')), undefined);
  assert.equal(matchPgpass('h:5432:d:uu:pw\n', key('h', 5432, 'd', 'u')), undefined);
});

test('the password file is read only when its owner alone may read it, as libpq requires', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-pgpass-'));
  try {
    const file = join(dir, 'pgpass');
    const key = { host: 'h', port: 5432, database: 'd', user: 'u' };
    writeFileSync(file, 'h:5432:d:u:pw\n');
    chmodSync(file, 0o600);
    assert.deepEqual(await passwordFromFile(file, key), { password: 'pw' });
    chmodSync(file, 0o400);
    assert.deepEqual(await passwordFromFile(file, key), { password: 'pw' });
    chmodSync(file, 0o640);
    assert.deepEqual(await passwordFromFile(file, key), {
      note: `password file ${file} has group or world access and was not read; permissions should be u=rw (0600) or less`,
    });
    assert.deepEqual(await passwordFromFile(join(dir, 'missing'), key), {});
    assert.deepEqual(await passwordFromFile(dir, key), { note: `password file ${dir} is not a plain file; it was not read` });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('passwords are redacted from URLs and keyword strings', () => {
  assert.equal(redact('cannot reach postgres://alice:s3cret@db:5432/app'), 'cannot reach postgres://alice:***@db:5432/app');
  assert.equal(redact("host=db password='a b' user=x"), 'host=db password=*** user=x');
  assert.equal(redact('host=db password=plain user=x'), 'host=db password=*** user=x');
  assert.equal(redact('postgres://bob@db/app'), 'postgres://bob@db/app');
});

test('a described target names user, host, port and database but never the password', () => {
  assert.equal(describeTarget(clientConfig(target('postgres://alice:s3cret@db.example:6543/app'))), 'alice@db.example:6543/app');
  assert.equal(describeTarget(clientConfig(target('host=/tmp user=u dbname=d'))), 'u@socket /tmp:5432/d');
  assert.equal(describeTarget({ connectionString: 'postgres://alice:s3cret@db.example:6543/app' }), 'alice@db.example:6543/app');
});
