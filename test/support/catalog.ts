/**
 * Hand-built catalog snapshots for the unit tests of the advisor, resolution and the planner: column
 * types with their real PostgreSQL OIDs and format_type() names, the operator classes of a PostgreSQL
 * 18 server (a realistic subset), optionally with extensions installed, and columns, tables, indexes
 * and whole snapshots built from short descriptions, so each test states only what it is about.
 */
import type {
  BinaryCoercion,
  CatalogSnapshot,
  ColumnInfo,
  ColumnStats,
  ColumnType,
  ExtensionInfo,
  IndexInfo,
  OpclassInfo,
  TableInfo,
} from '../../src/catalog/types.js';

// Extension types have no fixed OIDs; these stand in for whatever the server assigned.
const EXT_OID = { hstore: 90001, ltree: 90002, cube: 90003, citext: 90004 } as const;

function base(base: string, baseOid: number, category: string, extra: Partial<ColumnType> = {}): ColumnType {
  return { declared: base, base, baseOid, category, kind: 'base', ...extra };
}

/** Column types by short name. */
export const T = {
  bool: base('boolean', 16, 'B'),
  bytea: base('bytea', 17, 'U'),
  char1: base('"char"', 18, 'Z'),
  int8: base('bigint', 20, 'N'),
  int2: base('smallint', 21, 'N'),
  int4: base('integer', 23, 'N'),
  text: base('text', 25, 'S'),
  oid: base('oid', 26, 'N'),
  json: base('json', 114, 'U'),
  xml: base('xml', 142, 'U'),
  point: base('point', 600, 'G'),
  box: base('box', 603, 'G'),
  polygon: base('polygon', 604, 'G'),
  circle: base('circle', 718, 'G'),
  float8: base('double precision', 701, 'N'),
  money: base('money', 790, 'N'),
  macaddr: base('macaddr', 829, 'U'),
  cidr: base('cidr', 650, 'I'),
  inet: base('inet', 869, 'I'),
  int4array: base('integer[]', 1007, 'A', { elementBase: 'integer', elementOid: 23 }),
  textarray: base('text[]', 1009, 'A', { elementBase: 'text', elementOid: 25 }),
  bpchar: base('character', 1042, 'S', { declared: 'character(3)' }),
  varchar: base('character varying', 1043, 'S', { declared: 'character varying(20)' }),
  date: base('date', 1082, 'D'),
  timestamp: base('timestamp without time zone', 1114, 'D'),
  timestamptz: base('timestamp with time zone', 1184, 'D'),
  interval: base('interval', 1186, 'T'),
  numeric: base('numeric', 1700, 'N'),
  uuid: base('uuid', 2950, 'U'),
  tsvector: base('tsvector', 3614, 'U'),
  jsonb: base('jsonb', 3802, 'U'),
  int4range: base('int4range', 3904, 'R', { kind: 'range' }),
  int4multirange: base('int4multirange', 4451, 'R', { kind: 'multirange' }),
  mood: base('mood', 70001, 'E', { kind: 'enum' }),
  address: base('address', 70002, 'C', { kind: 'composite' }),
  hstore: base('hstore', EXT_OID.hstore, 'U', { extension: 'hstore' }),
  ltree: base('public.ltree', EXT_OID.ltree, 'U', { extension: 'ltree' }),
  cube: base('cube', EXT_OID.cube, 'U', { extension: 'cube' }),
  citext: base('citext', EXT_OID.citext, 'S', { extension: 'citext' }),
  /** A domain over integer with a non-ASCII name (which format_type quotes). */
  bigintDomain: base('integer', 23, 'N', { declared: '"bıgınt"', isDomain: true }),
} satisfies Record<string, ColumnType>;

const POLY = { anyarray: 2277, anyelement: 2283, anyenum: 3500, anyrange: 3831, anymultirange: 4537, record: 2249 } as const;

type Row = [method: string, name: string, input: string, isDefault: boolean];

function oidOf(typeName: string): number {
  if (typeName in POLY) return POLY[typeName as keyof typeof POLY];
  const t = Object.values(T).find((x) => x.base === typeName && !x.isDomain);
  if (!t) throw new Error(`fixture: no type ${typeName}`);
  return t.baseOid;
}

