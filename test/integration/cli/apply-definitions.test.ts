/**
 * `pgindex apply` of complete index definitions (issue 10), through the runner rather than psql: the
 * issue's example and a partitioned table's expression index are built as planned, each index then
 * reads back from pg_get_indexdef as the plan wrote it, and planning again finds nothing to do.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-apply-defs-'));
  await db.query(`
    create table orders (id int, customer_id int, created_at timestamptz, email text, uid int, amount numeric, status text, ts timestamptz);
    insert into orders select g, g % 50, now() - g * interval '1 minute', 'U' || g || '@x', g, g, 's' || (g % 3), now() from generate_series(1, 2000) g;
    create table events (id int, kind text, at date) partition by range (at);
    create table events_2025 partition of events for values from ('2025-01-01') to ('2026-01-01');
    create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01');
    insert into events select g, 'K' || (g % 5), date '2025-06-01' + (g % 400) from generate_series(1, 2000) g;
    analyze;
  `);
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const PLAN = `version: 1
parallelism: 3
tables:
  - name: orders
    indexes:
      - columns: [customer_id, {name: created_at, order: desc, nulls: last}]
      - columns: [{expression: "lower(email)"}]
        name: orders_email_lower_idx
      - columns: [uid]
        unique: true
        nulls_not_distinct: true
      - columns: [amount]
        include: [status]
        where: "amount > 0"
        with: {fillfactor: 70}
      - columns: [{name: email, opclass: text_pattern_ops, collation: "C"}]
      - columns: [ts]
        method: brin
        with: {pages_per_range: 32}
  - name: events
    indexes:
      - columns: [{expression: "upper( kind )", nulls: first}, at]
        name: events_kind_at
`;

test('apply builds every definition as written; pg_get_indexdef agrees; planning again finds nothing to do', async () => {
  writeFileSync(join(dir, 'plan.yaml'), PLAN);
  const applied = await runCli(['apply', 'plan.yaml', '-d', db.url], { cwd: dir });
  assert.equal(applied.code, 0, applied.out + applied.err);
  const { rows } = await db.query<{ name: string; def: string; valid: boolean }>(
    `select c.relname as name, pg_get_indexdef(c.oid) as def, i.indisvalid as valid
       from pg_index i join pg_class c on c.oid = i.indexrelid
      where i.indrelid in ('orders'::regclass, 'events'::regclass) order by 1`,
  );
  assert.deepEqual(rows, [
    { name: 'events_kind_at', def: 'CREATE INDEX events_kind_at ON ONLY public.events USING btree (upper(kind) NULLS FIRST, at)', valid: true },
    { name: 'orders_amount_btree_idx', def: "CREATE INDEX orders_amount_btree_idx ON public.orders USING btree (amount) INCLUDE (status) WITH (fillfactor='70') WHERE (amount > (0)::numeric)", valid: true },
    {
      name: 'orders_customer_id_created_at_desc_nulls_last_btree_idx',
      def: 'CREATE INDEX orders_customer_id_created_at_desc_nulls_last_btree_idx ON public.orders USING btree (customer_id, created_at DESC NULLS LAST)',
      valid: true,
    },
    { name: 'orders_email_btree_idx', def: 'CREATE INDEX orders_email_btree_idx ON public.orders USING btree (email COLLATE "C" text_pattern_ops)', valid: true },
    { name: 'orders_email_lower_idx', def: 'CREATE INDEX orders_email_lower_idx ON public.orders USING btree (lower(email))', valid: true },
    { name: 'orders_ts_brin_idx', def: "CREATE INDEX orders_ts_brin_idx ON public.orders USING brin (ts) WITH (pages_per_range='32')", valid: true },
    { name: 'orders_uid_btree_uniq', def: 'CREATE UNIQUE INDEX orders_uid_btree_uniq ON public.orders USING btree (uid) NULLS NOT DISTINCT', valid: true },
  ]);
  // Each partition has its index, attached to the parent's.
  const { rows: parts } = await db.query<{ n: number }>(
    "select count(*)::int as n from pg_inherits where inhparent = 'events_kind_at'::regclass",
  );
  assert.equal(parts[0]?.n, 2);
  const again = await runCli(['plan', 'plan.yaml', '-d', db.url, '--detailed-exitcode'], { cwd: dir });
  assert.equal(again.code, 0, again.out + again.err);
  assert.match(again.out, /nothing to do/i);
});
