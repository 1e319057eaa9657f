import { test } from 'node:test';
import assert from 'node:assert/strict';
import { positionInFile, splitSql } from '../../../src/sql/split.js';
import { InputError } from '../../../src/errors.js';

const sqls = (text: string) => splitSql(text, 'f.sql').map((s) => s.sql);

function problems(text: string): string[] {
  try {
    splitSql(text, 'f.sql');
  } catch (err) {
    assert.ok(err instanceof InputError, `expected InputError, got ${String(err)}`);
    return err.problems.map((p) => `${p.pos.line}:${p.pos.col} ${p.message}`);
  }
  assert.fail('expected the splitter to reject the text');
}

test('plain statements split on semicolons, empty ones dropped, last one without semicolon kept', () => {
  assert.deepEqual(sqls('select 1; select 2;;\n\n select 3'), ['select 1', 'select 2', 'select 3']);
  assert.deepEqual(sqls(''), []);
  assert.deepEqual(sqls('  ;\n-- only a comment\n/* and another */'), []);
});

test('semicolons inside single-quoted strings, with doubled quotes', () => {
  assert.deepEqual(sqls("select 'a;b', 'it''s; fine'; select 2"), ["select 'a;b', 'it''s; fine'", 'select 2']);
});

test("E'' strings: a backslash escapes the quote; in a standard string it does not", () => {
  assert.deepEqual(sqls("select E'a\\';b'; select 2"), ["select E'a\\';b'", 'select 2']);
  assert.deepEqual(sqls("select e'\\\\'; select 2"), ["select e'\\\\'", 'select 2']);
  // standard_conforming_strings: 'a\' is a complete string holding a backslash
  assert.deepEqual(sqls("select 'a\\'; select 2"), ["select 'a\\'", 'select 2']);
  // a word ending in e before a quote is not an E prefix
  assert.deepEqual(sqls("select some_e'x;'; select 2"), ["select some_e'x;'", 'select 2']);
});

test('B, X, N and U& strings, and U& identifiers', () => {
  assert.deepEqual(sqls("select B'1;0', X'1;F', N'a;b', U&'d\\0061;t'; select 2"), ["select B'1;0', X'1;F', N'a;b', U&'d\\0061;t'", 'select 2']);
  assert.deepEqual(sqls('select 1 as U&"a;b"; select 2'), ['select 1 as U&"a;b"', 'select 2']);
});

test('double-quoted identifiers may hold semicolons, quotes and dashes', () => {
  assert.deepEqual(sqls('create table "a;b""c--d" (x int); select 1'), ['create table "a;b""c--d" (x int)', 'select 1']);
});

test('dollar quotes, with and without tags, nested differently tagged', () => {
  const fn = `create function f() returns int language plpgsql as $body$
begin
  perform 'x;y';
  return $$;$$::text::int; -- $$ inside
end
$body$`;
  assert.deepEqual(sqls(fn + ';\nselect 1;'), [fn, 'select 1']);
  assert.deepEqual(sqls('select $$a;b$$; select $x$ $$ ; $x$;'), ['select $$a;b$$', 'select $x$ $$ ; $x$']);
});

test('$1 parameters and identifiers containing $ are not dollar quotes', () => {
  assert.deepEqual(sqls('prepare p as select $1; select a$b$c from t; select 3'), ['prepare p as select $1', 'select a$b$c from t', 'select 3']);
});

test('line comments and nested block comments hide semicolons', () => {
  assert.deepEqual(sqls('select 1 -- no; split\n, 2; /* a /* nested; */ still; comment */ select 3'), ['select 1 -- no; split\n, 2', 'select 3']);
  assert.deepEqual(sqls("select '--not a comment;'; select 2"), ["select '--not a comment;'", 'select 2']);
});

