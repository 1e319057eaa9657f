/**
 * A NUL character in a plan's name reaches no query: `plan` and `apply` report it at its place in the
 * plan, as `validate` does, instead of failing on the catalog query and printing it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;
before(async () => {
  db = await testDatabase('pgindex_nul');
  dir = mkdtempSync(join(tmpdir(), 'pgindex-nul-'));
  await db.query('CREATE TABLE t (a int, b text)');
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

test('a NUL in a table name, a glob or a column is an error at its plan position for plan and apply; no SQL is shown', async () => {
  const path = join(dir, 'nul.yaml');
  writeFileSync(path, 'version: 1\ntables:\n  - name: "t\\0x"\n    columns: [a]\n  - name: "t*\\0"\n    columns: all\n  - name: t\n    columns: ["b\\0"]\n');
  const expected =
    `${path}:3:11: name contains a NUL character (U+0000), which PostgreSQL does not allow in names or SQL: "t\\u0000x"\n` +
    `${path}:5:11: name contains a NUL character (U+0000), which PostgreSQL does not allow in names or SQL: "t*\\u0000"\n` +
    `${path}:8:15: columns[0] contains a NUL character (U+0000), which PostgreSQL does not allow in names or SQL: "b\\u0000"\n`;
  for (const args of [['plan'], ['apply'], ['apply', '--dry-run']]) {
    const r = await runCli([...args, path, '-d', db.url]);
    assert.deepEqual(r, { code: 1, out: '', err: expected }, args.join(' '));
  }
});
