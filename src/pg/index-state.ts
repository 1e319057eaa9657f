import type { IndexInfo } from './types.js';

/**
 * Usable for reads: valid (indisvalid) and ready for inserts (indisready). A CONCURRENTLY build that
 * failed or was interrupted leaves an index that is one or neither; such an index serves no query.
 */
export function isValid(ix: Pick<IndexInfo, 'valid' | 'ready'>): boolean {
  return ix.valid && ix.ready;
}

/** Collations compare with the database default spelled either way (a non-collatable key has none). */
export function sameCollation(a: string | null, b: string | null): boolean {
  return (a ?? 'default') === (b ?? 'default');
}
