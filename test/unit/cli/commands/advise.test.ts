/**
 * `pgindex advise`'s argument errors and `--queries` of plan, apply and advise, which need no
 * database: the files are read before connecting, so a bad one is said first, with nothing on
 * stdout. (Advising itself runs on a real server: test/integration/advisor/workload-auto.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../support/cli.js';

test('advise: a file argument, an empty --schema, --table, -o or --queries are usage errors', async () => {
  const cases: [string[], RegExp][] = [
    [['q.sql'], /^pgindex advise: advise takes no file to read, got "q\.sql" \(queries with --queries FILE, write where with -o FILE\) \(see pgindex advise --help\)\n$/],
    [['--schema', ''], /^pgindex advise: --schema needs a value that is not empty/],
    [['--table', ''], /^pgindex advise: --table needs a value that is not empty/],
    [['-o', ''], /^pgindex advise: -o \(--output\) needs a value that is not empty/],
    [['--queries', ''], /^pgindex advise: --queries needs a file name that is not empty/],
  ];
  for (const [argv, expected] of cases) {
    const r = await runCli(['advise', ...argv], { env: {} });
    assert.equal(r.code, 1, argv.join(' '));
    assert.equal(r.out, '');
    assert.match(r.err, expected);
  }
});

test('--queries FILE that cannot be read: plan, apply and advise say which, before connecting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-queries-'));
  try {
    writeFileSync(join(dir, 'plan.yaml'), 'version: 1\ntables:\n  - name: "shop.*"\n    indexes: auto\n');
    for (const argv of [['plan', 'plan.yaml'], ['apply', 'plan.yaml'], ['advise']]) {
      // Port 1 on localhost: a connection attempt would fail with another message.
      const r = await runCli([...argv, '--queries', 'missing.sql', '-d', 'postgres://127.0.0.1:1/x'], { env: {}, cwd: dir });
      assert.equal(r.code, 1, argv.join(' '));
      assert.equal(r.out, '');
      assert.equal(r.err, `pgindex ${argv[0]}: cannot read --queries missing.sql: no such file or directory\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
