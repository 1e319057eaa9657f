/**
 * `pgindex run`: the statements of a SQL file as plan steps, with the dependencies and locks that
 * let them run in parallel where psql would run them one by one. Pure.
 *
 * - Every statement is parsed by PostgreSQL's own parser (statement-facts.ts). A step depends on the
 *   earlier statements that create what it needs (an index before its ATTACH and COMMENT, a key
 *   before the foreign keys that reference it…); a statement it does not understand is a barrier.
 * - CREATE INDEX is an index build as in a plan: the lock rule, the budget, the retry of transient
 *   failures and the cleanup of INVALID leftovers apply. Other statements run once, never retried.
 * - A PRIMARY KEY / UNIQUE constraint on a plain table becomes CREATE UNIQUE INDEX (a build beside
 *   the table's other builds) then ADD CONSTRAINT … USING INDEX; a FOREIGN KEY on a plain table is
 *   added NOT VALID, then validated on its own: the same end state as the statement as written.
 * - SET statements (and pg_dump's set_config) at the top of the file apply to every session; a SET
 *   further down applies to the statements after it, wherever they run (each carries the values).
 * - Transaction control is refused: every statement runs on its own session, in autocommit mode.
 */
import { InputError, type Problem } from '../errors.js';
import { parallelCapable } from '../pg/access-methods.js';
import { STATEMENT_LOCKS } from '../pg/locks.js';
import { stepFacts } from '../plan/step-facts.js';
import type { QualifiedName, Step } from '../plan/types.js';
import type { SqlNode, TreeParser } from '../sql/parse.js';
import { qualifiedKey } from '../sql/qualified.js';
import { quoteIdent, quoteLiteral, quoteMaybeQualified } from '../sql/quote.js';
import { tokenize, type SqlStatement, type Token } from '../sql/split.js';
import { statementFacts, type ForeignKey, type KeyConstraint, type ObjectRef, type StatementFacts } from './statement-facts.js';

export interface CreateIndexHead {
  unique: boolean;
  concurrently: boolean;
  /** null when the statement lets the server choose the name. */
  name: string | null;
  only: boolean;
  table: QualifiedName;
  method: string;
}

function identValue(t: Token | undefined): string | null {
  if (!t) return null;
  if (t.kind === 'word') return t.text.toLowerCase();
  if (t.kind === 'ident' && t.text.startsWith('"')) return t.text.slice(1, -1).replaceAll('""', '"');
  return null;
}

/** Reads `CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] table [USING method]`. */
export function parseCreateIndex(sql: string): CreateIndexHead | null {
  const tokens: Token[] = [];
  try {
    for (const t of tokenize(sql)) {
      tokens.push(t);
      if (tokens.length >= 16) break;
    }
  } catch {
    return null;
  }
  let i = 0;
  const word = (w: string) => {
    const t = tokens[i];
    if (t?.kind === 'word' && t.text.toLowerCase() === w) {
      i++;
      return true;
    }
    return false;
  };
  if (!word('create')) return null;
  const unique = word('unique');
  if (!word('index')) return null;
  const concurrently = word('concurrently');
  if (word('if') && !(word('not') && word('exists'))) return null;
  let name: string | null = null;
  const next = tokens[i];
  if (!(next?.kind === 'word' && next.text.toLowerCase() === 'on')) {
    name = identValue(next);
    if (name === null) return null;
    i++;
  }
  if (!word('on')) return null;
  const only = word('only');
  const first = identValue(tokens[i]);
  if (first === null) return null;
  i++;
  let table: QualifiedName = { schema: '', name: first };
  if (tokens[i]?.kind === 'op' && tokens[i]?.text === '.') {
    const second = identValue(tokens[i + 1]);
    if (second === null) return null;
    table = { schema: first, name: second };
    i += 2;
  }
  let method = 'btree';
  if (word('using')) {
    const m = identValue(tokens[i]);
    if (m === null) return null;
    method = m;
  }
  return { unique, concurrently, name, only, table, method };
}


/** A statement of the file with what it does. */
export interface ScriptItem {
  stmt: SqlStatement;
  facts: StatementFacts;
}

/** A file read and understood, before the server has said anything. */
export interface ReadScript {
  file: string;
  /** The leading settings (SET, set_config): run on every session. */
  header: SqlStatement[];
  /** Everything after them, settings further down included, in file order. */
  items: ScriptItem[];
}

