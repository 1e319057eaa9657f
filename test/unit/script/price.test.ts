import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readScript, scriptSteps, type ScriptContext } from '../../../src/script/steps.js';
import { priceScript } from '../../../src/script/price.js';
import { planScript, scriptChoices } from '../../../src/script/plan.js';
import { splitSql } from '../../../src/sql/split.js';
import { loadTreeParser, type TreeParser } from '../../../src/sql/parse.js';
import { qualifiedKey } from '../../../src/sql/qualified.js';
import { DEFAULT_MODEL, defaultCurve, type CostModel } from '../../../src/cost/kinds.js';
import { predictSeconds } from '../../../src/cost/model.js';
import { buildMemoryCapBytes } from '../../../src/plan/settings.js';
import type { Step } from '../../../src/plan/types.js';

let parse: TreeParser;
before(async () => {
  parse = await loadTreeParser();
});

const MB = 1024 * 1024;
const pagesOf = (entries: [string, number][]) => new Map(entries.map(([name, pages]) => [qualifiedKey({ schema: '', name }), pages]));
const plain = (names: string[]) => new Map(names.map((name) => [qualifiedKey({ schema: '', name }), 'r']));

function priced(sql: string, ctx: Partial<ScriptContext>, model: CostModel = DEFAULT_MODEL): Step[] {
  const script = scriptSteps(readScript(splitSql(sql, 'x.sql'), 'x.sql', parse), { versionNum: 150000, parse, ...ctx });
  return priceScript(script.steps, 150000, model);
}

const cost = (steps: Step[], id: string) => steps.find((s) => s.id === id)?.estimate.cost;
const round = (x: number) => Math.round(x * 1000) / 1000;

test('builds are priced in predicted seconds by their method, at the memory the budget gives them', () => {
  const steps = priced('create index a on t (x);\ncreate index b on t using gin (y);\ncreate index c on t using brin (z)', { tablePages: pagesOf([['t', 10_000]]) });
  const at = (method: string) => round(predictSeconds(defaultCurve(method), 10_000, buildMemoryCapBytes(method, 10_000 * 8192), 0));
  assert.deepEqual(
    steps.map((s) => [s.id, s.estimate.cost]),
    [
      ['s1', at('btree')],
      ['s2', at('gin')],
      ['s3', at('brin')],
    ],
  );
  // The default curves: a GIN build (at its 16MB) over twice a btree build of the table, a BRIN a fifth of one.
  assert.ok((cost(steps, 's2') ?? 0) > 2 * (cost(steps, 's1') ?? 0) && (cost(steps, 's3') ?? 0) < 0.3 * (cost(steps, 's1') ?? 0));
  // Nothing in Step.build: the scheduler would rank a build by it alone, without the chain after it.
  assert.ok(steps.every((s) => s.build === undefined));
});

test('a calibrated curve of the method prices its builds; the steps after a build add to its rank', () => {
  const model: CostModel = {
    source: 'calibrated',
    calibratedAt: '2026-11-29T00:00:00Z',
    curves: [{ kind: { method: 'btree', opclass: 'int8_ops', major: 15 }, curve: { a: 0.5, b: 1e-3, d: 0, e: 0.7, memLo: 16 * MB, memHi: 256 * MB, sortsInMemory: false }, points: 6, rmsSeconds: 0.01 }],
  };
  const steps = priced(
    'alter table p add constraint p_pkey primary key (id);\ncreate index p_x on p (x);\nalter table c add constraint c_fk foreign key (p_id) references p (id)',
    { tablePages: pagesOf([['p', 1000], ['c', 3000]]), relkinds: plain(['p', 'c']) },
    model,
  );
  // A build: 0.5 + 1000 × 1e-3 = 1.5 s; the validation scans both tables: 0.5 + 4000 × 1e-3 = 4.5 s.
  const validation = 4.5;
  assert.equal(cost(steps, 's3'), validation);
  assert.equal(cost(steps, 's3.add'), validation);
  // The key's attach and index, and the other build of p (which the foreign key comes after), carry the validation's chain:
  // the attach is instant, but nothing that waits for the key can start before it.
  assert.equal(cost(steps, 's1'), validation);
  assert.equal(cost(steps, 's1.index'), 1.5 + validation);
  assert.equal(cost(steps, 's2'), 1.5 + validation);
});

test('planScript is the one pricing: scriptSteps leaves costs at 0, planScript prices with the model given, DEFAULT_MODEL without one', () => {
  const script = scriptSteps(readScript(splitSql('create index a on t (x);\nselect 1', 'x.sql'), 'x.sql', parse), { versionNum: 150000, parse, tablePages: pagesOf([['t', 2000]]) });
  assert.deepEqual(script.steps.map((s) => s.estimate.cost), [0, 0]);
  const server = { version: '15.0', versionNum: 150000, settings: { maxParallelMaintenanceWorkers: 2, maxWorkerProcesses: 8, maxParallelWorkers: 8, maintenanceWorkMem: 65536, maxConnections: 100 } };
  const without = planScript(script, { server }, scriptChoices({ parallelism: 2 }));
  const withDefault = planScript(script, { server, model: DEFAULT_MODEL }, scriptChoices({ parallelism: 2 }));
  const calibrated: CostModel = {
    source: 'calibrated',
    calibratedAt: '2026-11-29T00:00:00Z',
    curves: [{ kind: { method: 'btree', opclass: 'int8_ops', major: 15 }, curve: { a: 0.5, b: 1e-3, d: 0, e: 0.7, memLo: 16 * MB, memHi: 256 * MB, sortsInMemory: false }, points: 6, rmsSeconds: 0.01 }],
  };
  const withCalibrated = planScript(script, { server, model: calibrated }, scriptChoices({ parallelism: 2 }));
  assert.deepEqual(without.steps.map((s) => s.estimate.cost), [round(predictSeconds(defaultCurve('btree'), 2000, buildMemoryCapBytes('btree', 2000 * 8192), 0)), 0]);
  assert.deepEqual(withDefault.steps, without.steps);
  // 0.5 + 2000 × 1e-3 s.
  assert.deepEqual(withCalibrated.steps.map((s) => s.estimate.cost), [2.5, 0]);
  assert.deepEqual(withDefault.settings, without.settings);
});

test('a REINDEX is priced as a btree build of its table; a statement with no table, as instant', () => {
  const steps = priced('reindex table t;\ncomment on table t is $$x$$', { tablePages: pagesOf([['t', 4000]]), relkinds: plain(['t']) });
  assert.equal(cost(steps, 's1'), round(predictSeconds(defaultCurve('btree'), 4000, buildMemoryCapBytes('btree', 4000 * 8192), 0)));
  assert.equal(cost(steps, 's2'), 0);
});
