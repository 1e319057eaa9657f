/**
 * What one statement of a SQL file does, from PostgreSQL's own parse tree (libpg_query): which
 * objects it creates and which it needs, the table it locks and how, and the details the planner
 * needs to run a PRIMARY KEY, UNIQUE or FOREIGN KEY constraint faster. Pure.
 *
 * The commands a pg_dump post-data section holds are understood; anything else is a barrier (it
 * waits for every statement before it and every statement after it waits for it): a statement whose
 * effects are not known can only run where psql would run it.
 */
import type { Constraint, IndexStmt, Node, RangeVar } from 'libpg-query';
import { DROP_INDEX_CONCURRENTLY_LOCK, DROP_INDEX_LOCK, indexBuildLock, STATEMENT_LOCKS, strongerLock, type LockMode } from '../pg/locks.js';
import type { QualifiedName } from '../plan/types.js';

/**
 * An object statements create and need. `name` is the object's own name, prefixed with its table's
 * for the objects that are named per table (constraints, triggers, rules, policies). `unique` is a
 * key a foreign key can reference, named by its table and its columns (in order of name), or by
 * PRIMARY_KEY, or by ANY_KEY when its columns are not known here (ADD CONSTRAINT … USING INDEX).
 * `builds` is an index build on the table: what a foreign key comes after (see addConstraint). A
 * schema of '' (a name left to the search_path) matches any schema.
 */
export interface ObjectRef {
  kind: 'index' | 'constraint' | 'trigger' | 'rule' | 'policy' | 'statistics' | 'publication' | 'unique' | 'builds';
  schema: string;
  name: string;
}

/** A PRIMARY KEY or UNIQUE constraint that could be built as CREATE UNIQUE INDEX, then attached. */
export interface KeyConstraint {
  type: 'PRIMARY KEY' | 'UNIQUE';
  name: string;
  table: QualifiedName;
  only: boolean;
  columns: string[];
  including: string[];
  /** Storage parameters, as the statement wrote them (name, value). */
  options: [string, string][];
  tablespace: string | null;
  nullsNotDistinct: boolean;
  deferrable: boolean;
  initiallyDeferred: boolean;
}

/** A FOREIGN KEY constraint, checked at once (not NOT VALID in the file). */
export interface ForeignKey {
  name: string;
  table: QualifiedName;
  only: boolean;
  referenced: QualifiedName;
}

export type StatementFacts =
  | { kind: 'setting'; sql: string; name: string | null; local: boolean }
  | { kind: 'barrier' }
  | {
      kind: 'known';
      /** The table whose lock decides what may run beside it; null when it locks no table we know of. */
      table: QualifiedName | null;
      lock: LockMode | null;
      /**
       * When the table is the one an index named here belongs to (ATTACH PARTITION, REINDEX INDEX,
       * DROP INDEX): the file's statement that created it says, else the server (prepare.ts).
       */
      tableOfIndex?: ObjectRef;
      /**
       * REFRESH MATERIALIZED VIEW: what its query reads is the tables' data and whatever earlier
       * statements made of it (a policy, a rule, another view refreshed), not their indexes.
       */
      refresh?: boolean;
      /** REINDEX … CONCURRENTLY: a failure leaves a `_ccnew` INVALID index on the table, cleaned like a build's. */
      reindexConcurrently?: boolean;
      creates: ObjectRef[];
      uses: ObjectRef[];
      /** CREATE INDEX: how it is run and scheduled. */
      index?: { name: string | null; only: boolean; method: string; concurrently: boolean; unique: boolean };
      /** A build that is not a CREATE INDEX (EXCLUDE): its method, for the cost estimate. */
      buildMethod?: string;
      key?: KeyConstraint;
      foreignKey?: ForeignKey;
    };

type Known = Extract<StatementFacts, { kind: 'known' }>;

const BARRIER: StatementFacts = { kind: 'barrier' };