/** Splits off the leading settings and parses every statement; refuses what cannot run on parallel sessions. */
export function readScript(statements: SqlStatement[], file: string, parse: TreeParser): ReadScript {
  const problems: Problem[] = [];
  const header: SqlStatement[] = [];
  const items: ScriptItem[] = [];
  for (const stmt of statements) {
    const pos = { file, line: stmt.line, col: stmt.col };
    const trees = worthParsing(stmt.sql) ? parse(stmt.sql) : null;
    const tree: SqlNode | null = trees?.length === 1 ? (trees[0] as SqlNode) : null;
    if (tree && 'TransactionStmt' in tree) {
      const [w1] = leadingWords(stmt.sql, 1);
      problems.push({ pos, message: `transaction control (${(w1 ?? '').toUpperCase()}) is not possible: every statement runs on its own session, in autocommit mode` });
      continue;
    }
    const facts = statementFacts(tree, stmt.sql);
    if (facts.kind === 'setting') {
      if (facts.local) {
        problems.push({ pos, message: 'SET LOCAL has no effect outside a transaction block', hint: 'use SET' });
        continue;
      }
      if (items.length === 0) {
        header.push(stmt);
        continue;
      }
      if (facts.name === null) {
        problems.push({ pos, message: 'RESET ALL after the first statement cannot be carried to the statements after it', hint: 'reset each setting by name' });
        continue;
      }
    }
    items.push({ stmt, facts });
  }
  if (problems.length > 0) throw new InputError(problems);
  return { file, header, items };
}

/** The tables the file's statements lock, to size them and learn their kind. */
export function scriptTables(read: ReadScript): QualifiedName[] {
  const out = new Map<string, QualifiedName>();
  const add = (t: QualifiedName | null | undefined) => {
    if (t) out.set(qualifiedKey(t), t);
  };
  for (const { facts } of read.items) {
    if (facts.kind !== 'known') continue;
    add(facts.table);
    add(facts.foreignKey?.referenced);
  }
  return [...out.values()];
}

/** The indexes whose table decides a statement's lock (REINDEX INDEX, DROP INDEX, ATTACH), to ask the server for. */
export function scriptIndexes(read: ReadScript): QualifiedName[] {
  const out = new Map<string, QualifiedName>();
  for (const { facts } of read.items) {
    if (facts.kind === 'known' && facts.tableOfIndex) out.set(qualifiedKey(facts.tableOfIndex), { schema: facts.tableOfIndex.schema, name: facts.tableOfIndex.name });
  }
  return [...out.values()];
}

/** The settings changed after the first statement, by name: what their values are at each point is the server's to say. */
export function laterSettings(read: ReadScript): { stmt: SqlStatement; name: string }[] {
  return read.items.flatMap(({ stmt, facts }) => (facts.kind === 'setting' && facts.name !== null ? [{ stmt, name: facts.name }] : []));
}

/** What the server said about the file's tables and settings (prepare.ts reads it). */
export interface ScriptContext {
  versionNum: number;
  parse: TreeParser;
  /** Pages of the tables, by qualifiedKey of the name as written. */
  tablePages?: ReadonlyMap<string, number>;
  /** pg_class.relkind of the tables, by qualifiedKey of the name as written; absent: not a table (yet). */
  relkinds?: ReadonlyMap<string, string>;
  /** The tables of the indexes the file names but does not create (REINDEX, DROP INDEX, ATTACH), by qualifiedKey of the index as written. */
  indexTables?: ReadonlyMap<string, QualifiedName>;
  /**
   * The values of the settings laterSettings lists: `before` each one's value after the leading
   * settings, `after[i]` the value the i-th later setting statement leaves.
   */
  settings?: { before: Readonly<Record<string, string>>; after: readonly string[] };
}

export interface Script {
  /** The name positions are given with: the file as named, or `<stdin>`. */
  file: string;
  steps: Step[];
  /** The leading SET statements, run on every session. */
  sessionSetup: SqlStatement[];
  /** Where each step's statement is in the file, by step id. */
  statements: Map<string, SqlStatement>;
  /** Steps that run SQL of pgindex's making for their statement: a server error position is not in the file. */
  rewritten: Set<string>;
}

interface Creator {
  schema: string;
  stepId: string;
  table: QualifiedName | null;
}

/** Who created what so far: the objects' creators by kind and name, a schema of '' matching any. */
class Registry {
  private readonly byName = new Map<string, Creator[]>();

