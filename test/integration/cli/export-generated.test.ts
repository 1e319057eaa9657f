/**
 * The round trip of issue 10 at scale: a generated schema of 300 indexes (a fixed seed, so every run
 * builds the same one) mixing every feature a plan can declare, on plain and partitioned tables:
 * exported, planned (nothing to do), every exported index dropped, the export applied, and
 * pg_get_indexdef of each exported index as before, names included. PostgreSQL 18 and 15.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli, type CliResult } from '../../support/cli.js';
import { parsePlanText } from '../../../src/planfile/load.js';
import { parseIdentifier } from '../../../src/catalog/names.js';

const TABLES = 30;
const PER_TABLE = 10;
/** Every PARTITIONED-th table is partitioned (by range of a), with two partitions. */
const PARTITIONED = 7;

let db: TestDatabase;
let dir: string;

/** A small linear congruential generator: the same schema on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** The CREATE statements of the generated schema; `nnd`: the server has NULLS NOT DISTINCT. */
function generate(nnd: boolean): string[] {
  const r = random(20261129);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  const chance = (p: number) => r() < p;
  const out: string[] = [];
  for (let n = 0; n < TABLES; n++) {
    const table = `gen_${String(n).padStart(2, '0')}`;
    const partitioned = n % PARTITIONED === 0;
    out.push(
      `create table ${table} (id int, a int, b int, t text, u text, ts timestamptz, arr int[], doc jsonb, rng tsrange, pt point)` +
        (partitioned ? ' partition by range (a)' : ''),
    );
    if (partitioned) {
      out.push(`create table ${table}_p0 partition of ${table} for values from (0) to (1000)`);
      out.push(`create table ${table}_p1 partition of ${table} for values from (1000) to (2000)`);
      out.push(`create index ${table}_p1_local on ${table}_p1 (t, b desc)`);
    }
    const seen = new Set<string>();
    let made = 0;
    while (made < PER_TABLE) {
      const def = indexDefinition(table, partitioned, nnd, pick, chance);
      if (seen.has(def)) continue;
      seen.add(def);
      out.push(def.replace('{name}', `${table}_ix${made}`));
      made++;
    }
  }
  return out;
}

type Pick = <T>(list: readonly T[]) => T;

function indexDefinition(table: string, partitioned: boolean, nnd: boolean, pick: Pick, chance: (p: number) => boolean): string {
  const method = pick(['btree', 'btree', 'btree', 'btree', 'hash', 'gin', 'gist', 'spgist', 'brin'] as const);
  const where = chance(0.25) ? ` where ${pick(['a > 10', "t <> 'x'", 'b is not null', "a % 3 = 1 and u like 'k%'"])}` : '';
  const on = `create ${'{unique}'}index {name} on ${table} using ${method}`;
  switch (method) {
    case 'btree': {
      const count = pick([1, 1, 2, 2, 3]);
      const keys: string[] = [];
      const used = new Set<string>();
      while (keys.length < count) {
        const base = pick(['a', 'b', 't', 'u', 'ts', '(lower(t))', '((a + b))', "(coalesce(u, 'none'))"]);
        if (used.has(base)) continue;
        used.add(base);
        const text = base === 't' || base === 'u' || base === '(lower(t))' || base.startsWith('(coalesce');
        let key = base;
        if (text && chance(0.3)) key += pick([' collate "C"', ' collate "POSIX"']);
        if (text && chance(0.2)) key += ' text_pattern_ops';
        if (chance(0.3)) key += pick([' desc', ' desc nulls last', ' nulls first', ' asc']);
        keys.push(key);
      }
      const include = chance(0.25) ? ` include (${pick(['id', 'pt', 'id, doc'])})` : '';
      const unique = !partitioned && !include && chance(0.2);
      const nulls = unique && nnd && chance(0.5) ? ' nulls not distinct' : '';
      const withs = chance(0.3) ? ` with (${pick(['fillfactor = 70', 'deduplicate_items = off', 'fillfactor = 95, deduplicate_items = on'])})` : '';
      return on.replace('{unique}', unique ? 'unique ' : '') + ` (${keys.join(', ')})${include}${nulls}${withs}${where}`;
    }
    case 'hash':
      return on.replace('{unique}', '') + ` (${pick(['a', 't', 'ts', '(lower(u))'])})${chance(0.3) ? ' with (fillfactor = 60)' : ''}${where}`;
    case 'gin':
      return (
        on.replace('{unique}', '') +
        ` (${pick(['arr', 'doc', 'doc jsonb_path_ops'])})${chance(0.4) ? ` with (${pick(['fastupdate = off', 'gin_pending_list_limit = 256', 'fastupdate = on, gin_pending_list_limit = 128'])})` : ''}${where}`
      );
    case 'gist':
      return (
        on.replace('{unique}', '') +
        ` (${pick(['rng', 'pt', 'rng, pt'])})${chance(0.3) ? ' include (id)' : ''}${chance(0.4) ? ` with (${pick(['buffering = on', 'fillfactor = 80', 'buffering = off'])})` : ''}${where}`
      );
    case 'spgist':
      return on.replace('{unique}', '') + ` (${pick(['pt', 't', 'rng'])})${chance(0.3) ? ' with (fillfactor = 70)' : ''}${where}`;
    case 'brin':
      return (
        on.replace('{unique}', '') +
        ` (${pick(['ts', 'a', 'a, ts', 'b'])})${chance(0.5) ? ` with (${pick(['pages_per_range = 16', 'autosummarize = on', 'pages_per_range = 64, autosummarize = off'])})` : ''}${where}`
      );
  }
}

