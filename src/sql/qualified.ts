/** Qualified names as map keys: one spelling, so that every module finds the same entry. */

/** A key for `schema.name` that no two different names share (identifiers cannot contain NUL). */
export function qualifiedKey(q: { schema: string; name: string }): string {
  return `${q.schema}\0${q.name}`;
}
