import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isCollection, isMap, isNode, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { parseBlockYaml } from '../../../src/planfile/block-yaml.js';
import { planningPlanYaml } from '../../../bench/planning-catalog.js';

const root = new URL('../../../../', import.meta.url);
const yamlFiles = (dir: string) =>
  readdirSync(new URL(dir, root))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ name: `${dir}${f}`, text: readFileSync(new URL(`${dir}${f}`, root), 'utf8') }));

/** Every node of the tree, keys included, in document order, as [path, node]. */
function nodes(node: unknown, path = ''): [string, Node][] {
  if (!isNode(node)) return [];
  const out: [string, Node][] = [[path, node]];
  if (isCollection(node)) {
    node.items.forEach((item, i) => {
      if (isMap(node)) {
        const pair = item as { key: unknown; value: unknown };
        out.push(...nodes(pair.key, `${path}/${i}:key`), ...nodes(pair.value, `${path}/${i}:value`));
      } else {
        out.push(...nodes(item, `${path}/${i}`));
      }
    });
  }
  return out;
}

const describe = ([path, n]: [string, Node]) => ({
  path,
  kind: n.constructor.name,
  range: n.range,
  ...(isScalar(n) ? { value: n.value, type: n.type } : {}),
});

/** Whether a mapping of the tree has a key twice. */
function hasDuplicateKeys(node: unknown): boolean {
  if (isMap(node)) {
    const keys = node.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key));
    return new Set(keys).size !== keys.length || node.items.some((p) => hasDuplicateKeys(p.value));
  }
  return isCollection(node) && node.items.some((item) => hasDuplicateKeys(item));
}

/** What load.ts reads of a parse: the data, the line starts, each node's class, range, value and quoting. */
function assertSameAsYaml(text: string, label: string): void {
  const fast = parseBlockYaml(text);
  assert.ok(fast, `${label}: the fast path should take it`);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  assert.deepEqual(doc.errors, [], label);
  assert.deepEqual(fast.doc.toJS({ maxAliasCount: 100 }), doc.toJS({ maxAliasCount: 100 }), `${label}: data`);
  assert.deepEqual(fast.data, doc.toJS({ maxAliasCount: 100 }), `${label}: data of the walk`);
  assert.equal(fast.duplicateKeys, hasDuplicateKeys(doc.contents), `${label}: duplicate keys`);
  assert.deepEqual(fast.lines.lineStarts, lines.lineStarts, `${label}: line starts`);
  assert.deepEqual(nodes(fast.doc.contents).map(describe), nodes(doc.contents).map(describe), `${label}: nodes`);
}

test('plain plans: the same Document as the yaml package (data, every node range, value and quoting, line starts)', () => {
  const cases: Record<string, string> = {
    'the planning bench, 1,000 entries': planningPlanYaml(1000),
    'comments, blank lines, a sequence at its key\'s indentation, no final newline':
      '# a plan\nversion: 1   # the only one\n\ntables:\n- name: public.orders  # trailing\n  columns:\n  - customer_id\n  - "placed_at"\n\n# between\n- name: \'odd # name\'\n  columns: all\nrules:\n  brin_min_pages: 10\n  jsonb_opclass: jsonb_path_ops',
    'nested mappings and sequences of mappings': 'version: 1\ntables:\n  - name: sales.order_?\n    columns:\n      - name: customer_id\n        method: btree\n        unique: true_ish\n      - name: "a: b"\n    exclude:\n      - x$y\n      - a-b.c*\nparallelism: 0\n',
    'a comment after the last line': 'version: 1\ntables:\n  - name: t\n    columns: all\n# end\n',
    'keys given twice, and keys every object has': 'version: 1\ntables:\n  - name: t\n    name: u\n    columns: all\n    name: v\nversion: 2\n__proto__: x\nconstructor: 1\ntoString: y\n',
  };
  for (const [label, text] of Object.entries(cases)) assertSameAsYaml(text, label);
});

