/**
 * What a run must not leave behind: the INVALID indexes of its own failed CONCURRENTLY builds, and
 * the ON ONLY parent indexes it created whose partitions were not all attached. The only statements
 * a run adds to the plan's are these drops:
 * - DROP INDEX CONCURRENTLY of the index a failed CONCURRENTLY build left (before its retry, right
 *   after its final failure, and again at the end for every step whose build ever failed): an index
 *   of its table with the step's name (unnamed: any new one) that was not there before;
 * - DROP INDEX of an ON ONLY parent index this run created whose partitions were not all attached
 *   when the run ended (an interrupt, --fail-fast, a failed partition build), which takes the
 *   partition indexes this run attached to it along.
 * Leftovers of earlier runs are the Plan's business (its drop-invalid steps). What cannot be dropped
 * is reported as the statement that drops it (RunResult.leftovers).
 */
import { dropInvalidIndexSql } from '../plan/sql.js';
import type { QualifiedName, Step } from '../plan/types.js';
import { SQLSTATE } from '../pg/sqlstate.js';
import { PgindexError } from '../errors.js';
import { quoteMaybeQualified, quoteQualified } from '../sql/quote.js';
import { indexKey, type Control, type IndexState } from './control.js';
import { displayName, stepLabel } from './describe.js';
import type { StepLedger } from './ledger.js';
import { backoffMs, isConnectionLost, toStepError } from './retry.js';
import { ControlFailure, type RunContext, type RunningJob } from './run-context.js';
import type { Session } from './session.js';

/** Control-connection failures the baseline query may meet before the run gives up. */
const MAX_CONTROL_FAILURES = 3;

/** A step whose failure can leave an INVALID index on its table (a fact the planner set). */
function mayLeaveInvalid(step: Step): step is Step & { table: NonNullable<Step['table']> } {
  return step.mayLeaveInvalid && step.table !== null;
}

function tableKey(table: QualifiedName): string {
  return quoteMaybeQualified(table);
}

/** Same index: a schema of '' (left to the search_path) matches the schema the catalog gives. */
function sameIndex(planned: QualifiedName, found: QualifiedName): boolean {
  return planned.name === found.name && (planned.schema === '' || planned.schema === found.schema);
}

/**
 * Whether an index the catalog names is one these steps built (sameIndex with any of them), in O(1)
 * per question: a plan of thousands of partitions asks once per attached partition index.
 */
function ownIndexes(steps: readonly Step[]): (found: QualifiedName) => boolean {
  const qualified = new Set<string>();
  /** Names built with a schema of '' (left to the search_path): they match that name in any schema. */
  const bare = new Set<string>();
  for (const s of steps) {
    if (s.index === null) continue;
    if (s.index.schema === '') bare.add(s.index.name);
    else qualified.add(quoteQualified(s.index));
  }
  return (found) => bare.has(found.name) || qualified.has(quoteQualified(found));
}

/** DROP INDEX of a partitioned index: CONCURRENTLY is refused on those; it drops the attached partition indexes too. */
function dropPartitionedIndexSql(index: QualifiedName): string {
  return `DROP INDEX IF EXISTS ${quoteQualified(index)}`;
}

export class Leftovers {
  /**
   * The oids of the indexes that were on a table before the run, for the tables of named
   * CONCURRENTLY builds: a leftover has the step's name and is not one of them. Read once, at the start.
   */
  private readonly indexesBeforeRun = new Map<string, Set<string>>();
  /** Unnamed CONCURRENTLY builds, by step: the oids of their table's indexes just before their first attempt. */
  private readonly indexesBeforeStep = new Map<string, Set<string>>();
  /** Steps whose CONCURRENTLY build failed at least once (after it may have created its index). */
  private readonly failedBuilds = new Set<string>();
  /** Backends of this run's sessions that ran a CONCURRENTLY build: their progress rows are not builds in progress. */
  private readonly ownBuildPids = new Set<number>();
  /** Leftovers (by oid) whose DROP already failed, with why. */
  private readonly failedDrops = new Map<string, string>();
  /** What is left behind, as the statements that drop it (or a comment saying what was not checked). */
  readonly left: string[] = [];

