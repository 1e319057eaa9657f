import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setupMessage, writtenBlock } from '../../../src/db/session-setup.js';

test("a SQL file's leading settings as one DO block that EXECUTEs each as written, in order", () => {
  const written = ['SET statement_timeout = 0', "SET client_encoding = 'UTF8'", "SELECT pg_catalog.set_config('search_path', '', false)"];
  assert.equal(
    writtenBlock(written),
    "DO $pgindex$BEGIN\nEXECUTE 'SET statement_timeout = 0';\nEXECUTE 'SET client_encoding = ''UTF8''';\nEXECUTE 'SELECT pg_catalog.set_config(''search_path'', '''', false)';\nEND$pgindex$",
  );
});

test('a statement holding the dollar-quote tag gets another tag; one statement is a block too, none is no block', () => {
  const block = writtenBlock(["SET application_name = '$pgindex$'", "SET application_name = '$pgindex1$ \\ x'"]) ?? '';
  assert.ok(block.startsWith('DO $pgindex2$BEGIN\n') && block.endsWith('END$pgindex2$'), block);
  // A backslash is kept whatever standard_conforming_strings says.
  assert.ok(block.includes("EXECUTE E'SET application_name = ''$pgindex1$ \\\\ x''';"), block);
  assert.equal(writtenBlock(['SET lock_timeout = 0']), "DO $pgindex$BEGIN\nEXECUTE 'SET lock_timeout = 0';\nEND$pgindex$");
  assert.equal(writtenBlock([]), null);
});

test("a connect's one message: pgindex's own statements and the file's block in the order given, then the backend pid", () => {
  const own = ["SET lock_timeout = '1s'", "SET statement_timeout = '7s'"];
  const written = ["SET lock_timeout = '2s'"];
  const block = "DO $pgindex$BEGIN\nEXECUTE 'SET lock_timeout = ''2s''';\nEND$pgindex$";
  assert.equal(setupMessage({ own, written, order: 'own-first' }), `${own.join(';\n')};\n${block};\nselect pg_backend_pid() as pid`);
  assert.equal(setupMessage({ own, written, order: 'written-first' }), `${block};\n${own.join(';\n')};\nselect pg_backend_pid() as pid`);
  assert.equal(setupMessage({ own: [], written: [], order: 'own-first' }), 'select pg_backend_pid() as pid');
});
