/**
 * quoteIdent round trip on a real server: every keyword PostgreSQL knows, and names with mixed case,
 * spaces, double quotes and non-ASCII characters, come back from the catalog exactly as given.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { quoteIdent, quoteQualified } from '../../../src/sql/quote.js';
import { createIndexSql } from '../../../src/plan/sql.js';

let db: TestDatabase;
before(async () => {
  db = await testDatabase('pgindex_quote');
});
after(async () => {
  await db?.drop();
});

test('every keyword works as a column and an index name, bare or quoted as quoteIdent decides', async () => {
  const { rows } = await db.query<{ word: string; catcode: string }>('SELECT word, catcode FROM pg_get_keywords() ORDER BY word');
  assert.ok(rows.length > 400);
  for (const { word, catcode } of rows) {
    // Reserved and type/function-name keywords are not valid bare column names: they must be quoted.
    if (catcode === 'R' || catcode === 'T') assert.notEqual(quoteIdent(word), word, `${word} (${catcode}) must be quoted`);
  }
  await db.query('BEGIN');
  try {
    await db.query(`CREATE TABLE kw (${rows.map((r) => `${quoteIdent(r.word)} integer`).join(', ')})`);
    const cols = await db.query<{ attname: string }>(`SELECT attname FROM pg_attribute WHERE attrelid = 'kw'::regclass AND attnum > 0 ORDER BY attnum`);
    assert.deepEqual(cols.rows.map((r) => r.attname), rows.map((r) => r.word));
    for (const { word } of rows) {
      await db.query(createIndexSql({ name: word, table: { schema: 'public', name: 'kw' }, method: 'btree', keys: [{ column: word, opclass: null }] }));
    }
    const ix = await db.query<{ relname: string }>(`SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'kw'::regclass ORDER BY 1`);
    assert.deepEqual(ix.rows.map((r) => r.relname), rows.map((r) => r.word).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  } finally {
    await db.query('ROLLBACK');
  }
});

test('awkward names round-trip as schema, table, column, domain and index names', async () => {
  const names = ['Mixed Case', 'with space', 'say "hi"', '"', 'bıgınt', 'ÄÖÜ', '日付', "it's", 'a.b', '$x', '1st', 'select', 'user', 'Order'];
  for (const [i, name] of names.entries()) {
    const schema = `${name} schema`;
    const table = { schema, name };
    const domain = { schema, name: `${name}_d` };
    await db.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await db.query(`CREATE DOMAIN ${quoteQualified(domain)} AS bigint`);
    await db.query(`CREATE TABLE ${quoteQualified(table)} (${quoteIdent(name)} ${quoteQualified(domain)}, other integer)`);
    await db.query(`INSERT INTO ${quoteQualified(table)} VALUES (${i}, 1)`);
    const indexName = `${name}_idx`;
    await db.query(
      createIndexSql({ name: indexName, table, method: 'btree', keys: [{ column: name, opclass: null }], include: ['other'], concurrently: true }),
    );
    const { rows } = await db.query<{ nspname: string; table: string; attname: string; typname: string; index: string }>(
      `SELECT n.nspname, c.relname AS table, a.attname, t.typname, ic.relname AS index
         FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = 1
         JOIN pg_type t ON t.oid = a.atttypid
         JOIN pg_index i ON i.indrelid = c.oid
         JOIN pg_class ic ON ic.oid = i.indexrelid
        WHERE n.nspname = $1`,
      [schema],
    );
    assert.deepEqual(rows, [{ nspname: schema, table: name, attname: name, typname: `${name}_d`, index: indexName }], name);
  }
});
