import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachPartitionSql, createIndexSql, dropInvalidIndexSql, rawPredicateProblem } from '../../../src/plan/sql.js';

const orders = { schema: 'public', name: 'orders' };

test('CREATE INDEX with the fewest clauses', () => {
  assert.equal(
    createIndexSql({ name: 'orders_status_btree_idx', table: orders, method: 'btree', keys: [{ column: 'status', opclass: null }] }),
    'CREATE INDEX orders_status_btree_idx ON public.orders USING btree (status)',
  );
});

test('CREATE UNIQUE INDEX CONCURRENTLY with every clause, in PostgreSQL order', () => {
  assert.equal(
    createIndexSql({
      name: 'orders_email_btree_uniq',
      table: orders,
      method: 'btree',
      keys: [{ column: 'email', opclass: { schema: 'pg_catalog', name: 'text_pattern_ops' } }],
      unique: true,
      concurrently: true,
      include: ['id', 'Total'],
      tablespace: 'fast ssd',
      where: '  deleted_at IS NULL ',
    }),
    'CREATE UNIQUE INDEX CONCURRENTLY orders_email_btree_uniq ON public.orders USING btree (email text_pattern_ops) ' +
      'INCLUDE (id, "Total") TABLESPACE "fast ssd" WHERE deleted_at IS NULL',
  );
});

test('an operator class outside pg_catalog is schema-qualified; a bare one is quoted as needed', () => {
  assert.equal(
    createIndexSql({ name: 'p_name_gin_idx', table: orders, method: 'gin', keys: [{ column: 'name', opclass: { schema: 'ext', name: 'gin_trgm_ops' } }] }),
    'CREATE INDEX p_name_gin_idx ON public.orders USING gin (name ext.gin_trgm_ops)',
  );
  assert.equal(
    createIndexSql({ name: 'i', table: orders, method: 'gin', keys: [{ column: 'tags', opclass: { schema: null, name: 'Odd Ops' } }] }),
    'CREATE INDEX i ON public.orders USING gin (tags "Odd Ops")',
  );
});

test('ON ONLY for the index of a partitioned table alone', () => {
  assert.equal(
    createIndexSql({ name: 'events_at_brin_idx', table: { schema: 'app', name: 'events' }, method: 'brin', keys: [{ column: 'at', opclass: null }], only: true }),
    'CREATE INDEX events_at_brin_idx ON ONLY app.events USING brin (at)',
  );
});

test('awkward identifiers are quoted everywhere', () => {
  assert.equal(
    createIndexSql({
      name: 'Ta"ble_bıgınt_btree_idx',
      table: { schema: 'My Schema', name: 'Ta"ble' },
      method: 'btree',
      keys: [{ column: 'bıgınt', opclass: null }],
      include: ['select'],
    }),
    'CREATE INDEX "Ta""ble_bıgınt_btree_idx" ON "My Schema"."Ta""ble" USING btree ("bıgınt") INCLUDE ("select")',
  );
});

test('an index needs a key column', () => {
  assert.throws(() => createIndexSql({ name: 'i', table: orders, method: 'btree', keys: [] }), /at least one key/);
});

test('DROP INDEX CONCURRENTLY IF EXISTS and ALTER INDEX ATTACH PARTITION', () => {
  assert.equal(dropInvalidIndexSql({ schema: 'public', name: 'orders_status_btree_idx' }), 'DROP INDEX CONCURRENTLY IF EXISTS public.orders_status_btree_idx');
  assert.equal(
    attachPartitionSql({ schema: 'public', name: 'orders_status_btree_idx' }, { schema: 'parts', name: 'Orders 2024_status_btree_idx' }),
    'ALTER INDEX public.orders_status_btree_idx ATTACH PARTITION parts."Orders 2024_status_btree_idx"',
  );
});

test('a raw predicate must be one expression', () => {
  assert.equal(rawPredicateProblem('deleted_at IS NULL'), null);
  assert.equal(rawPredicateProblem("note <> ';' AND note <> '--' AND \"we;ird\" > 0"), null);
  assert.equal(rawPredicateProblem('$$;$$ <> b AND $x$ -- $x$ <> c AND $x$ /* $x$ <> d'), null);
  assert.equal(rawPredicateProblem('(a > 0) AND (b < 1)'), null);
  assert.equal(rawPredicateProblem("note <> E'it\\'s; fine' AND note <> E'\\\\'"), null);
  assert.equal(rawPredicateProblem("note <> U&'d\\0061t;a' AND x <> 'back\\slash'"), null);
  assert.match(rawPredicateProblem('a > 0; DROP TABLE t') ?? '', /`;` is not allowed/);
  assert.match(rawPredicateProblem('a > 0 -- positive') ?? '', /comments are not allowed/);
  assert.match(rawPredicateProblem('a > 0 /* positive */') ?? '', /comments are not allowed/);
  assert.match(rawPredicateProblem("a = 'open") ?? '', /unterminated quoted string/);
  assert.match(rawPredicateProblem('a = "open') ?? '', /unterminated quoted identifier/);
  assert.match(rawPredicateProblem('a = $$open') ?? '', /unterminated dollar/);
  assert.match(rawPredicateProblem('a = $t$open$$') ?? '', /unterminated dollar/);
  assert.match(rawPredicateProblem('(a > 0') ?? '', /unbalanced/);
  assert.match(rawPredicateProblem('a > 0)') ?? '', /unbalanced/);
  assert.match(rawPredicateProblem('a > 0) OR (b > 0') ?? '', /unbalanced/);
  assert.match(rawPredicateProblem('a /* x') ?? '', /unterminated \/\*/);
  assert.match(rawPredicateProblem('a > 0 \\! rm -rf /') ?? '', /backslash/);
});

test('a raw predicate cannot hide a statement behind an escape or a nested comment', () => {
  // E'\'' is one string holding a quote: read with standard quoting rules, the `;` would look quoted.
  assert.match(rawPredicateProblem("x = E'\\'' ; DROP TABLE t ; SELECT E'\\''") ?? '', /`;` is not allowed/);
  assert.match(rawPredicateProblem("x = E'\\\\' ; DROP TABLE t ; SELECT 'a'") ?? '', /`;` is not allowed/);
  // Block comments nest: `/* /* */ ; */` is one comment, `/* /* */ ;` an unterminated one.
  assert.match(rawPredicateProblem('x = 1 /* /* */ ; */') ?? '', /comments are not allowed/);
  assert.match(rawPredicateProblem('x = 1 /* /* */ ; DROP TABLE t') ?? '', /unterminated \/\*/);
  // A dollar quote holds anything up to its own tag; a different tag does not close it.
  assert.match(rawPredicateProblem('x = $a$ $b$ ; $a$ ; DROP TABLE t') ?? '', /`;` is not allowed/);
  assert.equal(rawPredicateProblem('x = $a$ $b$ ; $a$'), null);
  // `$1$` is a parameter followed by `$`, not a tag, and `a$b` is one identifier.
  assert.match(rawPredicateProblem('x = $1$ ; $1$') ?? '', /`;` is not allowed/);
  assert.match(rawPredicateProblem('a$b = 1 ; $b$') ?? '', /`;` is not allowed/);
});
