/** Fractions as reasons show them, short and the same on every machine (counts: thousands in src/plan/format.ts). */

/** Up to two decimals, trailing zeros dropped: 0.994 → "0.99", -0.9 → "-0.9", 1 → "1". */
export function decimal(n: number): string {
  return String(Number(n.toFixed(2)));
}

/** Two significant digits without exponent for small ratios: 0.0000824 → "0.000082". */
export function ratio(n: number): string {
  if (n === 0) return '0';
  if (n >= 0.01) return decimal(n);
  const digits = Math.min(20, 1 - Math.floor(Math.log10(Math.abs(n))));
  return trimZeros(n.toFixed(digits));
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** A share of rows as a percentage, small ones with their first significant digits: 0.0133 → "1.33%". */
export function percent(share: number): string {
  return `${ratio(share * 100)}%`;
}