/** The one field of a parse-tree node: its type name and its body. */
function unwrap(node: Node | undefined): [string, Record<string, unknown>] | null {
  if (!node) return null;
  const entries = Object.entries(node as Record<string, unknown>);
  const first = entries[0];
  if (entries.length !== 1 || !first || typeof first[1] !== 'object' || first[1] === null) return null;
  return [first[0], first[1] as Record<string, unknown>];
}

function body<T>(node: Node | undefined, type: string): T | null {
  const u = unwrap(node);
  return u && u[0] === type ? (u[1] as T) : null;
}

/** The names of a list of String nodes (qualified names, column lists); null if one is something else. */
function strings(nodes: Node[] | undefined): string[] | null {
  const out: string[] = [];
  for (const n of nodes ?? []) {
    const s = body<{ sval?: string }>(n, 'String');
    if (!s) return null;
    out.push(s.sval ?? '');
  }
  return out;
}

function relation(rv: RangeVar | undefined): QualifiedName | null {
  if (!rv?.relname || rv.catalogname) return null;
  return { schema: rv.schemaname ?? '', name: rv.relname };
}

/** `[schema.]name` from a qualified-name list. */
function qualified(parts: string[] | null): QualifiedName | null {
  if (!parts || parts.length < 1 || parts.length > 2) return null;
  return parts.length === 2 ? { schema: parts[0] as string, name: parts[1] as string } : { schema: '', name: parts[0] as string };
}

const ref = (kind: ObjectRef['kind'], schema: string, name: string): ObjectRef => ({ kind, schema, name });
const onTable = (kind: ObjectRef['kind'], table: QualifiedName, name: string): ObjectRef => ref(kind, table.schema, `${table.name}\u0000${name}`);
const indexOf = (table: QualifiedName, name: string): ObjectRef => ref('index', table.schema, name);

export const PRIMARY_KEY = '\u0000primary key';
export const ANY_KEY = '\u0000any key';
/** The key of a table over these columns (a set: the order of a foreign key's columns need not be the key's). */
const keyOn = (table: QualifiedName, columns: string[] | typeof PRIMARY_KEY | typeof ANY_KEY): ObjectRef =>
  onTable('unique', table, typeof columns === 'string' ? columns : JSON.stringify([...columns].sort()));

/** A constant's value as text (SET's and set_config's arguments), or null for anything else. */
function constText(node: Node | undefined): string | null {
  const c = body<{ sval?: { sval?: string }; ival?: { ival?: number }; boolval?: { boolval?: boolean } }>(node, 'A_Const');
  if (!c) return null;
  if (c.sval) return c.sval.sval ?? '';
  if (c.ival) return String(c.ival.ival ?? 0);
  if (c.boolval) return String(c.boolval.boolval ?? false);
  return null;
}

/**
 * `SELECT [pg_catalog.]set_config('name', 'value', false)`, which pg_dump writes for search_path:
 * a setting like SET; null for any other SELECT.
 */
function setConfigName(select: Record<string, unknown>): string | null {
  const keys = Object.keys(select).filter((k) => k !== 'limitOption' && k !== 'op');
  if (keys.length !== 1 || keys[0] !== 'targetList') return null;
  const targets = select.targetList as Node[];
  if (targets.length !== 1) return null;
  const call = body<{ funcname?: Node[]; args?: Node[] }>(body<{ val?: Node }>(targets[0], 'ResTarget')?.val, 'FuncCall');
  const fn = strings(call?.funcname);
  if (!call || !fn || fn[fn.length - 1] !== 'set_config' || (fn.length === 2 && fn[0] !== 'pg_catalog') || fn.length > 2) return null;
  const [name, value, local] = call.args ?? [];
  if (call.args?.length !== 3 || constText(value) === null || constText(local) !== 'false') return null;
  return constText(name);
}

