/**
 * Saved plans (issue 11, item 1), through the CLI on a real server: `plan --save` writes the plan
 * with the catalog facts it was made from; `apply FILE` runs exactly its statements, or, when a fact
 * changed since, refuses with nothing run and names the change.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;
before(async () => {
  db = await testDatabase();
  dir = mkdtempSync(join(tmpdir(), 'pgindex-saved-'));
});
after(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** schemas/saved-plan.schema.json documents the format: every file the tests save must fit it. */
const schemaPath = fileURLToPath(new URL('../../../../schemas/saved-plan.schema.json', import.meta.url));
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);

const env = () => ({ DATABASE_URL: db.url });
const cli = (args: string[]) => runCli(args, { cwd: dir, env: env() });

/** A table of its own per test, so that each saved plan depends on nothing another test does. */
async function zoo(name: string): Promise<void> {
  await db.query(`create table ${name} (id int, status text, kind text)`);
  await db.query(`insert into ${name} select g, 'status ' || (g % 7), 'kind ' || (g % 3) from generate_series(1, 2000) g`);
  await db.query(`analyze ${name}`);
}

async function indexes(table: string): Promise<string[]> {
  const { rows } = await db.query<{ def: string }>(
    `select pg_get_indexdef(indexrelid) || case when indisvalid then '' else ' INVALID' end as def from pg_index where indrelid = $1::regclass order by 1`,
    [table],
  );
  return rows.map((r) => r.def);
}

/** Writes a plan file for `table` and saves its plan; returns the saved plan's JSON. */
async function save(table: string, columns: string, file: string, extra: string[] = []): Promise<{ plan: { steps: { sql: string }[] } }> {
  writeFileSync(join(dir, `${table}.yaml`), `version: 1\ntables:\n  - name: ${table}\n    columns: ${columns}\n`);
  const r = await cli(['plan', `${table}.yaml`, '--save', file, ...extra]);
  assert.equal(r.code, 0, r.err);
  const saved = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { plan: { steps: { sql: string }[] } };
  assert.ok(validate(saved), JSON.stringify(validate.errors));
  return saved;
}

async function refused(file: string, table: string, change: RegExp): Promise<string> {
  const before = await indexes(table);
  const r = await cli(['apply', file, '-y']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /saved plan is stale: /);
  assert.match(r.err, change);
  assert.match(r.err, /nothing was run/);
  assert.equal(r.out, '');
  assert.deepEqual(await indexes(table), before, 'nothing was executed');
  return r.err;
}

test('a saved plan is applied exactly: the statements run are the saved ones, whatever the plan file says now', async () => {
  await zoo('zoo');
  const saved = await save('zoo', '[status, kind]', 'zoo.json', ['--format', 'json']);
  assert.equal((saved as unknown as { format: string }).format, 'pgindex-saved-plan');
  assert.equal((saved as unknown as { version: number }).version, 1);
  const sqls = saved.plan.steps.map((s) => s.sql);
  assert.equal(sqls.length, 2);
  // The plan file changes after review: the saved plan does not follow it.
  writeFileSync(join(dir, 'zoo.yaml'), 'version: 1\ntables:\n  - name: zoo\n    columns: [status, kind, id]\n');
  const r = await cli(['apply', 'zoo.json', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /saved plan zoo\.json: the facts it was made from are unchanged \(1 table, server \d+/);
  const started = r.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; sql?: string })
    .filter((e) => e.type === 'start')
    .map((e) => e.sql);
  assert.deepEqual([...started].sort(), [...sqls].sort());
  assert.deepEqual(await indexes('zoo'), [
    'CREATE INDEX zoo_kind_btree_idx ON public.zoo USING btree (kind)',
    'CREATE INDEX zoo_status_btree_idx ON public.zoo USING btree (status)',
  ]);
});

test('plan --save composes with every output format: the format still goes to stdout or -o', async () => {
  await zoo('fmt');
  writeFileSync(join(dir, 'fmt.yaml'), 'version: 1\ntables:\n  - name: fmt\n    columns: [status]\n');
  for (const format of [['--format', 'sql'], ['--format', 'json'], ['--format', 'markdown'], ['--explain']]) {
    const r = await cli(['plan', 'fmt.yaml', '--save', 'fmt.json', ...format]);
    assert.equal(r.code, 0, r.err);
    const direct = await cli(['plan', 'fmt.yaml', ...format]);
    assert.equal(r.out, direct.out, `${format.join(' ')} prints as without --save`);
    assert.match(readFileSync(join(dir, 'fmt.json'), 'utf8'), /^\{\n {2}"format": "pgindex-saved-plan"/);
  }
  const o = await cli(['plan', 'fmt.yaml', '--save', 'fmt2.json', '-o', 'fmt.sql']);
  assert.equal(o.code, 0, o.err);
  assert.match(readFileSync(join(dir, 'fmt.sql'), 'utf8'), /CREATE INDEX CONCURRENTLY fmt_status_btree_idx/);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'fmt2.json'), 'utf8')), JSON.parse(readFileSync(join(dir, 'fmt.json'), 'utf8')));
  const same = await cli(['plan', 'fmt.yaml', '--save', 'x.sql', '-o', 'x.sql']);
  assert.equal(same.code, 1);
  assert.match(same.err, /--save and -o name the same file/);
});