  constructor(
    private readonly ctx: RunContext,
    private readonly ledger: StepLedger,
  ) {}

  /** One query for every table a named CONCURRENTLY build may leave an INVALID index on. */
  async takeBaseline(): Promise<void> {
    const tables = this.ctx.steps.filter((s) => mayLeaveInvalid(s) && s.index !== null).map((s) => s.table as QualifiedName);
    if (tables.length === 0) return;
    let found;
    for (let failures = 1; ; failures++) {
      try {
        found = await this.ctx.viaControl((c) => c.indexesOn(tables));
        break;
      } catch (err) {
        // A lost control connection is reopened, as for every control query; anything else ends the run before it began.
        const cause = err instanceof ControlFailure ? err.original : err;
        if (!isConnectionLost(cause) || failures > MAX_CONTROL_FAILURES) {
          throw new PgindexError(`could not read the indexes of the plan's tables before the run: ${toStepError(cause).message}`, 'sql');
        }
        await this.ctx.sleep(backoffMs(failures, this.ctx.backoff, this.ctx.random), this.ctx.stopAll.signal);
      }
    }
    for (const t of tables) this.indexesBeforeRun.set(tableKey(t), new Set());
    for (const i of found) this.indexesBeforeRun.get(i.table)?.add(i.oid);
  }

  /** Before an unnamed CONCURRENTLY build's first attempt: a leftover is told apart only as an index that was not there before. */
  async beforeAttempt(step: Step): Promise<void> {
    if (!mayLeaveInvalid(step) || step.index !== null || this.indexesBeforeStep.has(step.id)) return;
    const before = await this.ctx.viaControl((c) => c.indexesOn([step.table]));
    this.indexesBeforeStep.set(step.id, new Set(before.map((i) => i.oid)));
  }

  /** The step's statement is about to run on this session. */
  buildStarting(step: Step, session: Session): void {
    if (mayLeaveInvalid(step) && session.pid !== null) this.ownBuildPids.add(session.pid);
  }

  /** The step's statement failed: a CONCURRENTLY build may have left its index behind. */
  buildFailed(step: Step, err: unknown): void {
    // "Already exists" comes before anything is created: the index of that name is not this run's.
    if (mayLeaveInvalid(step) && toStepError(err).sqlstate !== SQLSTATE.duplicateTable) this.failedBuilds.add(step.id);
  }

  /** A build of this step failed before: its retry must first drop what that attempt left. */
  hasFailedBuild(step: Step): boolean {
    return this.failedBuilds.has(step.id);
  }

  /**
   * Drops the INVALID indexes this step's failed attempts left. The check runs on the control
   * connection; the DROP runs on the step's session, because DROP INDEX CONCURRENTLY waits for other
   * transactions and the control connection must stay free for progress and cancellation. The wait
   * is bounded by its own lock_timeout, so an old transaction cannot hold up a retry or the end of
   * an interrupted run. Throws when a leftover could not be dropped.
   */
  async cleanup(step: Step, session: Session, job: RunningJob | null): Promise<void> {
    if (!mayLeaveInvalid(step)) return;
    const found = (await this.ctx.viaControl((c) => this.leftoversOf(c, [step]))).get(step.id) ?? [];
    for (const state of found) {
      if (job) job.phase = 'cleanup';
      try {
        await this.dropOn(session, dropInvalidIndexSql(state));
        this.ctx.emit({ type: 'cleanup', stepId: step.id, index: displayName(state), dropped: true, message: null });
      } catch (err) {
        const message = toStepError(err).message;
        this.failedDrops.set(state.oid, message);
        this.ctx.emit({ type: 'cleanup', stepId: step.id, index: displayName(state), dropped: false, message });
        throw err;
      } finally {
        if (job) job.phase = 'prepare';
      }
    }
  }