export function statementFacts(tree: Node | null, sql: string): StatementFacts {
  const u = unwrap(tree ?? undefined);
  if (!u) return BARRIER;
  const [type, stmt] = u;
  switch (type) {
    case 'VariableSetStmt': {
      const v = stmt as { kind?: string; name?: string; is_local?: boolean };
      return { kind: 'setting', sql, name: v.kind === 'VAR_RESET_ALL' ? null : (v.name ?? null), local: v.is_local === true };
    }
    case 'SelectStmt': {
      const name = setConfigName(stmt);
      return name === null ? BARRIER : { kind: 'setting', sql, name, local: false };
    }
    case 'IndexStmt':
      return createIndex(stmt as IndexStmt);
    case 'AlterTableStmt':
      return alterTable(stmt as { relation?: RangeVar; cmds?: Node[]; objtype?: string });
    case 'CreateTrigStmt': {
      const s = stmt as { relation?: RangeVar; trigname?: string };
      return createsOnTable('trigger', s.relation, s.trigname, STATEMENT_LOCKS.trigger);
    }
    case 'RuleStmt': {
      const s = stmt as { relation?: RangeVar; rulename?: string };
      return createsOnTable('rule', s.relation, s.rulename, STATEMENT_LOCKS.rule);
    }
    case 'CreatePolicyStmt': {
      const s = stmt as { table?: RangeVar; policy_name?: string };
      return createsOnTable('policy', s.table, s.policy_name, STATEMENT_LOCKS.createPolicy);
    }
    case 'CreateStatsStmt': {
      const s = stmt as { defnames?: Node[]; relations?: Node[] };
      const name = qualified(strings(s.defnames));
      const table = s.relations?.length === 1 ? relation(body<RangeVar>(s.relations[0], 'RangeVar') ?? undefined) : null;
      if (!table) return BARRIER;
      const creates = name ? [ref('statistics', name.schema, name.name)] : [];
      return known(table, STATEMENT_LOCKS.createStatistics, creates, []);
    }
    case 'AlterStatsStmt': {
      const name = qualified(strings((stmt as { defnames?: Node[] }).defnames));
      return name ? known(null, null, [], [ref('statistics', name.schema, name.name)]) : BARRIER;
    }
    case 'CommentStmt':
      return comment(stmt as { objtype?: string; object?: Node });
    case 'AlterOwnerStmt': {
      const s = stmt as { objectType?: string; object?: Node };
      if (s.objectType === 'OBJECT_PUBLICATION') {
        const name = body<{ sval?: string }>(s.object, 'String')?.sval;
        return name ? known(null, null, [], [ref('publication', '', name)]) : BARRIER;
      }
      if (s.objectType === 'OBJECT_STATISTIC_EXT') {
        const name = qualified(strings(body<{ items?: Node[] }>(s.object, 'List')?.items));
        return name ? known(null, null, [], [ref('statistics', name.schema, name.name)]) : BARRIER;
      }
      return BARRIER;
    }
    case 'CreatePublicationStmt': {
      const s = stmt as { pubname?: string; pubobjects?: Node[]; for_all_tables?: boolean };
      if (!s.pubname || s.for_all_tables) return BARRIER;
      const creates = [ref('publication', '', s.pubname)];
      if ((s.pubobjects?.length ?? 0) === 0) return known(null, null, creates, []);
      // FOR TABLE t: t's lock, as ALTER PUBLICATION … ADD TABLE takes it. Several tables (or a
      // schema) are locked together, which one step's table cannot say: a barrier.
      const table = s.pubobjects?.length === 1 ? publishedTable(s.pubobjects[0]) : null;
      return table ? known(table, STATEMENT_LOCKS.publicationTable, creates, []) : BARRIER;
    }
    case 'AlterPublicationStmt': {
      const s = stmt as { pubname?: string; pubobjects?: Node[]; action?: string };
      if (!s.pubname || s.action !== 'AP_AddObjects' || s.pubobjects?.length !== 1) return BARRIER;
      const table = publishedTable(s.pubobjects[0]);
      return table ? known(table, STATEMENT_LOCKS.publicationTable, [], [ref('publication', '', s.pubname)]) : BARRIER;
    }
    case 'RefreshMatViewStmt': {
      const s = stmt as { concurrent?: boolean; relation?: RangeVar };
      const view = relation(s.relation);
      if (!view) return BARRIER;
      const lock = s.concurrent ? STATEMENT_LOCKS.refreshMatviewConcurrently : STATEMENT_LOCKS.refreshMatview;
      // Its own indexes are builds on it: CONCURRENTLY needs its unique index.
      return { ...known(view, lock, [], [ref('builds', view.schema, view.name)]), refresh: true };
    }
    case 'ReindexStmt':
      return reindex(stmt as { kind?: string; relation?: RangeVar; params?: Node[] });
    case 'DropStmt':
      return dropIndex(stmt as { objects?: Node[]; removeType?: string; concurrent?: boolean });
    default:
      return BARRIER;
  }
}

