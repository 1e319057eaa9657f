/**
 * One hand-built Step for tests: a plain btree build on public.t unless overridden; the runner's
 * facts (lock, retry safety, INVALID leftovers) follow from the result as the planners set them,
 * unless the test overrides them too.
 */
import { stepFacts } from '../../src/plan/step-facts.js';
import type { Plan, Step } from '../../src/plan/types.js';

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
  if (over.hazard !== undefined) out.hazard = over.hazard;
  return out;
}

/**
 * A Plan of hand-built steps for the runner's tests: two sessions, CONCURRENTLY, 64MB, 2 cores, no
 * parallel workers, lock_timeout 5s, 3 retries, unless overridden; `versionNum` is the server's.
 */
export function testPlan(steps: Step[], settings: Partial<Plan['settings']> = {}, versionNum = 180000): Plan {
  return {
    version: 1,
    source: 'test',
    server: { version: '', versionNum },
    settings: {
      parallelism: 2,
      concurrently: true,
      maintenanceWorkMemBytes: 64 * 1024 * 1024,
      cores: 2,
      maxWorkersPerBuild: 0,
      lockTimeoutMs: 5000,
      statementTimeoutMs: 0,
      retries: 3,
      ...settings,
    },
    columns: [],
    steps,
    warnings: [],
  };
}
