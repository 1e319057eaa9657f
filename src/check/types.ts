/**
 * What `pgindex check` reports: plain data, one finding per problem, each with what to do about it,
 * so that the text output, the JSON output and a library caller all read the same thing.
 */

/** The kinds, in the order the text output lists them (what breaks queries first). */
export const FINDING_KINDS = ['invalid', 'duplicate', 'redundant', 'unindexed-foreign-key', 'unused'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** SQL to run as it is, or an instruction for a person when no one statement is right. */
export type Fix = { sql: string } | { instruction: string };

export interface Finding {
  kind: FindingKind;
  /** The table, quoted and qualified as SQL writes it. */
  table: string;
  /** The index the finding is about, quoted and qualified; null for an unindexed foreign key. */
  index: string | null;
  /** What is wrong, in a sentence. */
  detail: string;
  fix: Fix;
}

export interface CheckReport {
  /** The version of this JSON object's shape. */
  version: 1;
  database: string;
  serverVersion: string;
  /** The checked tables, quoted and qualified. */
  tables: string[];
  /** The statistics the unused finding reads were last reset then (ISO text); null: never reset. */
  statsSince: string | null;
  findings: Finding[];
}
