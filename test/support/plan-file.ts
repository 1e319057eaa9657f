/** A PlanFile built by hand for tests that start past the YAML loader, with the loader's defaults, and its entries. */
import { DEFAULT_RULES, type ColumnSpec, type PlanFile, type TableSpec } from '../../src/planfile/types.js';

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

let line = 10;

/** A column entry of the plan, at a line of its own. */
export function colSpec(name: string, o: Omit<Partial<ColumnSpec>, 'name' | 'pos'> = {}): ColumnSpec {
  return { name, pos: { file: 'plan.yaml', line: line++, col: 9 }, ...o };
}

/** A table entry of the plan, at a line of its own. */
export function tableSpec(name: string, columns: TableSpec['columns'], o: Partial<TableSpec> = {}): TableSpec {
  return { name, columns, exclude: [], pos: { file: 'plan.yaml', line: line++, col: 11 }, ...o };
}
