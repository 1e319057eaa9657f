import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { tablesToAnalyze } from '../../../src/catalog/analyze.js';
import { NameSyntaxError, matchesPart, parseIdentifier, parseTablePattern } from '../../../src/catalog/names.js';
import { matchEntries, neverAnalyzed, resolveTables } from '../../../src/catalog/resolve.js';
import type { CatalogSnapshot, TableInfo } from '../../../src/catalog/types.js';
import { InputError } from '../../../src/errors.js';
import type { ColumnSpec, PlanFile, TableSpec } from '../../../src/planfile/types.js';
import { planFile } from '../../support/plan-file.js';
import { T, catalog, column, table } from '../../support/catalog.js';

const tablesOf = (f: PlanFile, s: CatalogSnapshot) => resolveTables(f, s).tables;
const warningsOf = (f: PlanFile, s: CatalogSnapshot) => resolveTables(f, s).warnings;

describe('names as psql reads them', () => {
  test('unquoted letters fold to lower case; quotes keep them', () => {
    assert.deepEqual(pick(parseTablePattern('Public.Orders')), { schema: 'public', table: 'orders', glob: false });
    assert.deepEqual(pick(parseTablePattern('"Sales"."Order Lines"')), { schema: 'Sales', table: 'Order Lines', glob: false });
    assert.deepEqual(pick(parseTablePattern('orders')), { schema: null, table: 'orders', glob: false });
    assert.equal(parseIdentifier('CreatedAt'), 'createdat');
    assert.equal(parseIdentifier('"CreatedAt"'), 'CreatedAt');
    assert.equal(parseIdentifier('"say ""hi"""'), 'say "hi"');
  });
  test('only ASCII letters fold, as PostgreSQL does in UTF-8', () => {
    assert.equal(parseIdentifier('bIGınt'), 'bigınt');
    assert.equal(parseIdentifier('ÉTÉ'), 'ÉtÉ');
  });
  test('globs become LIKE patterns with the rest escaped, matched whole', () => {
    const p = parseTablePattern('public.payment_p2022_*');
    assert.equal(p.isGlob, true);
    assert.equal(p.table.like, 'payment\\_p2022\\_%');
    assert.ok(matchesPart(p.table, 'payment_p2022_01'));
    assert.ok(!matchesPart(p.table, 'paymentXp2022_01'));
    assert.ok(!matchesPart(p.table, 'x_payment_p2022_01'));
    const q = parseTablePattern('*.t?');
    assert.equal(q.schema?.like, '%');
    assert.equal(q.table.like, 't_');
  });
  test('a glob matches as the RegExp of its wildcards would: * any run, ? one code point, the rest itself', () => {
    // The reference: the glob's LIKE pattern as an anchored RegExp over code points.
    const reference = (like: string) => {
      let source = '';
      for (let i = 0; i < like.length; i++) {
        const c = like[i] as string;
        if (c === '%') source += '.*';
        else if (c === '_') source += '.';
        else source += (c === '\\' ? (like[++i] as string) : c).replace(/[\\^$.*+?()[\]{}|/-]/g, (m) => '\\' + m);
      }
      return new RegExp('^' + source + '$', 'su');
    };
    const globs = ['t?', 't*', '*', '?', '*?*', 'a*b*c', '*ab', 'ab*', 'a?c*', '*_*', '"50%"*', '"a_"?', '"x\\y"*', 'é?', '?😀*', '*😀', '**', 'a*a*a*b', '?a?', '*.?'];
    const names = ['', 't', 'tt', 't1', 'abc', 'aXbYc', 'ab', 'xab', 'abab', 'a_', 'a_x', '50%', '50%x', '50x', 'x\\y', 'x\\yz', 'é', 'éé', '😀', 'a😀', '😀😀', 'aab', 'aaab', 'aaaab', 'a\nb', '\n', '_', 'ac', 'abcabc', 'x.y', 'a.b'];
    let checked = 0;
    for (const written of globs) {
      const pattern = parseTablePattern(written);
      const like = pattern.table.like ?? pattern.schema?.like;
      const part = pattern.table.like !== null ? pattern.table : pattern.schema;
      if (like === null || like === undefined || !part) continue;
      const re = reference(like);
      for (const name of names) {
        assert.equal(matchesPart(part, name), re.test(name), `${written} (${like}) on ${JSON.stringify(name)}`);
        checked++;
      }
    }
    assert.ok(checked > 500, `${checked} pairs`);
  });
  test('inside quotes, * ? and . are literal', () => {
    const p = parseTablePattern('"a.b"."c*"');
    assert.deepEqual(pick(p), { schema: 'a.b', table: 'c*', glob: false });
    const g = parseTablePattern('"50%"*');
    assert.equal(g.table.like, '50\\%%');
  });
  test('bad names are reported', () => {
    for (const bad of ['a.b.c', '"unterminated', '', 'a.']) {
      assert.throws(() => parseTablePattern(bad), NameSyntaxError, bad);
    }
    assert.throws(() => parseIdentifier('a.b'), NameSyntaxError);
    // In a column name * is an ordinary character.
    assert.equal(parseIdentifier('a*'), 'a*');
  });
  test('a NUL character is no part of any name (for plans built without the loader, which reports it first)', () => {
    for (const bad of ['t\0', '"t\0"', 's\0.*', 'public."x\0y"']) {
      assert.throws(() => parseTablePattern(bad), /contains a NUL character \(U\+0000\), which no PostgreSQL name can hold/, JSON.stringify(bad));
    }
    assert.throws(() => parseIdentifier('a\0'), NameSyntaxError);
  });
});

