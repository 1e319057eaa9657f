/**
 * Saved plans (`pgindex plan --save FILE`, `pgindex apply FILE`): the Plan as it was reviewed, with a
 * fingerprint of every catalog fact it was made from. Applying it later runs exactly its statements,
 * but only when the facts are still what they were: a plan reviewed against one state of the
 * database must not run against another (an index created by hand since, a column that changed type,
 * an index that became INVALID). Pure: the snapshot is taken by the planner (src/planner.ts).
 */
import { createHash } from 'node:crypto';
import { PgindexError } from '../errors.js';
import { quoteQualified } from '../sql/quote.js';
import type { CatalogSnapshot, ServerSettings } from '../catalog/types.js';
import type { Plan } from './types.js';

/** What `format` says in every saved plan, so that apply recognises one by its content. */
export const SAVED_PLAN_FORMAT = 'pgindex-saved-plan';
/** The format's version: a reader refuses a higher one rather than guess what it means. */
export const SAVED_PLAN_VERSION = 1;

export interface ColumnFact {
  name: string;
  attnum: number;
  /** format_type() of the declared type. */
  type: string;
}

export interface IndexFact {
  /** Schema-qualified, as quoteQualified writes it. */
  name: string;
  definition: string;
  valid: boolean;
  ready: boolean;
}

export interface TableFact {
  schema: string;
  name: string;
  /** A table dropped and created again under its name has another oid: its plan is not this one's. */
  oid: number;
  kind: string;
  /** For a partition: its partitioned table, schema-qualified; null otherwise. */
  parent: string | null;
  columns: ColumnFact[];
  indexes: IndexFact[];
}

/** The catalog facts a Plan was made from. Sizes and statistics are left out: they move all the time. */
export interface Fingerprint {
  database: string;
  server: { version: string; versionNum: number };
  /** The server settings planning read (budget and worker defaults). */
  settings: ServerSettings;
  /** Every table the plan's entries matched (partitions of matched partitioned tables too), by name. */
  tables: TableFact[];
}

export interface SavedPlan {
  format: typeof SAVED_PLAN_FORMAT;
  version: typeof SAVED_PLAN_VERSION;
  /** sha256 of the JSON of `fingerprint` and `plan`: an edited or damaged file is refused. */
  checksum: string;
  fingerprint: Fingerprint;
  plan: Plan;
}

/** The facts of a snapshot that a plan made from it depends on. Deterministic order. */
export function fingerprintOf(snapshot: CatalogSnapshot): Fingerprint {
  const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const tables = snapshot.tables
    .map((t) => ({
      schema: t.schema,
      name: t.name,
      oid: t.oid,
      kind: t.kind,
      parent: t.parent ? quoteQualified(t.parent) : null,
      columns: t.columns.map((c) => ({ name: c.name, attnum: c.attnum, type: c.type.declared })).sort((a, b) => a.attnum - b.attnum),
      indexes: t.indexes.map((ix) => ({ name: quoteQualified(ix), definition: ix.definition, valid: ix.valid, ready: ix.ready })).sort(byName),
    }))
    .sort((a, b) => byName({ name: quoteQualified(a) }, { name: quoteQualified(b) }));
  return { database: snapshot.database, server: { version: snapshot.server.version, versionNum: snapshot.server.versionNum }, settings: { ...snapshot.server.settings }, tables };
}

function checksum(fingerprint: Fingerprint, plan: Plan): string {
  return createHash('sha256').update(JSON.stringify({ fingerprint, plan })).digest('hex');
}

/** The saved plan's file content: JSON, `format` first so that a reader recognises it at once. */
export function savedPlanText(plan: Plan, fingerprint: Fingerprint): string {
  const saved: SavedPlan = { format: SAVED_PLAN_FORMAT, version: SAVED_PLAN_VERSION, checksum: checksum(fingerprint, plan), fingerprint, plan };
  return JSON.stringify(saved, null, 2) + '\n';
}

/**
 * Whether a file's content is meant as a saved plan: a JSON object whose first key is "format".
 * Checked on the text, not by parsing, so that a damaged saved plan is still recognised (and
 * refused as damaged) instead of being read as a plan file. A plan file is YAML; JSON is YAML too,
 * but a plan file has no `format` key.
 */
