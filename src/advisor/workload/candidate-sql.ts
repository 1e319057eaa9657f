/** A candidate as the CREATE INDEX statement HypoPG (and a person) reads. */
import { quoteIdent, quoteQualified } from '../../sql/quote.js';
import type { Candidate, CandidateKey } from './candidates.js';

export function keySql(k: CandidateKey): string {
  const target = k.column !== undefined ? quoteIdent(k.column) : `(${k.expression ?? ''})`;
  return target + (k.opclass !== null ? ` ${quoteIdent(k.opclass)}` : '') + (k.descending ? ' DESC' : '');
}

export function candidateSql(c: Pick<Candidate, 'table' | 'method' | 'keys' | 'where'>): string {
  return `CREATE INDEX ON ${quoteQualified(c.table)} USING ${quoteIdent(c.method)} (${c.keys.map(keySql).join(', ')})${c.where !== undefined ? ` WHERE ${c.where}` : ''}`;
}

/** `orders btree (customer_id, created DESC)`, for reasons and notes; a partial one with its WHERE. */
export function candidateLabel(c: Pick<Candidate, 'table' | 'method' | 'keys' | 'where'>): string {
  return `${quoteQualified(c.table)} ${c.method} (${c.keys.map(keySql).join(', ')})${c.where !== undefined ? ` WHERE ${c.where}` : ''}`;
}
