/**
 * What the server would refuse at CREATE INDEX, found while planning rather than in the middle of a
 * run, each as a Problem at its plan position: a `where` that is not one expression, a tablespace
 * that does not exist (or is pg_global), unique on a partitioned table without its partition key, a
 * tablespace name that is not a name, and tables this role may not create indexes on.
 */
import type { CatalogSnapshot, IndexInfo, TableInfo } from '../catalog/types.js';
import { NameSyntaxError, parseIdentifier } from '../catalog/names.js';
import { formatPosition, type Problem, type SourcePos } from '../errors.js';
import { quoteIdent, quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { qname, type Intent, type PlanningState } from './intent.js';
import { rawPredicateProblem } from './sql.js';

/**
 * The checks of one intent that need only the plan entry and the catalog: of its where, tablespace
 * and unique only (buildPlan's columnSlots skips the call for a column with none of them).
 */
export function checkIntent(a: {
  table: TableInfo;
  /** The key columns; `label` names what the intent is for in messages. */
  columns: string[];
  label: string;
  where: string | null;
  tablespace: string | null;
  unique: boolean;
  pos: SourcePos;
  snapshot: CatalogSnapshot;
  tablesByKey: Map<string, TableInfo>;
  problems: Problem[];
}): void {
  const label = a.label;
  const at = (message: string, hint?: string) => a.problems.push({ pos: a.pos, message, ...(hint ? { hint } : {}) });
  const where = a.where !== null ? rawPredicateProblem(a.where) : null;
  if (where) at(`${label}: where: ${where}`);
  if (a.tablespace === 'pg_global') {
    at(`tablespace "pg_global" holds only shared system catalogs: no index can be placed there`, 'name another tablespace, or leave tablespace out for the default');
  } else if (a.tablespace !== null && a.snapshot.tablespaces.length > 0 && !a.snapshot.tablespaces.includes(a.tablespace)) {
    const usable = a.snapshot.tablespaces.filter((t) => t !== 'pg_global');
    at(`tablespace "${a.tablespace}" does not exist`, `existing: ${usable.join(', ')}`);
  }
  if (a.unique && a.table.kind === 'partitioned') {
    const missing = partitionKeysMissing(a.table, a.columns, a.tablesByKey);
    if (missing) {
      at(
        `${label}: unique: true on a partitioned table needs every partition key column in the index, but ${missing}`,
        'a unique index on one partition is possible: name the partition as a table of its own',
      );
    }
  }
}

/** A tablespace as the plan writes it, folded by SQL's rules (src/catalog/names.ts); a bad name is a problem. */
export function tablespaceName(written: string, pos: SourcePos, problems: Problem[]): string {
  return identifierName(written, pos, problems);
}

/** A name the plan gives (a tablespace, an index), folded by SQL's rules; a bad name is a problem. */
export function identifierName(written: string, pos: SourcePos, problems: Problem[]): string {
  try {
    return parseIdentifier(written);
  } catch (err) {
    if (!(err instanceof NameSyntaxError)) throw err;
    problems.push({ pos, message: err.message });
    return written;
  }
}

/** Why a unique index on `columns` cannot be built on `table` and its partitioned partitions, or null. */
function partitionKeysMissing(table: TableInfo, columns: string[], tablesByKey: Map<string, TableInfo>): string | null {
  const queue: TableInfo[] = [table];
  for (let t = queue.shift(); t; t = queue.shift()) {
    const key = t.partitionKey;
    if (key && !key.every((k) => k !== null && columns.includes(k))) {
      const written = key.map((k) => (k === null ? 'an expression' : quoteIdent(k))).join(', ');
      return `${quoteQualified(t)} is partitioned by (${written})`;
    }
    for (const p of t.partitions) {
      const child = tablesByKey.get(qualifiedKey(p));
      if (child?.kind === 'partitioned') queue.push(child);
    }
  }
  return null;
}

/**
 * CREATE INDEX and ALTER INDEX ... ATTACH PARTITION need the table's owner (or a member of the owning
 * role, or a superuser): the MAINTAIN privilege does not allow them. One problem per plan position
 * and table, for the tables the plan's statements would touch.
 */
export function permissionProblems(state: PlanningState): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  const role = state.snapshot.role;
  for (const step of state.steps) {
    if (step.action === 'drop-invalid' || !step.table) continue;
    const intent = state.intentOfStep.get(step.id);
    if (!intent) continue;
    // The step's table is nearly always its intent's own: looked up by a key string only when it is
    // another (a partition), not for each of 10,000 steps (issue 16).
    const own = step.table.name === intent.table.name && step.table.schema === intent.table.schema;
    const table = own ? intent.table : state.tablesByKey.get(qualifiedKey(step.table));
    if (!table || table.canIndex !== false) continue;
    // When the planned table itself is not ours, its partitions need not be listed too.
    if (table.oid !== intent.table.oid && intent.table.canIndex === false) continue;
    const k = `${formatPosition(intent.pos)}\0${qualifiedKey(table)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const owner = table.owner ? ` (owned by ${quoteIdent(table.owner)})` : '';
    const who = role ? `; the plan connects as ${quoteIdent(role)}, which is neither a member of that role nor a superuser` : '';
    // A partition reached through its partitioned table only because the builds run concurrently.
    const throughParent = table.oid !== intent.table.oid && intent.concurrently;
    out.push({
      pos: intent.pos,
      message: `permission denied: only the owner of ${quoteQualified(table)}${owner} can create indexes on it${who}`,
      hint: throughParent
        ? `it is a partition of ${quoteQualified(intent.table)}: with concurrently: false one CREATE INDEX on ${quoteQualified(intent.table)} builds it, which needs only that table's owner`
        : 'connect as its owner, or GRANT the owning role to this one',
    });
  }
  return out;
}

/**
 * An INVALID index that a live backend may be building is not a leftover: dropping it could drop
 * another session's build (even one that is about to finish valid, and unique). A problem at the
 * plan line instead; planning again once that session has ended plans the repair.
 */
export function isBeingBuilt(state: PlanningState, intent: Intent, index: IndexInfo): boolean {
  const pid = index.buildingPid ?? null;
  if (pid === null) return false;
  state.problems.push({
    pos: intent.pos,
    message:
      `index ${quoteQualified(qname(index))} is not valid and pid ${pid} may be building it right now ` +
      '(a CREATE INDEX CONCURRENTLY in progress, or a session holding SHARE UPDATE EXCLUSIVE on its table): ' +
      'it is not taken for a leftover and nothing was run; plan again once that session has ended',
  });
  return true;
}