  add(ref: ObjectRef, stepId: string, table: QualifiedName | null): void {
    const key = `${ref.kind}\0${ref.name}`;
    const list = this.byName.get(key);
    const entry = { schema: ref.schema, stepId, table };
    if (list) list.push(entry);
    else this.byName.set(key, [entry]);
  }

  find(ref: ObjectRef): Creator[] {
    const list = this.byName.get(`${ref.kind}\0${ref.name}`) ?? [];
    return list.filter((c) => c.schema === ref.schema || c.schema === '' || ref.schema === '');
  }
}

const ZERO = { pages: 0, cost: 0, sizeBytes: 0 };
const PAGE_BYTES = 8192;

export function scriptSteps(read: ReadScript, ctx: ScriptContext): Script {
  const { file } = read;
  const steps: Step[] = [];
  const byId = new Map<string, SqlStatement>();
  const rewritten = new Set<string>();
  const registry = new Registry();
  const pagesOf = (t: QualifiedName) => ctx.tablePages?.get(qualifiedKey(t)) ?? 0;
  const later = laterSettings(read);
  const changed = [...new Set(later.map((s) => s.name))];
  // The kinds were read with the leading search_path: a later one may make a name another table.
  const pathChanges = changed.includes('search_path');
  const plainTable = (t: QualifiedName) => (t.schema !== '' || !pathChanges) && ctx.relkinds?.get(qualifiedKey(t)) === 'r';
  const current: Record<string, string> = { ...(ctx.settings?.before ?? {}) };
  let settingIndex = 0;
  /** The steps since the last barrier, which the next barrier waits for. */
  let sinceBarrier: string[] = [];
  let barrier: string | null = null;
  /**
   * What a REFRESH MATERIALIZED VIEW comes after: the last one before it (which may be what its query
   * reads, and came after everything before it in turn), and the steps since that change what a query
   * sees (policies, rules, triggers…): every step but index builds and foreign key validations.
   */
  let lastRefresh: string | null = null;
  let sinceRefresh: string[] = [];
  const scans = new Set<string>();
  let n = 0;

  for (const { stmt, facts } of read.items) {
    if (facts.kind === 'setting') {
      const value = ctx.settings?.after[settingIndex++];
      if (value !== undefined && facts.name !== null) current[facts.name] = value;
      continue;
    }
    n++;
    const id = `s${n}`;
    const reason = `${file}:${stmt.line}:${stmt.col}`;
    const settings = changed.length > 0 && ctx.settings ? Object.fromEntries(changed.map((name) => [name, current[name] ?? ''])) : undefined;
    const made: Step[] = [];
    const add = (step: Step) => {
      made.push(settings ? { ...step, settings } : step);
      byId.set(step.id, stmt);
    };
    const source = { file, line: stmt.line, col: stmt.col };

    if (facts.kind === 'barrier') {
      // Where psql would run it, and whatever happened before: psql goes on after a failure too.
      const shape = sqlShape(id, stmt.sql, reason, null);
      add({ ...shape, ...stepFacts(shape, source), after: barrier ? [...sinceBarrier, barrier] : [...sinceBarrier] });
      steps.push(...made);
      barrier = id;
      sinceBarrier = [];
      lastRefresh = null;
      sinceRefresh = [];
      continue;
    }

    const needs = new Set<string>();
    const comesAfter = new Set<string>(barrier ? [barrier] : []);
    let tableOfIndex: QualifiedName | null = null;
    for (const use of facts.uses) {
      for (const c of registry.find(use)) {
        (use.kind === 'builds' ? comesAfter : needs).add(c.stepId);
        if (use === facts.tableOfIndex) tableOfIndex = c.table;
      }
    }
    if (facts.refresh) for (const id of lastRefresh ? [lastRefresh, ...sinceRefresh] : sinceRefresh) comesAfter.add(id);
    for (const id of needs) comesAfter.delete(id);
    const indexTable = facts.tableOfIndex ? ctx.indexTables?.get(qualifiedKey(facts.tableOfIndex)) : undefined;
    const table = facts.table ?? tableOfIndex ?? indexTable ?? null;
    const dependsOn = [...needs];
    const after = comesAfter.size > 0 ? { after: [...comesAfter] } : {};
    const key = facts.key && plainTable(facts.key.table) ? facts.key : null;
    const fk = facts.foreignKey && plainTable(facts.foreignKey.table) ? notValidForm(facts.foreignKey, stmt.sql, ctx.parse) : null;
    if (facts.index) {
      const ix = facts.index;
      const shape = {
        ...sqlShape(id, stmt.sql, reason, table),
        action: ix.only ? ('create-parent' as const) : ('create' as const),
        index: ix.name === null || !table ? null : { schema: table.schema, name: ix.name },
        method: ix.method,
        concurrently: ix.concurrently,
        parallelCapable: !ix.only && parallelCapable(ix.method, ctx.versionNum),
        estimate: table && !ix.only ? buildEstimate(pagesOf(table)) : ZERO,
      };
      add({ ...shape, ...stepFacts(shape, source), dependsOn, ...after });
    } else if (key) {
      const build = keyIndexStep(`${id}.index`, key, reason, ctx.versionNum, pagesOf(key.table));
      add({ ...build, ...stepFacts(build, source), dependsOn, ...after });
      const attach = { ...sqlShape(id, attachKeySql(key), `${reason} (${key.type} USING INDEX)`, key.table), dependsOn: [build.id] };
      add({ ...attach, ...stepFacts(attach, source), lock: STATEMENT_LOCKS.addConstraint });
      rewritten.add(build.id).add(id);
    } else if (fk && facts.foreignKey) {
      const f = facts.foreignKey;
      const addNotValid = { ...sqlShape(`${id}.add`, fk, `${reason} (NOT VALID)`, f.table), dependsOn, ...after };
      add({ ...addNotValid, ...stepFacts(addNotValid, source), lock: STATEMENT_LOCKS.addForeignKey });
      const validate = {
        ...sqlShape(id, validateSql(f), `${reason} (VALIDATE)`, f.table),
        dependsOn: [addNotValid.id],
        // A scan of both tables (priced as such by price.ts); it builds nothing.
        estimate: { ...ZERO, pages: pagesOf(f.table) + pagesOf(f.referenced) },
      };
      add({ ...validate, ...stepFacts(validate, source), lock: STATEMENT_LOCKS.validateConstraint });
      rewritten.add(addNotValid.id).add(id);
      scans.add(validate.id);
    } else {
      // An EXCLUDE constraint or a REINDEX builds indexes of its table's size.
      const builds = facts.buildMethod !== undefined || facts.reindexConcurrently !== undefined;
      const shape = { ...sqlShape(id, stmt.sql, reason, table), estimate: builds && table ? buildEstimate(pagesOf(table)) : ZERO };
      // A REINDEX can run again; a failed CONCURRENTLY one leaves a new INVALID index (_ccnew) on its
      // table, which the run drops as it drops a failed CONCURRENTLY build's (step.index null: any new one).
      const reindex = facts.reindexConcurrently !== undefined ? { retrySafe: true, mayLeaveInvalid: facts.reindexConcurrently && table !== null } : {};
      add({ ...shape, ...stepFacts(shape, source), lock: table ? facts.lock : null, dependsOn, ...after, ...reindex });
    }
    // What it creates exists once its last step is done (a key: once attached, not once indexed).
    // Its builds are every step that locks the table against a foreign key's lock: a key's index
    // and its attach, whose ACCESS EXCLUSIVE a foreign key's validation on the referenced table
    // (ROW SHARE there) would otherwise make wait on the server.
    const last = made[made.length - 1] as Step;
    for (const c of facts.creates) {
      if (c.kind !== 'builds') registry.add(c, last.id, table);
      else for (const step of made) registry.add(c, step.id, table);
    }
    for (const step of made) sinceBarrier.push(step.id);
    if (facts.refresh) {
      lastRefresh = id;
      sinceRefresh = [];
    } else {
      for (const step of made) if (step.action === 'sql' && !scans.has(step.id)) sinceRefresh.push(step.id);
    }
    steps.push(...made);
  }
  return { file, steps, sessionSetup: read.header, statements: byId, rewritten };
}

