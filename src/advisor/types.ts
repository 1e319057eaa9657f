import type { MethodName } from '../planfile/types.js';

/** What the advisor chose for one column, and why. */
export type Decision =
  | {
      kind: 'index';
      method: MethodName;
      /** Operator class to name in the SQL; null means the method's default for the type. */
      opclass: string | null;
      /** Extension the choice depends on (btree_gin, pg_trgm…), already installed. */
      extension: string | null;
      reason: string;
    }
  | {
      kind: 'skip';
      reason: string;
      /** What the user could do instead, e.g. a partial index or `CREATE EXTENSION btree_gin`. */
      suggestion?: string;
    };
