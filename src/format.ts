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
