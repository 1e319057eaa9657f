/** Number, size and duration formats shared by the renderers; fixed, not locale-dependent. */

/** 7693 → "7,693"; rounds to an integer (-0.4 → "0"). */
export function thousands(n: number): string {
  const s = String(Math.round(Math.abs(n)));
  return (n < 0 && s !== '0' ? '-' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Bytes for people: "8 kB", "1.5 MB", "2 GB" (PostgreSQL's units, powers of 1024). */
export function humanBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const shown = u === 0 || v >= 10 ? String(Math.round(v)) : (Math.round(v * 10) / 10).toString();
  return `${shown} ${units[u]}`;
}

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
