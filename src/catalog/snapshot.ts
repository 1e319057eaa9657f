/**
 * Takes a catalog snapshot for a plan: one read-only transaction, five catalog queries (six for a
 * role that is not a superuser), whatever the number of tables and columns (see queries.ts). The
 * result is plain data for the pure planner.
 */
import type pg from 'pg';
import { InputError, SqlError, type Problem } from '../errors.js';
import type { PlanFile } from '../planfile/types.js';
import { NameSyntaxError, parseTablePattern } from './names.js';
import { qualifiedKey } from '../sql/qualified.js';
import { INDEXABLE_RELKINDS, tableKind } from '../pg/relkinds.js';
import { COLLATIONS_SQL, MATCHED_SQL, NEARBY_TABLES_SQL, RELATIONS_SQL, SERVER_SQL, STATS_SQL, columnsSql, indexesSql, jsonArrays, jsonColumns } from './queries.js';
import { isLockTimeout, lockTimeoutError } from './locks.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../sql/quote.js';
import type {
  CatalogSnapshot,
  ConstraintType,
  ColumnInfo,
  ColumnStats,
  ExtensionInfo,
  IndexInfo,
  IndexKey,
  OpclassInfo,
  OtherRelation,
  TableInfo,
  TypeKind,
  BinaryCoercion,
} from './types.js';
import { queryRows } from '../db/rows.js';
import type { Relations } from './resolve.js';

interface ServerRow {
  version_num: number;
  version: string;
  database: string;
  search_path: string[];
  max_parallel_maintenance_workers: number;
  max_worker_processes: number;
  max_parallel_workers: number;
  maintenance_work_mem: string;
  max_connections: number;
  role: string;
  extensions: ExtensionInfo[];
  access_methods: string[];
  opclasses: OpclassInfo[];
  binary_coercions: BinaryCoercion[];
  tablespaces: string[];
  in_recovery: boolean;
  superuser: boolean;
}

interface TableRow {
  oid: string;
  schema: string;
  name: string;
  relkind: string;
  parent_schema: string | null;
  parent_name: string | null;
  reltuples: number;
  relpages: string;
  size_bytes: string;
  tablespace: string | null;
  last_analyzed: Date | null;
  owner: string;
  can_index: boolean;
  partition_key: (string | null)[] | null;
}

interface ColumnRow {
  relid: string;
  attnum: number;
  name: string;
  /** Its type and modifier: one of the TypeRows. */
  typid: number;
  typmod: number;
  not_null: boolean;
  generated: string;
  collation: string | null;
  /** A superuser's statistics of the column (columnsSql withStats), else null. */
  null_frac: number | null;
  avg_width: number | null;
  n_distinct: number | null;
  correlation: number | null;
  most_common_vals: string[] | null;
  most_common_freqs: number[] | null;
}

/** One distinct type (and modifier) of the columns (columnsSql). */
interface TypeRow {
  typid: number;
  typmod: number;
  declared: string;
  is_domain: boolean;
  base_oid: string;
  base: string;
  category: string;
  typtype: string;
  element_oid: string | null;
  element_base: string | null;
  extension: string | null;
}

interface StatsRow {
  schema: string;
  table_name: string;
  name: string;
  inherited: boolean;
  null_frac: number;
  avg_width: number | null;
  n_distinct: number | null;
  correlation: number | null;
  most_common_vals: string[] | null;
  most_common_freqs: number[] | null;
}

interface IndexRow {
  relid: string;
  name: string;
  method: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  ready: boolean;
  key_count: number;
  /** pg_index.indkey as text ("1 0 3"): the table's attnums, 0 for an expression; key columns, then INCLUDE columns. */
  attnums: string;
  /** pg_index.indclass, indcollation (0: none) and indoption as text, one number per key column. */
  opclasses: string;
  collations: string;
  options: string;
  /** pg_get_indexdef of each expression key, in key order (null for a plain column); null without any. */
  expressions: (string | null)[] | null;
  predicate: string | null;
  size_bytes: string;
  tablespace: string | null;
  parent_schema: string | null;
  parent_name: string | null;
  building_pid: number | null;
  /** pg_class.reloptions of the index: its storage parameters as written (`fillfactor=70`). */
  reloptions: string[] | null;
  /** pg_index.indnullsnotdistinct (false before PostgreSQL 15). */
  nulls_not_distinct: boolean;
  /** The constraint the index backs or a foreign key references through it (pg_constraint.conindid). */
  constraint_name: string | null;
  constraint_type: string | null;
}

/**
 * The large results (a row per table, column, index, statistic) come as JSON arrays (jsonArrays),
 * each row an array of these fields in this order; `at` gives each field's place, so that the
 * decoders below and the SQL cannot disagree.
 */
