/**
 * SQLSTATE codes pgindex acts on, and what a failure means for a run: pure. Every module that looks
 * at an error's code asks here, so that "is this worth a retry" has one answer.
 */

export const SQLSTATE = {
  lockNotAvailable: '55P03',
  deadlockDetected: '40P01',
  serializationFailure: '40001',
  adminShutdown: '57P01',
  crashShutdown: '57P02',
  cannotConnectNow: '57P03',
  queryCanceled: '57014',
  duplicateTable: '42P07',
  duplicateObject: '42710',
  uniqueViolation: '23505',
  insufficientPrivilege: '42501',
  undefinedTable: '42P01',
  undefinedObject: '42704',
  featureNotSupported: '0A000',
  readOnlySqlTransaction: '25006',
} as const;

/** Failures that say nothing about the statement itself: the same statement may well succeed later. */
const TRANSIENT: ReadonlySet<string> = new Set([
  SQLSTATE.lockNotAvailable,
  SQLSTATE.deadlockDetected,
  SQLSTATE.serializationFailure,
  SQLSTATE.adminShutdown,
  SQLSTATE.crashShutdown,
  SQLSTATE.cannotConnectNow,
]);

/** SQLSTATEs after which the server closes the session. */
const SESSION_ENDING: ReadonlySet<string> = new Set([SQLSTATE.adminShutdown, SQLSTATE.crashShutdown, SQLSTATE.cannotConnectNow]);

/** Node's socket errors that mean the connection is gone. */
const NETWORK_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

const SQLSTATE_SHAPE = /^[0-9A-Z]{5}$/;

/** A five-character SQLSTATE, as opposed to a Node error code (ECONNRESET…). */
export function isSqlstate(code: unknown): code is string {
  return typeof code === 'string' && SQLSTATE_SHAPE.test(code);
}

export function isTransientSqlstate(code: string | null | undefined): boolean {
  return code !== null && code !== undefined && TRANSIENT.has(code);
}

export function endsSession(code: string | null | undefined): boolean {
  return code !== null && code !== undefined && SESSION_ENDING.has(code);
}

export function isNetworkCode(code: string | null | undefined): boolean {
  return code !== null && code !== undefined && NETWORK_CODES.has(code);
}

/** What the driver says when the socket is gone without an error code of its own. */
export function isConnectionLostMessage(message: string): boolean {
  return /connection terminated|connection lost|not queryable|client has encountered a connection error|socket hang up/i.test(message);
}
