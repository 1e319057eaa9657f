/** Reading option values the commands share; a bad one is a message for the usage text, not an exception. */
import { parseDuration } from '../index.js';

/** A positive integer option such as -j. */
export function positiveInt(name: string, value: unknown): number | string {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) return `${name} must be a positive integer, not "${String(value)}"`;
  return n;
}

/** A duration option such as --lock-wait ('30s', '5min', or milliseconds). */
export function durationMs(name: string, value: unknown): number | string {
  const r = parseDuration(name, value);
  return r.ok ? r.value : r.message + (r.hint ? ` (${r.hint})` : '');
}

/** The help lines of --lock-wait, shared by apply and run. */
export const LOCK_WAIT_HELP = `      --lock-wait DURATION  another pgindex apply or run on this database holds the run lock:
                   wait up to DURATION for it ('30s', '10min') instead of refusing at once`;
