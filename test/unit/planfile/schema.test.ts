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
  assert.equal(objects, 8, 'plan, rules, citus, table, column, index, index key, storage parameters');
});

test('the validator the build generates is the schema of schemas/ and answers as ajv compiling it now does', async () => {
  const { createRequire } = await import('node:module');
  const { COMPILED_VALIDATOR_FILE, newPlanSchemaAjv, planSchema } = await import('../../../src/planfile/schema.js');
  const generated = createRequire(new URL('../../../src/planfile/schema.js', import.meta.url))(`./${COMPILED_VALIDATOR_FILE}`) as import('ajv').ValidateFunction;
  const now = newPlanSchemaAjv().compile(planSchema());
  const plans: unknown[] = [
    { version: 1, tables: [{ name: 'orders', columns: 'all', exclude: ['note'] }] },
    { version: 1, parallelism: 4, lock_timeout: '5s', tables: [{ name: 'o', columns: ['a', { name: 'b', method: 'gin', where: 'b > 0', include: ['c'] }] }] },
    { version: 2, tables: [] },
    { version: 1, parallelism: 0, bogus: true, tables: [{ name: '', columns: [{ method: 'btree' }], exclude: ['x'] }] },
    { version: 1, maintenance_work_mem: '1 GiB', rules: { jsonb_opclass: 'jsonb_x' }, tables: [{ name: 't', columns: [{ name: 'a', include: ['x', 'x'] }] }] },
    'not a plan',
  ];
  assert.deepEqual(plans.map((p) => generated(p)), [true, true, false, false, false, false]);
  for (const plan of plans) {
    const ok = generated(plan);
    assert.equal(ok, now(plan), JSON.stringify(plan));
    // The errors as messages read them: keyword, place, params and the failing schema itself.
    const shape = (errors: typeof now.errors) => JSON.stringify(errors ?? null);
    assert.equal(shape(generated.errors), shape(now.errors), JSON.stringify(plan));
  }
});
