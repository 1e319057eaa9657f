/**
 * Names as a plan file writes them (src/catalog/names.ts reads them): unquoted letters fold to lower
 * case and `*`, `?` and `.` mean something, so anything but a plain lower-case name is written in
 * double quotes (a quote doubled), and reads back as exactly that name.
 */

const PLAIN = /^[a-z_][a-z0-9_$]*$/;

/** One name (a column, an index, a tablespace, a schema or table part). */
export function planName(name: string): string {
  return PLAIN.test(name) ? name : '"' + name.replaceAll('"', '""') + '"';
}

/** `schema.table` as a plan's `name` (exact, never a glob). */
export function planTableName(q: { schema: string; name: string }): string {
  return `${planName(q.schema)}.${planName(q.name)}`;
}