test('a comment before a statement is not part of it, so positions point at its first token', () => {
  const out = splitSql('-- heading\n\n  /* x */ create index on t (a);\nselect 1', 'f.sql');
  assert.deepEqual(out.map((s) => [s.sql, s.line, s.col]), [
    ['create index on t (a)', 3, 11],
    ['select 1', 4, 1],
  ]);
});

test('semicolons inside parentheses do not split (CREATE RULE ... DO (a; b))', () => {
  const rule = 'create rule r as on insert to t do also (insert into u values (1); insert into v values (2))';
  assert.deepEqual(sqls(rule + '; select 1'), [rule, 'select 1']);
});

test('BEGIN ATOMIC bodies of SQL-standard functions and procedures stay whole', () => {
  const fn = `CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;
  SELECT a + 1;
END`;
  assert.deepEqual(sqls(fn + ';\nselect 2;'), [fn, 'select 2']);
  const proc = 'create procedure p() begin atomic insert into t values (1); end';
  assert.deepEqual(sqls(proc + '; select 2'), [proc, 'select 2']);
  // outside a routine definition BEGIN is just a statement
  assert.deepEqual(sqls('begin; select 1; end;'), ['begin', 'select 1', 'end']);
});

test('columns count characters, not UTF-16 units, and a BOM is ignored', () => {
  const out = splitSql('\uFEFFselect 1;\nselect \'😀\'; select 2', 'f.sql');
  assert.deepEqual(out.map((s) => [s.line, s.col]), [
    [1, 1],
    [2, 1],
    [2, 13],
  ]);
});

test('psql meta-commands are errors at FILE:LINE:COL, all of them listed', () => {
  assert.deepEqual(problems('select 1;\n\\connect other\nselect 2;\n  \\gset'), [
    '2:1 psql meta-command \\connect cannot be run by pgindex run',
    '4:3 psql meta-command \\gset cannot be run by pgindex run',
  ]);
  // a backslash inside a string or a comment is no meta-command
  assert.deepEqual(sqls("select '\\x'; -- \\c\nselect 2"), ["select '\\x'", 'select 2']);
});

test('unterminated strings, identifiers, dollar quotes and comments are reported where they open', () => {
  assert.deepEqual(problems("select 1;\nselect 'abc"), ['2:8 unterminated quoted string']);
  assert.deepEqual(problems('select "abc'), ['1:8 unterminated quoted identifier']);
  assert.deepEqual(problems('select 1;\n  select $fn$ body'), ['2:10 unterminated dollar-quoted string $fn$']);
  assert.deepEqual(problems('select 1 /* a /* b */'), ['1:10 unterminated /* comment']);
  assert.deepEqual(problems("select E'a\\'"), ['1:8 unterminated quoted string']);
});

test('problems of a file come in file order: a COPY FROM STDIN before a meta-command is listed first', () => {
  assert.deepEqual(problems('copy t from stdin;\nselect 1;\n\\set x 1\nselect 2;'), [
    '1:1 COPY … FROM STDIN needs psql to send the data',
    '3:1 psql meta-command \\set cannot be run by pgindex run',
  ]);
});

test('COPY FROM STDIN needs psql', () => {
  assert.deepEqual(problems('select 1;\ncopy t (a) from stdin;'), ['2:1 COPY … FROM STDIN needs psql to send the data']);
  assert.deepEqual(sqls("copy t to '/tmp/x'"), ["copy t to '/tmp/x'"]);
});

test("the server's error position maps back into the file", () => {
  const [, stmt] = splitSql('select 1;\n  create index on t\n    (nosuch);', 'f.sql');
  assert.ok(stmt);
  assert.deepEqual(positionInFile(stmt, undefined), { line: 2, col: 3 });
  assert.deepEqual(positionInFile(stmt, 1), { line: 2, col: 3 });
  // "nosuch" starts at character 24 of the statement text
  assert.equal(stmt.sql.indexOf('nosuch') + 1, 24);
  assert.deepEqual(positionInFile(stmt, 24), { line: 3, col: 6 });
});