/** The table of a publication's `TABLE t` clause; null for anything else (TABLES IN SCHEMA). */
function publishedTable(spec: Node | undefined): QualifiedName | null {
  const s = body<{ pubobjtype?: string; pubtable?: { relation?: RangeVar } }>(spec, 'PublicationObjSpec');
  return s?.pubobjtype === 'PUBLICATIONOBJ_TABLE' ? relation(s.pubtable?.relation) : null;
}

/** REINDEX TABLE / INDEX [CONCURRENTLY]: SHARE (SHARE UPDATE EXCLUSIVE) on the table; SCHEMA, DATABASE, SYSTEM: barriers. */
function reindex(s: { kind?: string; relation?: RangeVar; params?: Node[] }): StatementFacts {
  const target = relation(s.relation);
  if (!target) return BARRIER;
  const concurrently = (s.params ?? []).some((p) => {
    const d = body<{ defname?: string; arg?: Node }>(p, 'DefElem');
    return d?.defname === 'concurrently' && (d.arg === undefined || optionValue(d.arg) !== 'false');
  });
  const lock = concurrently ? STATEMENT_LOCKS.reindexConcurrently : STATEMENT_LOCKS.reindex;
  if (s.kind === 'REINDEX_OBJECT_TABLE') return { ...known(target, lock, [], []), reindexConcurrently: concurrently };
  if (s.kind !== 'REINDEX_OBJECT_INDEX') return BARRIER;
  const index = ref('index', target.schema, target.name);
  return { ...known(null, null, [], [index]), lock, tableOfIndex: index, reindexConcurrently: concurrently };
}

/** DROP INDEX [CONCURRENTLY] of one index; anything else dropped is a barrier. */
function dropIndex(s: { objects?: Node[]; removeType?: string; concurrent?: boolean }): StatementFacts {
  if (s.removeType !== 'OBJECT_INDEX' || s.objects?.length !== 1) return BARRIER;
  const name = qualified(strings(body<{ items?: Node[] }>(s.objects[0], 'List')?.items));
  if (!name) return BARRIER;
  const index = ref('index', name.schema, name.name);
  return { ...known(null, null, [], [index]), lock: s.concurrent ? DROP_INDEX_CONCURRENTLY_LOCK : DROP_INDEX_LOCK, tableOfIndex: index };
}

function known(table: QualifiedName | null, lock: LockMode | null, creates: ObjectRef[], uses: ObjectRef[]): Known {
  return { kind: 'known', table, lock: table ? lock : null, creates, uses };
}

/** A statement that creates one object named on a table (a trigger, rule or policy); a barrier when either name is missing. */
function createsOnTable(kind: ObjectRef['kind'], rv: RangeVar | undefined, name: string | undefined, lock: LockMode): StatementFacts {
  const table = relation(rv);
  if (!table || !name) return BARRIER;
  return known(table, lock, [onTable(kind, table, name)], []);
}