const d = true;
const CORE: Row[] = [
  ['btree', 'bool_ops', 'boolean', d],
  ['btree', 'bytea_ops', 'bytea', d],
  ['btree', 'char_ops', '"char"', d],
  ['btree', 'int8_ops', 'bigint', d],
  ['btree', 'int2_ops', 'smallint', d],
  ['btree', 'int4_ops', 'integer', d],
  ['btree', 'text_ops', 'text', d],
  ['btree', 'text_pattern_ops', 'text', false],
  ['btree', 'varchar_ops', 'text', false],
  ['btree', 'oid_ops', 'oid', d],
  ['btree', 'float8_ops', 'double precision', d],
  ['btree', 'cash_ops', 'money', d],
  ['btree', 'macaddr_ops', 'macaddr', d],
  ['btree', 'inet_ops', 'inet', d],
  ['btree', 'bpchar_ops', 'character', d],
  ['btree', 'date_ops', 'date', d],
  ['btree', 'timestamp_ops', 'timestamp without time zone', d],
  ['btree', 'timestamptz_ops', 'timestamp with time zone', d],
  ['btree', 'interval_ops', 'interval', d],
  ['btree', 'numeric_ops', 'numeric', d],
  ['btree', 'uuid_ops', 'uuid', d],
  ['btree', 'tsvector_ops', 'tsvector', d],
  ['btree', 'jsonb_ops', 'jsonb', d],
  ['btree', 'array_ops', 'anyarray', d],
  ['btree', 'enum_ops', 'anyenum', d],
  ['btree', 'range_ops', 'anyrange', d],
  ['btree', 'multirange_ops', 'anymultirange', d],
  ['btree', 'record_ops', 'record', d],
  ['hash', 'bool_ops', 'boolean', d],
  ['hash', 'bytea_ops', 'bytea', d],
  ['hash', 'int4_ops', 'integer', d],
  ['hash', 'int8_ops', 'bigint', d],
  ['hash', 'text_ops', 'text', d],
  ['hash', 'bpchar_ops', 'character', d],
  ['hash', 'numeric_ops', 'numeric', d],
  ['hash', 'uuid_ops', 'uuid', d],
  ['hash', 'date_ops', 'date', d],
  ['hash', 'timestamptz_ops', 'timestamp with time zone', d],
  ['hash', 'interval_ops', 'interval', d],
  ['hash', 'inet_ops', 'inet', d],
  ['hash', 'macaddr_ops', 'macaddr', d],
  ['hash', 'jsonb_ops', 'jsonb', d],
  ['hash', 'array_ops', 'anyarray', d],
  ['hash', 'enum_ops', 'anyenum', d],
  ['hash', 'range_ops', 'anyrange', d],
  ['gist', 'point_ops', 'point', d],
  ['gist', 'box_ops', 'box', d],
  ['gist', 'poly_ops', 'polygon', d],
  ['gist', 'circle_ops', 'circle', d],
  ['gist', 'inet_ops', 'inet', false],
  ['gist', 'range_ops', 'anyrange', d],
  ['gist', 'multirange_ops', 'anymultirange', d],
  ['gist', 'tsvector_ops', 'tsvector', d],
  ['gin', 'array_ops', 'anyarray', d],
  ['gin', 'jsonb_ops', 'jsonb', d],
  ['gin', 'jsonb_path_ops', 'jsonb', false],
  ['gin', 'tsvector_ops', 'tsvector', d],
  ['spgist', 'inet_ops', 'inet', d],
  ['spgist', 'quad_point_ops', 'point', d],
  ['spgist', 'kd_point_ops', 'point', false],
  ['spgist', 'text_ops', 'text', d],
  ['spgist', 'range_ops', 'anyrange', d],
  ['spgist', 'box_ops', 'box', d],
  ['brin', 'bytea_minmax_ops', 'bytea', d],
  ['brin', 'int8_minmax_ops', 'bigint', d],
  ['brin', 'int2_minmax_ops', 'smallint', d],
  ['brin', 'int4_minmax_ops', 'integer', d],
  ['brin', 'int4_minmax_multi_ops', 'integer', false],
  ['brin', 'int4_bloom_ops', 'integer', false],
  ['brin', 'text_minmax_ops', 'text', d],
  ['brin', 'float8_minmax_ops', 'double precision', d],
  ['brin', 'bpchar_minmax_ops', 'character', d],
  ['brin', 'date_minmax_ops', 'date', d],
  ['brin', 'timestamp_minmax_ops', 'timestamp without time zone', d],
  ['brin', 'timestamptz_minmax_ops', 'timestamp with time zone', d],
  ['brin', 'interval_minmax_ops', 'interval', d],
  ['brin', 'numeric_minmax_ops', 'numeric', d],
  ['brin', 'uuid_minmax_ops', 'uuid', d],
  ['brin', 'inet_inclusion_ops', 'inet', d],
  ['brin', 'box_inclusion_ops', 'box', d],
  ['brin', 'range_inclusion_ops', 'anyrange', d],
];

