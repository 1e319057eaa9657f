import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseConnection, clientConfig, parseKeywordConninfo, redact, describeTarget } from '../../src/db/connection.js';

test('connection precedence: --db, then DATABASE_URL, then the plan, then PG* variables', () => {
  const env = { DATABASE_URL: 'postgres://env@h/db' };
  assert.deepEqual(chooseConnection({ flag: 'postgres://flag@h/db', env, plan: 'postgres://plan@h/db' }), {
    source: '--db',
    conninfo: 'postgres://flag@h/db',
  });
  assert.equal(chooseConnection({ env, plan: 'postgres://plan@h/db' }).source, 'DATABASE_URL');
  assert.equal(chooseConnection({ env: {}, plan: 'postgres://plan@h/db' }).source, 'plan connection');
  assert.deepEqual(chooseConnection({ env: {} }), { source: 'PG* environment' });
});

test('libpq keyword/value strings are parsed, quotes and escapes included', () => {
  assert.deepEqual(parseKeywordConninfo("host=localhost port=5433 dbname='my db' password='it\\'s'"), {
    host: 'localhost',
    port: '5433',
    dbname: 'my db',
    password: "it's",
  });
  assert.deepEqual(parseKeywordConninfo(" host = db  password=a\\ b user=''"), { host: 'db', password: 'a b', user: '' });
  const cfg = clientConfig({ source: '--db', conninfo: 'host=/tmp port=5433 dbname=app user=u sslmode=disable' }, 'pgindex/x');
  assert.deepEqual(cfg, { host: '/tmp', port: 5433, database: 'app', user: 'u', application_name: 'pgindex/x' });
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

test('passwords are redacted from URLs and keyword strings', () => {
  assert.equal(redact('cannot reach postgres://alice:s3cret@db:5432/app'), 'cannot reach postgres://alice:***@db:5432/app');
  assert.equal(redact("host=db password='a b' user=x"), 'host=db password=*** user=x');
  assert.equal(redact('host=db password=plain user=x'), 'host=db password=*** user=x');
  assert.equal(redact('postgres://bob@db/app'), 'postgres://bob@db/app');
});

test('a described target names user, host, port and database but never the password', () => {
  const text = describeTarget(clientConfig({ source: '--db', conninfo: 'postgres://alice:s3cret@db.example:6543/app' }));
  assert.equal(text, 'alice@db.example:6543/app');
});