function createIndex(s: IndexStmt): StatementFacts {
  const table = relation(s.relation);
  if (!table) return BARRIER;
  const only = s.relation?.inh !== true;
  const name = s.idxname ?? null;
  const creates = [ref('builds', table.schema, table.name)];
  if (name) creates.push(indexOf(table, name));
  // A unique index of plain columns without a predicate can be a foreign key's referenced key.
  const columns = (s.indexParams ?? []).map((p) => body<{ name?: string; expr?: Node }>(p, 'IndexElem')?.name ?? null);
  if (s.unique && !s.whereClause && columns.length > 0 && columns.every((c) => c !== null)) creates.push(keyOn(table, columns as string[]));
  return {
    ...known(table, indexBuildLock(s.concurrent === true), creates, []),
    index: { name, only, method: (s.accessMethod ?? 'btree').toLowerCase(), concurrently: s.concurrent === true, unique: s.unique === true },
  };
}

/** ALTER TABLE / ALTER INDEX / ALTER MATERIALIZED VIEW: every subcommand must be one we know. */
function alterTable(s: { relation?: RangeVar; cmds?: Node[]; objtype?: string }): StatementFacts {
  const target = relation(s.relation);
  if (!target || !s.cmds || s.cmds.length === 0) return BARRIER;
  if (s.objtype === 'OBJECT_INDEX') return alterIndex(target, s.cmds);
  if (s.objtype !== 'OBJECT_TABLE' && s.objtype !== 'OBJECT_MATVIEW') return BARRIER;
  const only = s.relation?.inh !== true;
  let lock: LockMode | null = null;
  const creates: ObjectRef[] = [];
  const uses: ObjectRef[] = [];
  const extra: Partial<Known> = {};
  for (const node of s.cmds) {
    const cmd = body<{ subtype?: string; name?: string; def?: Node }>(node, 'AlterTableCmd');
    if (!cmd) return BARRIER;
    const part = subcommand(target, only, cmd, s.cmds.length === 1);
    if (!part) return BARRIER;
    lock = lock === null ? part.lock : strongerLock(lock, part.lock);
    creates.push(...part.creates);
    uses.push(...part.uses);
    Object.assign(extra, part.extra);
  }
  return { ...known(target, lock, creates, uses), ...extra };
}

interface Part {
  lock: LockMode;
  creates: ObjectRef[];
  uses: ObjectRef[];
  extra?: Partial<Known>;
}

function subcommand(table: QualifiedName, only: boolean, cmd: { subtype?: string; name?: string; def?: Node }, alone: boolean): Part | null {
  switch (cmd.subtype) {
    case 'AT_AddConstraint': {
      const con = body<Constraint>(cmd.def, 'Constraint');
      return con ? addConstraint(table, only, con, alone) : null;
    }
    case 'AT_ValidateConstraint':
      return cmd.name ? { lock: STATEMENT_LOCKS.validateConstraint, creates: [], uses: [onTable('constraint', table, cmd.name)] } : null;
    case 'AT_ClusterOn':
      return cmd.name ? { lock: STATEMENT_LOCKS.clusterOn, creates: [], uses: [indexOf(table, cmd.name)] } : null;
    case 'AT_ReplicaIdentity': {
      const r = body<{ identity_type?: string; name?: string }>(cmd.def, 'ReplicaIdentityStmt');
      if (!r) return null;
      return { lock: STATEMENT_LOCKS.replicaIdentity, creates: [], uses: r.identity_type === 'i' && r.name ? [indexOf(table, r.name)] : [] };
    }
    case 'AT_EnableRowSecurity':
    case 'AT_DisableRowSecurity':
    case 'AT_ForceRowSecurity':
    case 'AT_NoForceRowSecurity':
      return { lock: STATEMENT_LOCKS.rowSecurity, creates: [], uses: [] };
    case 'AT_EnableTrig':
    case 'AT_EnableAlwaysTrig':
    case 'AT_EnableReplicaTrig':
    case 'AT_DisableTrig':
      return cmd.name ? { lock: STATEMENT_LOCKS.trigger, creates: [], uses: [onTable('trigger', table, cmd.name)] } : null;
    case 'AT_EnableRule':
    case 'AT_EnableAlwaysRule':
    case 'AT_EnableReplicaRule':
    case 'AT_DisableRule':
      return cmd.name ? { lock: STATEMENT_LOCKS.rule, creates: [], uses: [onTable('rule', table, cmd.name)] } : null;
    case 'AT_SetStatistics':
      return { lock: STATEMENT_LOCKS.setStatistics, creates: [], uses: [] };
    default:
      return null;
  }
}