test('whatever else YAML can say goes to the yaml package (null)', () => {
  const others = [
    '',
    '# only a comment\n',
    'version: 1\ntables: [a, b]\n',
    'version: 1\ntables: {name: a}\n',
    'a: &x 1\nb: *x\n',
    'a: !!str 1\n',
    'a: |\n  text\n',
    'a: >\n  text\n',
    'a: "tab\\there"\n',
    "a: 'it''s'\n",
    'a: 1.5\n',
    'a: 007\n',
    'a: -1\n',
    'a: 1e3\n',
    'a: 16MB\n',
    'a: null\n',
    'a: True\n',
    'a: ~\n',
    'a:\n',
    'a:\nb: 1\n',
    'a: some words\n',
    'a: x:y\n',
    'a:b\n',
    'true: 1\n',
    '"a": 1\n',
    '---\na: 1\n',
    '%YAML 1.2\n---\na: 1\n',
    'a: 1\r\nb: 2\r\n',
    '\ufeffa: 1\n',
    'a:\n\t- 1\n',
    'a:\n  - - 1\n',
    'a:\n  -\n',
    'a:\n  -  b\n',
    'a:\n  - b\n   - c\n',
    'a:\n    b: 1\n  c: 2\n',
    'a: 1\n  b: 2\n',
    'a: "multi\n  line"\n',
    'a: plain\n  continued\n',
    '- a\n- b\n',
    'a: "x" y\n',
    'a: 1\nb: 2\n...\n',
    'a:\n  - b: 1\n  # indented comment\nz: 1\n',
  ];
  for (const text of others) assert.equal(parseBlockYaml(text), null, JSON.stringify(text));
});

test('every plan file of the repository: either the same Document as the yaml package, or left to it', () => {
  let taken = 0;
  for (const { name, text } of [...yamlFiles('examples/'), ...yamlFiles('test/fixtures/planfile/')]) {
    if (parseBlockYaml(text) === null) continue;
    assertSameAsYaml(text, name);
    taken++;
  }
  assert.ok(taken > 0, 'some example is plain enough for the fast path');
});

/**
 * Generated plans of the plain form, comments, blank lines and odd indentation included (a fixed
 * seed): each one the fast path takes must be the yaml package's Document.
 */
test('2,000 generated plain plans: each one taken is the same Document as the yaml package', () => {
  let seed = 20261129;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(random() * a.length)] as T;
  const scalars = ['x', 'all', '"q # x"', "'s: q'", '12', '0', 'a.b*', 't?', '"é"', 'y', 'no', 'x-y', 'NULLx', '"a\'b"', "'a\"b'", 'ab  ', 'x # c', '"x" # c', '1x', 'A_b$'];
  const trailing = () => pick(['', '', '', '  # t', ' #t', '   ']);
  const between = () => pick(['', '', '', '\n', '# c\n', '\n# c\n\n', '   \n']);
  const mapping = (indent: number, depth: number, first: string | null = null): string => {
    let s = '';
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) {
      s += (i === 0 ? '' : between()) + (i === 0 && first !== null ? first : ' '.repeat(indent)) + pick(['a', 'name', 'k_1', 'columns']) + i + ':';
      const r = random();
      if (depth > 0 && r < 0.25) s += trailing() + '\n' + mapping(indent + pick([1, 2, 4]), depth - 1);
      else if (depth > 0 && r < 0.5) s += trailing() + '\n' + sequence(indent + pick([0, 0, 2, 3]), depth - 1);
      else s += ' ' + pick(scalars) + trailing() + '\n';
    }
    return s;
  };
  const sequence = (indent: number, depth: number): string => {
    let s = '';
    const n = 1 + Math.floor(random() * 3);
    for (let i = 0; i < n; i++) {
      s += i === 0 ? '' : between();
      s += random() < 0.5 ? `${' '.repeat(indent)}- ${pick(scalars)}${trailing()}\n` : mapping(indent + 2, depth, `${' '.repeat(indent)}- `);
    }
    return s;
  };
  let taken = 0;
  for (let k = 0; k < 2000; k++) {
    let text = pick(['', '# head\n', '\n']) + mapping(0, 3) + pick(['', '# end\n', '\n']);
    if (random() < 0.2) text = text.replace(/\n$/, '');
    if (parseBlockYaml(text) === null) continue;
    assertSameAsYaml(text, JSON.stringify(text));
    taken++;
  }
  assert.ok(taken > 1000, `the fast path took ${taken} of 2,000`);
});
