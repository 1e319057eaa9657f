/**
 * Which method an `indexes:` entry gets when it names none: the advisor's choice (src/advisor) only
 * for a single plain column with nothing that ties it to btree; btree for everything else (several
 * keys, an expression, an order, an operator class or collation, unique, include, storage
 * parameters), because those are what a btree index is written for and the advisor's brin or gin
 * could not take them. One rule, read by the checks of the file, the planner and the planning session.
 */
import type { IndexSpec } from './types.js';

/** The shape both the raw plan data and an IndexSpec share, for this rule. */
export interface MethodFacts {
  method?: unknown;
  keys: readonly { name?: unknown; expression?: unknown; opclass?: unknown; collation?: unknown; order?: unknown; nulls?: unknown }[];
  unique?: unknown;
  nullsNotDistinct?: unknown;
  include?: unknown;
  with?: unknown;
}

/** True when the advisor chooses the entry's method. */
export function advisorChooses(ix: MethodFacts): boolean {
  if (ix.method !== undefined || ix.keys.length !== 1) return false;
  const k = ix.keys[0];
  if (!k || k.expression !== undefined || k.opclass !== undefined || k.collation !== undefined || k.order !== undefined || k.nulls !== undefined) return false;
  return ix.unique !== true && ix.nullsNotDistinct !== true && ix.include === undefined && ix.with === undefined;
}

/** The entry's method when it is known without the advisor: the one written, else btree; null when the advisor chooses. */
export function writtenMethod(ix: MethodFacts): string | null {
  if (typeof ix.method === 'string') return ix.method;
  return advisorChooses(ix) ? null : 'btree';
}

export function specMethodFacts(ix: IndexSpec): MethodFacts {
  return { method: ix.method, keys: ix.keys, unique: ix.unique, nullsNotDistinct: ix.nullsNotDistinct, include: ix.include, with: ix.with };
}

/** Why an entry without a method is btree rather than the advisor's: for its reason, in the Plan. */
export function whyBtree(ix: MethodFacts): string {
  const k = ix.keys[0];
  if (ix.keys.length > 1) return 'several keys';
  if (k?.expression !== undefined) return 'an expression';
  if (ix.unique === true) return 'a unique index';
  if (k?.order !== undefined || k?.nulls !== undefined) return 'a key with an order';
  if (k?.opclass !== undefined) return 'a key with an operator class';
  if (k?.collation !== undefined) return 'a key with a collation';
  if (ix.include !== undefined) return 'an index with include';
  return 'an index with storage parameters';
}