function addConstraint(table: QualifiedName, only: boolean, con: Constraint, alone: boolean): Part | null {
  const name = con.conname;
  const named = (kind: ObjectRef['kind']) => (name ? [onTable(kind, table, name)] : []);
  switch (con.contype) {
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE': {
      const columns = strings(con.keys);
      const creates = [...named('constraint'), keyOn(table, columns && columns.length > 0 ? columns : ANY_KEY)];
      if (con.contype === 'CONSTR_PRIMARY') creates.push(keyOn(table, PRIMARY_KEY));
      if (name) creates.push(indexOf(table, name));
      const uses = con.indexname ? [indexOf(table, con.indexname)] : [];
      if (!con.indexname) creates.push(ref('builds', table.schema, table.name));
      const key = alone && name && !con.indexname ? keyConstraint(table, only, name, con) : null;
      return { lock: STATEMENT_LOCKS.addConstraint, creates, uses, extra: key ? { key } : {} };
    }
    case 'CONSTR_EXCLUSION': {
      const creates = [...named('constraint'), ref('builds', table.schema, table.name)];
      if (name) creates.push(indexOf(table, name));
      return { lock: STATEMENT_LOCKS.addConstraint, creates, uses: [], extra: { buildMethod: (con.access_method ?? 'btree').toLowerCase() } };
    }
    case 'CONSTR_FOREIGN': {
      const referenced = relation(con.pktable);
      if (!referenced) return null;
      // Needs the referenced key (the primary key when no columns are named); comes after the builds
      // on both tables, which it would otherwise wait for on the server with a session of its own.
      const columns = strings(con.pk_attrs);
      const uses = [
        keyOn(referenced, columns && columns.length > 0 ? columns : PRIMARY_KEY),
        keyOn(referenced, ANY_KEY),
        ref('builds', referenced.schema, referenced.name),
        ref('builds', table.schema, table.name),
      ];
      const checkedNow = con.skip_validation !== true;
      const foreignKey = alone && name && checkedNow ? { name, table, only, referenced } : null;
      return { lock: STATEMENT_LOCKS.addForeignKey, creates: named('constraint'), uses, extra: foreignKey ? { foreignKey } : {} };
    }
    case 'CONSTR_CHECK':
    case 'CONSTR_NOTNULL':
      return { lock: STATEMENT_LOCKS.addConstraint, creates: named('constraint'), uses: [] };
    default:
      return null;
  }
}

/**
 * The parts of a PRIMARY KEY / UNIQUE constraint that CREATE UNIQUE INDEX can take, or null when it
 * has something ADD CONSTRAINT … USING INDEX cannot reproduce (WITHOUT OVERLAPS, a storage
 * parameter that is not a plain value).
 */
