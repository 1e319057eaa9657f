/**
 * psql's connection flags (-h, -p, -U, -d NAME, -W's password), the service file and `options`, as
 * src/db/connection.ts resolves them: each setting is the first of a flag, the connection string, the
 * service, the PG* variable, libpq's default.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseConnection, clientConfig, describeSource } from '../../../src/db/connection.js';
import { isConnectionString, parseConninfo } from '../../../src/db/conninfo.js';
import { DEFAULT_SYSCONFDIR, parseServiceFile, readService, serviceFiles } from '../../../src/db/service.js';
import { ConnectionError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'pgindex-service-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A pg_service.conf in a directory of its own under the test's. */
function serviceFile(name: string, text: string): string {
  mkdirSync(join(dir, name), { recursive: true });
  const file = join(dir, name, 'pg_service.conf');
  writeFileSync(file, text);
  return file;
}

/** An environment with no home files of the caller's and no system service file. */
const quiet = (env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HOME: join(dir, 'no-home'), PGSYSCONFDIR: join(dir, 'no-sysconf'), ...env });

test('-d takes a bare database name as psql does; a URL or anything with "=" is a connection string', () => {
  assert.equal(isConnectionString('app'), false);
  assert.equal(isConnectionString('my-db_2'), false);
  assert.equal(isConnectionString('postgres://h/app'), true);
  assert.equal(isConnectionString('postgresql://h/app'), true);
  assert.equal(isConnectionString('mysql://h/app'), true, 'a wrong scheme is refused as one, not taken for a name');
  assert.equal(isConnectionString('dbname=app'), true);
  assert.equal(isConnectionString('host=h dbname=app'), true);

  // A bare name is a flag: the string comes from further down the list.
  const env = { DATABASE_URL: 'postgres://env@h/envdb' };
  assert.deepEqual(chooseConnection({ flag: 'app', env }), { source: 'DATABASE_URL', conninfo: env.DATABASE_URL, flags: { dbname: 'app' }, env });
  assert.deepEqual(chooseConnection({ flag: 'app', env: {} }), { source: 'PG* environment', flags: { dbname: 'app' }, env: {} });
  assert.deepEqual(chooseConnection({ flag: 'dbname=x', env }), { source: '--db', conninfo: 'dbname=x', env });
  // Flags not given are left out.
  assert.deepEqual(chooseConnection({ flags: { host: 'h', port: undefined }, env: {} }), { source: 'PG* environment', flags: { host: 'h' }, env: {} });
});

test('flags override the connection string setting by setting, which overrides the PG* variables', () => {
  const env = quiet({ PGHOST: 'envhost', PGPORT: '6000', PGUSER: 'envuser', PGDATABASE: 'envdb', PGPASSWORD: 'envpw' });
  const target = chooseConnection({
    flag: 'postgres://urluser:urlpw@urlhost:5433/urldb',
    flags: { host: 'flaghost', user: 'flaguser' },
    env,
  });
  const c = clientConfig(target);
  assert.deepEqual([c.host, c.port, c.user, c.database, c.password], ['flaghost', 5433, 'flaguser', 'urldb', 'urlpw']);
  assert.equal(describeSource(target), '--db with -h, -U');

  // -d NAME with DATABASE_URL: the name replaces the URL's database and nothing else.
  const named = chooseConnection({ flag: 'other', flags: { port: '7000' }, env: { ...env, DATABASE_URL: 'postgres://u@h:5433/d' } });
  const n = clientConfig(named);
  assert.deepEqual([n.host, n.port, n.user, n.database], ['h', 7000, 'u', 'other']);
  assert.equal(describeSource(named), 'DATABASE_URL with -p, -d');

  // Flags alone, over the PG* variables; -W's password over PGPASSWORD.
  const alone = chooseConnection({ flags: { port: '7001', password: 'typed' }, env });
  const a = clientConfig(alone);
  assert.deepEqual([a.host, a.port, a.user, a.database, a.password], ['envhost', 7001, 'envuser', 'envdb', 'typed']);
  assert.equal(describeSource(alone), '-p, -W and the PG* environment');
  assert.equal(describeSource(chooseConnection({ env })), 'PG* environment');

  // -h names the host to connect to, even where the string says hostaddr.
  const h = clientConfig(chooseConnection({ flag: 'hostaddr=10.0.0.1 dbname=d', flags: { host: 'flaghost' }, env: quiet() }));
  assert.equal(h.host, 'flaghost');
});

