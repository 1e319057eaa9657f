/**
 * One hand-built Step for tests: a plain btree build on public.t unless overridden; the runner's
 * facts (lock, retry safety, INVALID leftovers) follow from the result as the planners set them,
 * unless the test overrides them too.
 */
import { stepFacts } from '../../src/plan/step-facts.js';
import type { Step } from '../../src/plan/types.js';

export function testStep(over: Partial<Step> & { id: string }): Step {
  const shape = {
    action: 'create' as const,
    sql: `create index ${over.id}`,
    reason: '',
    table: { schema: 'public', name: 't' },
    index: { schema: 'public', name: over.id },
    method: 'btree',
    columns: [],
    concurrently: false,
    parallelCapable: true,
    dependsOn: [],
    estimate: { pages: 0, cost: 1, sizeBytes: 0 },
    ...over,
  };
  return { ...shape, ...stepFacts(shape, null), ...pickFacts(over) };
}

function pickFacts(over: Partial<Step>): Partial<Step> {
  const out: Partial<Step> = {};
  if (over.lock !== undefined) out.lock = over.lock;
  if (over.retrySafe !== undefined) out.retrySafe = over.retrySafe;
  if (over.mayLeaveInvalid !== undefined) out.mayLeaveInvalid = over.mayLeaveInvalid;
  if (over.source !== undefined) out.source = over.source;
  return out;
}