function keyConstraint(table: QualifiedName, only: boolean, name: string, con: Constraint): KeyConstraint | null {
  if (con.without_overlaps) return null;
  const columns = strings(con.keys);
  const including = strings(con.including);
  if (!columns || columns.length === 0 || !including) return null;
  const options: [string, string][] = [];
  for (const o of con.options ?? []) {
    const d = body<{ defname?: string; arg?: Node; defnamespace?: string }>(o, 'DefElem');
    if (!d?.defname || d.defnamespace) return null;
    const value = optionValue(d.arg);
    if (value === null) return null;
    options.push([d.defname, value]);
  }
  return {
    type: con.contype === 'CONSTR_PRIMARY' ? 'PRIMARY KEY' : 'UNIQUE',
    name,
    table,
    only,
    columns,
    including,
    options,
    tablespace: con.indexspace ?? null,
    nullsNotDistinct: con.nulls_not_distinct === true,
    deferrable: con.deferrable === true,
    initiallyDeferred: con.initdeferred === true,
  };
}

/** A storage parameter's value as written: a string, a number, or a bare word (`off`, which the grammar reads as a type name). */
function optionValue(arg: Node | undefined): string | null {
  const u = unwrap(arg);
  if (!u) return null;
  const [type, v] = u;
  if (type === 'String' && typeof v.sval === 'string') return v.sval;
  if (type === 'Integer') return String(v.ival ?? 0);
  if (type === 'Float' && typeof v.fval === 'string') return v.fval;
  if (type === 'Boolean') return String(v.boolval ?? false);
  if (type === 'TypeName') {
    const names = strings(v.names as Node[] | undefined);
    if (names?.length === 1 && !v.typmods && !v.arrayBounds) return names[0] as string;
  }
  return null;
}

/** ALTER INDEX: ATTACH PARTITION and ALTER COLUMN … SET STATISTICS. */
function alterIndex(index: QualifiedName, cmds: Node[]): StatementFacts {
  if (cmds.length !== 1) return BARRIER;
  const cmd = body<{ subtype?: string; def?: Node }>(cmds[0], 'AlterTableCmd');
  const parent = ref('index', index.schema, index.name);
  if (cmd?.subtype === 'AT_SetStatistics') return known(null, null, [], [parent]);
  if (cmd?.subtype !== 'AT_AttachPartition') return BARRIER;
  const child = relation(body<{ name?: RangeVar }>(cmd.def, 'PartitionCmd')?.name);
  if (!child) return BARRIER;
  const childRef = ref('index', child.schema, child.name);
  return { ...known(null, null, [], [parent, childRef]), lock: 'ShareUpdateExclusiveLock', tableOfIndex: childRef };
}

/** COMMENT ON an object of the post-data section; COMMENT ON anything else is a barrier. */
function comment(s: { objtype?: string; object?: Node }): StatementFacts {
  const items = strings(body<{ items?: Node[] }>(s.object, 'List')?.items);
  const single = body<{ sval?: string }>(s.object, 'String')?.sval;
  switch (s.objtype) {
    case 'OBJECT_INDEX':
    case 'OBJECT_STATISTIC_EXT': {
      const name = qualified(items);
      return name ? known(null, null, [], [ref(s.objtype === 'OBJECT_INDEX' ? 'index' : 'statistics', name.schema, name.name)]) : BARRIER;
    }
    case 'OBJECT_PUBLICATION':
      return single ? known(null, null, [], [ref('publication', '', single)]) : BARRIER;
    case 'OBJECT_TABCONSTRAINT':
    case 'OBJECT_TRIGGER':
    case 'OBJECT_RULE':
    case 'OBJECT_POLICY': {
      if (!items || items.length < 2 || items.length > 3) return BARRIER;
      const name = items[items.length - 1] as string;
      const table = qualified(items.slice(0, -1)) as QualifiedName;
      const kind = s.objtype === 'OBJECT_TABCONSTRAINT' ? 'constraint' : s.objtype === 'OBJECT_TRIGGER' ? 'trigger' : s.objtype === 'OBJECT_RULE' ? 'rule' : 'policy';
      return known(table, STATEMENT_LOCKS.commentOnTableObject, [], [onTable(kind, table, name)]);
    }
    default:
      return BARRIER;
  }
}