test('a bad flag value is named by its flag', () => {
  const port = (flags: { port: string }) => () => clientConfig(chooseConnection({ flags, env: quiet() }));
  assert.throws(port({ port: '0' }), /^ConnectionError: -p \(--port\) must be a port number from 1 to 65535$/);
  assert.throws(port({ port: 'abc' }), /^ConnectionError: -p \(--port\) must be a port number/);
  assert.throws(() => clientConfig(chooseConnection({ flags: { host: 'a,b' }, env: quiet() })), /^ConnectionError: -h \(--host\): several hosts are not supported/);
});

test('options= is sent as libpq sends it and overrides PGOPTIONS; with neither, nothing for the server to read', () => {
  const env = quiet({ PGOPTIONS: '-c work_mem=8MB' });
  assert.equal(clientConfig({ source: 'PG* environment', env }).options, '-c work_mem=8MB');
  assert.equal(clientConfig({ source: '--db', conninfo: "options='-c search_path=app'", env }).options, '-c search_path=app');
  assert.equal(clientConfig({ source: '--db', conninfo: 'postgres://h/d?options=-c%20search_path%3Dapp', env }).options, '-c search_path=app');
  assert.equal(clientConfig({ source: 'PG* environment', env: quiet() }).options, ' ');
  assert.deepEqual(parseConninfo("options='-c a=b -c c=d'"), { options: '-c a=b -c c=d' });
});

test('pg_service.conf as libpq reads it: [sections], keyword=value, comments, the first value wins, other sections unread', () => {
  const text = [
    '# a comment',
    '[other]',
    'this line is not read',
    '',
    '  [prod]  ',
    'host=db.example.com',
    '  port=6432   ',
    'dbname=app',
    'host=ignored-second-value',
    "options=-c search_path=app",
    '[after]',
    'host=not-prod',
  ].join('\n');
  assert.deepEqual(parseServiceFile(text, 'prod', 'f'), { host: 'db.example.com', port: '6432', dbname: 'app', options: '-c search_path=app' });
  assert.equal(parseServiceFile(text, 'missing', 'f'), null);
  assert.deepEqual(parseServiceFile('[empty]\n', 'empty', 'f'), {});

  const bad = (body: string) => () => parseServiceFile(`[s]\n${body}\n`, 's', '/etc/x.conf');
  assert.throws(bad('password'), /^ConnectionError: syntax error in service file \/etc\/x.conf, line 2: expected keyword=value$/);
  assert.throws(bad('service=other'), /nested service specifications are not supported \(service file \/etc\/x.conf, line 2\)/);
  assert.throws(bad('sslcert=/x.crt'), /^ConnectionError: unsupported keyword "sslcert" in service file \/etc\/x.conf, line 2/);
  // "host = x": libpq reads the keyword "host ", and so does pgindex: no spaces around "=".
  assert.throws(bad('host = x'), /unsupported keyword "host " in service file .*no spaces around "="/);
  // A value is never in a message: it could be a password.
  assert.throws(bad('pasword=SECRET'), (err: unknown) => err instanceof ConnectionError && !err.message.includes('SECRET'));
});

