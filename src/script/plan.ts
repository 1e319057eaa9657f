/**
 * The Plan of a SQL file, from its steps and the server's facts: the same Plan type `preparePlan`
 * makes from a plan file, so one runner and one set of renderers serve both. Pure.
 */
import { deriveRunSettings, type MachineFacts } from '../plan/settings.js';
import type { Plan } from '../plan/types.js';
import type { ServerInfo } from '../catalog/server.js';
import { positionInFile } from '../sql/split.js';
import type { Script } from './steps.js';
import { DEFAULT_MODEL, type CostModel } from '../cost/kinds.js';
import { priceScript } from './price.js';
import type { ScriptChoices } from './choices.js';

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