/** First words of the statements statementFacts may understand, and of transaction control. */
const UNDERSTOOD = new Set(['create', 'alter', 'comment', 'reindex', 'refresh', 'drop', 'set', 'reset', 'begin', 'start', 'commit', 'end', 'rollback', 'abort', 'savepoint', 'release', 'prepare']);

/**
 * Whether the parser could tell more than "a barrier": parsing costs a few hundred microseconds a
 * statement, which a file of 400,000 INSERTs or SELECTs would pay for nothing.
 */
export function worthParsing(sql: string): boolean {
  const [first] = leadingWords(sql, 1);
  if (first === 'select') return /set_config/i.test(sql);
  return first !== undefined && UNDERSTOOD.has(first);
}

function leadingWords(sql: string, n: number): string[] {
  const out: string[] = [];
  try {
    for (const t of tokenize(sql)) {
      if (t.kind !== 'word') break;
      out.push(t.text.toLowerCase());
      if (out.length >= n) break;
    }
  } catch {
    // The splitter already rejected anything unterminated.
  }
  return out;
}

/** A statement run as written (or as pgindex rewrote it), locking `table` in a way the caller sets. */
function sqlShape(id: string, sql: string, reason: string, table: QualifiedName | null) {
  return {
    id,
    sql,
    reason,
    columns: [] as string[],
    dependsOn: [] as string[],
    estimate: ZERO,
    action: 'sql' as const,
    table,
    index: null,
    method: null,
    concurrently: false,
    parallelCapable: false,
  };
}