export function looksLikeSavedPlan(text: string): boolean {
  return /^\s*\{\s*"format"\s*:/.test(text);
}

/** A file that is not a saved plan this version can run: the message says why. */
export class SavedPlanError extends PgindexError {
  constructor(file: string, why: string) {
    super(`${file}: not a saved plan pgindex can apply: ${why}`, 'input');
  }
}

/** Reads a saved plan's text; anything unexpected is a SavedPlanError naming the file. */
export function parseSavedPlan(text: string, file: string): SavedPlan {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SavedPlanError(file, `it is not valid JSON (${(err as Error).message}); write it again with pgindex plan --save`);
  }
  if (!isObject(data)) throw new SavedPlanError(file, 'it is not a JSON object');
  if (data.format !== SAVED_PLAN_FORMAT) throw new SavedPlanError(file, `its "format" is ${JSON.stringify(data.format)}, not "${SAVED_PLAN_FORMAT}"`);
  if (typeof data.version !== 'number' || !Number.isInteger(data.version)) throw new SavedPlanError(file, `its "version" is ${JSON.stringify(data.version)}, not an integer`);
  if (data.version > SAVED_PLAN_VERSION) {
    throw new SavedPlanError(file, `it is version ${data.version}, written by a newer pgindex; this one reads version ${SAVED_PLAN_VERSION} (upgrade pgindex, or save the plan again with this one)`);
  }
  if (data.version < 1) throw new SavedPlanError(file, `its "version" ${data.version} does not exist`);
  const { fingerprint, plan } = data;
  if (!isObject(fingerprint) || !Array.isArray(fingerprint.tables) || !isObject(fingerprint.server) || !isObject(fingerprint.settings)) {
    throw new SavedPlanError(file, 'its "fingerprint" is missing or incomplete');
  }
  if (!isObject(plan) || !Array.isArray(plan.steps) || !isObject(plan.settings) || !Array.isArray(plan.warnings)) throw new SavedPlanError(file, 'its "plan" is missing or incomplete');
  const saved = data as unknown as SavedPlan;
  if (data.checksum !== checksum(saved.fingerprint, saved.plan)) {
    throw new SavedPlanError(file, 'its checksum does not match its content: it was edited or damaged since pgindex plan --save wrote it (save the plan again)');
  }
  return saved;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `by_hand (status)`, `by_gin USING gin (tags)`: an index as a change message names it. */
function indexLabel(ix: IndexFact): string {
  const short = ix.name.slice(ix.name.indexOf('.') + 1);
  const using = / USING (\S+) (.*)$/.exec(ix.definition);
  if (!using) return short;
  return using[1] === 'btree' ? `${short} ${using[2]}` : `${short} USING ${using[1]} ${using[2]}`;
}

const SETTING_NAMES: Record<keyof ServerSettings, string> = {
  maxParallelMaintenanceWorkers: 'max_parallel_maintenance_workers',
  maxWorkerProcesses: 'max_worker_processes',
  maxParallelWorkers: 'max_parallel_workers',
  maintenanceWorkMem: 'maintenance_work_mem',
  maxConnections: 'max_connections',
};

/**
 * Every difference between the facts a plan was saved with and the database now, one line each, in
 * a fixed order (server, then tables by name). Empty: the saved plan still holds.
 */
export function fingerprintDiff(saved: Fingerprint, now: Fingerprint): string[] {
  const out: string[] = [];
  if (saved.database !== now.database) out.push(`it was saved on database ${saved.database}, this is database ${now.database}`);
  if (saved.server.versionNum !== now.server.versionNum) out.push(`the server's version changed from ${saved.server.version} to ${now.server.version}`);
  for (const key of Object.keys(SETTING_NAMES) as (keyof ServerSettings)[]) {
    if (saved.settings[key] !== now.settings[key]) out.push(`server setting ${SETTING_NAMES[key]} changed from ${saved.settings[key]} to ${now.settings[key]}`);
  }
  const current = new Map(now.tables.map((t) => [quoteQualified(t), t]));
  for (const was of saved.tables) {
    const table = quoteQualified(was);
    const is = current.get(table);
    if (!is) {
      out.push(`${table} no longer exists`);
      continue;
    }
    if (is.oid !== was.oid) {
      out.push(`${table} was dropped and created again`);
      continue;
    }
    if (is.kind !== was.kind) out.push(`${table} changed from a ${was.kind} table to a ${is.kind} one`);
    if (is.parent !== was.parent) {
      if (was.parent !== null) out.push(`${table} was detached from ${was.parent}`);
      if (is.parent !== null) out.push(`${table} was attached to ${is.parent}`);
    }
    const columns = new Map(is.columns.map((c) => [c.name, c]));
    for (const c of was.columns) {
      const n = columns.get(c.name);
      if (!n) out.push(`column ${table}.${c.name} was dropped`);
      else if (n.attnum !== c.attnum) out.push(`column ${table}.${c.name} was dropped and added again`);
      else if (n.type !== c.type) out.push(`column ${table}.${c.name} changed type from ${c.type} to ${n.type}`);
    }
    const had = new Set(was.columns.map((c) => c.name));
    for (const c of is.columns) if (!had.has(c.name)) out.push(`${table} has a new column ${c.name} (${c.type})`);
    const indexes = new Map(is.indexes.map((ix) => [ix.name, ix]));
    for (const ix of was.indexes) {
      const n = indexes.get(ix.name);
      if (!n) out.push(`index ${ix.name} on ${table} was dropped`);
      else if (n.definition !== ix.definition) out.push(`index ${ix.name} was redefined: was ${ix.definition}; is ${n.definition}`);
      else {
        if (n.valid !== ix.valid) out.push(`index ${ix.name} on ${table} became ${n.valid ? 'valid' : 'INVALID'}`);
        if (n.ready !== ix.ready) out.push(`index ${ix.name} on ${table} became ${n.ready ? 'ready' : 'not ready'}`);
      }
    }
    const hadIndex = new Set(was.indexes.map((ix) => ix.name));
    for (const ix of is.indexes) {
      if (!hadIndex.has(ix.name)) out.push(`${table} has a new index ${indexLabel(ix)}${ix.valid ? '' : ' (INVALID)'}`);
    }
  }
  // The saved tables are read again by name, which brings a partitioned table's partitions with it:
  // one created or attached since is a table the plan does not cover.
  const savedNames = new Set(saved.tables.map((t) => quoteQualified(t)));
  for (const t of now.tables) {
    if (!savedNames.has(quoteQualified(t)) && t.parent !== null) out.push(`${t.parent} has a new partition ${quoteQualified(t)}`);
  }
  return out;
}
