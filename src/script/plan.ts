/**
 * The Plan of a SQL file, from its steps and the server's facts: the same Plan type `preparePlan`
 * makes from a plan file, so one runner and one set of renderers serve both. Pure.
 */
import { DEFAULTS } from '../planfile/normalise.js';
import { DEFAULT_MAINTENANCE_WORK_MEM, deriveRunSettings, type MachineFacts } from '../plan/settings.js';
import type { Plan } from '../plan/types.js';
import type { ServerInfo } from '../catalog/server.js';
import { positionInFile } from '../sql/split.js';
import type { Script } from './steps.js';
import { DEFAULT_MODEL, type CostModel } from '../cost/kinds.js';
import { priceScript } from './price.js';

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

/** What the server says, as the planning session read it (the tables' sizes are in the steps already). */
export interface ScriptFacts {
  server: ServerInfo;
  /** The server's machine, when pgindex runs on it (src/db/server-machine.ts). */
  machine?: MachineFacts | null;
  /** The cost model to price the steps with (price.ts); DEFAULT_MODEL when none is given. */
  model?: CostModel;
}

export function planScript(script: Script, facts: ScriptFacts, choices: ScriptChoices): Plan {
  // Which builds may share a table is each statement's own CONCURRENTLY, not a plan-wide choice.
  const settings = deriveRunSettings(facts.server.settings, { ...choices, concurrently: false }, facts.machine ?? null);
  return {
    version: 1,
    source: script.file,
    server: { version: facts.server.version, versionNum: facts.server.versionNum },
    settings,
    columns: [],
    // The one pricing of a file's steps: scriptSteps gives them pages and sizes, not costs.
    steps: priceScript(script.steps, facts.server.versionNum, facts.model ?? DEFAULT_MODEL),
    warnings: [],
  };
}

/** `FILE:LINE:COL` of a step's statement, at the server's error position in it when there is one. */
export function locateStep(script: Pick<Script, 'file' | 'statements' | 'rewritten'>, stepId: string, position: number | null): string | null {
  const stmt = script.statements.get(stepId);
  if (!stmt) return null;
  // A statement pgindex rewrote is located at its start: the position is in the SQL that ran.
  const at = positionInFile(stmt, script.rewritten.has(stepId) ? undefined : (position ?? undefined));
  return `${script.file}:${at.line}:${at.col}`;
}
