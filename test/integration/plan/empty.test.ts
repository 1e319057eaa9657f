/**
 * A plan whose entries match no table at all (say, pointed at the wrong database) is not "nothing to
 * do": plan, apply and apply --dry-run say that nothing matched and exit 1, unless --allow-empty.
 * A plan whose tables exist and whose indexes all exist already is still a success.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase, type TestDatabase } from '../../support/db.js';
import { runCli } from '../../support/cli.js';

let db: TestDatabase;
let dir: string;
let target: string;
before(async () => {
  db = await testDatabase('pgindex_empty');
  dir = mkdtempSync(join(tmpdir(), 'pgindex-empty-'));
  await db.query('CREATE TABLE orders (id int, total int); CREATE INDEX orders_total ON orders (total); ANALYZE orders');
  const u = new URL(db.url);
  target = `${decodeURIComponent(u.username)}@${u.hostname}:${u.port}/${db.name}`;
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db?.drop();
});

function planFile(name: string, yaml: string): string {
  const path = join(dir, name);
  writeFileSync(path, yaml);
  return path;
}

const nothingMatched = () =>
  `nothing matched: none of the plan's 2 table entries matches a table in ${target} (is this the right database? --allow-empty accepts a plan that matches nothing)`;

test('entries that all match no table: plan, apply and apply --dry-run say nothing matched and exit 1; no output', async () => {
  const path = planFile('globs.yaml', 'version: 1\ntables:\n  - name: "nosuch_*"\n    columns: all\n  - name: "public.other_?"\n    columns: [id]\n');
  for (const args of [['plan'], ['plan', '--detailed-exitcode'], ['plan', '--explain'], ['apply'], ['apply', '--dry-run']]) {
    const command = args[0] as string;
    const r = await runCli([...args, path, '-d', db.url]);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.out, '', args.join(' '));
    const lines = r.err.split('\n').filter((l) => !/: connected to /.test(l)).join('\n');
    const expected = [
      `pgindex ${command}: warning: ${path}:3:11: "nosuch_*" matched no table`,
      `pgindex ${command}: warning: ${path}:5:11: "public.other_?" matched no table`,
      `pgindex ${command}: ${nothingMatched()}`,
      '',
    ];
    assert.equal(lines, expected.join('\n'), args.join(' '));
    assert.doesNotMatch(r.err, /already exists/);
  }
  // -o writes no file that would look like an empty plan.
  const out = join(dir, 'out.sql');
  const written = await runCli(['plan', path, '-d', db.url, '-o', out]);
  assert.equal(written.code, 1);
  assert.throws(() => rmSync(out), /ENOENT/);

  const one = await runCli(['plan', planFile('one.yaml', 'version: 1\ntables:\n  - name: "nosuch_*"\n    columns: all\n'), '-d', db.url]);
  assert.equal(one.code, 1);
  assert.match(one.err, new RegExp(`\npgindex plan: nothing matched: the plan's table entry matches no table in ${target.replace(/[.]/g, '\\.')} \\(is this`));
});

test('--allow-empty: exit 0, and the output says that nothing matched', async () => {
  const path = planFile('globs2.yaml', 'version: 1\ntables:\n  - name: "nosuch_*"\n    columns: all\n  - name: "public.other_?"\n    columns: [id]\n');
  const plan = await runCli(['plan', path, '-d', db.url, '--allow-empty', '--detailed-exitcode']);
  assert.equal(plan.code, 0, plan.err);
  assert.match(plan.out, /^-- nothing matched: no table matches the plan's entries$/m);
  assert.doesNotMatch(plan.out + plan.err, /already exists/);
  assert.match(plan.err, new RegExp(`pgindex plan: nothing matched: none of the plan's 2 table entries matches a table in ${target.replace(/[.]/g, '\\.')}\n$`));

  const explain = await runCli(['plan', path, '-d', db.url, '--allow-empty', '--explain']);
  assert.equal(explain.code, 0, explain.err);
  assert.equal(explain.out, "Nothing matched: no table matches the plan's entries.\n");

  const dry = await runCli(['apply', '--dry-run', '--allow-empty', path, '-d', db.url]);
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /^-- nothing matched: no table matches the plan's entries$/m);

  const apply = await runCli(['apply', '--allow-empty', path, '-d', db.url]);
  assert.equal(apply.code, 0, apply.err);
  assert.equal(apply.out, '');
  assert.match(apply.err, /pgindex apply: nothing matched: none of the plan's 2 table entries matches a table in /);
  assert.doesNotMatch(apply.err, /already exists/);
});

test('tables that exist with every planned index already there: still nothing to do, exit 0; so is one glob matching nothing beside them', async () => {
  const path = planFile('done.yaml', 'version: 1\ntables:\n  - name: "nosuch_*"\n    columns: all\n  - name: orders\n    columns: [total]\n');
  const plan = await runCli(['plan', path, '-d', db.url, '--detailed-exitcode']);
  assert.equal(plan.code, 0, plan.err);
  assert.match(plan.out, /^-- nothing to do: every planned index already exists$/m);
  assert.match(plan.err, /warning: .*"nosuch_\*" matched no table/);
  assert.doesNotMatch(plan.err, /nothing matched/);
  const apply = await runCli(['apply', path, '-d', db.url]);
  assert.equal(apply.code, 0, apply.err);
  assert.match(apply.err, /pgindex apply: nothing to do: every planned index already exists\n$/);
  const dry = await runCli(['apply', '--dry-run', path, '-d', db.url]);
  assert.equal(dry.code, 0, dry.err);
});