const TABLE_FIELDS = ['oid', 'schema', 'name', 'relkind', 'parent_schema', 'parent_name', 'reltuples', 'relpages', 'size_bytes', 'tablespace', 'last_analyzed', 'owner', 'can_index', 'partition_key'] as const satisfies readonly (keyof TableRow)[];
const TYPE_FIELDS = ['typid', 'typmod', 'declared', 'is_domain', 'base_oid', 'base', 'category', 'typtype', 'element_oid', 'element_base', 'extension'] as const satisfies readonly (keyof TypeRow)[];
const INDEX_FIELDS = [
  'relid', 'name', 'method', 'unique', 'primary', 'valid', 'ready', 'key_count', 'attnums', 'opclasses', 'collations', 'options',
  'expressions', 'predicate', 'size_bytes', 'tablespace', 'parent_schema', 'parent_name', 'building_pid', 'reloptions', 'nulls_not_distinct', 'constraint_name', 'constraint_type',
] as const satisfies readonly (keyof IndexRow)[];
const STATS_FIELDS = ['schema', 'table_name', 'name', 'inherited', 'null_frac', 'avg_width', 'n_distinct', 'correlation', 'most_common_vals', 'most_common_freqs'] as const satisfies readonly (keyof StatsRow)[];

function at<F extends string>(fields: readonly F[]): Record<F, number> {
  return Object.fromEntries(fields.map((f, i) => [f, i])) as Record<F, number>;
}
const T = at(TABLE_FIELDS);
const Ty = at(TYPE_FIELDS);
const S = at(STATS_FIELDS);

/**
 * A result read as JSON columns (jsonColumns): each field's values in one array, those of row i at
 * [i]. The columns (columnsSql's COLUMN_FIELDS: ColumnRow's) and the indexes come so.
 */
type JsonColumns<R> = { readonly [K in keyof R]: readonly R[K][] };

type JsonRow = readonly unknown[];
const str = (v: unknown): string => v as string;
const strOrNull = (v: unknown): string | null => v as string | null;
/** A float8 in JSON: a number, or the server's "NaN", "Infinity", "-Infinity" as strings (the driver's parseFloat reads them alike). */
const float = (v: unknown): number => (typeof v === 'string' ? Number(v) : (v as number));
const floatOrNull = (v: unknown): number | null => (v === null ? null : float(v));

/** TIMESTAMPTZ_OID: last_analyzed comes as the server's text and is read by the session's own parser, as a row's would be. */
const TIMESTAMPTZ_OID = 1184;

function tableRow(r: JsonRow, timestamp: (text: string) => unknown): TableRow {
  const analyzed = r[T.last_analyzed];
  return {
    oid: str(r[T.oid]),
    schema: str(r[T.schema]),
    name: str(r[T.name]),
    relkind: str(r[T.relkind]),
    parent_schema: strOrNull(r[T.parent_schema]),
    parent_name: strOrNull(r[T.parent_name]),
    reltuples: float(r[T.reltuples]),
    relpages: str(r[T.relpages]),
    size_bytes: str(r[T.size_bytes]),
    tablespace: strOrNull(r[T.tablespace]),
    last_analyzed: analyzed === null ? null : (timestamp(str(analyzed)) as Date),
    owner: str(r[T.owner]),
    can_index: r[T.can_index] as boolean,
    partition_key: r[T.partition_key] as (string | null)[] | null,
  };
}

/**
 * Column i of the JSON columns, with its statistics when they came along (a superuser's), else
 * attached later (withStats): the columns, indexes and statistics are not decoded into row objects
 * first, for at 10,000 tables those were 110,000 objects that outlived a collection or two on their
 * way to the snapshot (issue 16).
 */
function toColumn(cols: JsonColumns<ColumnRow>, i: number, types: ColumnTypes): ColumnInfo {
  const generated = cols.generated[i];
  const nullFrac = cols.null_frac[i] ?? null;
  return {
    attnum: cols.attnum[i] as number,
    name: cols.name[i] as string,
    // Every column's type is among the types: both come from the same rows of `resolved`.
    type: types.get(cols.typid[i] as number)?.get(cols.typmod[i] as number) as ColumnInfo['type'],
    notNull: cols.not_null[i] as boolean,
    generated: generated === 's' || generated === 'v' ? generated : '',
    collation: cols.collation[i] ?? null,
    stats:
      nullFrac === null
        ? null
        : toStats(nullFrac, cols.avg_width[i], cols.n_distinct[i], cols.correlation[i], cols.most_common_vals[i], cols.most_common_freqs[i]),
  };
}

/** Statistics as the snapshot keeps them, from a statistics row's or a superuser's column's values. */
function toStats(nullFrac: unknown, avgWidth: unknown, nDistinct: unknown, correlation: unknown, values: unknown, freqs: unknown): ColumnStats {
  const mcv = values as string[] | null | undefined;
  const mcf = freqs as unknown[] | null | undefined;
  return {
    nullFrac: float(nullFrac),
    avgWidth: (avgWidth as number | null | undefined) ?? 0,
    nDistinct: floatOrNull(nDistinct ?? null) ?? 0,
    correlation: floatOrNull(correlation ?? null),
    ...(mcv && mcf ? { mostCommon: { values: mcv, freqs: mcf.map(float) } } : {}),
  };
}

