/**
 * What one query asks of each table it reads, as the parser and the catalog let us know it: the
 * predicates on columns and expressions, the join keys, the ORDER BY … LIMIT an index could serve.
 * Plain data: the candidates and their evaluation are built from it.
 */

export interface QualifiedName {
  schema: string;
  name: string;
}

/** What a predicate compares: a column of the table, or an expression over its columns (`lower(email)`). */
export type Operand =
  | { kind: 'column'; column: string }
  /** `sql` is the expression as an index definition writes it, its column names quoted. */
  | { kind: 'expression'; sql: string; columns: string[] };

/** What an operand is compared with. */
export type Value =
  /** `$n` of a parameterised query (pg_stat_statements shows every constant so). */
  | { kind: 'param'; number: number }
  /** A literal; `text` null for NULL. */
  | { kind: 'const'; text: string | null }
  /** A value from the rest of the query: another table's column (a join), a subquery, now(). */
  | { kind: 'other' };

export interface Predicate {
  operand: Operand;
  /**
   * The operator as pg_operator names it (`=`, `<`, `~~` for LIKE, `~~*` for ILIKE, `@>`…), or
   * `IS NULL` / `IS NOT NULL`, which are no operators.
   */
  operator: string;
  /** How the query wrote it, for reasons: `=`, `IN`, `BETWEEN`, `LIKE`, `= ANY`… */
  written: string;
  values: Value[];
  /** Inside an OR: the predicate filters only one branch, so it cannot lead a composite index. */
  inOr?: true;
}

/** One key of an ORDER BY on one table. */
export interface OrderKey {
  operand: Operand;
  descending: boolean;
  /** An ordering operator such as `<->` (nearest-neighbour: gist), with the value it measures to. */
  operator?: string;
}

/** A column of this table that equals a column of another table (a join key). */
export interface JoinKey {
  column: string;
  other: QualifiedName & { column: string };
}

/** One reference to a table in a query (a table joined to itself is two of these). */
export interface TableAccess {
  table: QualifiedName;
  /** The name the query calls it by (its alias, or its name). */
  alias: string;
  predicates: Predicate[];
  joins: JoinKey[];
  /** The query's ORDER BY when every key is on this table. */
  orderBy: OrderKey[];
  /** The query's LIMIT: a number, `param` for `LIMIT $1`, null without one. */
  limit: number | 'param' | null;
}

export type QueryKind = 'select' | 'insert' | 'update' | 'delete' | 'other';

export interface QueryShape {
  kind: QueryKind;
  accesses: TableAccess[];
  /** Tables the statement writes (INSERT, UPDATE, DELETE targets). */
  writes: QualifiedName[];
  /** Relation names the catalog snapshot does not know, as written, in query order, once each. */
  unknownTables: string[];
}

/** How a query's names become tables: through the snapshot and its search_path. */
export interface TableLookup {
  /** The table `schema.name` (schema null: the first search_path schema that has it), or null. */
  table(schema: string | null, name: string): { schema: string; name: string; columns: readonly { name: string }[] } | null;
}
