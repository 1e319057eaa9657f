/**
 * What PostgreSQL's index methods can do, where the plan format, the advisor and the planner all
 * need the same answer: which can carry INCLUDE columns, which can be UNIQUE.
 */

/** Methods whose indexes can carry INCLUDE columns (gist since PostgreSQL 12, spgist since 14). */
export const INCLUDE_METHODS: readonly string[] = ['btree', 'gist', 'spgist'];

/** The only method with unique indexes. */
export const UNIQUE_METHOD = 'btree';

export function canInclude(method: string): boolean {
  return INCLUDE_METHODS.includes(method);
}

/** "btree, gist or spgist", for messages. */
export function includeMethodsText(): string {
  return `${INCLUDE_METHODS.slice(0, -1).join(', ')} or ${INCLUDE_METHODS[INCLUDE_METHODS.length - 1] ?? ''}`;
}
