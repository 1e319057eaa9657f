import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isCollection, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { parseBlockYaml, type BlockNode } from '../../../src/planfile/block-yaml.js';
import { planningPlanYaml } from '../../../bench/planning-catalog.js';

const root = new URL('../../../../', import.meta.url);
const yamlFiles = (dir: string) =>
  readdirSync(new URL(dir, root))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ name: `${dir}${f}`, text: readFileSync(new URL(`${dir}${f}`, root), 'utf8') }));

interface Described {
  path: string;
  kind: 'map' | 'seq' | 'scalar';
  range: readonly number[] | undefined;
  value?: unknown;
}

/** Every node of the yaml package's tree, keys included, in document order. */
function yamlNodes(node: unknown, path = ''): Described[] {
  if (!isNode(node)) return [];
  const kind = isMap(node) ? 'map' : isSeq(node) ? 'seq' : isScalar(node) ? 'scalar' : (node.constructor.name as 'map');
  const out: Described[] = [{ path, kind, range: node.range ?? undefined, ...(isScalar(node) ? { value: node.value } : {}) }];
  if (isCollection(node)) {
    node.items.forEach((item, i) => {
      if (isMap(node)) {
        const pair = item as { key: unknown; value: unknown };
        out.push(...yamlNodes(pair.key, `${path}/${i}:key`), ...yamlNodes(pair.value, `${path}/${i}:value`));
      } else {
        out.push(...yamlNodes(item, `${path}/${i}`));
      }
    });
  }
  return out;
}

/** The same of parseBlockYaml's tree: a key is a plain scalar whose range ends where its text does. */
function blockNodes(node: BlockNode, path = ''): Described[] {
  const range = [node.start, node.end, node.next];
  if (node.kind === 'scalar') return [{ path, kind: 'scalar', range, value: node.value }];
  if (node.kind === 'seq') return [{ path, kind: 'seq', range }, ...node.items.flatMap((item, i) => blockNodes(item, `${path}/${i}`))];
  return [
    { path, kind: 'map', range },
    ...node.pairs.flatMap((pair, i) => [
      { path: `${path}/${i}:key`, kind: 'scalar' as const, range: [pair.start, pair.end, pair.end], value: pair.key },
      ...blockNodes(pair.value, `${path}/${i}:value`),
    ]),
  ];
}

/** Whether a mapping of the tree has a key twice. */
function hasDuplicateKeys(node: unknown): boolean {
  if (isMap(node)) {
    const keys = node.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key));
    return new Set(keys).size !== keys.length || node.items.some((p) => hasDuplicateKeys(p.value));
  }
  return isCollection(node) && node.items.some((item) => hasDuplicateKeys(item));
}

/** What load.ts reads of a parse: the data, the line starts, each node's kind, range and value. */
function assertSameAsYaml(text: string, label: string): void {
  const fast = parseBlockYaml(text);
  assert.ok(fast, `${label}: the fast path should take it`);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  assert.deepEqual(doc.errors, [], label);
  assert.equal(hasDuplicateKeys(doc.contents), false, `${label}: no key given twice`);
  assert.deepEqual(fast.data, doc.toJS({ maxAliasCount: 100 }), `${label}: data`);
  assert.deepEqual(fast.lines.lineStarts, lines.lineStarts, `${label}: line starts`);
  assert.deepEqual(blockNodes(fast.tree.root), yamlNodes(doc.contents), `${label}: nodes`);
}

test('plain plans: the same data, node ranges and values and line starts as the yaml package', () => {
  const cases: Record<string, string> = {
    'the planning bench, 1,000 entries': planningPlanYaml(1000),
    'comments, blank lines, a sequence at its key\'s indentation, no final newline':
      '# a plan\nversion: 1   # the only one\n\ntables:\n- name: public.orders  # trailing\n  columns:\n  - customer_id\n  - "placed_at"\n\n# between\n- name: \'odd # name\'\n  columns: all\nrules:\n  brin_min_pages: 10\n  jsonb_opclass: jsonb_path_ops',
    'nested mappings and sequences of mappings': 'version: 1\ntables:\n  - name: sales.order_?\n    columns:\n      - name: customer_id\n        method: btree\n        unique: true_ish\n      - name: "a: b"\n    exclude:\n      - x$y\n      - a-b.c*\nparallelism: 0\n',
    'a comment after the last line': 'version: 1\ntables:\n  - name: t\n    columns: all\n# end\n',
    'keys every object has': 'version: 1\ntables:\n  - name: t\n    columns: all\n__proto__: x\nconstructor: 1\ntoString: y\n',
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
    // A key given twice: the yaml package's Document says where.
    'version: 1\ntables:\n  - name: t\n    name: u\n    columns: all\n',
    'version: 1\nversion: 2\n',
    'a:\n  - b: 1\n  # indented comment\nz: 1\n',
  ];
  for (const text of others) assert.equal(parseBlockYaml(text), null, JSON.stringify(text));
});

test('every plan file of the repository: either read as the yaml package reads it, or left to it', () => {
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
 * seed): each one the fast path takes must be read as the yaml package reads it.
 */
test('2,000 generated plain plans: each one taken is read as the yaml package reads it', () => {
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
