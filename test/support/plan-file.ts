/** A PlanFile built by hand for tests that start past the YAML loader, with the loader's defaults. */
import { DEFAULT_RULES, type PlanFile, type TableSpec } from '../../src/planfile/types.js';

export function planFile(tables: TableSpec[], o: Partial<PlanFile> = {}): PlanFile {
  return {
    file: 'plan.yaml',
    version: 1,
    parallelism: 2,
    concurrently: true,
    analyze: false,
    lockTimeoutMs: 5000,
    statementTimeoutMs: 0,
    retries: 3,
    rules: { ...DEFAULT_RULES },
    tables,
    ...o,
  };
}
