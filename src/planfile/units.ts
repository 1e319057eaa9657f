/**
 * Sizes and durations written the way PostgreSQL reads them in its settings, so a value can be copied
 * from postgresql.conf: a number, optional blanks, then a case-sensitive unit. A bare number takes the
 * setting's base unit (kB for memory, ms for timeouts), as PostgreSQL does.
 */
import { didYouMean } from './hints.js';

export type UnitResult = { ok: true; value: number } | { ok: false; message: string; hint?: string };

interface UnitKind {
  /** What a value must look like, for messages. */
  expected: string;
  /** Unit → multiplier into the result unit. */
  units: Record<string, number>;
  /** Unit of a bare number. */
  bare: string;
  min: number;
  max: number;
  minText: string;
  maxText: string;
}

const KB = 1024;

/** Result in bytes. PostgreSQL's own floor for maintenance_work_mem is 1MB. */
const SIZE: UnitKind = {
  expected: 'a size such as "1GB", "512MB" or "64kB", or an integer number of kB',
  units: { B: 1, kB: KB, MB: KB ** 2, GB: KB ** 3, TB: KB ** 4 },
  bare: 'kB',
  min: KB ** 2,
  max: Number.MAX_SAFE_INTEGER,
  minText: '1MB',
  maxText: '8PB',
};

/** Result in milliseconds; the ceiling is what a PostgreSQL timeout setting accepts. */
const DURATION: UnitKind = {
  expected: 'a duration such as "500ms", "5s", "2min" or "1h", or an integer number of milliseconds',
  units: { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 },
  bare: 'ms',
  min: 0,
  max: 2_147_483_647,
  minText: '0',
  maxText: '2147483647ms (about 24 days)',
};

export function parseSize(label: string, value: unknown): UnitResult {
  return parseWithUnit(SIZE, label, value);
}

export function parseDuration(label: string, value: unknown): UnitResult {
  return parseWithUnit(DURATION, label, value);
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'an empty value' : typeof value === 'object' ? (Array.isArray(value) ? 'a list' : 'a mapping') : String(value);
}

function parseWithUnit(kind: UnitKind, label: string, value: unknown): UnitResult {
  let amount: number;
  let unit: string;
  if (typeof value === 'number' && Number.isInteger(value)) {
    amount = value;
    unit = kind.bare;
  } else if (typeof value === 'string') {
    const m = /^(-?[0-9]+(?:\.[0-9]+)?)[ \t]*([A-Za-z]*)$/.exec(value);
    if (!m) return { ok: false, message: `${label} must be ${kind.expected}, got ${show(value)}` };
    amount = Number(m[1]);
    unit = m[2] || kind.bare;
    if (!(unit in kind.units)) {
      const valid = Object.keys(kind.units);
      const guess = didYouMean(unit, valid);
      return {
        ok: false,
        message: `${label} has an unknown unit "${unit}" in ${show(value)}`,
        hint: `${guess ? guess + ' ' : ''}units are case-sensitive: ${valid.join(', ')}`,
      };
    }
  } else {
    return { ok: false, message: `${label} must be ${kind.expected}, got ${show(value)}` };
  }
  const result = Math.round(amount * (kind.units[unit] ?? 1));
  if (amount < 0 || result < kind.min) return { ok: false, message: `${label} must be at least ${kind.minText}, got ${show(value)}` };
  if (amount > 0 && result === 0) return { ok: false, message: `${label} must be 0 or at least 1${kind.bare}, got ${show(value)}` };
  if (result > kind.max) return { ok: false, message: `${label} must be at most ${kind.maxText}, got ${show(value)}` };
  return { ok: true, value: result };
}
