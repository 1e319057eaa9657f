/**
 * Name assignment: which planned indexes are one index, and which name each gets. The name strings
 * themselves (the `<table>_<columns>_<method>_idx` form, truncation, hashes) are src/plan/names.ts.
 */
import type { CatalogSnapshot, TableInfo } from '../catalog/types.js';
import { formatPosition, type Problem } from '../errors.js';
import { quoteQualified } from '../sql/quote.js';
import { qualifiedKey } from '../sql/qualified.js';
import { normalisePredicate, plannedIsDefault, type IndexDef, type PlannedKey } from './diff.js';
import { allTargets, intentLabel, targetIndex, type IndexTarget, type Intent } from './intent.js';
import { withDisambiguator } from './names.js';

/**
 * Names every planned index. Identical indexes planned twice are built once (with a warning naming
 * both plan positions); different indexes that would share a name within a schema each get a hash of
 * their own definition instead.
 */
export function assignNames(snapshot: CatalogSnapshot, intents: Intent[], warnings: string[], problems: Problem[] = []): void {
  // The same definition on the same table: the later ones are duplicates of the first.
  const byDef = new Map<string, Intent>();
  const keyOf = new Map<Intent, string>();
  for (const intent of intents) {
    const k = defKey(snapshot, intent.table, intent.def);
    keyOf.set(intent, k);
    const first = byDef.get(k);
    if (!first) {
      byDef.set(k, intent);
      continue;
    }
    intent.duplicateOf = first;
    warnings.push(
      `${formatPosition(intent.pos)}: ${intentLabel(intent)} gives the same index as ${formatPosition(first.pos)} (${intent.def.method}${intent.def.unique ? ', unique' : ''}${intent.def.where ? ', partial' : ''}): planned once`,
    );
  }
  // Each name's first target, and a list only for the names given more than once: nearly every
  // name is given once, and a list and an entry object for each were 20,000 objects at 10,000
  // tables (issue 16).
  const firstOf = new Map<string, Intent>();
  const shared = new Map<string, { target: IndexTarget; intent: Intent }[]>();
  const add = (intent: Intent, target: IndexTarget): void => {
    const k = qualifiedKey(targetIndex(target));
    const first = firstOf.get(k);
    if (first === undefined) firstOf.set(k, intent);
    else {
      const firstTarget = allTargets(first.target).find((t) => qualifiedKey(targetIndex(t)) === k) as IndexTarget;
      const list = shared.get(k) ?? [{ target: firstTarget, intent: first }];
      list.push({ target, intent });
      shared.set(k, list);
    }
    for (const p of target.partitions) add(intent, p);
  };
  for (const intent of intents) if (!intent.duplicateOf) add(intent, intent.target);
  // In the order of the names' first targets, as before.
  for (const k of firstOf.keys()) {
    const group = shared.get(k);
    if (!group) continue;
    // Definitions only where a name is shared: a key of its own for each of 10,000 names was a
    // second defKey per intent (issue 16). The intent's own table has its key already.
    const list = group.map((e) => ({ ...e, key: (e.target.table === e.intent.table ? keyOf.get(e.intent) : undefined) ?? defKey(snapshot, e.target.table, e.intent.def) }));
    if (new Set(list.map((e) => e.key)).size === 1) continue;
    // A name the plan gives itself stays; the derived names around it make room.
    const explicit = list.filter((e) => e.target.explicit);
    for (const e of list) if (!e.target.explicit) e.target.name = withDisambiguator(e.target.parts, e.key);
    for (const e of explicit.slice(1)) {
      const first = explicit[0] as (typeof explicit)[number];
      if (e.key === first.key) continue;
      problems.push({
        pos: e.intent.pos,
        message: `index name ${quoteQualified(targetIndex(e.target))} is also given at ${formatPosition(first.intent.pos)} to a different definition`,
        hint: 'give each index a name of its own',
      });
    }
  }
  for (const intent of intents) if (intent.duplicateOf) intent.target.name = intent.duplicateOf.target.name;
}

/**
 * What makes two planned indexes the same index: an operator class named in the plan that is the
 * default for the column's type counts as no operator class, INCLUDE columns as a set, predicates
 * as the server writes them (or normalised text).
 */
function defKey(snapshot: CatalogSnapshot, table: TableInfo, def: IndexDef): string {
  // Written without a closure or a copy made for nothing (an empty include, no options): 10,000
  // intents at 10,000 tables (issue 16).
  let keys = '';
  for (let i = 0; i < def.keys.length; i++) keys += (i > 0 ? ',' : '') + keyDefText(snapshot, table, def.method, def.keys[i] as PlannedKey);
  const where = def.whereNormalised ?? def.where;
  const parts = [table.schema, table.name, def.method, keys, def.unique ? 'u' : '', def.include.length === 0 ? '' : [...def.include].sort().join(','), where ? normalisePredicate(where) : ''];
  const nnd = def.nullsNotDistinct ? 'nnd' : '';
  const storage = def.storage?.length ? def.storage.map(([n, v]) => `${n}=${v}`).sort().join(',') : '';
  const tablespace = def.tablespace ?? '';
  // Nothing for a v1 column: its key (and so its disambiguating hash) is the same as before.
  if (nnd !== '' || storage !== '' || tablespace !== '') parts.push(nnd, storage, tablespace);
  return parts.join('\0');
}

/** A key of defKey: the options of `indexes:` keys, in a form that is empty for a v1 column (whose keys never have them). */
function keyDefText(snapshot: CatalogSnapshot, table: TableInfo, method: string, k: PlannedKey): string {
  const descending = k.descending ?? false;
  const nullsFirst = k.nullsFirst ?? descending;
  const target = k.column ?? `(${normalisePredicate(k.server?.expression ?? k.expression ?? '')})`;
  return `${target}:${keyOpclass(snapshot, table, method, k)}${descending ? ':desc' : ''}${nullsFirst !== descending ? ':nulls' : ''}${k.collation !== undefined ? `:collate ${k.collation}` : ''}`;
}

/** A key's operator class for defKey: none when it is the default for the column's type. */
function keyOpclass(snapshot: CatalogSnapshot, table: TableInfo, method: string, k: PlannedKey): string {
  if (k.column === null) return k.opclass ? `${k.opclass.schema ?? ''}.${k.opclass.name}` : (k.server?.opclass ?? '');
  const column = table.columns.find((c) => c.name === k.column);
  if (k.opclass === null || plannedIsDefault(snapshot, method, k, column)) return '';
  return `${k.opclass.schema ?? ''}.${k.opclass.name}`;
}