/** A statistics row's (STATS_FIELDS) statistics. */
function rowStats(s: JsonRow): ColumnStats {
  return toStats(s[S.null_frac], s[S.avg_width], s[S.n_distinct], s[S.correlation], s[S.most_common_vals], s[S.most_common_freqs]);
}

/** The one row of a statement that always returns one (an aggregate, arrays of a selection). */
async function oneRow<R extends pg.QueryResultRow>(session: pg.ClientBase, sql: string, params: unknown[]): Promise<R> {
  const [row] = await queryRows<R>(session, sql, params);
  if (!row) throw new SqlError(sql, { message: 'the query returned no row' });
  return row;
}

/** The rows of one of the large queries, read as jsonArrays: an array of fields each. */
async function jsonRows(session: pg.ClientBase, sql: string, params: unknown[]): Promise<JsonRow[]> {
  const [row] = await queryRows<{ rows: JsonRow[] }>(session, sql, params);
  return row?.rows ?? [];
}

/** Patterns as the four parallel arrays TABLES_SQL takes. Bad names are input errors at their plan line. */
export function patternParams(file: PlanFile): [(string | null)[], (string | null)[], (string | null)[], (string | null)[]] {
  const problems: Problem[] = [];
  const params: [(string | null)[], (string | null)[], (string | null)[], (string | null)[]] = [[], [], [], []];
  for (const spec of file.tables) {
    try {
      const p = parseTablePattern(spec.name);
      params[0].push(p.schema?.exact ?? null);
      params[1].push(p.schema?.like ?? null);
      params[2].push(p.table.exact);
      params[3].push(p.table.like);
    } catch (err) {
      if (!(err instanceof NameSyntaxError)) throw err;
      problems.push({ pos: spec.pos, message: `bad table name: ${err.message}` });
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return params;
}

const TYPE_KINDS: Record<string, TypeKind> = {
  b: 'base',
  e: 'enum',
  r: 'range',
  m: 'multirange',
  c: 'composite',
  p: 'pseudo',
  d: 'domain',
};

/** A further session for a large snapshot: opened by the caller's rules, closed by takeSnapshot. */
export type OpenHelper = () => Promise<pg.Client>;

export interface SnapshotOptions {
  /**
   * Opens a second session, so that the relations and indexes are read beside the columns (each a
   * third of a second or so of server time at 10,000 tables). It reads the same catalog: its
   * transaction imports the first one's snapshot (pg_export_snapshot). Without it, or for a small
   * plan, one session does all.
   */
  openHelper?: OpenHelper;
  /** How many tables make the second session worth its connection (default 1,000). */
  helperFromTables?: number;
  /**
   * Called once the relations the plan names are known, while the server reads their columns,
   * statistics and indexes: work done on them here (matching the plan's entries, resolve.ts
   * matchEntries) takes no time of its own (issue 16). The tables are in the snapshot's order.
   */
  onRelations?: (relations: Relations) => void;
}

const HELPER_FROM_TABLES = 1000;

/**
 * Must be called outside a transaction block: it opens (and ends) its own. Reads the catalog without
 * taking relation locks, except to deparse the expressions and predicates of existing indexes: when
 * that times out (the session's lock_timeout) behind another session's lock, the error names the
 * table and the session holding it.
 */
export async function takeSnapshot(client: pg.ClientBase, file: PlanFile, opts: SnapshotOptions = {}): Promise<CatalogSnapshot> {
  const params = patternParams(file);
  let oids: string[] = [];
  let helpers: pg.Client[] = [];
  // Every statement sent, so that none is still running when the transaction is rolled back.
  const pending: Promise<unknown>[] = [];
  const sent = <T>(reading: Promise<T>): Promise<T> => {
    reading.catch(() => undefined);
    pending.push(reading);
    return reading;
  };
  // One repeatable-read transaction, so that the queries see the same catalog.
  await queryRows(client, 'begin isolation level repeatable read read only');
  try {
    const [server] = await queryRows<ServerRow>(client, SERVER_SQL);
    if (!server) throw new SqlError(SERVER_SQL, { message: 'the query returned no row' });
    // A standby cannot export its snapshot: it reads on one session.
    const helperFrom = opts.helperFromTables ?? HELPER_FROM_TABLES;
    const openHelper = server.in_recovery ? undefined : opts.openHelper;
    // A plan of that many entries will meet that many tables: the helper connects while the plan's
    // patterns are matched. Otherwise it is opened once the tables are known to be that many.
    let joining: { sessions: Promise<pg.Client[]> } | null = null;
    if (openHelper && file.tables.length >= helperFrom) joining = await joinSnapshot(client, openHelper, HELPERS);
    const matched = await queryRows<MatchedRow>(client, MATCHED_SQL, params)
      .then(([row]) => row ?? Promise.reject(new SqlError(MATCHED_SQL, { message: 'the query returned no row' })))
      .catch(async (err: unknown) => {
        // The helper connecting meanwhile is closed too (in `finally`).
        helpers = (await joining?.sessions.catch(() => [])) ?? [];
        throw err;
      });
    oids = matched.tables;
    // Everything is asked for at once, each session's statements one after the other (pg would queue
    // them, but will stop doing so), and decoded here as it comes. This session reads the relations
    // first (the plan's entries are matched to them while the server reads the rest), then the
    // columns (which the indexes are named from) and, for a role that is not a superuser, the
    // statistics; a helper the indexes: the two take the server about as long at 10,000 tables. A
    // helper opened only now, the tables being more than the plan's entries foretold, exports the
    // snapshot once the relations are read: their sizes and analyze times are not transactional, and
    // are read before it opens, as for one session. Without a helper this session reads all. (A third
    // session was slower on an idle machine of 2 cores.)
    const relationsSql = jsonArrays(RELATIONS_SQL, TABLE_FIELDS, 'q.schema, q.name', ['oid', 'relpages', 'size_bytes', 'last_analyzed']);
    const readingRelations = sent(jsonRows(client, relationsSql, [matched.relations]));
    if (!joining && openHelper && oids.length >= helperFrom) joining = await readingRelations.then(() => joinSnapshot(client, openHelper, HELPERS));
    // A superuser's statistics come with the columns, which then need to know the partitioned tables.
    const columnParams = server.superuser ? [oids, matched.partitioned] : [oids];
    const readingColumns = sent(readingRelations.then(() => oneRow<ColumnsRow>(client, columnsSql(server.version_num, server.superuser), columnParams)));
    helpers = joining ? await joining.sessions : [];
    const [helper] = helpers;
    const readingIndexes = sent(helper ? indexes(helper, server.version_num, oids) : readingColumns.then(() => indexes(client, server.version_num, oids)));
    // Anyone else's statistics from pg_stats, by name.
    const lastHere = helper ? readingColumns : readingIndexes;
    const readingStats = server.superuser
      ? null
      : sent(lastHere.then(() => jsonRows(client, jsonArrays(STATS_SQL, STATS_FIELDS, ''), [matched.schemas, matched.names])));
    const timestamp = client.getTypeParser(TIMESTAMPTZ_OID, 'text');
    const relationRows = (await readingRelations).map((r) => tableRow(r, timestamp));
    const tableRows = relationRows.filter((r) => INDEXABLE_RELKINDS.has(r.relkind));
    const others = relationRows.filter((r) => !INDEXABLE_RELKINDS.has(r.relkind)).map((r) => ({ schema: r.schema, name: r.name, relkind: r.relkind }));
    const nearbySchemas = schemasOfMisses(params, relationRows, server.search_path);
    // After this session's last statement.
    const readingNearby =
      nearbySchemas.length === 0
        ? undefined
        : sent((readingStats ?? lastHere).then(() => queryRows<{ schema: string; name: string }>(client, NEARBY_TABLES_SQL, [nearbySchemas])));
    // The plan's entries are matched to the relations while the server reads the rest.
    opts.onRelations?.({ tables: tableRows, otherRelations: others, searchPath: server.search_path });
    const read = await readingColumns;
    const columnsByTable = byTable(read, columnTypes(read.types));
    const { index, collations } = await readingIndexes;
    const names: KeyNames = { opclasses: new Map(server.opclasses.map((o) => [o.oid, o])), collations };
    const indexesByTable = indexesOf(index, tableRows, columnsByTable, names);
    if (readingStats) withStats(tableRows, columnsByTable, await readingStats);
    const nearby = await readingNearby;
    for (const helper of helpers) await queryRows(helper, 'commit');
    await queryRows(client, 'commit');
    const snapshot = assemble(server, tableRows, others, columnsByTable, indexesByTable);
    return nearby === undefined ? snapshot : { ...snapshot, nearbyTables: nearby };
  } catch (err) {
    await Promise.allSettled(pending);
    await client.query('rollback').catch(() => undefined);
    if (isLockTimeout(err)) throw await lockTimeoutError(client, 'reading the definitions of existing indexes', oids.map(Number), 'AccessShareLock');
    throw err;
  } finally {
    for (const helper of helpers) await helper.end().catch(() => undefined);
  }
}

/** MATCHED_SQL's row: oids and names as text. */
interface MatchedRow {
  tables: string[];
  partitioned: string[];
  relations: string[];
  schemas: string[];
  names: string[];
}

/** columnsSql's row: the columns as JSON columns, and their types. */
type ColumnsRow = JsonColumns<ColumnRow> & { types: JsonRow[] };

/** The indexes of the tables (INDEXES_SQL) as JSON columns, and the names of the collations their keys use. */
async function indexes(session: pg.ClientBase, versionNum: number, oids: readonly string[]): Promise<{ index: JsonColumns<IndexRow>; collations: Map<number, string> }> {
  const index = await oneRow<JsonColumns<IndexRow>>(session, jsonColumns(indexesSql(versionNum), INDEX_FIELDS, ['relid', 'size_bytes']), [oids]);
  const used = new Set<number>();
  for (const text of index.collations) for (const oid of vector(text)) if (oid !== 0) used.add(oid);
  const collations = used.size === 0 ? [] : await queryRows<{ oid: string; name: string }>(session, COLLATIONS_SQL, [[...used]]);
  return { index, collations: new Map(collations.map((c) => [Number(c.oid), c.name])) };
}

/** Helper sessions of a large snapshot. */
const HELPERS = 1;

/**
 * `count` helper sessions, each in a transaction that sees exactly what the first session's does.
 * The snapshot is exported at once; the promise of the sessions is returned without waiting for
 * their connections, so that this session can go on meanwhile. It rejects only once every one has
 * settled, with the ones that did open closed.
 */
async function joinSnapshot(client: pg.ClientBase, openHelper: OpenHelper, count: number): Promise<{ sessions: Promise<pg.Client[]> }> {
  const [exported] = await queryRows<{ id: string }>(client, 'select pg_export_snapshot() as id');
  if (!exported) throw new SqlError('select pg_export_snapshot()', { message: 'the query returned no row' });
  const one = async (): Promise<pg.Client> => {
    const helper = await openHelper();
    try {
      await queryRows(helper, 'begin isolation level repeatable read read only');
      // SET TRANSACTION SNAPSHOT takes no parameter: the id (the server's own string) is quoted.
      await queryRows(helper, `set transaction snapshot ${quoteLiteral(exported.id)}`);
      return helper;
    } catch (err) {
      await helper.end().catch(() => undefined);
      throw err;
    }
  };
  const all = Promise.allSettled(Array.from({ length: count }, one)).then(async (settled) => {
    const opened = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (!failed) return opened;
    for (const helper of opened) await helper.end().catch(() => undefined);
    throw failed.reason;
  });
  // Handled by whoever awaits it; until then a failure must not count as unhandled.
  all.catch(() => undefined);
  return { sessions: all };
}

/**
 * The schemas to list tables of for "did you mean": those of the plan's exact names that matched no
 * relation (search_path for a name without a schema). None, and no query, when every name matched.
 */
function schemasOfMisses(params: ReturnType<typeof patternParams>, rows: readonly { schema: string; name: string }[], searchPath: readonly string[]): string[] {
  const [schemaExact, schemaLike, tableExact] = params;
  // Sets, not a search per name: a plan of 10,000 entries meets 10,000 relations (issue 16).
  const names = new Set(rows.map((r) => r.name));
  const qualified = new Set(rows.map((r) => `${r.schema}\0${r.name}`));
  const out = new Set<string>();
  tableExact.forEach((name, i) => {
    if (name === null || schemaLike[i] !== null) return;
    const schema = schemaExact[i] ?? null;
    if (schema === null ? names.has(name) : qualified.has(`${schema}\0${name}`)) return;
    for (const s of schema === null ? searchPath : [schema]) out.add(s);
  });
  return [...out].sort();
}

/**
 * Gives each column its statistics: the table's own, or a partitioned table's inherited ones. The
 * statistics are grouped by table, then found among their table's few: a key per column and per
 * statistic was 80,000 strings to build and hash at 10,000 tables (issue 16).
 */
function withStats(tables: readonly TableRow[], columnsByTable: ReadonlyMap<string, ColumnInfo[]>, stats: readonly JsonRow[]): void {
  // By schema, then table name: no key string to build and hash per row.
  const bySchema = new Map<string, Map<string, JsonRow[]>>();
  for (const s of stats) {
    const schema = str(s[S.schema]);
    const name = str(s[S.table_name]);
    let byName = bySchema.get(schema);
    if (!byName) bySchema.set(schema, (byName = new Map()));
    const list = byName.get(name);
    if (list) list.push(s);
    else byName.set(name, [s]);
  }
  for (const t of tables) {
    const list = bySchema.get(t.schema)?.get(t.name);
    const columns = columnsByTable.get(t.oid);
    if (!list || !columns) continue;
    const inherited = t.relkind === 'p';
    for (const c of columns) {
      const s = statsOf(list, c.name, inherited);
      if (s) c.stats = rowStats(s);
    }
  }
}

/** A table's statistics row for a column: a handful per table, searched in order. */
function statsOf(list: readonly JsonRow[], column: string, inherited: boolean): JsonRow | undefined {
  for (const s of list) if (s[S.name] === column && s[S.inherited] === inherited) return s;
  return undefined;
}

function assemble(
  server: ServerRow,
  tableRows: TableRow[],
  others: OtherRelation[],
  columnsByTable: ReadonlyMap<string, ColumnInfo[]>,
  indexesByTable: ReadonlyMap<string, IndexInfo[]>,
): CatalogSnapshot {
  const tables: TableInfo[] = tableRows.map((r) => ({
    oid: Number(r.oid),
    schema: r.schema,
    name: r.name,
    kind: tableKind(r.relkind),
    parent: r.parent_schema !== null && r.parent_name !== null ? { schema: r.parent_schema, name: r.parent_name } : null,
    partitions: [],
    reltuples: r.reltuples,
    relpages: Math.max(0, Number(r.relpages)),
    sizeBytes: Math.max(0, Number(r.size_bytes)),
    tablespace: r.tablespace,
    lastAnalyzed: r.last_analyzed ? r.last_analyzed.toISOString() : null,
    columns: columnsByTable.get(r.oid) ?? [],
    indexes: indexesByTable.get(r.oid) ?? [],
    owner: r.owner,
    canIndex: r.can_index,
    ...(r.partition_key !== null ? { partitionKey: r.partition_key } : {}),
  }));
  linkPartitions(tables);
  return {
    server: {
      versionNum: server.version_num,
      version: server.version,
      settings: {
        maxParallelMaintenanceWorkers: server.max_parallel_maintenance_workers,
        maxWorkerProcesses: server.max_worker_processes,
        maxParallelWorkers: server.max_parallel_workers,
        maintenanceWorkMem: Number(server.maintenance_work_mem),
        maxConnections: server.max_connections,
      },
    },
    database: server.database,
    searchPath: server.search_path,
    extensions: server.extensions,
    accessMethods: server.access_methods,
    opclasses: server.opclasses,
    binaryCoercions: server.binary_coercions,
    tablespaces: server.tablespaces,
    tables,
    otherRelations: others,
    role: server.role,
  };
}

/**
 * The columns by their table's oid, each table's in attnum order: the server sends them unordered,
 * nearly always in that order already (a sort there of 40,000 wide rows spilled to disk).
 */
function byTable(cols: JsonColumns<ColumnRow>, types: ColumnTypes): Map<string, ColumnInfo[]> {
  const out = new Map<string, ColumnInfo[]>();
  let ordered = true;
  // A table's columns come one after the other: its list is looked up once, not per column.
  let relid: string | undefined;
  let list: ColumnInfo[] = [];
  for (let i = 0; i < cols.relid.length; i++) {
    const column = toColumn(cols, i, types);
    if (cols.relid[i] !== relid) {
      relid = cols.relid[i] as string;
      const known = out.get(relid);
      if (!known) {
        out.set(relid, (list = [column]));
        continue;
      }
      list = known;
    }
    ordered &&= (list[list.length - 1] as ColumnInfo).attnum < column.attnum;
    list.push(column);
  }
  if (!ordered) for (const list of out.values()) list.sort((a, b) => a.attnum - b.attnum);
  return out;
}

/**
 * The indexes by their table's oid, each table's by name in the server's order of names (C: by
 * code point, which is UTF-8's byte order), as they were when the server sorted them. An index is
 * in its table's schema, and named from the table's columns.
 */
function indexesOf(ix: JsonColumns<IndexRow>, tables: readonly TableRow[], columnsByTable: ReadonlyMap<string, ColumnInfo[]>, names: KeyNames): Map<string, IndexInfo[]> {
  const tableByOid = new Map(tables.map((t) => [t.oid, t]));
  const out = new Map<string, IndexInfo[]>();
  // A table's indexes come one after the other: its facts are looked up once, not per index.
  let relid: string | undefined;
  let table: TableRow | undefined;
  let columns: readonly ColumnInfo[] = [];
  let list: IndexInfo[] = [];
  for (let i = 0; i < ix.relid.length; i++) {
    if (ix.relid[i] !== relid) {
      relid = ix.relid[i] as string;
      table = tableByOid.get(relid);
      columns = columnsByTable.get(relid) ?? [];
      const known = out.get(relid);
      if (!known) out.set(relid, (list = []));
      else list = known;
    }
    // Every index is of a table read (the same snapshot): one that was not would not be looked up.
    if (table) list.push(toIndex(ix, i, table, columns, names));
  }
  for (const list of out.values()) sortByName(list);
  return out;
}

/** A table's few indexes by name, in place (Array.prototype.sort cost more than the sorting, called 10,000 times). */
function sortByName(list: IndexInfo[]): void {
  for (let k = 1; k < list.length; k++) {
    const index = list[k] as IndexInfo;
    let j = k - 1;
    while (j >= 0 && compareCodePoints((list[j] as IndexInfo).name, index.name) > 0) {
      list[j + 1] = list[j] as IndexInfo;
      j--;
    }
    list[j + 1] = index;
  }
}

/** Code-point order (UTF-8's byte order: the server's for names), not JavaScript's UTF-16 code-unit order. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    let x = a.charCodeAt(k);
    let y = b.charCodeAt(k);
    if (x === y) continue;
    // A surrogate (an astral code point) comes after every other unit of 0xd800 and more.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x < 0xe000 ? x + 0x2000 : x - 0x800;
      y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** The columns' types by type oid, then modifier. */
type ColumnTypes = ReadonlyMap<number, ReadonlyMap<number, ColumnInfo['type']>>;

/**
 * The columns' types, one ColumnType object per distinct type as written: a catalog of 10,000
 * tables has 40,000 columns and a handful of types, and every object the snapshot keeps is work for
 * the garbage collector. By numbers, not by a key string: no string to build per column.
 */
function columnTypes(rows: readonly JsonRow[]): ColumnTypes {
  const byContent = new Map<string, ColumnInfo['type']>();
  const out = new Map<number, Map<number, ColumnInfo['type']>>();
  for (const r of rows) {
    const declared = str(r[Ty.declared]);
    const baseOid = str(r[Ty.base_oid]);
    const base = str(r[Ty.base]);
    const category = str(r[Ty.category]);
    const typtype = str(r[Ty.typtype]);
    const elementOid = strOrNull(r[Ty.element_oid]);
    const elementBase = strOrNull(r[Ty.element_base]);
    const extension = strOrNull(r[Ty.extension]);
    const isDomain = r[Ty.is_domain] as boolean;
    const content = [declared, baseOid, base, category, typtype, elementOid, elementBase, extension, isDomain].join('\0');
    let type = byContent.get(content);
    if (!type) {
      type = {
        declared,
        base,
        baseOid: Number(baseOid),
        category,
        kind: TYPE_KINDS[typtype] ?? 'base',
        ...(elementOid !== null && elementBase !== null ? { elementBase, elementOid: Number(elementOid) } : {}),
        ...(extension !== null ? { extension } : {}),
        ...(isDomain ? { isDomain: true } : {}),
      };
      byContent.set(content, type);
    }
    const typid = r[Ty.typid] as number;
    let byTypmod = out.get(typid);
    if (!byTypmod) out.set(typid, (byTypmod = new Map()));
    byTypmod.set(r[Ty.typmod] as number, type);
  }
  return out;
}

// pg_index.indoption bits (INDOPTION_DESC, INDOPTION_NULLS_FIRST).
const DESC = 1;
const NULLS_FIRST = 2;

/** What names an index's keys: the operator classes (SERVER_SQL) and collations (COLLATIONS_SQL) by oid. */
interface KeyNames {
  opclasses: Map<number, OpclassInfo>;
  collations: Map<number, string>;
}

/** An int2vector or oidvector as the server prints it: numbers separated by spaces. */
export function vector(text: string): number[] {
  // Digit by digit: split and map made two arrays and a string per number, for four vectors per index.
  const out: number[] = [];
  let n = 0;
  let sign = 1;
  let digits = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32) {
      if (digits) out.push(sign * n);
      n = 0;
      sign = 1;
      digits = false;
    } else if (c === 45) {
      sign = -1;
    } else {
      n = n * 10 + (c - 48);
      digits = true;
    }
  }
  if (digits) out.push(sign * n);
  return out;
}

