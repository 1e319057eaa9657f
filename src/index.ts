/**
 * pgindex as a library: the one module other projects import (`import { preparePlan } from 'pgindex'`).
 * The CLI (src/cli/) is a thin layer over exactly these functions; what is not exported here is
 * internal and may change without notice.
 *
 * A plan file goes loadPlanFile → preparePlan → executePlan; a SQL file goes loadScriptFile →
 * prepareScript → executePlan. Both make the same Plan, run by the same runner, whose events any of
 * the renderers below can draw.
 */

// Errors: every failure pgindex expects is a PgindexError; formatError prints any error as the CLI does.
export {
  PgindexError,
  InputError,
  PlanningError,
  ConnectionError,
  SqlError,
  formatError,
  formatProblem,
  type Problem,
  type SourcePos,
} from './errors.js';

// Plan files: read and validated (YAML, the JSON Schema, values); every problem at its FILE:LINE:COL.
export { loadPlanFile, parsePlanText } from './planfile/load.js';
// PostgreSQL's own parser, offline (parsePlanText's `sql` option checks a plan's raw SQL with it).
export { loadSqlParser, fragmentSyntaxError, type SqlParser, type SqlSyntaxError, type SqlFragment } from './sql/parse.js';
export { planSchema } from './planfile/schema.js';
export { parseDuration, parseSize, type UnitResult } from './planfile/units.js';
export { closest } from './planfile/hints.js';
export type { PlanFile, TableSpec, ColumnSpec, Rules, PlanConnection, MethodName } from './planfile/types.js';

// Connecting as libpq does (--db, DATABASE_URL, the plan's connection, PG* variables, ~/.pgpass).
export { chooseConnection, clientConfig, describeSource, describeTarget, redact } from './db/connection.js';
export type { ConnectionConfig, ConnectionFlags, ConnectionSource, ConnectionTarget } from './db/connection.js';
export { acquireRunLock, lockHolder, describeHolder, RunLockedError, RUN_LOCK_KEY, type RunLock, type RunLockHolder, type AcquireOptions } from './db/run-lock.js';

// Planning a plan file against a database.
export { preparePlan, nothingMatchedMessage, type PrepareOptions, type PreparedPlan } from './planner.js';
// Saved plans: `plan --save` writes the Plan with the catalog facts it was made from; apply checks them again.
export { readSavedPlan, prepareSavedPlan, type SavedPlanOptions, type PreparedSavedPlan } from './planner.js';
export {
  savedPlanText,
  parseSavedPlan,
  looksLikeSavedPlan,
  fingerprintOf,
  fingerprintDiff,
  SavedPlanError,
  SAVED_PLAN_FORMAT,
  SAVED_PLAN_VERSION,
  type SavedPlan,
  type Fingerprint,
  type TableFact,
  type ColumnFact,
  type IndexFact,
} from './plan/saved.js';
export type { Plan, Step, StepAction, ColumnPlan, ColumnAction, RunSettings, TableSummary, QualifiedName } from './plan/types.js';
export { dropGateRefusal, hazardSteps } from './plan/hazards.js';
export { renderPlan, renderSql, renderJson, renderExplain, renderMarkdown, type PlanFormat, type PlanRenderOptions } from './plan/render.js';

// The build cost model (src/cost): calibration on the server, its cache, and the model's words.
export { calibrate, DEFAULT_SAMPLE_PAGES, type CalibrateOptions, type CalibrationResult, type CalibratedKind } from './cost/calibrate.js';
export { cacheDir, readModel, serverIdentity, type ServerIdentity } from './cost/cache.js';
export { calibrationText, curveFormula } from './cost/describe.js';
export { DEFAULT_MODEL, type CostModel, type BuildKind, type KindCurve } from './cost/kinds.js';

// Exporting the indexes of a database as a plan (`pgindex export`): the I/O, then the pure parts.
export { exportPlan, type ExportOptions, type ExportResult } from './export/export.js';
export { gatherAdvice, DEFAULT_MIN_SHARE, type QueryFile, type GatherOptions } from './advisor/workload/gather.js';
export { workloadAdvice, type WorkloadAdvice, type AdvisedIndex, type DroppedCandidate, type ServedQuery } from './advisor/workload/advice.js';
export { WorkloadSourceError } from './advisor/workload/sources.js';
export { advisePlan, adviceDeclared, type AdviseOptions, type AdviseResult } from './export/advise.js';
export { declareIndexes, declareIndex, type ExportedPlan, type ExportedTable, type ExportedIndex, type ExportedKey, type LeftOut } from './export/declare.js';
export { planYaml, type PlanYamlOptions } from './export/plan-yaml.js';
export { selectionPatterns, selectedTables, SelectionError, type ExportSelection } from './export/select.js';
export { schemaRef, PLAN_SCHEMA_PATH } from './export/schema-ref.js';
export type { IndexOwnerFacts, ConstraintKind } from './catalog/index-owners.js';

// What is wrong with a database's existing indexes (`pgindex check`): the I/O, then the pure parts.
export { checkDatabase, type CheckOptions } from './check/check.js';
export { checkIndexes, findProblems, findUnused } from './check/find.js';
export { checkText, checkJson } from './check/format.js';
export { FINDING_KINDS, type CheckReport, type Finding, type FindingKind, type Fix } from './check/types.js';
export { checkFacts, type CheckFacts, type ForeignKeyFact, type IndexUsageFact } from './catalog/check-facts.js';

// Planning a SQL file (`pgindex run`): the same Plan type, one step per statement.
export { loadScriptFile, parseScript, type SqlScript } from './script/load.js';
export { prepareScript, type PrepareScriptOptions, type PreparedScript } from './script/prepare.js';
export { planScript, locateStep, scriptChoices, SCRIPT_DEFAULTS, type ScriptChoices, type ScriptFacts } from './script/plan.js';
export { scriptSteps, parseCreateIndex, type Script, type CreateIndexHead } from './script/steps.js';
export type { SqlStatement } from './sql/split.js';
export type { ServerInfo } from './catalog/server.js';

// Running a Plan: parallel sessions, lock-aware scheduling, budget, retries, cleanup; a stream of events.
export { executePlan, startPlan, type RunHandle } from './runner/execute.js';
export { stepLabel, displayName } from './runner/describe.js';
export type {
  ExecuteOptions,
  EventSink,
  RunEvent,
  RunResult,
  RunSummary,
  StepResult,
  StepError,
  StepState,
  StepOutcome,
  ProgressSample,
} from './runner/types.js';
export { EVENTS_VERSION } from './runner/types.js';
export { outcomes, countIndexes, type IndexCounts, type OutcomeLine } from './runner/outcomes.js';

// Drawing a run's events: NDJSON, plain lines, a live terminal display, and the view model they share.
// They live with the CLI (src/cli/progress/), the one place that knows about terminals.
export { jsonRenderer, jsonLine, plainRenderer, summaryLabel, type Renderer, type RenderOptions, type Output } from './cli/progress/render.js';
export { listrRenderer } from './cli/progress/listr.js';
export { RunView, formatSummary, formatDuration, describeFailure, type BuildView, type RecordRow, type LaneView } from './cli/progress/view.js';
export type { SummaryOptions } from './cli/progress/summary.js';
