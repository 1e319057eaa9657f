/** pg_class.relkind: which relations can carry an index, and what to call each kind in a message. */

/** Tables, partitioned tables and materialized views: what CREATE INDEX accepts. */
export const INDEXABLE_RELKINDS: ReadonlySet<string> = new Set(['r', 'p', 'm']);

export type TableKind = 'table' | 'partitioned' | 'matview';

const TABLE_KINDS: Readonly<Record<string, TableKind>> = { r: 'table', p: 'partitioned', m: 'matview' };

/** The TableKind of an indexable relkind ('table' for anything else: callers filter first). */
export function tableKind(relkind: string): TableKind {
  return TABLE_KINDS[relkind] ?? 'table';
}

const NOUNS: Readonly<Record<string, string>> = {
  r: 'table',
  p: 'partitioned table',
  i: 'index',
  I: 'partitioned index',
  S: 'sequence',
  v: 'view',
  m: 'materialized view',
  c: 'composite type',
  f: 'foreign table',
  t: 'TOAST table',
};

/** "view", "sequence"…; an unknown kind is named by its letter. */
export function relkindNoun(relkind: string): string {
  return NOUNS[relkind] ?? `relation (relkind ${relkind})`;
}

/** "a view", "an index"… */
export function relkindWithArticle(relkind: string): string {
  const noun = NOUNS[relkind];
  if (noun === undefined) return `a relation of kind '${relkind}'`;
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
