/**
 * Deterministic index names: `<table>_<columns>_<method>_idx`, or `..._<method>_uniq` for a UNIQUE
 * index (so a unique and a plain index on the same column never share a name).
 *
 * PostgreSQL silently truncates identifiers to 63 bytes (NAMEDATALEN - 1), which would make two long
 * names collide; so a name that does not fit is cut on a UTF-8 character boundary and gets 8 hex digits
 * of the SHA-1 of the full name, keeping the readable `_<method>_idx` ending:
 * `<cut stem>_<hash>_<method>_idx`. When two different indexes of one schema would still get the same
 * name (`a_b`.`c` and `a`.`b_c` both give `a_b_c_btree_idx`), each gets a hash of its own definition
 * (`withDisambiguator`), which does not depend on the order of the plan.
 */
import { createHash } from 'node:crypto';

export const MAX_IDENTIFIER_BYTES = 63;
const HASH_HEX = 8;

export interface NameParts {
  table: string;
  columns: string[];
  method: string;
  unique: boolean;
}

/**
 * A key's part of an index name: the column, or the words of an expression (`lower(email)` →
 * `lower_email`), followed by `desc` and `nulls_first`/`nulls_last` when the plan gives them, so that
 * `(a)` and `(a DESC)` get names of their own.
 */
export function keyNamePart(key: { column: string | null; expression?: string; descending?: boolean; nullsFirst?: boolean }): string {
  const base = key.column ?? ((key.expression ?? '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? ['expr']).join('_');
  const order = key.descending ? '_desc' : '';
  const nulls = key.nullsFirst === undefined ? '' : key.nullsFirst ? '_nulls_first' : '_nulls_last';
  return base + order + nulls;
}

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** The longest prefix of `s` of at most `maxBytes` UTF-8 bytes that ends on a character boundary. */
export function cutToBytes(s: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = utf8Bytes(ch);
    if (bytes + b > maxBytes) break;
    out += ch;
    bytes += b;
  }
  return out;
}

export function shortHash(text: string): string {
  return createHash('sha1').update(text, 'utf8').digest('hex').slice(0, HASH_HEX);
}

function stemAndSuffix(parts: NameParts): { stem: string; suffix: string } {
  return {
    stem: [parts.table, ...parts.columns].join('_'),
    suffix: `_${parts.method}_${parts.unique ? 'uniq' : 'idx'}`,
  };
}

/** `<stem>_<hash>_<suffix>`, the stem cut so the whole fits in 63 bytes. */
function hashed(stem: string, suffix: string, hash: string): string {
  const room = MAX_IDENTIFIER_BYTES - utf8Bytes(suffix) - (1 + HASH_HEX);
  // A table name near 63 bytes plus a long method name could leave no room at all: keep the hash.
  const cut = room > 0 ? cutToBytes(stem, room) : '';
  return (cut === '' ? '' : cut + '_') + hash + suffix;
}

/** The planned name of an index; at most 63 bytes in UTF-8. */
export function indexName(parts: NameParts): string {
  const { stem, suffix } = stemAndSuffix(parts);
  const full = stem + suffix;
  if (utf8Bytes(full) <= MAX_IDENTIFIER_BYTES) return full;
  return hashed(stem, suffix, shortHash(full));
}

/**
 * The name for an index whose plain name is shared with a different index: the hash covers the
 * definition (`key`), so each of the colliding indexes gets its own, stable, name.
 */
export function withDisambiguator(parts: NameParts, key: string): string {
  const { stem, suffix } = stemAndSuffix(parts);
  return hashed(stem, suffix, shortHash(stem + suffix + '\0' + key));
}