/** Index i of the JSON columns, of `table`. */
function toIndex(ix: JsonColumns<IndexRow>, i: number, table: TableRow, columns: readonly ColumnInfo[], names: KeyNames): IndexInfo {
  const attnums = vector(ix.attnums[i] as string);
  const opclasses = vector(ix.opclasses[i] as string);
  const collations = vector(ix.collations[i] as string);
  const options = vector(ix.options[i] as string);
  const columnName = (k: number): string | null => {
    const attnum = attnums[k] ?? 0;
    return attnum === 0 ? null : (columns.find((c) => c.attnum === attnum)?.name ?? null);
  };
  const expressions = ix.expressions[i] ?? null;
  const expression = (k: number): string | null => expressions?.[k] ?? null;
  const keys: IndexKey[] = [];
  const opclassSchemas: (string | null)[] = [];
  const keyCount = ix.key_count[i] as number;
  for (let k = 0; k < keyCount; k++) {
    const column = columnName(k);
    const opclass = names.opclasses.get(opclasses[k] ?? 0);
    const option = options[k] ?? 0;
    keys.push({
      column,
      expression: expression(k) ?? quoteIdent(column ?? ''),
      opclass: opclass?.name ?? '',
      opclassIsDefault: opclass?.isDefault ?? false,
      collation: names.collations.get(collations[k] ?? 0) ?? null,
      descending: (option & DESC) !== 0,
      nullsFirst: (option & NULLS_FIRST) !== 0,
    });
    opclassSchemas.push(opclass?.schema ?? null);
  }
  const include: string[] = [];
  for (let k = keyCount; k < attnums.length; k++) include.push(columnName(k) ?? expression(k) ?? '');
  const parentSchema = ix.parent_schema[i] ?? null;
  const parentName = ix.parent_name[i] ?? null;
  // Optional facts set in place, not spread: a copy of each of 30,000 indexes was garbage at once.
  let definition: string | undefined;
  const index: IndexInfo = {
    schema: table.schema,
    name: ix.name[i] as string,
    method: ix.method[i] as string,
    unique: ix.unique[i] as boolean,
    primary: ix.primary[i] as boolean,
    valid: ix.valid[i] as boolean,
    ready: ix.ready[i] as boolean,
    keys,
    include,
    predicate: ix.predicate[i] ?? null,
    sizeBytes: Math.max(0, Number(ix.size_bytes[i])),
    tablespace: ix.tablespace[i] ?? null,
    parentIndex: parentSchema !== null && parentName !== null ? { schema: parentSchema, name: parentName } : null,
    // Written out when first read: only messages and a saved plan's fingerprint read it, and the
    // 30,000 definitions of 10,000 tables cost the snapshot a tenth of a second (issue 16).
    get definition(): string {
      return (definition ??= indexDefinition(index, table, columns, opclassSchemas));
    },
  };
  const buildingPid = ix.building_pid[i] ?? null;
  const reloptions = ix.reloptions[i] ?? null;
  const constraintName = ix.constraint_name[i] ?? null;
  const constraintType = ix.constraint_type[i] ?? null;
  if (buildingPid !== null) index.buildingPid = Number(buildingPid);
  if (ix.nulls_not_distinct[i] === true) index.nullsNotDistinct = true;
  if (reloptions !== null && reloptions.length > 0) index.storage = reloptions;
  if (constraintName !== null && constraintType !== null) index.constraint = { name: constraintName, type: constraintType as ConstraintType };
  return index;
}