const EXTENSIONS: Record<string, Row[]> = {
  hstore: [
    ['btree', 'btree_hstore_ops', 'hstore', d],
    ['hash', 'hash_hstore_ops', 'hstore', d],
    ['gist', 'gist_hstore_ops', 'hstore', d],
    ['gin', 'gin_hstore_ops', 'hstore', d],
  ],
  ltree: [
    ['btree', 'ltree_ops', 'public.ltree', d],
    ['hash', 'hash_ltree_ops', 'public.ltree', d],
    ['gist', 'gist_ltree_ops', 'public.ltree', d],
  ],
  cube: [
    ['btree', 'cube_ops', 'cube', d],
    ['gist', 'gist_cube_ops', 'cube', d],
  ],
  citext: [
    ['btree', 'citext_ops', 'citext', d],
    ['btree', 'citext_pattern_ops', 'citext', false],
    ['hash', 'citext_ops', 'citext', d],
  ],
  btree_gin: [
    ['gin', 'int2_ops', 'smallint', d],
    ['gin', 'int4_ops', 'integer', d],
    ['gin', 'int8_ops', 'bigint', d],
    ['gin', 'float8_ops', 'double precision', d],
    ['gin', 'money_ops', 'money', d],
    ['gin', 'oid_ops', 'oid', d],
    ['gin', 'timestamp_ops', 'timestamp without time zone', d],
    ['gin', 'timestamptz_ops', 'timestamp with time zone', d],
    ['gin', 'date_ops', 'date', d],
    ['gin', 'interval_ops', 'interval', d],
    ['gin', 'macaddr_ops', 'macaddr', d],
    ['gin', 'text_ops', 'text', d],
    ['gin', 'varchar_ops', 'character varying', d],
    ['gin', 'bpchar_ops', 'character', d],
    ['gin', 'bytea_ops', 'bytea', d],
    ['gin', 'numeric_ops', 'numeric', d],
    ['gin', 'enum_ops', 'anyenum', d],
    ['gin', 'uuid_ops', 'uuid', d],
    ['gin', 'bool_ops', 'boolean', d],
    ['gin', 'inet_ops', 'inet', d],
    ['gin', 'cidr_ops', 'cidr', d],
  ],
  btree_gist: [
    ['gist', 'gist_int4_ops', 'integer', d],
    ['gist', 'gist_int8_ops', 'bigint', d],
    ['gist', 'gist_text_ops', 'text', d],
    ['gist', 'gist_uuid_ops', 'uuid', d],
    ['gist', 'gist_timestamptz_ops', 'timestamp with time zone', d],
    ['gist', 'gist_inet_ops', 'inet', d],
    ['gist', 'gist_cidr_ops', 'cidr', d],
    ['gist', 'gist_enum_ops', 'anyenum', d],
  ],
  pg_trgm: [
    ['gin', 'gin_trgm_ops', 'text', false],
    ['gist', 'gist_trgm_ops', 'text', false],
  ],
};

export const ALL_EXTENSIONS = Object.keys(EXTENSIONS);

// The preferred type of each category, as pg_type.typispreferred marks them.
const PREFERRED = new Set(['text', 'double precision', 'timestamp with time zone', 'interval', 'boolean', 'inet']);

/** Made-up oids for the operator classes (the real ones differ between servers anyway). */
let nextOpclassOid = 50_000;

function opclass([method, name, input, isDefault]: Row, extension: string | null): OpclassInfo {
  const type = Object.values(T).find((x) => x.base === input && !x.isDomain);
  return {
    oid: nextOpclassOid++,
    method,
    name,
    schema: extension ? 'public' : 'pg_catalog',
    inputType: oidOf(input),
    inputTypeName: input,
    isDefault,
    extension,
    inputTypeCategory: type ? type.category : 'P',
    inputTypePreferred: PREFERRED.has(input),
  };
}