test('refused, nothing run, after a new index on a touched table', async () => {
  await zoo('zoo_ix');
  await save('zoo_ix', '[status]', 'zoo_ix.json');
  await db.query('create index by_hand on zoo_ix (kind)');
  await refused('zoo_ix.json', 'zoo_ix', /public\.zoo_ix has a new index by_hand \(kind\)/);
});

test('refused, nothing run, after a column changes type or a column is added; every change is named', async () => {
  await zoo('zoo_col');
  await save('zoo_col', '[status]', 'zoo_col.json');
  await db.query('alter table zoo_col alter column status type varchar(40)');
  await db.query('alter table zoo_col add column extra integer');
  const err = await refused('zoo_col.json', 'zoo_col', /column public\.zoo_col\.status changed type from text to character varying\(40\)/);
  assert.match(err, /public\.zoo_col has a new column extra \(integer\)/);
  assert.ok(
    err.endsWith(
      'pgindex apply: saved plan is stale: 2 changes since zoo_col.json was saved:\n' +
        '  column public.zoo_col.status changed type from text to character varying(40)\n' +
        '  public.zoo_col has a new column extra (integer)\n' +
        'nothing was run: plan again with pgindex plan --save, and review the new plan\n',
    ),
    err,
  );
  // --plan names a saved plan explicitly, with the same check.
  const r = await cli(['apply', '--plan', 'zoo_col.json', '-y']);
  assert.equal(r.code, 1);
  assert.match(r.err, /changed type/);
});

test("refused, nothing run, after an index's validity changes", async () => {
  await db.query('create table zoo_valid (code int)');
  await db.query('insert into zoo_valid values (1), (1), (2)');
  // An interrupted unique build leaves an INVALID index under the planned name: the plan drops it and builds it again.
  await assert.rejects(db.query('create unique index concurrently zoo_valid_code_btree_uniq on zoo_valid (code)'));
  await db.query('delete from zoo_valid where code = 1');
  await db.query('analyze zoo_valid');
  writeFileSync(join(dir, 'zoo_valid.yaml'), 'version: 1\ntables:\n  - name: zoo_valid\n    columns:\n      - name: code\n        unique: true\n');
  const r = await cli(['plan', 'zoo_valid.yaml', '--save', 'zoo_valid.json']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /DROP INDEX CONCURRENTLY IF EXISTS public\.zoo_valid_code_btree_uniq/);
  // Someone repairs it by hand in the meantime: the saved DROP would now drop a valid index.
  await db.query('reindex index zoo_valid_code_btree_uniq');
  await refused('zoo_valid.json', 'zoo_valid', /index public\.zoo_valid_code_btree_uniq on public\.zoo_valid became valid/);
});

test('refused, nothing run, after an index on a touched table goes from valid to INVALID', async () => {
  await zoo('zoo_invalid');
  await db.query('create index zoo_invalid_kind on zoo_invalid (kind)');
  await save('zoo_invalid', '[status]', 'zoo_invalid.json');
  // What a superuser's catalog edit (or a failed build over it) leaves: no query uses the index now.
  await db.query("update pg_index set indisvalid = false where indexrelid = 'zoo_invalid_kind'::regclass");
  const err = await refused('zoo_invalid.json', 'zoo_invalid', /index public\.zoo_invalid_kind on public\.zoo_invalid became INVALID/);
  assert.match(err, /^pgindex apply: saved plan is stale: index public\.zoo_invalid_kind on public\.zoo_invalid became INVALID$/m);
});

test('refused, nothing run, after a failed REINDEX CONCURRENTLY leaves an INVALID _ccnew index on a touched table', async () => {
  await zoo('zoo_cc');
  // An immutable function that fails only in a session that asks it to: the REINDEX's new build fails.
  await db.query(`create function zoo_cc_key(int) returns int language plpgsql immutable as $$
    begin if current_setting('pgindex_test.fail', true) = 'on' then raise exception 'failing on purpose'; end if; return $1; end $$`);
  await db.query('create index zoo_cc_key_idx on zoo_cc (zoo_cc_key(id))');
  await save('zoo_cc', '[status]', 'zoo_cc.json');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query("set pgindex_test.fail = 'on'");
    await assert.rejects(client.query('reindex index concurrently zoo_cc_key_idx'), /failing on purpose/);
  } finally {
    await client.end();
  }
  assert.deepEqual(
    (await indexes('zoo_cc')).filter((d) => d.includes('_ccnew')),
    ['CREATE INDEX zoo_cc_key_idx_ccnew ON public.zoo_cc USING btree (zoo_cc_key(id)) INVALID'],
    'the failed REINDEX left its INVALID _ccnew',
  );
  await refused('zoo_cc.json', 'zoo_cc', /public\.zoo_cc has a new index zoo_cc_key_idx_ccnew \(\(zoo_cc_key\(id\)\)\) \(INVALID\)$/m);
});