test('the service files, in libpq order: PGSERVICEFILE or ~/.pg_service.conf, then PGSYSCONFDIR or the Debian default', () => {
  assert.deepEqual(serviceFiles({ PGSERVICEFILE: '/a/services' }, '/home/me'), ['/a/services', `${DEFAULT_SYSCONFDIR}/pg_service.conf`]);
  assert.deepEqual(serviceFiles({ PGSYSCONFDIR: '/etc/pg' }, '/home/me'), ['/home/me/.pg_service.conf', '/etc/pg/pg_service.conf']);
  assert.equal(DEFAULT_SYSCONFDIR, '/etc/postgresql-common');

  const user = serviceFile('user', '[mine]\nhost=userhost\n[both]\nhost=from-user\n');
  const system = serviceFile('system', '[both]\nhost=from-system\n[sys]\nhost=syshost\nport=6543\n');
  const env = { PGSERVICEFILE: user, PGSYSCONFDIR: join(dir, 'system') };
  assert.deepEqual(readService('mine', env, undefined), { name: 'mine', file: user, values: { host: 'userhost' } });
  assert.equal(readService('both', env, undefined).values.host, 'from-user', 'the first file with the service wins');
  assert.deepEqual(readService('sys', env, undefined), { name: 'sys', file: system, values: { host: 'syshost', port: '6543' } });

  // ~/.pg_service.conf without PGSERVICEFILE.
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, '.pg_service.conf'), '[homesvc]\ndbname=fromhome\n');
  assert.deepEqual(readService('homesvc', { PGSYSCONFDIR: join(dir, 'system') }, home).values, { dbname: 'fromhome' });

  // Unknown: every file looked in, and whether it exists.
  assert.throws(
    () => readService('nope', { PGSERVICEFILE: join(dir, 'missing.conf'), PGSYSCONFDIR: join(dir, 'system') }, undefined),
    (err: unknown) => {
      assert.ok(err instanceof ConnectionError);
      assert.equal(
        err.message,
        `definition of service "nope" not found; looked in ${join(dir, 'missing.conf')} (does not exist), ${system} ` +
          '(PGSERVICEFILE names the user file, PGSYSCONFDIR the directory of the system one)',
      );
      return true;
    },
  );
});

test("a service's values fill what the string and the flags leave out, and override the PG* variables", () => {
  const file = serviceFile('layered', '[app]\nhost=svchost\nport=6000\nuser=svcuser\ndbname=svcdb\nsslmode=disable\noptions=-c work_mem=4MB\n');
  const env = quiet({ PGSERVICEFILE: file, PGHOST: 'envhost', PGPORT: '5999', PGPASSWORD: 'envpw', PGOPTIONS: '-c work_mem=1MB' });
  // PGSERVICE names it.
  const viaEnv = clientConfig(chooseConnection({ env: { ...env, PGSERVICE: 'app' } }));
  assert.deepEqual(
    [viaEnv.host, viaEnv.port, viaEnv.user, viaEnv.database, viaEnv.sslmode, viaEnv.options, viaEnv.password],
    ['svchost', 6000, 'svcuser', 'svcdb', 'disable', '-c work_mem=4MB', 'envpw'],
  );
  // service= in the string names it; the string's own settings and the flags win over it.
  const layered = clientConfig(chooseConnection({ flag: 'service=app dbname=strdb', flags: { port: '7000' }, env }));
  assert.deepEqual([layered.host, layered.port, layered.user, layered.database], ['svchost', 7000, 'svcuser', 'strdb']);
  // In a URL, and over PGSERVICE.
  const url = clientConfig(chooseConnection({ flag: 'postgres://urlhost/?service=app', env: { ...env, PGSERVICE: 'nope' } }));
  assert.deepEqual([url.host, url.port, url.database], ['urlhost', 6000, 'svcdb']);
  // A value from the service that is wrong says where it came from.
  const badPort = serviceFile('badport', '[p]\nport=99999\n');
  assert.throws(
    () => clientConfig(chooseConnection({ env: quiet({ PGSERVICEFILE: badPort, PGSERVICE: 'p' }) })),
    new RegExp(`^ConnectionError: port \\(from service "p" in ${badPort.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\) must be a port number`),
  );
  // An unknown service is an error, not silently the PG* variables.
  assert.throws(() => clientConfig(chooseConnection({ env: quiet({ PGSERVICE: 'ghost' }) })), /definition of service "ghost" not found; looked in .*no-home\/\.pg_service\.conf \(does not exist\)/);
});