before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-export-gen-'));
  const version = Number((await db.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]?.v);
  for (const sql of generate(version >= 150000)) await db.query(sql);
});
after(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function cli(argv: string[]): Promise<CliResult> {
  return runCli([...argv, '-d', db.url], { cwd: dir });
}

async function indexdefs(): Promise<Map<string, string>> {
  const { rows } = await db.query<{ name: string; def: string }>(
    `select c.relname as name, pg_get_indexdef(c.oid) as def from pg_class c
      where c.relnamespace = 'public'::regnamespace and c.relkind in ('i', 'I') and not c.relispartition order by 1`,
  );
  return new Map(rows.map((r) => [r.name, r.def]));
}

test(`a generated schema of ${TABLES * PER_TABLE} indexes: export, plan (nothing to do), drop them all, apply, the same indexes`, async () => {
  const exported = await cli(['export', '-o', 'all.yaml']);
  assert.equal(exported.code, 0, exported.err);
  assert.doesNotMatch(exported.err, /warning/, 'everything generated can be expressed');
  const text = readFileSync(join(dir, 'all.yaml'), 'utf8');
  // The generated schema does use every feature (the seed could have missed one).
  const version = Number((await db.query<{ v: string }>("select current_setting('server_version_num') as v")).rows[0]?.v);
  const features = [
    ...['expression: ', 'where: ', 'include:', 'with:', 'collation: C', 'collation: POSIX', 'opclass: text_pattern_ops', 'opclass: jsonb_path_ops'],
    ...['order: desc', 'nulls: first', 'nulls: last', 'unique: true', ...(version >= 150000 ? ['nulls_not_distinct: true'] : [])],
    ...['btree', 'hash', 'gin', 'gist', 'spgist', 'brin'].map((m) => `method: ${m}`),
  ];
  assert.deepEqual(features.filter((f) => !text.includes(f)), []);
  const file = parsePlanText(text, 'all.yaml');
  const names = file.tables.flatMap((t) => (t.indexes ?? []).map((ix) => parseIdentifier(ix.name ?? '')));
  const partitionLocal = Math.ceil(TABLES / PARTITIONED);
  assert.equal(names.length, TABLES * PER_TABLE + partitionLocal);

  const planned = await cli(['plan', 'all.yaml', '--detailed-exitcode']);
  assert.equal(planned.code, 0, `plan of the export is not empty:\n${planned.out}`);

  const before = await indexdefs();
  assert.deepEqual([...before.keys()].sort(), [...names].sort(), 'every index of the schema is exported (none backs a constraint)');
  await db.query(`drop index ${names.map((n) => `public.${n}`).join(', ')}`);
  assert.equal((await indexdefs()).size, 0);

  const applied = await cli(['apply', 'all.yaml', '-y', '-j', '2']);
  assert.equal(applied.code, 0, applied.err.slice(-4000));
  const after = await indexdefs();
  const changed = [...before].filter(([name, def]) => after.get(name) !== def).map(([name, def]) => `${def}\n   now: ${after.get(name) ?? 'missing'}`);
  assert.deepEqual(changed, []);
  assert.equal(after.size, before.size);
});