  /** cleanup() after a final failure or a cancel: what it cannot do is left to the sweep at the end. */
  async cleanupQuietly(step: Step, session: Session, job: RunningJob | null): Promise<void> {
    if (!this.failedBuilds.has(step.id)) return;
    try {
      await this.cleanup(step, session, job);
    } catch {
      // The sweep looks again, and reports what it cannot drop.
    }
  }

  /**
   * The run's last chance to leave no INVALID index of its own behind: every step whose build ever
   * failed and that did not end done is checked again, in one query. What cannot be dropped is a
   * warning naming the index, and a leftover (exit code 1).
   */
  async sweep(): Promise<void> {
    const steps = this.ctx.steps.filter((s) => this.failedBuilds.has(s.id) && this.ledger.stateOf(s.id) !== 'done');
    if (steps.length === 0 || !this.ctx.control) return;
    let found: Map<string, IndexState[]>;
    try {
      found = await this.ctx.viaControl((c) => this.leftoversOf(c, steps));
    } catch (err) {
      for (const step of steps) {
        this.ctx.emit({ type: 'warning', message: `could not check whether ${stepLabel(step)} left an INVALID index behind: ${toStepError(err).message}` });
        this.left.push(`-- ${stepLabel(step)}: not checked`);
      }
      return;
    }
    const seen = new Set<string>();
    for (const step of steps) {
      for (const state of found.get(step.id) ?? []) {
        if (seen.has(state.oid)) continue;
        seen.add(state.oid);
        const drop = dropInvalidIndexSql(state);
        const failedBefore = this.failedDrops.get(state.oid);
        // A stopped run exits promptly: a DROP that already waited out its lock_timeout is not waited for again.
        let message = this.ctx.stopping && failedBefore !== undefined ? failedBefore : null;
        if (message === null) {
          try {
            await this.dropOn(this.sweepSession(), drop);
            this.ctx.emit({ type: 'cleanup', stepId: step.id, index: displayName(state), dropped: true, message: null });
            continue;
          } catch (err) {
            message = toStepError(err).message;
            this.ctx.emit({ type: 'cleanup', stepId: step.id, index: displayName(state), dropped: false, message });
          }
        }
        this.left.push(drop + ';');
        this.ctx.emit({ type: 'warning', message: `INVALID index ${displayName(state)} is left behind (${message}); drop it with: ${drop};` });
      }
    }
  }

