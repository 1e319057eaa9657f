import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../../src/cli/main.js';
import { capture, CLI_PATH } from '../../support/cli.js';

test('--version prints the package version', async () => {
  const c = capture();
  assert.equal(await main(['--version'], c.io), 0);
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(c.out(), pkg.version + '\n');
});

test('--help lists every command and the exit codes', async () => {
  const c = capture();
  assert.equal(await main(['--help'], c.io), 0);
  assert.match(c.out(), /Usage: pgindex <command>/);
  assert.match(c.out(), /validate\s+check plan files/);
  assert.match(c.out(), /Exit codes: 0 success, 1 error/);
});

test('an unknown command or option is one line with the nearest name, exit 1, and no help dump', async () => {
  const cases: [string[], string][] = [
    [['frobnicate'], 'pgindex: unknown command "frobnicate" (see pgindex --help)\n'],
    [['aply', 'plan.yaml'], 'pgindex: unknown command "aply", did you mean apply? (see pgindex --help)\n'],
    [['--hlep'], 'pgindex: unknown option --hlep, did you mean --help? (see pgindex --help)\n'],
    [['validate', '--nope', 'x.yaml'], 'pgindex validate: unknown option --nope (see pgindex validate --help)\n'],
    [['plan', 'x.yaml', '--explian'], 'pgindex plan: unknown option --explian, did you mean --explain? (see pgindex plan --help)\n'],
    [['plan', 'x.yaml', '-explain'], 'pgindex plan: unknown option -explain, did you mean --explain? (see pgindex plan --help)\n'],
    [['apply', 'x.yaml', '--dryrun'], 'pgindex apply: unknown option --dryrun, did you mean --dry-run? (see pgindex apply --help)\n'],
    [['run', '--lock-timout', '1s', 'x.sql'], 'pgindex run: unknown option --lock-timout, did you mean --lock-timeout? (see pgindex run --help)\n'],
    [['plan', 'x.yaml', '-x'], 'pgindex plan: unknown option -x (see pgindex plan --help)\n'],
    // Bad values are as short.
    [['plan', 'x.yaml', '-h'], 'pgindex plan: option -h (--host) needs a value (see pgindex plan --help)\n'],
    [['plan', 'x.yaml', '--explain=yes'], 'pgindex plan: option --explain takes no value (see pgindex plan --help)\n'],
    [['plan', 'x.yaml', '--format', 'yaml'], 'pgindex plan: --format must be sql, json or markdown, not "yaml" (see pgindex plan --help)\n'],
    [['plan'], 'pgindex plan: name a plan file (see pgindex plan --help)\n'],
    [['apply', 'x.yaml', '-j', 'many'], 'pgindex apply: -j must be a positive integer, not "many" (see pgindex apply --help)\n'],
    [['run', '--retries', 'x', 'f.sql'], 'pgindex run: --retries must be a whole number, not "x" (see pgindex run --help)\n'],
    [['plan', 'x.yaml', '-d', 'a', '--db', 'b'], 'pgindex plan: -d (--dbname) and --db are one option: give it once (see pgindex plan --help)\n'],
    [['plan', 'x.yaml', '-W', '-w'], 'pgindex plan: -W (--password) and -w (--no-password) exclude each other (see pgindex plan --help)\n'],
  ];
  for (const [argv, expected] of cases) {
    const c = capture();
    assert.equal(await main(argv, c.io), 1, argv.join(' '));
    assert.equal(c.err(), expected, argv.join(' '));
    assert.equal(c.out(), '', argv.join(' '));
  }
});

test('help is -? or --help, never -h: -h is the host, as in psql', async () => {
  for (const argv of [['-?'], ['--help'], ['help']]) {
    const c = capture();
    assert.equal(await main(argv, c.io), 0, argv.join(' '));
    assert.match(c.out(), /^pgindex: a declarative index-build planner/);
  }
  for (const command of ['validate', 'plan', 'apply', 'run']) {
    for (const flag of ['-?', '--help']) {
      const c = capture();
      assert.equal(await main([command, flag], c.io), 0);
      assert.match(c.out(), new RegExp(`^Usage: pgindex ${command} `));
      assert.match(c.out(), /-\?, --help/);
    }
  }
  // At the top, -h needs a command, as psql's needs its value: an error, not help.
  const top = capture();
  assert.equal(await main(['-h'], top.io), 1);
  assert.equal(top.out(), '');
  assert.equal(top.err(), 'pgindex: -h (the server host) goes after a command that connects, as in pgindex plan PLAN.yaml -h HOST; help is -? or --help\n');
  // A command that connects to nothing says so.
  const v = capture();
  assert.equal(await main(['validate', 'x.yaml', '-h', 'db'], v.io), 1);
  assert.match(v.err(), /^pgindex validate: unknown option -h \(this command connects to no server; help is -\? or --help\)/);
});

test('-W refuses at once when stdin is not a terminal: no password is read from a pipe', async () => {
  const c = capture({ stdin: 'secret\n' });
  assert.equal(await main(['plan', 'x.yaml', '-W'], c.io), 1);
  assert.equal(
    c.err(),
    'pgindex plan: -W cannot ask for the password: standard input is not a terminal (give it in PGPASSWORD, the password file or the connection string) (see pgindex plan --help)\n',
  );
});

test('an invalid input file is printed as its FILE:LINE:COL problems, as is, by the one error boundary', async () => {
  for (const command of ['plan', 'apply']) {
    const c = capture();
    assert.equal(await main([command, 'no/such/plan.yaml'], c.io), 1);
    assert.equal(c.err(), 'no/such/plan.yaml:1:1: cannot read plan file: no such file\n');
    assert.equal(c.out(), '');
  }
});

test('a reader that goes away (pgindex … | head) ends nothing with a stack trace: the command finishes, exit 0', async () => {
  const cli = CLI_PATH;
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const files = Array.from({ length: 2000 }, () => 'examples/film.yaml');
  const child = spawn(process.execPath, [cli, 'validate', ...files], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // Read the first chunk, then close the pipe while the command is still writing.
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(stderr, '');
  assert.equal(code, 0);
});

test('plan --help and apply --help document --allow-empty and its exit code', async () => {
  for (const command of ['plan', 'apply']) {
    const c = capture();
    assert.equal(await main([command, '--help'], c.io), 0);
    assert.match(c.out(), /\[--allow-empty\]/, command);
    assert.match(c.out(), /--allow-empty\s+a plan whose entries match no table at all/, command);
    assert.match(c.out(), /a plan that matches no\s+table \(without\s+--allow-empty\)/, command);
  }
});