test('a partitioned table: its saved plan applies as saved; a partition added since is named', async () => {
  await db.query('create table zoo_p (id int, status text) partition by range (id)');
  await db.query('create table zoo_p1 partition of zoo_p for values from (0) to (1000)');
  await db.query('insert into zoo_p select g, (g % 5)::text from generate_series(1, 900) g');
  await db.query('analyze zoo_p');
  const saved = await save('zoo_p', '[status]', 'zoo_p.json');
  const sqls = saved.plan.steps.map((s) => s.sql);
  assert.ok(sqls.some((s) => s.includes(' ON ONLY ')), sqls.join('\n'));
  // Saved twice: one copy to apply now, one kept for after a partition is added.
  writeFileSync(join(dir, 'zoo_p_later.json'), readFileSync(join(dir, 'zoo_p.json')));
  const r = await cli(['apply', 'zoo_p.json', '-y']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(await indexes('zoo_p1'), ['CREATE INDEX zoo_p1_status_btree_idx ON public.zoo_p1 USING btree (status)']);
  await db.query('create table zoo_p2 partition of zoo_p for values from (1000) to (2000)');
  const err = await refused('zoo_p_later.json', 'zoo_p2', /public\.zoo_p has a new partition public\.zoo_p2/);
  assert.match(err, /public\.zoo_p has a new index zoo_p_status_btree_idx/);
});

test('a saved plan of nothing to do applies as nothing to do', async () => {
  await zoo('zoo_done');
  await db.query('create index zoo_done_status on zoo_done (status)');
  const saved = await save('zoo_done', '[status]', 'zoo_done.json');
  assert.deepEqual(saved.plan.steps, []);
  const r = await cli(['apply', 'zoo_done.json', '-y']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /nothing to do/);
});

test('a damaged, edited or future-version saved plan is a clear error, with nothing run', async () => {
  await zoo('zoo_bad');
  await save('zoo_bad', '[status]', 'zoo_bad.json');
  const text = readFileSync(join(dir, 'zoo_bad.json'), 'utf8');
  writeFileSync(join(dir, 'cut.json'), text.slice(0, text.length / 2));
  const cut = await cli(['apply', 'cut.json', '-y']);
  assert.equal(cut.code, 1);
  assert.match(cut.err, /cut\.json: not a saved plan pgindex can apply: it is not valid JSON/);

  const data = JSON.parse(text) as { version: number; plan: { steps: { sql: string }[] } };
  writeFileSync(join(dir, 'future.json'), JSON.stringify({ ...data, version: 2 }));
  const future = await cli(['apply', 'future.json', '-y']);
  assert.equal(future.code, 1);
  assert.match(future.err, /future\.json: not a saved plan pgindex can apply: it is version 2, written by a newer pgindex; this one reads version 1/);

  const edited = structuredClone(data);
  edited.plan.steps[0]!.sql = 'DROP TABLE zoo_bad';
  writeFileSync(join(dir, 'edited.json'), JSON.stringify(edited));
  const e = await cli(['apply', 'edited.json', '-y']);
  assert.equal(e.code, 1);
  assert.match(e.err, /edited\.json: not a saved plan pgindex can apply: its checksum does not match its content/);

  const yaml = await cli(['apply', '--plan', 'zoo_bad.yaml', '-y']);
  assert.equal(yaml.code, 1);
  assert.match(yaml.err, /zoo_bad\.yaml: not a saved plan pgindex can apply: it is not valid JSON/);
  assert.deepEqual(await indexes('zoo_bad'), []);
});

test('the run lock is taken before the facts are checked; --dry-run prints the saved statements and takes none', async () => {
  await zoo('zoo_lock');
  const saved = await save('zoo_lock', '[status]', 'zoo_lock.json');
  // Another run holds the lock: apply refuses at once, before reading anything.
  await db.query('select pg_advisory_lock($1::int4, $2::int4)', [0x70676978, 1]);
  try {
    const r = await cli(['apply', 'zoo_lock.json', '-y']);
    assert.equal(r.code, 1);
    assert.match(r.err, /another pgindex run holds the run lock of this database/);
    assert.doesNotMatch(r.err, /the facts it was made from/);
    const dry = await cli(['apply', 'zoo_lock.json', '--dry-run']);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.err, /the facts it was made from are unchanged/);
    for (const step of saved.plan.steps) assert.ok(dry.out.includes(step.sql), step.sql);
  } finally {
    await db.query('select pg_advisory_unlock($1::int4, $2::int4)', [0x70676978, 1]);
  }
  assert.deepEqual(await indexes('zoo_lock'), []);
});
