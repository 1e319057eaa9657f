/**
 * `pgindex export`'s argument errors, which need no database: each a one-line usage error, exit 1,
 * nothing on stdout. (The export itself runs on a real server: test/integration/cli/export.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../../../support/cli.js';

// No variables: a connection attempt would go to libpq's defaults, which these cases never reach.
const run = (...argv: string[]) => runCli(['export', ...argv], { env: {} });

test('export: a file argument, an empty --schema, --table or -o, and a --table that is not a name are usage errors', async () => {
  const cases: [string[], RegExp][] = [
    [['plan.yaml'], /^pgindex export: export takes no file to read, got "plan\.yaml" \(write where with -o FILE\) \(see pgindex export --help\)\n$/],
    [['--schema', ''], /^pgindex export: --schema needs a value that is not empty/],
    [['--table', ''], /^pgindex export: --table needs a value that is not empty/],
    [['-o', ''], /^pgindex export: -o \(--output\) needs a value that is not empty/],
    [['--table', 'a.b.c'], /^pgindex export: --table "a\.b\.c": "a\.b\.c" has more than one unquoted dot.*\(see pgindex export --help\)\n$/],
    [['--schema', '"unterminated'], /^pgindex export: --schema "\\"unterminated": unterminated double quote in ""unterminated" \(see/],
    [['--schema', 'a.b'], /^pgindex export: --schema "a\.b": a schema name has no unquoted dot \(see/],
  ];
  for (const [argv, expected] of cases) {
    const r = await run(...argv);
    assert.equal(r.code, 1, argv.join(' '));
    assert.equal(r.out, '');
    assert.match(r.err, expected);
  }
});