  /**
   * An ON ONLY parent index this run created stays INVALID until every partition's index is
   * attached. If the run ended before that (interrupted, --fail-fast, a partition's build failed),
   * it is dropped: a plain DROP INDEX (CONCURRENTLY is refused on partitioned indexes), bounded by
   * the cleanup lock_timeout, which drops the partition indexes attached to it too. So it is only
   * dropped when all of those are this run's own builds; otherwise it is left, with a warning.
   * `dependentsOf` gives every step that depends on a step, directly or not.
   */
  async dropUnfinishedParents(dependentsOf: (id: string) => Iterable<string>): Promise<void> {
    if (!this.ctx.control) return;
    const done = (id: string) => this.ledger.stateOf(id) === 'done';
    const unfinished = (step: Step) => [...dependentsOf(step.id)].some((id) => !done(id));
    const parents = this.ctx.steps.filter(
      (s): s is Step & { index: QualifiedName; table: QualifiedName } =>
        s.action === 'create-parent' && s.index !== null && s.table !== null && done(s.id) && unfinished(s),
    );
    if (parents.length === 0) return;
    const isOwn = ownIndexes(this.ctx.steps.filter((s) => (s.action === 'create' || s.action === 'create-parent') && done(s.id)));
    let states;
    let attached;
    try {
      states = await this.ctx.viaControl((c) => c.indexes(parents.map((p) => ({ index: p.index, table: p.table }))));
      const invalid = [...states.values()].filter((s) => !s.valid).map((s) => s.oid);
      attached = await this.ctx.viaControl((c) => c.attachedTo(invalid));
    } catch (err) {
      for (const p of parents) {
        this.ctx.emit({ type: 'warning', message: `could not check whether ${displayName(p.index)} (ON ONLY) is still INVALID: ${toStepError(err).message}` });
        this.left.push(`-- ${displayName(p.index)}: not checked`);
      }
      return;
    }
    // A sub-partition's parent index that went with its parent's DROP (parents come first in the plan).
    const gone: QualifiedName[] = [];
    for (const p of parents) {
      const state = states.get(indexKey(p.index, p.table));
      if (!state || state.valid || gone.some((g) => sameIndex(g, state))) continue;
      const name = displayName(state);
      const children = attached.get(state.oid) ?? [];
      const listed = children.length > 0 ? children.map(displayName).join(', ') : 'none';
      const drop = dropPartitionedIndexSql(state);
      const foreign = children.filter((c) => !isOwn(c));
      if (foreign.length > 0) {
        this.left.push(drop + ';');
        this.ctx.emit({
          type: 'warning',
          message:
            `INVALID partitioned index ${name} (created ON ONLY by this run) is left behind: dropping it would also drop ` +
            `${foreign.map(displayName).join(', ')}, which this run did not build; apply again to finish it`,
        });
        continue;
      }
      try {
        await this.dropOn(this.sweepSession(), drop);
        gone.push(...children);
        this.ctx.emit({ type: 'cleanup', stepId: p.id, index: name, dropped: true, message: null });
        this.ctx.emit({
          type: 'note',
          message:
            `dropped ${name}, created ON ONLY by this run and still INVALID (not every partition was attached), ` +
            `with the partition indexes attached to it (${listed}); apply again plans them all again`,
        });
      } catch (err) {
        const message = toStepError(err).message;
        this.ctx.emit({ type: 'cleanup', stepId: p.id, index: name, dropped: false, message });
        this.left.push(drop + ';');
        this.ctx.emit({ type: 'warning', message: `INVALID partitioned index ${name} is left behind (${message}); drop it with: ${drop};` });
      }
    }
  }

  /**
   * The INVALID indexes these steps' failed builds left, by step, in one query: indexes of the
   * step's table that were not there before, with the step's name when it has one, that no backend
   * outside the run is building. The run's own progress rows are ignored: the server reports a
   * build's failure before it clears its row, and a step is only checked once its build has
   * returned (the scheduler never runs two CONCURRENTLY builds on one table at once).
   */
  private async leftoversOf(control: Control, steps: readonly Step[]): Promise<Map<string, IndexState[]>> {
    const out = new Map<string, IndexState[]>();
    const checked = steps.filter(mayLeaveInvalid);
    if (checked.length === 0) return out;
    const indexes = await control.indexesOn(
      checked.map((s) => s.table),
      [...this.ownBuildPids],
    );
    for (const step of checked) {
      const key = tableKey(step.table);
      const index = step.index;
      const before = index ? this.indexesBeforeRun.get(key) : this.indexesBeforeStep.get(step.id);
      if (!before) continue;
      const found = indexes.filter(
        (i) => i.table === key && !before.has(i.oid) && !i.valid && !i.inProgress && (index === null || sameIndex(index, i)),
      );
      if (found.length > 0) out.set(step.id, found);
    }
    return out;
  }

  /** The session the end-of-run drops use: nothing else runs by then. */
  private sweepSession(): Session {
    const session = this.ctx.sessions.find((s) => s.pid !== null) ?? this.ctx.sessions[0];
    if (!session) throw new Error('the run has no session');
    return session;
  }

  /** A DROP on a session, waiting at most the cleanup lock_timeout for the locks it needs. */
  private async dropOn(session: Session, sql: string): Promise<void> {
    try {
      await session.ensureOpen();
      await session.withCleanupTimeouts(this.ctx.cleanupLockTimeoutMs, () => session.query(sql));
    } catch (err) {
      if (isConnectionLost(err)) session.markLost();
      throw err;
    }
  }
}
