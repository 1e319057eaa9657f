import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../../src/cli/main.js';
import { capture } from '../../support/cli.js';

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

test('an unknown command or option is an error that shows the usage', async () => {
  const c = capture();
  assert.equal(await main(['frobnicate'], c.io), 1);
  assert.match(c.err(), /unknown command "frobnicate"/);
  const d = capture();
  assert.equal(await main(['validate', '--nope', 'x.yaml'], d.io), 1);
  assert.match(d.err(), /Unknown option '--nope'/);
  assert.match(d.err(), /Usage: pgindex validate/);
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
  const cli = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
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
    assert.match(c.out(), /a plan that matches no table \(without --allow-empty\)/, command);
  }
});
