/**
 * What PostgreSQL's index methods can do, where the plan format, the advisor, the planner and the
 * runner all need the same answer: INCLUDE columns, UNIQUE, several key columns, parallel builds.
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

/** Methods that accept more than one key column (amcanmulticol): not hash, not spgist. */
const MULTI_COLUMN_METHODS: readonly string[] = ['btree', 'gist', 'gin', 'brin'];

export function canMultiColumn(method: string): boolean {
  return MULTI_COLUMN_METHODS.includes(method);
}

/** Methods whose builds can use parallel maintenance workers, and since which server version. */
const PARALLEL_BUILD_SINCE: Readonly<Record<string, number>> = { btree: 110000, brin: 170000, gin: 180000 };

export function parallelCapable(method: string, versionNum: number): boolean {
  const since = PARALLEL_BUILD_SINCE[method];
  return since !== undefined && versionNum >= since;
}

/** Methods with ordered keys (amcanorder): ASC/DESC and NULLS FIRST/LAST apply only to them. */
const ORDERED_METHODS: readonly string[] = ['btree'];

export function canOrder(method: string): boolean {
  return ORDERED_METHODS.includes(method);
}

/** NULLS NOT DISTINCT (unique indexes) exists since PostgreSQL 15. */
export const NULLS_NOT_DISTINCT_SINCE = 150000;