/**
 * CREATE INDEX much as pg_get_indexdef writes it, from the catalog's parts (pg_get_indexdef itself
 * would wait behind a lock on the table): default operator classes, ascending order and the column's
 * own collation left out. For messages only.
 */
export function indexDefinition(
  ix: Omit<IndexInfo, 'definition'>,
  table: { schema: string; name: string },
  columns: readonly Pick<ColumnInfo, 'name' | 'collation'>[] = [],
  opclassSchemas: (string | null)[] = [],
): string {
  const keys = ix.keys.map((k, i) => {
    const expr = k.column !== null ? quoteIdent(k.column) : `(${k.expression})`;
    const own = k.column !== null ? (columns.find((c) => c.name === k.column)?.collation ?? null) : null;
    const shown = k.column !== null && k.collation !== null && k.collation !== own;
    const collation = shown ? ` COLLATE ${quoteIdent(k.collation as string)}` : '';
    const schema = opclassSchemas[i];
    const opclass = !k.opclassIsDefault && k.opclass ? ` ${schema && schema !== 'pg_catalog' ? quoteIdent(schema) + '.' : ''}${quoteIdent(k.opclass)}` : '';
    const order = k.descending ? (k.nullsFirst ? ' DESC' : ' DESC NULLS LAST') : k.nullsFirst ? ' NULLS FIRST' : '';
    return expr + collation + opclass + order;
  });
  return (
    `CREATE ${ix.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(ix.name)} ON ${quoteQualified(table)} USING ${ix.method} (${keys.join(', ')})` +
    (ix.include.length > 0 ? ` INCLUDE (${ix.include.map(quoteIdent).join(', ')})` : '') +
    (ix.nullsNotDistinct ? ' NULLS NOT DISTINCT' : '') +
    (ix.storage && ix.storage.length > 0 ? ` WITH (${ix.storage.map(reloptionSql).join(', ')})` : '') +
    (ix.predicate !== null ? ` WHERE (${ix.predicate})` : '')
  );
}

