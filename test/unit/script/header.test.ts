import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headerBlock } from '../../../src/script/header.js';
import { splitSql } from '../../../src/sql/split.js';

test('the leading settings as one DO block that EXECUTEs each as written, in order', () => {
  const header = splitSql("SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\nSELECT pg_catalog.set_config('search_path', '', false);", 'x.sql');
  assert.equal(
    headerBlock(header),
    "DO $pgindex$BEGIN\nEXECUTE 'SET statement_timeout = 0';\nEXECUTE 'SET client_encoding = ''UTF8''';\nEXECUTE 'SELECT pg_catalog.set_config(''search_path'', '''', false)';\nEND$pgindex$",
  );
});

test('a statement holding the dollar-quote tag gets another tag; one statement or none is left as it is', () => {
  const header = splitSql("SET application_name = '$pgindex$';\nSET application_name = '$pgindex1$ \\ x'", 'x.sql');
  const block = headerBlock(header) ?? '';
  assert.ok(block.startsWith('DO $pgindex2$BEGIN\n') && block.endsWith('END$pgindex2$'), block);
  // A backslash is kept whatever standard_conforming_strings says.
  assert.ok(block.includes("EXECUTE E'SET application_name = ''$pgindex1$ \\\\ x''';"), block);
  assert.equal(headerBlock(splitSql('SET lock_timeout = 0', 'x.sql')), null);
  assert.equal(headerBlock([]), null);
});