/** Binary coercions usable implicitly, as pg_cast has them (varchar to text and bpchar, bpchar and citext to text, cidr to inet). */
export const COERCIONS: BinaryCoercion[] = [
  { source: T.varchar.baseOid, target: T.text.baseOid },
  { source: T.varchar.baseOid, target: T.bpchar.baseOid },
  { source: T.text.baseOid, target: T.varchar.baseOid },
  { source: T.bpchar.baseOid, target: T.text.baseOid },
  { source: T.cidr.baseOid, target: T.inet.baseOid },
  { source: T.citext.baseOid, target: T.text.baseOid },
];

/** The server of every fixture: PostgreSQL 18 with its default settings. */
export const SERVER: CatalogSnapshot['server'] = {
  versionNum: 180001,
  version: '18.1',
  settings: {
    maxParallelMaintenanceWorkers: 2,
    maxWorkerProcesses: 8,
    maxParallelWorkers: 8,
    maintenanceWorkMem: 64 * 1024 * 1024,
    maxConnections: 100,
  },
};

/** The operator classes of the server with these extensions installed. */
export function opclasses(installed: string[]): OpclassInfo[] {
  return [...CORE.map((r) => opclass(r, null)), ...installed.flatMap((ext) => (EXTENSIONS[ext] ?? []).map((r) => opclass(r, ext)))];
}

export type FixtureCatalog = Pick<CatalogSnapshot, 'server' | 'extensions' | 'accessMethods' | 'opclasses' | 'binaryCoercions'>;

/**
 * Catalog facts of a PostgreSQL 18 server with these extensions installed. hstore, ltree, cube and
 * citext are installed by default (their types exist in the fixtures); every extension is available.
 */
export function catalog(installed: string[] = ['hstore', 'ltree', 'cube', 'citext']): FixtureCatalog {
  const extensions: ExtensionInfo[] = ALL_EXTENSIONS.map((name) => ({
    name,
    installed: installed.includes(name) ? '1.0' : null,
    available: '1.0',
    schema: installed.includes(name) ? 'public' : null,
  }));
  return {
    server: SERVER,
    extensions,
    accessMethods: ['brin', 'btree', 'gin', 'gist', 'hash', 'spgist'],
    opclasses: opclasses(installed),
    binaryCoercions: COERCIONS,
  };
}

/**
 * A column of this type; statistics when given (what is not given takes a neutral value), none
 * otherwise, as before ANALYZE. A string type has the database's default collation, as in PostgreSQL.
 */
export function column(name: string, type: ColumnType, stats: Partial<ColumnStats> | null = null, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return {
    attnum: 1,
    name,
    type,
    notNull: false,
    generated: '',
    collation: type.category === 'S' ? 'default' : null,
    stats: stats === null ? null : { nullFrac: 0, avgWidth: 8, nDistinct: -1, correlation: 0, ...stats },
    ...extra,
  };
}

let nextOid = 50000;

/** A table named `schema.name` (or `name`, in public), its columns numbered in order. */
export function table(name: string, columns: ColumnInfo[], extra: Partial<TableInfo> = {}): TableInfo {
  const [schema, rel] = name.includes('.') ? (name.split('.') as [string, string]) : ['public', name];
  return {
    oid: nextOid++,
    schema,
    name: rel,
    kind: 'table',
    parent: null,
    partitions: [],
    reltuples: 1_000_000,
    relpages: 10_000,
    sizeBytes: 10_000 * 8192,
    tablespace: null,
    lastAnalyzed: '2025-01-01T00:00:00.000Z',
    columns: columns.map((c, i) => ({ ...c, attnum: i + 1 })),
    indexes: [],
    ...extra,
  };
}

/** A valid btree index of schema, on the columns given (id by default), each with this operator class. */
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

/** A whole snapshot of these tables: the fixture server with pg_trgm installed, database shop, tablespace fast. */
export function snapshot(tables: TableInfo[], o: Partial<CatalogSnapshot> = {}): CatalogSnapshot {
  return {
    ...catalog(['pg_trgm']),
    database: 'shop',
    searchPath: ['public'],
    tablespaces: ['pg_default', 'pg_global', 'fast'],
    tables,
    ...o,
  };
}