/** A reloption as pg_get_indexdef writes it: a value that is not a plain identifier quoted as a literal (`fillfactor='70'`). */
function reloptionSql(option: string): string {
  const eq = option.indexOf('=');
  const [name, value] = eq < 0 ? [option, ''] : [option.slice(0, eq), option.slice(eq + 1)];
  return `${quoteIdent(name)}=${value !== '' && quoteIdent(value) === value ? value : quoteLiteral(value)}`;
}

/**
 * Fills `partitions`, and gives a partitioned table (which stores nothing itself) the pages, size and,
 * when its own is unknown, row count of its leaf partitions: what brin thresholds and cost estimates need.
 */
function linkPartitions(tables: TableInfo[]): void {
  const byName = new Map(tables.map((t) => [qualifiedKey(t), t]));
  for (const t of tables) {
    if (t.parent) byName.get(qualifiedKey(t.parent))?.partitions.push({ schema: t.schema, name: t.name });
  }
  const done = new Set<TableInfo>();
  const rollUp = (t: TableInfo): void => {
    if (t.kind !== 'partitioned' || done.has(t)) return;
    done.add(t);
    let pages = 0;
    let size = 0;
    let rows = 0;
    let rowsKnown = false;
    for (const p of t.partitions) {
      const child = byName.get(qualifiedKey(p));
      if (!child) continue;
      rollUp(child);
      pages += child.relpages;
      size += child.sizeBytes;
      if (child.reltuples >= 0) {
        rows += child.reltuples;
        rowsKnown = true;
      }
    }
    t.relpages = pages;
    t.sizeBytes = size;
    if (t.reltuples < 0 && rowsKnown) t.reltuples = rows;
  };
  for (const t of tables) rollUp(t);
}
