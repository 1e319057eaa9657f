/**
 * What a running CREATE INDEX CONCURRENTLY is waiting for, and how long it may: pure.
 *
 * A CONCURRENTLY build waits twice over: first for its table's SHARE UPDATE EXCLUSIVE lock, then,
 * after building, for every transaction older than its snapshots ("waiting for writers before
 * build/validation", "waiting for old snapshots"). PostgreSQL counts both against lock_timeout, so a
 * single long report or REPEATABLE READ export made every build do all its work, time out at the
 * end, be dropped and be built again. pgindex therefore runs CONCURRENTLY builds with lock_timeout 0
 * and keeps the two clocks itself, from the control connection: lock_timeout bounds the wait for the
 * table lock (wait_event 'relation'), `snapshot_wait_timeout` (default: none) the wait for older
 * transactions (wait_event 'virtualxid' or 'transactionid'), and the blocker is named in both cases.
 */
import type { RunSettings, Step } from '../plan/types.js';
import { isIndexBuild } from '../cost/budget.js';

export type WaitKind = 'table-lock' | 'old-transactions';

/** The session that a build waits for, as pg_stat_activity shows it. */
export interface Blocker {
  pid: number;
  applicationName: string;
  state: string | null;
  /** How long its transaction has been open, ms (null outside a transaction). */
  transactionAgeMs: number | null;
  /** How long ago its current (or last) query started, ms. */
  queryAgeMs: number | null;
}

/** One sample of a running build, from pg_stat_activity (and its progress row, if any). */
export interface WaitSample {
  waitEventType: string | null;
  waitEvent: string | null;
  blocker: Blocker | null;
}

/** A build's wait as the run tracks it between samples. */
export interface WaitState {
  kind: WaitKind;
  /** When the run first saw this wait (its clock). */
  since: number;
  blocker: Blocker | null;
}

export function waitKind(sample: Pick<WaitSample, 'waitEventType' | 'waitEvent'>): WaitKind | null {
  if (sample.waitEventType !== 'Lock') return null;
  if (sample.waitEvent === 'relation') return 'table-lock';
  if (sample.waitEvent === 'virtualxid' || sample.waitEvent === 'transactionid') return 'old-transactions';
  return null;
}

/** The wait after a sample: the same wait keeps its clock; a new one starts a clock at `now`. */
export function nextWait(previous: WaitState | null, sample: WaitSample, now: number): WaitState | null {
  const kind = waitKind(sample);
  if (kind === null) return null;
  if (previous && previous.kind === kind) return { ...previous, blocker: sample.blocker ?? previous.blocker };
  return { kind, since: now, blocker: sample.blocker };
}

/** The builds whose waits the run times itself: CONCURRENTLY index builds (they run with lock_timeout 0). */
export function runTimesWaits(step: Pick<Step, 'concurrently' | 'action'>): boolean {
  return step.concurrently && isIndexBuild(step);
}

export interface WaitBudget {
  /** The plan's lock_timeout, ms; 0 waits for ever. */
  lockTimeoutMs: number;
  /** null waits for ever. */
  snapshotWaitTimeoutMs: number | null;
}

/** The plan's two budgets. */
export function waitBudget(settings: Pick<RunSettings, 'lockTimeoutMs' | 'snapshotWaitTimeoutMs'>): WaitBudget {
  return { lockTimeoutMs: settings.lockTimeoutMs, snapshotWaitTimeoutMs: settings.snapshotWaitTimeoutMs ?? null };
}

/** Whether the wait has used up its budget: the build is then cancelled (and the reason reported). */
export function waitExceeded(wait: WaitState | null, budget: WaitBudget, now: number): boolean {
  if (!wait) return false;
  const limit = wait.kind === 'table-lock' ? (budget.lockTimeoutMs > 0 ? budget.lockTimeoutMs : null) : budget.snapshotWaitTimeoutMs;
  return limit !== null && now - wait.since >= limit;
}

/** "pid 4242 (psql, idle in transaction, transaction open 41s)". */
export function describeBlocker(b: Blocker): string {
  const parts = [b.applicationName || 'no application_name'];
  if (b.state) parts.push(b.state);
  if (b.transactionAgeMs !== null) parts.push(`transaction open ${seconds(b.transactionAgeMs)}`);
  if (b.queryAgeMs !== null) parts.push(`query started ${seconds(b.queryAgeMs)} ago`);
  return `pid ${b.pid} (${parts.join(', ')})`;
}

/** "waiting for the table lock (held by pid …)", "waiting for older transactions to end (pid …)". */
export function describeWait(wait: WaitState): string {
  const who = wait.blocker ? describeBlocker(wait.blocker) : 'another session';
  return wait.kind === 'table-lock' ? `waiting for the table lock, held by ${who}` : `waiting for older transactions to end: ${who}`;
}

/** The failure message of a build cancelled because its wait ran out. */
export function waitTimeoutMessage(wait: WaitState, budget: WaitBudget): string {
  if (wait.kind === 'table-lock') {
    return `gave up waiting for the table lock after lock_timeout ${seconds(budget.lockTimeoutMs)}: held by ${wait.blocker ? describeBlocker(wait.blocker) : 'another session'}`;
  }
  return (
    `gave up waiting for older transactions after snapshot_wait_timeout ${seconds(budget.snapshotWaitTimeoutMs ?? 0)}: ` +
    `${wait.blocker ? describeBlocker(wait.blocker) : 'another session'} is still open; the build itself was done, but a CONCURRENTLY build is valid only once they end`
  );
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms / 100) / 10}s` : `${Math.round(ms / 1000)}s`;
}
