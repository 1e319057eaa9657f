/**
 * Hand-built catalog snapshots for the planner's unit tests: a small, realistic subset of pg_opclass and
 * tables built from short descriptions, so each test states only what it is about.
 */
import type { CatalogSnapshot, ColumnInfo, IndexInfo, OpclassInfo, TableInfo } from '../../src/catalog/types.js';
import type { ColumnSpec, TableSpec } from '../../src/planfile/types.js';

export const TYPES: Record<string, { oid: number; category: string; kind?: ColumnInfo['type']['kind']; element?: [string, number] }> = {
  integer: { oid: 23, category: 'N' },
  bigint: { oid: 20, category: 'N' },
  text: { oid: 25, category: 'S' },
  'character varying': { oid: 1043, category: 'S' },
  'timestamp with time zone': { oid: 1184, category: 'D' },
  jsonb: { oid: 3802, category: 'U' },
  inet: { oid: 869, category: 'I' },
  boolean: { oid: 16, category: 'B' },
  'integer[]': { oid: 1007, category: 'A', element: ['integer', 23] },
};

const op = (method: string, name: string, inputType: number, inputTypeName: string, isDefault: boolean, schema = 'pg_catalog', extension?: string): OpclassInfo => ({
  method,
  name,
  schema,
  inputType,
  inputTypeName,
  isDefault,
  ...(extension ? { extension } : {}),
});

export const OPCLASSES: OpclassInfo[] = [
  op('btree', 'int4_ops', 23, 'integer', true),
  op('btree', 'int8_ops', 20, 'bigint', true),
  op('btree', 'text_ops', 25, 'text', true),
  op('btree', 'text_pattern_ops', 25, 'text', false),
  op('btree', 'varchar_ops', 25, 'text', false),
  op('btree', 'timestamptz_ops', 1184, 'timestamp with time zone', true),
  op('btree', 'bool_ops', 16, 'boolean', true),
  op('btree', 'inet_ops', 869, 'inet', true),
  op('btree', 'jsonb_ops', 3802, 'jsonb', true),
  op('hash', 'int4_ops', 23, 'integer', true),
  op('hash', 'text_ops', 25, 'text', true),
  op('brin', 'int4_minmax_ops', 23, 'integer', true),
  op('brin', 'timestamptz_minmax_ops', 1184, 'timestamp with time zone', true),
  op('gin', 'jsonb_ops', 3802, 'jsonb', true),
  op('gin', 'jsonb_path_ops', 3802, 'jsonb', false),
  op('gin', 'array_ops', 2277, 'anyarray', true),
  op('gin', 'gin_trgm_ops', 25, 'text', false, 'public', 'pg_trgm'),
  op('gist', 'inet_ops', 869, 'inet', false),
  op('spgist', 'inet_ops', 869, 'inet', true),
];

export interface ColOpts {
  nDistinct?: number;
  correlation?: number;
  avgWidth?: number;
  nullFrac?: number;
  collation?: string | null;
  noStats?: boolean;
}

export function col(name: string, typeName: string, o: ColOpts = {}, attnum = 1): ColumnInfo {
  const t = TYPES[typeName];
  if (!t) throw new Error(`no fixture type ${typeName}`);
  return {
    attnum,
    name,
    type: {
      declared: typeName,
      base: typeName,
      baseOid: t.oid,
      category: t.category,
      kind: t.kind ?? 'base',
      ...(t.element ? { elementBase: t.element[0], elementOid: t.element[1] } : {}),
    },
    notNull: false,
    generated: '',
    collation: o.collation !== undefined ? o.collation : t.category === 'S' ? 'default' : null,
    stats: o.noStats
      ? null
      : { nullFrac: o.nullFrac ?? 0, avgWidth: o.avgWidth ?? 4, nDistinct: o.nDistinct ?? -1, correlation: o.correlation ?? 0.1 },
  };
}

export function index(schema: string, name: string, o: Partial<IndexInfo> & { columns?: string[]; opclass?: string; opclassIsDefault?: boolean } = {}): IndexInfo {
  const { columns = ['id'], opclass = 'int4_ops', opclassIsDefault = true, ...rest } = o;
  return {
    schema,
    name,
    method: 'btree',
    unique: false,
    primary: false,
    valid: true,
    ready: true,
    keys: columns.map((c) => ({ column: c, expression: c, opclass, opclassIsDefault, collation: null, descending: false, nullsFirst: false })),
    include: [],
    predicate: null,
    sizeBytes: 8192,
    tablespace: null,
    definition: `CREATE INDEX ${name} ON ${schema}.t USING ${rest.method ?? 'btree'} (${columns.join(', ')})`,
    parentIndex: null,
    ...rest,
  };
}

let nextOid = 16384;

export function table(schema: string, name: string, columns: ColumnInfo[], o: Partial<TableInfo> = {}): TableInfo {
  return {
    oid: nextOid++,
    schema,
    name,
    kind: 'table',
    parent: null,
    partitions: [],
    reltuples: 10_000,
    relpages: 100,
    sizeBytes: 100 * 8192,
    tablespace: null,
    lastAnalyzed: '2026-01-01T00:00:00.000Z',
    columns: columns.map((c, i) => ({ ...c, attnum: i + 1 })),
    indexes: [],
    ...o,
  };
}

export function snapshot(tables: TableInfo[], o: Partial<CatalogSnapshot> = {}): CatalogSnapshot {
  return {
    server: {
      versionNum: 180001,
      version: '18.1',
      settings: { maxParallelMaintenanceWorkers: 2, maxWorkerProcesses: 8, maxParallelWorkers: 8, maintenanceWorkMem: 64 * 1024 * 1024, maxConnections: 100 },
    },
    database: 'shop',
    searchPath: ['public'],
    extensions: [{ name: 'pg_trgm', installed: '1.6', available: '1.6', schema: 'public' }],
    accessMethods: ['brin', 'btree', 'gin', 'gist', 'hash', 'spgist'],
    opclasses: OPCLASSES,
    binaryCoercions: [{ source: 1043, target: 25 }],
    tablespaces: ['pg_default', 'pg_global', 'fast'],
    tables,
    ...o,
  };
}

let line = 10;
export function colSpec(name: string, o: Omit<Partial<ColumnSpec>, 'name' | 'pos'> = {}): ColumnSpec {
  return { name, pos: { file: 'plan.yaml', line: line++, col: 9 }, ...o };
}

export function tableSpec(name: string, columns: TableSpec['columns'], o: Partial<TableSpec> = {}): TableSpec {
  return { name, columns, exclude: [], pos: { file: 'plan.yaml', line: line++, col: 11 }, ...o };
}

export { planFile } from '../support/plan-file.js';
