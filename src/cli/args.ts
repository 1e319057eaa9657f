/** Reading option values the commands share; a bad one is a message for the usage text, not an exception. */

/** A positive integer option such as -j. */
export function positiveInt(name: string, value: unknown): number | string {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) return `${name} must be a positive integer, not "${String(value)}"`;
  return n;
}
