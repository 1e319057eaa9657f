/** Values as PostgreSQL settings spell them, for SET statements: pure. */

/** A size as a PostgreSQL setting value: the largest unit that divides it exactly ('1GB', '256MB', '1000kB'). */
export function sizeSetting(bytes: number): string {
  const kb = Math.max(1, Math.floor(bytes / 1024));
  if (kb % (1024 * 1024) === 0) return `${kb / (1024 * 1024)}GB`;
  if (kb % 1024 === 0) return `${kb / 1024}MB`;
  return `${kb}kB`;
}

/** Milliseconds as a PostgreSQL duration value: '5s', '2min', '1h', '250ms'; 0 stays 0 (disabled). */
export function durationSetting(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}min`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
