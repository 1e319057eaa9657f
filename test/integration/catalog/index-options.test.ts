/**
 * What the snapshot reads of an index beyond its keys, for complete definitions (issue 10): its
 * storage parameters (pg_class.reloptions, as the server keeps them) and NULLS NOT DISTINCT
 * (pg_index.indnullsnotdistinct, which PostgreSQL 15 added), and the definition shown in conflicts,
 * which must read as pg_get_indexdef does.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { takeSnapshot } from '../../../src/catalog/snapshot.js';
import { planFile, tableSpec } from '../../support/plan-file.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';

let db: TestDatabase;
before(async () => {
  db = await testDatabase();
  await db.query(`
    create table opts (id int, a int, b text, tags int[], at timestamptz);
    create index opts_plain on opts (a);
    create index opts_ff on opts (a) with (fillfactor = 70, deduplicate_items = off);
    create unique index opts_nnd on opts (a, id) nulls not distinct;
    create index opts_gin on opts using gin (tags) with (fastupdate = false, gin_pending_list_limit = 128);
    create index opts_brin on opts using brin (at) with (pages_per_range = 32, autosummarize = on);
  `);
});
after(async () => {
  await db?.drop();
});

test('storage parameters and NULLS NOT DISTINCT are read, and shown in the definition as pg_get_indexdef writes it', async () => {
  const snap = await takeSnapshot(db.client, planFile([tableSpec('opts', 'all')], { lockTimeoutMs: 0 }));
  const indexes = snap.tables.find((t) => t.name === 'opts')?.indexes ?? [];
  const read = Object.fromEntries(indexes.map((i) => [i.name, [i.storage ?? null, i.nullsNotDistinct ?? false]]));
  assert.deepEqual(read, {
    opts_brin: [['pages_per_range=32', 'autosummarize=on'], false],
    opts_ff: [['fillfactor=70', 'deduplicate_items=off'], false],
    opts_gin: [['fastupdate=false', 'gin_pending_list_limit=128'], false],
    opts_nnd: [null, true],
    opts_plain: [null, false],
  });
  const { rows } = await db.query<{ name: string; def: string }>(
    "select c.relname as name, pg_get_indexdef(c.oid) as def from pg_index i join pg_class c on c.oid = i.indexrelid where i.indrelid = 'opts'::regclass",
  );
  const ours = new Map(indexes.map((i) => [i.name, i.definition]));
  for (const r of rows) assert.equal(ours.get(r.name), r.def, r.name);
});
