import type { CatalogSnapshot, ColumnInfo, TableInfo } from '../catalog/types.js';
import type { ColumnSpec, MethodName, Rules } from '../planfile/types.js';
import type { Problem } from '../errors.js';

/**
 * What the advisor chose for one column, and why; or, when the plan's entry for the column asks for
 * what the catalog cannot give (an unknown method or operator class, unique on a hash…), the problem
 * at the entry's position, for the planner to report with every other.
 */
export type Decision =
  | {
      kind: 'index';
      method: MethodName;
      /** Operator class to name in the SQL; null means the method's default for the type. */
      opclass: string | null;
      /** Schema of `opclass`, to qualify it when it lives outside search_path (an extension's schema). */
      opclassSchema: string | null;
      /** Extension the choice depends on (btree_gin, pg_trgm…), already installed. */
      extension: string | null;
      reason: string;
      /**
       * The predicate of a partial index the advisor chose (a few-valued column's rare values), as
       * SQL with its literals quoted; a `where` of the plan's own wins over it.
       */
      where?: string;
      /** A better choice the user could enable, e.g. `CREATE EXTENSION btree_gin`. */
      suggestion?: string;
    }
  | {
      kind: 'skip';
      reason: string;
      /** What the user could do instead, e.g. a partial index or `CREATE EXTENSION btree_gin`. */
      suggestion?: string;
      /** Set when the column is skipped because this valid index already leads with it. */
      existingIndex?: { schema: string; name: string };
    }
  | {
      kind: 'problem';
      problem: Problem;
    };

/** Everything the advisor looks at for one column. */
export interface AdviceInput {
  column: ColumnInfo;
  table: TableInfo;
  /** The plan's entry for the column, or null for a column taken by `columns: all`. */
  spec: ColumnSpec | null;
  rules: Rules;
  catalog: Pick<CatalogSnapshot, 'server' | 'extensions' | 'accessMethods' | 'opclasses' | 'binaryCoercions'>;
}