function pick(p: ReturnType<typeof parseTablePattern>) {
  return { schema: p.schema?.exact ?? null, table: p.table.exact, glob: p.isGlob };
}

const pos = (line: number, col = 5) => ({ file: 'plan.yaml', line, col });

function tableSpec(name: string, line: number, columns: TableSpec['columns'] = 'all', exclude: string[] = []): TableSpec {
  return { name, columns, exclude, pos: pos(line) };
}

function colSpec(name: string, line: number, extra: Partial<ColumnSpec> = {}): ColumnSpec {
  return { name, pos: pos(line, 9), ...extra };
}

function plan(tables: TableSpec[], extra: Partial<PlanFile> = {}): PlanFile {
  return planFile(tables, { concurrently: false, lockTimeoutMs: 0, retries: 0, ...extra });
}

function snapshot(tables: TableInfo[], searchPath = ['app', 'public']): CatalogSnapshot {
  const c = catalog();
  return { ...c, database: 'db', searchPath, tablespaces: ['pg_default'], tables };
}

const cols = () => [column('id', T.int8, {}), column('Name', T.text, {}), column('created_at', T.timestamptz, {})];
const orders = table('public.orders', cols());
const appOrders = table('app.orders', cols());
const items = table('public.order_items', cols());
const other = table('other.orders', cols());
const sales = table('public.sales', cols(), { kind: 'partitioned', partitions: [{ schema: 'public', name: 'sales_2024' }] });
const sales2024 = table('public.sales_2024', cols(), { parent: { schema: 'public', name: 'sales' } });

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (err) {
    if (err instanceof InputError) return err.problems.map((p) => `${p.pos.line}:${p.pos.col} ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
    throw err;
  }
  assert.fail('expected an InputError');
}

describe('resolveTables', () => {
  test('a bare name resolves through search_path: the first schema that has it', () => {
    const r = tablesOf(plan([tableSpec('orders', 3)]), snapshot([orders, appOrders, other]));
    assert.deepEqual(r.map((x) => `${x.table.schema}.${x.table.name}`), ['app.orders']);
    const r2 = tablesOf(plan([tableSpec('orders', 3)]), snapshot([orders, appOrders], ['public', 'app']));
    assert.deepEqual(r2.map((x) => x.table.schema), ['public']);
  });
  test('a qualified name and a glob with a schema look only there; a glob without one, in search_path', () => {
    const snap = snapshot([orders, appOrders, items, other]);
    assert.deepEqual(tablesOf(plan([tableSpec('other.orders', 3)]), snap).map((x) => x.table.schema), ['other']);
    assert.deepEqual(
      tablesOf(plan([tableSpec('public.order*', 3)]), snap).map((x) => x.table.name),
      ['order_items', 'orders'],
    );
    // app.orders hides public.orders; other.* is not in search_path
    assert.deepEqual(
      tablesOf(plan([tableSpec('order*', 3)]), snap).map((x) => `${x.table.schema}.${x.table.name}`),
      ['app.orders', 'public.order_items'],
    );
  });
  test('a glob that starts with a wildcard matches by its whole pattern, its literal end included (_ and % are no wildcards there)', () => {
    const names = ['order_items', 'orderxitems', 'items', 'old_items', 'a%items', 'b_items_x', 'order_item'];
    const snap = snapshot(names.map((n) => table(`public.${n}`, cols())));
    const matched = (glob: string) => tablesOf(plan([tableSpec(glob, 3)]), snap).map((x) => x.table.name);
    assert.deepEqual(matched('*_items'), ['old_items', 'order_items']);
    assert.deepEqual(matched('public.*?items'), ['a%items', 'old_items', 'order_items', 'orderxitems']);
    assert.deepEqual(matched('*%items'), ['a%items']);
    assert.deepEqual(matched('*_item?'), ['old_items', 'order_items']);
    assert.deepEqual(matched('*"_items"'), ['old_items', 'order_items']);
  });
  test('columns: all takes every column in attnum order minus exclude; a list keeps the plan order and specs', () => {
    const [all] = tablesOf(plan([tableSpec('public.orders', 3, 'all', ['"Name"'])]), snapshot([orders]));
    assert.deepEqual(all?.columns.map((c) => [c.column.name, c.spec]), [['id', null], ['created_at', null]]);
    const spec = colSpec('created_at', 5, { method: 'brin', include: ['ID'] });
    const [listed] = tablesOf(plan([tableSpec('public.orders', 3, [spec, colSpec('id', 6)])]), snapshot([orders]));
    assert.deepEqual(listed?.columns.map((c) => c.column.name), ['created_at', 'id']);
    assert.equal(listed?.columns[0]?.spec, spec);
    assert.deepEqual(listed?.columns[0]?.include.map((c) => c.name), ['id']);
  });
  test('every missing table and column is reported at once, at its plan position', () => {
    const f = plan([
      tableSpec('nope', 3),
      tableSpec('public.orders', 4, [colSpec('name', 5), colSpec('id', 6, { include: ['zzz'] })], ['gone']),
      tableSpec('missing.*', 8),
    ]);
    assert.deepEqual(problems(() => tablesOf(f, snapshot([orders]))), [
      '3:5 table "nope" does not exist (looked in search_path: app, public; write schema.table for another schema)',
      '4:5 exclude: column "gone" does not exist in public.orders',
      '5:9 column "name" does not exist in public.orders (there is "Name": write it as \'"Name"\' in the plan)',
      '6:9 include: column "zzz" does not exist in public.orders',
    ]);
  });
  test('a column missing from several tables of a glob is one problem naming them', () => {
    const f = plan([tableSpec('public.order*', 3, [colSpec('total', 4)])]);
    assert.deepEqual(problems(() => tablesOf(f, snapshot([items, orders]))), [
      '4:9 column "total" does not exist in public.order_items (nor in public.orders)',
    ]);
  });
  test('a glob that matches nothing is a warning, not an error', () => {
    const f = plan([tableSpec('public.order*', 3), tableSpec('archive.*', 4)]);
    assert.equal(tablesOf(f, snapshot([orders])).length, 1);
    assert.deepEqual(warningsOf(f, snapshot([orders])), ['plan.yaml:4:5: "archive.*" matched no table']);
  });
  test('a partition is rolled out through a glob that matches its parent too, unless another entry matches or names it', () => {
    const snap = snapshot([sales, sales2024]);
    assert.deepEqual(tablesOf(plan([tableSpec('public.sales*', 3)]), snap).map((x) => x.table.name), ['sales']);
    assert.deepEqual(
      tablesOf(plan([tableSpec('public.sales', 3), tableSpec('public.sales_2024', 4)]), snap).map((x) => x.table.name),
      ['sales', 'sales_2024'],
    );
    // Only the partition matched: it stands on its own.
    assert.deepEqual(tablesOf(plan([tableSpec('public.sales_2*', 3)]), snap).map((x) => x.table.name), ['sales_2024']);
    // Another glob than the parent's: the partition is planned for that glob's columns.
    assert.deepEqual(
      tablesOf(plan([tableSpec('public.sales*', 3, [colSpec('id', 4)]), tableSpec('public.sales_????', 5, [colSpec('created_at', 6)])]), snap).map((x) => [
        x.table.name,
        x.columns.map((c) => c.column.name),
      ]),
      [['sales', ['id']], ['sales_2024', ['created_at']]],
    );
  });
  test('QA #5: overlapping globs merge per table; no column is lost', () => {
    const gpCols = () => [column('id', T.int4, {}), column('v', T.int4, {})];
    const gp = table('public.gp', gpCols(), { kind: 'partitioned', partitions: [{ schema: 'public', name: 'gp_1' }, { schema: 'public', name: 'gp_2' }] });
    const gp1 = table('public.gp_1', gpCols(), { parent: { schema: 'public', name: 'gp' } });
    const gp2 = table('public.gp_2', gpCols(), { parent: { schema: 'public', name: 'gp' } });
    const snap = snapshot([gp, gp1, gp2], ['public']);
    const shape = (f: PlanFile) => tablesOf(f, snap).map((x) => `${x.table.name}:${x.columns.map((c) => c.column.name).join(',')}@${x.spec.pos.line}`);
    const globs = plan([tableSpec('gp*', 3, [colSpec('v', 4)]), tableSpec('gp_?', 5, [colSpec('id', 6)])]);
    assert.deepEqual(shape(globs), ['gp:v@3', 'gp_1:id@5', 'gp_2:id@5']);
    assert.deepEqual(warningsOf(globs, snap), []);
    // An exact entry for a partition adds to the glob's columns the same way.
    assert.deepEqual(shape(plan([tableSpec('gp*', 3, [colSpec('v', 4)]), tableSpec('gp_1', 5, [colSpec('id', 6)])])), ['gp:v@3', 'gp_1:id@5']);
  });
  test('the same column from several entries: the most specific gives it; different options are a warning naming both', () => {
    const snap = snapshot([orders, items]);
    // Same options (none): merged silently, the exact entry keeps it.
    const same = plan([tableSpec('public.*', 3), tableSpec('public.orders', 4, [colSpec('id', 5)])]);
    assert.deepEqual(
      tablesOf(same, snap).map((x) => [x.table.name, x.spec.pos.line, x.columns.map((c) => c.column.name)]),
      [['order_items', 3, ['id', 'Name', 'created_at']], ['orders', 3, ['Name', 'created_at']], ['orders', 4, ['id']]],
    );
    assert.deepEqual(warningsOf(same, snap), []);
    // Different options: an exact name beats a glob, wherever it comes in the plan.
    const exact = plan([tableSpec('public.orders', 3, [colSpec('id', 4, { method: 'hash' })]), tableSpec('public.*', 5, [colSpec('id', 6)])]);
    assert.deepEqual(
      tablesOf(exact, snap).map((x) => [x.table.name, x.spec.pos.line, x.columns.map((c) => c.spec?.method ?? c.column.name)]),
      [['orders', 3, ['hash']], ['order_items', 5, ['id']]],
    );
    assert.deepEqual(warningsOf(exact, snap), [
      'plan.yaml:5:5 ("public.*") and plan.yaml:3:5 ("public.orders") both plan public.orders.id with different options: plan.yaml:3:5 applies (an exact name beats a glob)',
    ]);
    // Of two globs the later gives it; a table option (tablespace) is an option too.
    const globs = plan([tableSpec('public.*', 3, [colSpec('id', 4)]), { ...tableSpec('public.order*', 5, [colSpec('id', 6)]), tablespace: 'fast' }]);
    assert.deepEqual(
      tablesOf(globs, snap).map((x) => [x.table.name, x.spec.pos.line]),
      [['order_items', 5], ['orders', 5]],
    );
    assert.deepEqual(warningsOf(globs, snap), [
      'plan.yaml:3:5 ("public.*") and plan.yaml:5:5 ("public.order*") both plan public.order_items.id, public.orders.id with different options: plan.yaml:5:5 applies (the later entry wins)',
    ]);
  });
  test('entries that all take every column alike: the most specific takes them all; any difference is weighed column by column', () => {
    const empty = table('public.empty', []);
    const snap = snapshot([orders, items, empty], ['public']);
    const shape = (f: PlanFile) => tablesOf(f, snap).map((x) => `${x.table.name}@${x.spec.pos.line}:${x.columns.map((c) => c.column.name).join(',')}`);
    // An exact name beats a glob wherever it comes; of two globs the later; a table without columns keeps every entry.
    assert.deepEqual(shape(plan([tableSpec('public.orders', 3), tableSpec('public.*', 5), tableSpec('*', 7)])), [
      'orders@3:id,Name,created_at',
      'empty@5:',
      'empty@7:',
      'order_items@7:id,Name,created_at',
    ]);
    assert.deepEqual(warningsOf(plan([tableSpec('public.orders', 3), tableSpec('public.*', 5)]), snap), []);
    // An exclude, or another table option, is weighed as before: the exact entry's columns, a warning for the glob's.
    assert.deepEqual(shape(plan([tableSpec('public.order*', 3), tableSpec('orders', 5, 'all', ['id'])])), [
      'order_items@3:id,Name,created_at',
      'orders@3:id',
      'orders@5:Name,created_at',
    ]);
    const fast = plan([{ ...tableSpec('public.order*', 3), tablespace: 'fast' }, tableSpec('orders', 5)]);
    assert.deepEqual(shape(fast), ['order_items@3:id,Name,created_at', 'orders@5:id,Name,created_at']);
    assert.deepEqual(warningsOf(fast, snap), [
      'plan.yaml:3:5 ("public.order*") and plan.yaml:5:5 ("orders") both plan public.orders."Name", public.orders.created_at, public.orders.id with different options: plan.yaml:5:5 applies (an exact name beats a glob)',
    ]);
  });
  test('a view, a sequence… named exactly says what it is', () => {
    const snap = { ...snapshot([orders]), otherRelations: [{ schema: 'app', name: 'v', relkind: 'v' }, { schema: 'public', name: 's', relkind: 'S' }] };
    assert.deepEqual(problems(() => tablesOf(plan([tableSpec('v', 3), tableSpec('public.s', 4)]), snap)), [
      '3:5 app.v is a view: only tables, partitioned tables and materialized views can be indexed',
      '4:5 public.s is a sequence: only tables, partitioned tables and materialized views can be indexed',
    ]);
    // The view hides a table of that name later in search_path, as in SQL.
    const hidden = { ...snap, otherRelations: [{ schema: 'app', name: 'orders', relkind: 'v' }] };
    assert.deepEqual(problems(() => tablesOf(plan([tableSpec('orders', 3)]), hidden)), [
      '3:5 app.orders is a view: only tables, partitioned tables and materialized views can be indexed',
    ]);
  });
  test('entries matched ahead (matchEntries, while the snapshot is read) resolve exactly as matched within', () => {
    const snap = { ...snapshot([orders, appOrders, items, sales, sales2024, other]), otherRelations: [{ schema: 'app', name: 'v', relkind: 'v' }] };
    const f = plan([
      tableSpec('orders', 3),
      tableSpec('public.order*', 4, [colSpec('id', 5, { include: ['"Name"'] })]),
      tableSpec('public.sales*', 6),
      tableSpec('public.sales_2024', 7, [colSpec('id', 8, { where: ' id > 0 ' })]),
      tableSpec('v', 9),
      tableSpec('nope', 10),
      tableSpec('a.b.c', 11),
    ]);
    const within = resolveTables(f, snap, { deferProblems: true });
    const matches = matchEntries(f, { tables: snap.tables, otherRelations: snap.otherRelations, searchPath: snap.searchPath });
    assert.deepEqual(resolveTables(f, snap, { deferProblems: true, matches }), within);
    assert.ok((within.problems?.length ?? 0) >= 3);
    // Matches of other relations than the snapshot's are not used: resolution matches again.
    const stale = matchEntries(f, { tables: [orders], searchPath: snap.searchPath });
    assert.deepEqual(resolveTables(f, snap, { deferProblems: true, matches: stale }), within);
  });
  test('options compared field by field: the same include list and a where that differs only in spaces are the same options', () => {
    const snap = snapshot([orders, items]);
    const same = plan([
      tableSpec('public.*', 3, [colSpec('id', 4, { include: ['"Name"'], where: 'id > 0' })]),
      tableSpec('public.orders', 5, [colSpec('id', 6, { include: ['"Name"'], where: ' id > 0 ' })]),
    ]);
    assert.deepEqual(warningsOf(same, snap), []);
    const other = plan([
      tableSpec('public.*', 3, [colSpec('id', 4, { include: ['"Name"'] })]),
      tableSpec('public.orders', 5, [colSpec('id', 6, { include: ['created_at'] })]),
    ]);
    assert.equal(warningsOf(other, snap).length, 1);
  });
  test('problems can be returned with what could be resolved, for the planner to report with its own', () => {
    const r = resolveTables(plan([tableSpec('nope', 3), tableSpec('public.orders', 4, [colSpec('id', 5)])]), snapshot([orders]), { deferProblems: true });
    assert.deepEqual(r.tables.map((x) => x.table.name), ['orders']);
    assert.deepEqual(r.problems?.map((p) => p.pos.line), [3]);
  });
  test('two exact entries for one table give one resolved entry each', () => {
    const f = plan([tableSpec('public.orders', 3, [colSpec('id', 4)]), tableSpec('orders', 6, [colSpec('created_at', 7)])]);
    const r = tablesOf(f, snapshot([orders], ['public']));
    assert.deepEqual(r.map((x) => x.columns.map((c) => c.column.name)), [['id'], ['created_at']]);
  });
  test('a bad table name is an input error at its position', () => {
    assert.deepEqual(problems(() => tablesOf(plan([tableSpec('a.b.c', 3)]), snapshot([]))), [
      '3:5 bad table name: "a.b.c" has more than one unquoted dot: write schema.table (quote names containing dots)',
    ]);
  });
});

describe('never analyzed', () => {
  const fresh = table('public.fresh', [column('id', T.int4, null)], { lastAnalyzed: null });
  test('no ANALYZE recorded and no statistics: warned, with the fix unless analyze is on', () => {
    assert.equal(neverAnalyzed(fresh), true);
    assert.equal(neverAnalyzed(orders), false);
    // Statistics outlive a stats reset that forgot last_analyze.
    assert.equal(neverAnalyzed({ ...orders, lastAnalyzed: null }), false);
    const f = plan([tableSpec('public.*', 3)]);
    assert.deepEqual(warningsOf(f, snapshot([fresh, orders])), [
      'table public.fresh was never analyzed; statistics rules were not applied (set analyze: true)',
    ]);
    assert.deepEqual(warningsOf({ ...f, analyze: true }, snapshot([fresh])), [
      'table public.fresh was never analyzed; statistics rules were not applied',
    ]);
  });
  test('ANALYZE of a partitioned parent covers its partitions', () => {
    const parent = { ...sales, lastAnalyzed: null, columns: [column('id', T.int4, null)] };
    const child = { ...sales2024, lastAnalyzed: null, columns: [column('id', T.int4, null)] };
    assert.deepEqual(tablesToAnalyze(snapshot([parent, child, fresh, orders])).map((t) => t.name), ['sales', 'fresh']);
    assert.deepEqual(tablesToAnalyze(snapshot([child])).map((t) => t.name), ['sales_2024']);
  });
});