/**
 * A build's pages and its index's size, which decide its price (price.ts) and the memory the run's
 * budget gives it (buildMemoryCapBytes): without a size every build would sort in 16MB, a fraction
 * of what psql's session has. The size is its table's, an upper bound for an index of some of its
 * columns (the file's statements are not matched to column statistics): a sort takes only the
 * memory it uses, and the builds running at once stay within the run's total. The cost is
 * planScript's to set, by the cost model.
 */
function buildEstimate(pages: number): Step['estimate'] {
  return { pages, cost: 0, sizeBytes: pages * PAGE_BYTES };
}

/** CREATE UNIQUE INDEX with the constraint's name and everything ADD CONSTRAINT would give its index. */
function keyIndexStep(id: string, key: KeyConstraint, reason: string, versionNum: number, pages: number) {
  const list = (names: string[]) => names.map(quoteIdent).join(', ');
  let sql = `CREATE UNIQUE INDEX ${quoteIdent(key.name)} ON ${quoteMaybeQualified(key.table)} USING btree (${list(key.columns)})`;
  if (key.including.length > 0) sql += ` INCLUDE (${list(key.including)})`;
  if (key.nullsNotDistinct) sql += ' NULLS NOT DISTINCT';
  if (key.options.length > 0) sql += ` WITH (${key.options.map(([k, v]) => `${quoteIdent(k)} = ${quoteLiteral(v)}`).join(', ')})`;
  if (key.tablespace) sql += ` TABLESPACE ${quoteIdent(key.tablespace)}`;
  return {
    ...sqlShape(id, sql, `${reason} (index of ${key.type})`, key.table),
    action: 'create' as const,
    index: { schema: key.table.schema, name: key.name },
    method: 'btree',
    parallelCapable: parallelCapable('btree', versionNum),
    estimate: buildEstimate(pages),
  };
}

function attachKeySql(key: KeyConstraint): string {
  const deferrable = key.deferrable ? (key.initiallyDeferred ? ' DEFERRABLE INITIALLY DEFERRED' : ' DEFERRABLE') : '';
  const name = quoteIdent(key.name);
  return `ALTER TABLE ${key.only ? 'ONLY ' : ''}${quoteMaybeQualified(key.table)} ADD CONSTRAINT ${name} ${key.type} USING INDEX ${name}${deferrable}`;
}

/** The statement as written plus NOT VALID, if the parser reads it back as the same constraint, not validated. */
function notValidForm(fk: ForeignKey, sql: string, parse: TreeParser): string | null {
  const candidate = `${sql} NOT VALID`;
  const trees = parse(candidate);
  const facts = trees?.length === 1 ? statementFacts(trees[0] as SqlNode, candidate) : null;
  if (facts?.kind !== 'known') return null;
  const again = facts.foreignKey;
  const sameConstraint = facts.creates.some((c) => c.kind === 'constraint' && c.name.endsWith(`\0${fk.name}`));
  // statementFacts leaves out a foreign key that is NOT VALID: that is the form wanted.
  return again === undefined && sameConstraint ? candidate : null;
}

function validateSql(fk: ForeignKey): string {
  return `ALTER TABLE ${fk.only ? 'ONLY ' : ''}${quoteMaybeQualified(fk.table)} VALIDATE CONSTRAINT ${quoteIdent(fk.name)}`;
}
