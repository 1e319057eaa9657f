/**
 * The `indexes:` entries of a table, as Intents: the same shape a `columns:` entry gives, so that
 * naming, reconciliation, partitioned roll-outs and the statements treat both alike. Everything the
 * entry asks that its method or the server cannot give is a problem at its plan line.
 *
 * Each key gets its operator class through the advisor's checks of an explicit choice (it exists for
 * the method and fits the column's type; a type without a default needs one named); the method is the
 * plan's, else the advisor's for a single plain column, else btree (src/planfile/index-method.ts).
 */
import type { CatalogSnapshot, TableInfo } from '../catalog/types.js';
import type { ResolvedIndex, ResolvedTable } from '../catalog/resolve.js';
import { NameSyntaxError, parseQualifiedName } from '../catalog/names.js';
import { advise, adviseMethod } from '../advisor/advise.js';
import type { Decision } from '../advisor/types.js';
import type { Problem } from '../errors.js';
import type { PlanFile } from '../planfile/types.js';
import { specMethodFacts, whyBtree, writtenMethod } from '../planfile/index-method.js';
import { NULLS_NOT_DISTINCT_SINCE } from '../pg/access-methods.js';
import { STORAGE_PARAMS, canonicalParam, storageParamProblem } from '../pg/storage-params.js';
import { checkIntent, identifierName, tablespaceName } from './checks.js';
import type { IndexDef, PlannedKey } from './diff.js';
import type { Intent } from './intent.js';
import { MAX_IDENTIFIER_BYTES, indexName, keyNamePart, utf8Bytes, type NameParts } from './names.js';
import { partitionTargets } from './partitions.js';
import { keysKey, predicateKey, type ServerKey } from './predicates.js';
import { keySql, rawPredicateProblem } from './sql.js';
import { quoteQualified } from '../sql/quote.js';

type IndexDecision = Extract<Decision, { kind: 'index' }>;

export interface EntryContext {
  file: PlanFile;
  snapshot: CatalogSnapshot;
  tablesByKey: Map<string, TableInfo>;
  predicates: ReadonlyMap<string, string> | undefined;
  serverKeys: ReadonlyMap<string, ServerKey[]> | undefined;
  problems: Problem[];
}

/** The keys of an entry as the statement writes them, before the server has read them. */
export function plannedKeys(ix: ResolvedIndex): PlannedKey[] {
  return ix.spec.keys.map((k, i) => {
    const key: PlannedKey = { column: ix.keys[i]?.name ?? null, opclass: null };
    if (k.expression !== undefined) key.expression = k.expression.trim();
    if (k.opclass !== undefined) key.opclass = writtenOpclass(k.opclass);
    if (k.collation !== undefined) key.collation = k.collation;
    if (k.order === 'desc') key.descending = true;
    if (k.nulls !== undefined) key.nullsFirst = k.nulls === 'first';
    return key;
  });
}

/** `schema.name` or `name`, folded as SQL folds it; left as written when it is not a name. */
function writtenOpclass(written: string): { schema: string | null; name: string } {
  try {
    return parseQualifiedName(written);
  } catch (err) {
    if (!(err instanceof NameSyntaxError)) throw err;
    return { schema: null, name: written };
  }
}

/**
 * Whether the planning session should build the entry's keys on a copy of the table (src/planner.ts):
 * an expression needs the server to be read, a named collation to be checked. The method is known
 * then: the advisor never chooses for such an entry.
 */
export function needsServerKeys(ix: ResolvedIndex): string | null {
  if (!ix.spec.keys.some((k) => k.expression !== undefined || k.collation !== undefined)) return null;
  return writtenMethod(specMethodFacts(ix.spec));
}

/**
 * What an entry asks for, independent of the table it is on: a partition's entry with the same shape
 * as its partitioned table's is covered by the parent's roll-out, as a column of `columns:` is.
 */
export function entryShape(ix: ResolvedIndex): string {
  const s = ix.spec;
  return JSON.stringify([
    s.method ?? null,
    keysLabel(plannedKeys(ix)),
    s.unique ?? false,
    s.nullsNotDistinct ?? false,
    ix.include.map((c) => c.name).sort(),
    s.where?.trim() || null,
    (s.with ?? []).map((p) => `${p.name}=${String(p.value)}`).sort(),
    s.tablespace ?? null,
  ]);
}

/** The `keys` text of an entry: what the Plan's line and the step reasons show. */
export function keysLabel(keys: PlannedKey[]): string {
  return keys.map(keySql).join(', ');
}

