/**
 * Which failures are worth another attempt, and how long to wait before it: pure.
 */
import { ConnectionError, SqlError } from '../errors.js';
import type { Step } from '../plan/types.js';
import type { StepError } from './types.js';

/** Failures that say nothing about the statement itself: the same statement may well succeed later. */
const TRANSIENT: Record<string, string> = {
  '55P03': 'lock_not_available',
  '40P01': 'deadlock_detected',
  '40001': 'serialization_failure',
  '57P01': 'admin_shutdown',
  '57P02': 'crash_shutdown',
  '57P03': 'cannot_connect_now',
};

/** SQLSTATEs after which the server closes the session. */
const SESSION_ENDING = new Set(['57P01', '57P02', '57P03']);

const SQLSTATE = /^[0-9A-Z]{5}$/;

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

export interface Classified {
  error: StepError;
  /** Worth retrying. */
  transient: boolean;
  /** The session is gone: reconnect before using it again. */
  connectionLost: boolean;
}

/** Reads whatever pg (or the network) threw into the fields the runner reports. */
export function toStepError(err: unknown): StepError {
  if (err instanceof SqlError) {
    return {
      sqlstate: err.sqlstate ?? null,
      message: err.message,
      detail: err.detail ?? null,
      hint: err.hint ?? null,
      position: err.position ?? null,
    };
  }
  const e = (err ?? {}) as { message?: unknown; code?: unknown; detail?: unknown; hint?: unknown; position?: unknown };
  const code = typeof e.code === 'string' && SQLSTATE.test(e.code) ? e.code : null;
  const position = typeof e.position === 'string' || typeof e.position === 'number' ? Number(e.position) : NaN;
  return {
    sqlstate: code,
    message: typeof e.message === 'string' && e.message !== '' ? e.message : String(err),
    detail: typeof e.detail === 'string' ? e.detail : null,
    hint: typeof e.hint === 'string' ? e.hint : null,
    position: Number.isFinite(position) && position > 0 ? position : null,
  };
}

export function isConnectionLost(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  if (err instanceof SqlError) return err.sqlstate !== undefined && SESSION_ENDING.has(err.sqlstate);
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && SESSION_ENDING.has(code)) return true;
  if (code && NETWORK_CODES.has(code)) return true;
  if (code && SQLSTATE.test(code)) return false;
  const message = typeof e.message === 'string' ? e.message : '';
  return /connection terminated|connection lost|not queryable|client has encountered a connection error|socket hang up/i.test(message);
}

export function classify(err: unknown): Classified {
  const error = toStepError(err);
  const connectionLost = isConnectionLost(err);
  const transient = connectionLost || (error.sqlstate !== null && error.sqlstate in TRANSIENT);
  return { error, transient, connectionLost };
}

/**
 * Whether running a step again after a transient failure is safe. Index builds are: a plain CREATE
 * INDEX that failed left nothing behind, and a CONCURRENTLY one leaves an INVALID index that is
 * dropped first, found by its name or, unnamed, as the new INVALID index on its table. Statements of
 * a SQL file that are not index builds are never retried: after a lost connection pgindex cannot
 * know whether they took effect.
 */
export function retrySafe(step: Step): boolean {
  if (step.action === 'sql') return false;
  if (step.concurrently && step.action === 'create') return step.index !== null || step.table !== null;
  return true;
}

/**
 * Exponential backoff with jitter: attempt 1 waits about `baseMs`, each next one twice as long, capped
 * at `maxMs`; the wait is drawn from [half, full] so that sessions failing together do not retry in step.
 */
export function backoffMs(retry: number, opts: { baseMs: number; maxMs: number }, random: () => number): number {
  const full = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(full / 2 + (full / 2) * random());
}
