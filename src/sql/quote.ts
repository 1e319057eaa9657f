/**
 * The one place identifiers and literals are quoted. Every name that reaches SQL goes through
 * quoteIdent or quoteQualified; nothing from a plan file is interpolated any other way.
 */

// Reserved (and "reserved, can be function or type") keywords of PostgreSQL: these must be quoted
// even when lower-case. Quoting a non-reserved word is harmless, so the list errs on the safe side.
const RESERVED = new Set(
  (
    'all analyse analyze and any array as asc asymmetric authorization binary both case cast check ' +
    'collate collation column concurrently constraint create cross current_catalog current_date ' +
    'current_role current_schema current_time current_timestamp current_user default deferrable desc ' +
    'distinct do else end except false fetch for foreign freeze from full grant group having ilike in ' +
    'initially inner intersect into is isnull join lateral leading left like limit localtime ' +
    'localtimestamp natural not notnull null offset on only or order outer overlaps placing primary ' +
    'references returning right select session_user similar some symmetric system_user table tablesample ' +
    'then to trailing true union unique user using variadic verbose when where window with ' +
    'between bigint bit boolean char character coalesce dec decimal exists extract float greatest ' +
    'grouping inout int integer interval json json_array json_arrayagg json_exists json_object ' +
    'json_objectagg json_query json_scalar json_serialize json_table json_value least merge_action ' +
    'national nchar none normalize nullif numeric out overlay position precision real row setof ' +
    'smallint substring time timestamp treat trim values varchar xmlattributes xmlconcat xmlelement ' +
    'xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable'
  ).split(' '),
);

/** Quotes an identifier when PostgreSQL would not read it back unchanged. */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new Error('an SQL identifier cannot be empty');
  // A plan of 10,000 tables quotes hundreds of thousands of names, nearly all plain: one pass over
  // the characters decides, with no RegExp and no second scan for a NUL (issue 16).
  if (isPlain(name)) return RESERVED.has(name) ? '"' + name + '"' : name;
  if (name.includes('\0')) throw new Error('an SQL identifier cannot contain a NUL character');
  return '"' + name.replaceAll('"', '""') + '"';
}

/**
 * Whether `name` needs no quotes unless it is a keyword: lower-case ASCII letters, `_`, and after the
 * first character digits and `$` (/^[a-z_][a-z0-9_$]*$/).
 */
function isPlain(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 97 && c <= 122) || c === 95) continue;
    if (i > 0 && ((c >= 48 && c <= 57) || c === 36)) continue;
    return false;
  }
  return true;
}

/** `schema.name`, each part quoted as needed. */
export function quoteQualified(q: { schema: string; name: string }): string {
  return quoteIdent(q.schema) + '.' + quoteIdent(q.name);
}

/**
 * `schema.name`, or just `name` when there is no schema (null, or '' as `pgindex run` writes a table
 * it leaves to search_path): the server's search_path then decides.
 */
export function quoteMaybeQualified(q: { schema: string | null; name: string }): string {
  return q.schema ? quoteQualified({ schema: q.schema, name: q.name }) : quoteIdent(q.name);
}

/** A string literal, safe under standard_conforming_strings (the default since 9.1) and off. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('an SQL literal cannot contain a NUL character');
  const body = value.replaceAll("'", "''");
  return value.includes('\\') ? "E'" + body.replaceAll('\\', '\\\\') + "'" : "'" + body + "'";
}