/** The Intent of one `indexes:` entry on one table, or null when it has problems (pushed to ctx.problems). */
export function indexIntent(ctx: EntryContext, r: ResolvedTable, ix: ResolvedIndex): Intent | null {
  const { file, snapshot, problems } = ctx;
  const table = r.table;
  const spec = ix.spec;
  const pos = spec.pos;
  const before = problems.length;
  const at = (message: string, hint?: string) => problems.push({ pos, message, ...(hint ? { hint } : {}) });
  const keys = plannedKeys(ix);
  const label = keysLabel(keys);

  let decision: IndexDecision;
  const written = writtenMethod(specMethodFacts(spec));
  if (written === null) {
    const column = ix.keys[0];
    const advised = column ? adviseMethod({ column, table, rules: file.rules, catalog: snapshot }) : null;
    decision =
      advised?.kind === 'index'
        ? advised
        : { kind: 'index', method: 'btree', opclass: null, opclassSchema: null, extension: null, reason: `btree${advised?.kind === 'skip' ? ` (${advised.reason})` : ''}` };
    if (decision.opclass !== null && keys[0]) keys[0].opclass = { schema: decision.opclassSchema, name: decision.opclass };
  } else {
    const why = spec.advised ?? (spec.method !== undefined ? `${written} given in the plan` : `btree, the default for ${whyBtree(specMethodFacts(spec))}`);
    decision = { kind: 'index', method: written, opclass: null, opclassSchema: null, extension: null, reason: why };
  }
  const method = decision.method;

  // An expression is copied into the statement as written: it must be one expression (as a `where`).
  spec.keys.forEach((k) => {
    const lexical = k.expression !== undefined ? rawPredicateProblem(k.expression) : null;
    if (lexical !== null) problems.push({ pos: k.pos, message: `expression: ${lexical}` });
  });

  // Each column key through the advisor's checks of an explicit method and operator class.
  ix.keys.forEach((column, i) => {
    const k = spec.keys[i];
    const key = keys[i];
    if (!column || !k || !key || written === null) return;
    const checked = advise({
      column,
      table,
      spec: { name: column.name, method, ...(k.opclass !== undefined ? { opclass: k.opclass } : {}), pos: k.pos },
      rules: file.rules,
      catalog: snapshot,
    });
    if (checked.kind === 'problem') problems.push(checked.problem);
    else if (checked.kind === 'index' && checked.opclass !== null && k.opclass !== undefined) key.opclass = { schema: checked.opclassSchema, name: checked.opclass };
  });

  if (spec.nullsNotDistinct && snapshot.server.versionNum < NULLS_NOT_DISTINCT_SINCE) {
    at(`nulls_not_distinct needs PostgreSQL 15 or later; the server is ${snapshot.server.version}`);
  }
  const storage: [string, string][] = [];
  for (const p of spec.with ?? []) {
    const problem = storageParamProblem(method, p.name, p.value);
    const type = STORAGE_PARAMS[method]?.[p.name];
    const value = type ? canonicalParam(type, p.value) : null;
    if (problem !== null) problems.push({ pos: p.pos, message: `with: ${problem}` });
    else storage.push([p.name, value?.ok ? value.value : String(p.value)]);
  }

  // What the server made of the keys, when the planning session asked it (src/planner.ts).
  const server = ctx.serverKeys?.get(keysKey(table, method, label));
  if (server) {
    keys.forEach((key, i) => {
      const s = server[i];
      if (s && key.column === null) key.server = s;
    });
  }
  const where = spec.where?.trim() || null;
  const unique = spec.unique ?? false;
  const writtenTablespace = spec.tablespace ?? r.spec.tablespace ?? file.tablespace;
  const tablespace = writtenTablespace === undefined ? null : tablespaceName(writtenTablespace, pos, problems);
  const columns = keys.flatMap((k) => (k.column !== null ? [k.column] : []));
  checkIntent({ table, columns, label: `${quoteQualified(table)} (${label})`, where, tablespace, unique, pos, snapshot, tablesByKey: ctx.tablesByKey, problems });

  const def: IndexDef = {
    method,
    keys,
    unique,
    include: ix.include.map((c) => c.name),
    where,
    whereNormalised: where !== null ? (ctx.predicates?.get(predicateKey(table, where)) ?? null) : null,
  };
  if (spec.nullsNotDistinct) def.nullsNotDistinct = true;
  if (storage.length > 0) def.storage = storage;
  if (spec.tablespace !== undefined && tablespace !== null) def.tablespace = tablespace;

  const parts: NameParts = { table: table.name, columns: keys.map(keyNamePart), method, unique };
  let name = indexName(parts);
  if (spec.name !== undefined) {
    name = identifierName(spec.name, pos, problems);
    if (utf8Bytes(name) > MAX_IDENTIFIER_BYTES) at(`name ${JSON.stringify(name)} is ${utf8Bytes(name)} bytes long; PostgreSQL would cut it to ${MAX_IDENTIFIER_BYTES}`);
  }
  if (problems.length > before) return null;
  const concurrently = spec.concurrently ?? r.spec.concurrently ?? file.concurrently;
  const target = {
    table,
    parts,
    name,
    partitions: partitionTargets(ctx.tablesByKey, table, parts, pos, problems),
    ...(spec.name !== undefined ? { explicit: true } : {}),
  };
  return { table, column: ix.keys[0] ?? null, keys: label, decision, def, tablespace, concurrently, pos, target };
}
