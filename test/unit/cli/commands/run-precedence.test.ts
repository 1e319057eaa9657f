/**
 * `pgindex run` connects while it reads, loads its runner and parses the file; what it reports is
 * still the file's problem first, then the connection's. Nothing listens on port 1: connecting
 * fails at once, and no server is needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH } from '../../../support/cli.js';

const NOWHERE = 'postgres://nobody@127.0.0.1:1/x';

function run(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_PATH, 'run', '-y', ...args], { cwd, env: { PATH: process.env.PATH ?? '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Runs `body` in a new temporary directory, removed afterwards. */
async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-run-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('run: a file refused once parsed (transaction control) is reported at its place, not the connection that failed meanwhile', () =>
  inTempDir(async (dir) => {
    writeFileSync(join(dir, 'tx.sql'), 'CREATE INDEX i ON t (a);\nBEGIN;\n');
    assert.deepEqual(await run(dir, 'tx.sql', '-d', NOWHERE), {
      code: 1,
      stdout: '',
      stderr: 'tx.sql:2:1: transaction control (BEGIN) is not possible: every statement runs on its own session, in autocommit mode\n',
    });
  }));

test('run: a file that cannot be read is reported as such; a good file meets the connection error', () =>
  inTempDir(async (dir) => {
    assert.deepEqual(await run(dir, 'missing.sql', '-d', NOWHERE), { code: 1, stdout: '', stderr: 'pgindex run: cannot read missing.sql: no such file\n' });
    writeFileSync(join(dir, 'good.sql'), 'CREATE INDEX i ON t (a);\n');
    assert.deepEqual(await run(dir, 'good.sql', '-d', NOWHERE), {
      code: 1,
      stdout: '',
      stderr: 'pgindex run: cannot connect to nobody@127.0.0.1:1/x: connect ECONNREFUSED 127.0.0.1:1\n',
    });
  }));
