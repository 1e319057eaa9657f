/**
 * Type families: what kind of index a column's type calls for, before statistics are looked at.
 * Names are matched as format_type() prints them and as pg_type spells them, so hand-built snapshots
 * may use either; extension types are matched without their schema.
 */
import type { ColumnType } from '../catalog/types.js';
import type { Rules } from '../planfile/types.js';

export type Family =
  /** An index of this method (and operator class, when the default is not the one wanted). */
  | { kind: 'method'; method: string; opclass: string | null; family: string }
  | { kind: 'boolean' }
  | { kind: 'json' }
  /** No rule: use the first method with a default operator class for the type. */
  | { kind: 'unknown' };

const names = (s: string) => new Set(s.split('|'));

const BTREE = names(
  'text|character varying|varchar|character|bpchar|char|citext|' +
    'smallint|integer|bigint|int2|int4|int8|numeric|decimal|real|double precision|float4|float8|oid|' +
    'date|time without time zone|time with time zone|time|timetz|' +
    'timestamp without time zone|timestamp with time zone|timestamp|timestamptz|interval|' +
    'uuid|bytea|money',
);
const GEOMETRIC = names('point|box|polygon|circle');
const NETWORK = names('inet|cidr');
const GIST_EXTENSION = names('ltree|cube');
const GIN = names('tsvector|hstore');

/** The type's name without a schema qualifier or quotes, e.g. `public.hstore` → `hstore`. */
export function bareTypeName(base: string): string {
  const m = /^(?:"(?:[^"]|"")*"|[^".]+)\.(.+)$/.exec(base);
  const rest = m ? (m[1] as string) : base;
  return rest.startsWith('"') && rest.endsWith('"') ? rest.slice(1, -1).replaceAll('""', '"') : rest;
}

export function familyOf(type: ColumnType, rules: Rules): Family {
  const name = bareTypeName(type.base);
  if (type.category === 'A') return { kind: 'method', method: 'gin', opclass: null, family: 'array' };
  if (type.category === 'B' || name === 'boolean' || name === 'bool') return { kind: 'boolean' };
  if (name === 'json') return { kind: 'json' };
  if (name === 'jsonb') return { kind: 'method', method: 'gin', opclass: rules.jsonbOpclass === 'jsonb_ops' ? null : rules.jsonbOpclass, family: 'jsonb' };
  if (GIN.has(name)) return { kind: 'method', method: 'gin', opclass: null, family: name };
  if (type.kind === 'range' || type.kind === 'multirange') return { kind: 'method', method: 'gist', opclass: null, family: type.kind };
  if (GEOMETRIC.has(name)) return { kind: 'method', method: 'gist', opclass: null, family: 'geometric' };
  // gist's inet_ops is not the default (btree_gist's gist_inet_ops is, when installed): name it.
  if (NETWORK.has(name)) return { kind: 'method', method: 'gist', opclass: 'inet_ops', family: 'network' };
  if (GIST_EXTENSION.has(name)) return { kind: 'method', method: 'gist', opclass: null, family: name };
  if (type.kind === 'enum' || BTREE.has(name)) return { kind: 'method', method: 'btree', opclass: null, family: 'scalar' };
  return { kind: 'unknown' };
}

/** Types whose values name things, looked up by equality: integers, text, uuid. */
const IDENTIFIER = names('smallint|integer|bigint|int2|int4|int8|text|character varying|varchar|character|bpchar|citext|uuid');

export function isIdentifierType(type: ColumnType): boolean {
  return IDENTIFIER.has(bareTypeName(type.base));
}

/**
 * Types btree_gin and btree_gist give operator classes for (their documentation), to say which
 * CREATE EXTENSION would help when they are not installed: once installed, the catalog is asked instead.
 */
const BTREE_GIN_TYPES = names(
  'smallint|integer|bigint|int2|int4|int8|real|double precision|float4|float8|numeric|' +
    'timestamp with time zone|timestamp without time zone|timestamp|timestamptz|' +
    'time with time zone|time without time zone|time|timetz|date|interval|oid|money|"char"|char|' +
    'character varying|varchar|text|bytea|bit|bit varying|varbit|macaddr|macaddr8|inet|cidr|uuid|name|' +
    'boolean|bool|character|bpchar',
);
const BTREE_GIST_TYPES = BTREE_GIN_TYPES;

export function btreeGinCovers(type: ColumnType): boolean {
  return type.kind === 'enum' || BTREE_GIN_TYPES.has(bareTypeName(type.base));
}

export function btreeGistCovers(type: ColumnType): boolean {
  return type.kind === 'enum' || BTREE_GIST_TYPES.has(bareTypeName(type.base));
}

/** Well-known operator classes that extensions provide, to name the CREATE EXTENSION a plan needs. */
export const EXTENSION_OPCLASSES: Readonly<Record<string, string>> = {
  gin_trgm_ops: 'pg_trgm',
  gist_trgm_ops: 'pg_trgm',
  gin_hstore_ops: 'hstore',
  gist_hstore_ops: 'hstore',
  gist_ltree_ops: 'ltree',
  gist__ltree_ops: 'ltree',
  gist_cube_ops: 'cube',
  gin__int_ops: 'intarray',
  gist__int_ops: 'intarray',
  gist__intbig_ops: 'intarray',
  gist_inet_ops: 'btree_gist',
  gist_int4_ops: 'btree_gist',
  gist_int8_ops: 'btree_gist',
  gist_text_ops: 'btree_gist',
  gist_uuid_ops: 'btree_gist',
  gist_timestamptz_ops: 'btree_gist',
};
