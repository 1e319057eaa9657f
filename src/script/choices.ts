/**
 * How `pgindex run` runs a SQL file: the choices its flags set, and their defaults. Apart from the
 * planner (plan.ts) so that the run command's options and help need none of it.
 */
import { DEFAULTS } from '../planfile/normalise.js';
import { DEFAULT_MAINTENANCE_WORK_MEM } from '../plan/settings.js';

/** How a SQL file is run: what `pgindex run`'s flags set. */
export interface ScriptChoices {
  /** Sessions running statements at once. */
  parallelism: number;
  /** 0: wait for locks, as psql would. */
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  retries: number;
  /** Total shared by the builds running at once, bytes. */
  maintenanceWorkMemBytes: number;
  /** Builds plus parallel workers stay within this; null: the server's max_parallel_workers. */
  cores: number | null;
}

/**
 * A plan file's defaults, except lock_timeout: a file written for psql expects to wait for its locks,
 * and nothing in it asked for a timeout that would turn waiting into retries.
 */
export const SCRIPT_DEFAULTS: Readonly<ScriptChoices> = Object.freeze({
  parallelism: DEFAULTS.parallelism,
  lockTimeoutMs: 0,
  statementTimeoutMs: DEFAULTS.statementTimeoutMs,
  retries: DEFAULTS.retries,
  maintenanceWorkMemBytes: DEFAULT_MAINTENANCE_WORK_MEM,
  cores: null,
});

/** The choices given, the defaults for the rest (an undefined value counts as not given). */
export function scriptChoices(given: Partial<ScriptChoices> = {}): ScriptChoices {
  const out: ScriptChoices = { ...SCRIPT_DEFAULTS };
  for (const key of Object.keys(out) as (keyof ScriptChoices)[]) {
    const value = given[key];
    if (value !== undefined) (out as Record<keyof ScriptChoices, number | null>)[key] = value;
  }
  return out;
}
