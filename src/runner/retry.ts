/**
 * Which failures are worth another attempt, and how long to wait before it: pure.
 */
import { ConnectionError, SqlError } from '../errors.js';
import { endsSession, isConnectionLostMessage, isNetworkCode, isSqlstate, isTransientSqlstate } from '../pg/sqlstate.js';
import type { StepError } from './types.js';

export interface Classified {
  error: StepError;
  /** Worth retrying. */
  transient: boolean;
  /** The session is gone: reconnect before using it again. */
  connectionLost: boolean;
}

/** Reads whatever pg (or the network) threw into the fields the runner reports (through SqlError, the one reading). */
export function toStepError(err: unknown): StepError {
  const e = err instanceof SqlError ? err : SqlError.fromDriver('', err);
  return { sqlstate: e.sqlstate ?? null, message: e.message, detail: e.detail ?? null, hint: e.hint ?? null, position: e.position ?? null };
}

export function isConnectionLost(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  if (err instanceof SqlError) return endsSession(err.sqlstate) || (err.cause !== undefined && err.cause !== err && isConnectionLost(err.cause));
  const e = (err ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (endsSession(code) || isNetworkCode(code)) return true;
  if (isSqlstate(code)) return false;
  return isConnectionLostMessage(typeof e.message === 'string' ? e.message : '');
}

export function classify(err: unknown): Classified {
  const error = toStepError(err);
  const connectionLost = isConnectionLost(err);
  const transient = connectionLost || isTransientSqlstate(error.sqlstate);
  return { error, transient, connectionLost };
}

/**
 * Exponential backoff with jitter: attempt 1 waits about `baseMs`, each next one twice as long, capped
 * at `maxMs`; the wait is drawn from [half, full] so that sessions failing together do not retry in step.
 */
export function backoffMs(retry: number, opts: { baseMs: number; maxMs: number }, random: () => number): number {
  const full = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(full / 2 + (full / 2) * random());
}
