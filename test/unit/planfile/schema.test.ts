import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

type Json = Record<string, unknown>;

test('the schema: draft 2020-12, every key described, every object closed to unknown keys', () => {
  const schema = JSON.parse(readFileSync(new URL('../../../../schemas/pgindex.schema.json', import.meta.url), 'utf8')) as Json;
  assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  const undescribed: string[] = [];
  const open: string[] = [];
  let objects = 0;
  const walk = (node: unknown, path: string) => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
    if (typeof node !== 'object' || node === null) return;
    const s = node as Json;
    if (s.type === 'object') {
      objects++;
      if (s.additionalProperties !== false) open.push(path);
    }
    if (s.properties && typeof s.properties === 'object' && path.split('/').at(-1) !== 'dependentSchemas') {
      for (const [k, v] of Object.entries(s.properties as Json)) {
        const constrainsOnly = path.includes('/dependentSchemas/');
        if (!constrainsOnly && typeof (v as Json).description !== 'string') undescribed.push(`${path}/properties/${k}`);
      }
    }
    for (const [k, v] of Object.entries(s)) walk(v, `${path}/${k}`);
  };
  walk(schema, '#');
  assert.deepEqual(undescribed, []);
  assert.deepEqual(open, []);
  assert.equal(objects, 7, 'plan, rules, table, column, index, index key, storage parameters');
});
