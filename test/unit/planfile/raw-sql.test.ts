/**
 * The plan's raw SQL checked offline by PostgreSQL's own parser (libpg-query), each error at the
 * character of the plan file the parser points at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlanFile, parsePlanText } from '../../../src/planfile/load.js';
import { rawSqlFields, sourceOffset } from '../../../src/planfile/raw-sql.js';
import { planSchema } from '../../../src/planfile/schema.js';
import { fragmentSyntaxError, loadSqlParser } from '../../../src/sql/parse.js';
import { InputError, formatProblem } from '../../../src/errors.js';

const lines = (...l: string[]) => l.join('\n') + '\n';

/** A plan of one table whose columns are the given YAML lines (already indented as column entries). */
const planWith = (...columns: string[]) => lines('version: 1', 'tables:', '  - name: orders', '    columns:', ...columns);

async function problems(text: string): Promise<string[]> {
  const sql = await loadSqlParser();
  try {
    parsePlanText(text, 'plan.yaml', { sql });
  } catch (err) {
    if (err instanceof InputError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}

test('the parser: statements counted, the server\'s message, the position in JavaScript string units', async () => {
  const p = await loadSqlParser();
  assert.equal(await loadSqlParser(), p, 'loaded once');
  assert.deepEqual(p.parse('SELECT 1; SELECT 2'), { statements: 2 });
  assert.deepEqual(p.parse('  '), { statements: 0 });
  assert.deepEqual(p.parse('SELECT 1 WHERE total > AND'), { error: { message: 'syntax error at or near "AND"', offset: 23 } });
  // 😀 is one character to the parser and two code units to JavaScript.
  const sql = 'SELECT 1 WHERE "😀" > AND';
  const r = p.parse(sql);
  assert.ok('error' in r);
  assert.equal(sql.slice(r.error.offset), 'AND');
  assert.deepEqual(p.parse("SELECT 'abc"), { error: { message: 'unterminated quoted string at or near "\'abc"', offset: 7 } });
});

test('fragmentSyntaxError: positions within the fragment, the end of input at its last character, a second statement refused', async () => {
  const p = await loadSqlParser();
  const before = 'CREATE INDEX ON t (k) WHERE ';
  assert.equal(fragmentSyntaxError(p, { before, text: "status <> 'void' AND total > 0" }), null);
  assert.deepEqual(fragmentSyntaxError(p, { before, text: 'total > AND' }), { message: 'syntax error at or near "AND"', offset: 8 });
  assert.deepEqual(fragmentSyntaxError(p, { before, text: 'total >  ' }), { message: 'syntax error at end of input', offset: 7 });
  // What CREATE INDEX ... WHERE cannot be followed by, though a SELECT's WHERE could.
  assert.deepEqual(fragmentSyntaxError(p, { before, text: 'x > 0 ORDER BY 1' }), { message: 'syntax error at or near "ORDER"', offset: 6 });
  assert.deepEqual(fragmentSyntaxError(p, { before, text: "x <> ';' ; DROP TABLE t" }), {
    message: '`;` is not allowed: it must be a single expression',
    offset: 9,
  });
  // An expression in parentheses, as an index expression will be (issue 10).
  assert.deepEqual(fragmentSyntaxError(p, { before: 'CREATE INDEX ON t ((', text: 'lower(email', after: '))' }), {
    message: 'syntax error at end of input',
    offset: 11,
  });
});

test('sourceOffset: verbatim values, escapes, block and folded scalars', () => {
  assert.equal(sourceOffset('total > AND', 8, '"total > AND"'), 9);
  assert.equal(sourceOffset('a > 1 AND\nb = ORDER\n', 14, '|\n          a > 1 AND\n          b = ORDER\n'), 36);
  // Folded: the line break became a space; the third AND is the third AND written.
  const folded = '>\n  a AND b\n  AND AND\n';
  assert.equal(sourceOffset('a AND b AND AND\n', 12, folded), folded.lastIndexOf('AND'));
  // An escape before the error: found by the word, not verbatim.
  assert.equal(sourceOffset("x = 'éé' AND AND", 13, "\"x = 'é\\u00e9' AND AND\""), 19);
  // The end of input: just after the last word.
  assert.equal(sourceOffset('a >\nb >\n', 7, '|\n  a >\n  b >\n'), 13);
  assert.equal(sourceOffset('AND', 0, '"\\x41ND"'), null);
});

test('validate-time problems: each at the character the parser points at, whatever the YAML style', async () => {
  assert.deepEqual(
    await problems(
      planWith(
        '      - name: total', //                       5
        '        where: "total > AND"', //              6
        '      - name: status', //                      7
        '        where: total >', //                    8
        '      - name: a', //                           9
        '        where: |', //                          10
        '          a > 1 AND', //                       11
        '          b = ORDER', //                       12
        '      - name: b', //                           13
        "        where: 'a >= ''x'' AND AND'", //       14
        '      - name: c', //                           15
        '        where: >', //                          16
        '          a > 1 AND', //                       17
        '          b > 2 AND AND', //                   18
      ),
    ),
    [
      'plan.yaml:6:25: where: syntax error at or near "AND"',
      'plan.yaml:8:23: where: syntax error at end of input',
      'plan.yaml:12:15: where: syntax error at or near "ORDER"',
      'plan.yaml:14:32: where: syntax error at or near "AND"',
      'plan.yaml:18:21: where: syntax error at or near "AND"',
    ],
  );
});

test('the lexical rules of a where are checked offline too, before the grammar', async () => {
  assert.deepEqual(
    await problems(
      planWith(
        '      - name: a', //                             5
        '        where: x > 1 -- a note', //              6
        '      - name: b', //                             7
        "        where: x > 1; DROP TABLE orders", //     8
        '      - name: c', //                             9
        '        where: x IN (1, 2', //                   10
        '      - name: d', //                             11
        "        where: x = 'open", //                    12
      ),
    ),
    [
      'plan.yaml:6:16: where: comments are not allowed',
      'plan.yaml:8:16: where: `;` is not allowed: it must be a single expression',
      'plan.yaml:10:16: where: unbalanced parentheses',
      'plan.yaml:12:16: where: unterminated quoted string',
    ],
  );
});

test('valid predicates pass, alongside the other problems of a file, which are all reported together', async () => {
  assert.deepEqual(
    await problems(planWith('      - name: a', "        where: status <> 'void' AND (total > 0 OR note IS NULL) AND tags @> '{x}'::text[]")),
    [],
  );
  assert.deepEqual(await problems(lines('version: 1', 'parallelism: 0', 'tables:', '  - name: t', '    columns:', '      - name: a', '        where: a = = 1')), [
    'plan.yaml:2:14: parallelism must be an integer >= 1, got 0',
    'plan.yaml:7:20: where: syntax error at or near "="',
  ]);
});

test('after a YAML syntax error, raw SQL after it is not judged (the parser\'s recovery decides what it holds)', async () => {
  const got = await problems(lines('version: 1', 'tables:', '  - name: "t', '    columns:', '      - name: a', '        where: a > AND'));
  assert.ok(got.every((p) => p.includes('YAML:')), got.join('\n'));
});

test('parsePlanText without a parser leaves the syntax of raw SQL to the server, as before', () => {
  const plan = parsePlanText(planWith('      - name: a', '        where: a > AND'), 'plan.yaml');
  const columns = plan.tables[0]?.columns;
  assert.ok(Array.isArray(columns));
  assert.equal(columns[0]?.where, 'a > AND');
});

test('loadPlanFile checks raw SQL with the parser: the file\'s problem at its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgindex-raw-sql-'));
  try {
    writeFileSync(join(dir, 'bad.yaml'), planWith('      - name: total', '        where: "total > AND"'));
    await assert.rejects(loadPlanFile('bad.yaml', { cwd: dir }), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.deepEqual(err.problems.map(formatProblem), ['bad.yaml:6:25: where: syntax error at or near "AND"']);
      return true;
    });
    writeFileSync(join(dir, 'good.yaml'), planWith('      - name: total', '        where: total > 0'));
    const plan = await loadPlanFile('good.yaml', { cwd: dir });
    assert.equal(plan.tables.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every field the schema documents as raw SQL is checked', () => {
  const rawSqlKeys: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const props = (node as { properties?: Record<string, { description?: string }> }).properties ?? {};
    for (const [key, value] of Object.entries(props)) if (/raw SQL/i.test(value.description ?? '')) rawSqlKeys.push(key);
    Object.values(node).forEach(walk);
  };
  walk(planSchema());
  assert.deepEqual(rawSqlKeys, ['where'], 'a new raw SQL field of the schema: check it in rawSqlFields (src/planfile/raw-sql.ts)');
  const data = { version: 1, tables: [{ name: 't', columns: ['a', { name: 'b', where: 'b > 0' }] }, { name: 'u', columns: [{ name: 'c', where: 'c' }] }] };
  assert.deepEqual(
    rawSqlFields(data).map((f) => [f.pointer, f.text]),
    [
      ['/tables/0/columns/1/where', 'b > 0'],
      ['/tables/1/columns/0/where', 'c'],
    ],
  );
});
