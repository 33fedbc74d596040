// Durations people type ("30s", "10m", "2h", "14d", "1w") and how they read back in sentences ("14 days").

/** Seconds in a typed duration; a bare number is seconds. Throws a one-line error with examples. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!m) throw new Error(`invalid duration ${JSON.stringify(text)} (examples: 30s, 10m, 2h, 14d)`);
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const factor = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[unit]!;
  // 100 years: beyond it a date overflows (and "1e400 days" is a typo, not a wish)
  if (!Number.isFinite(n * factor) || n * factor > 100 * 365 * 86400) throw new Error(`invalid duration ${JSON.stringify(text)}: at most 100 years`);
  return n * factor;
}

// No weeks: IFQUEUE_RETENTION_DAYS=14 should read back as "14 days", as configured.
const UNITS: ReadonlyArray<readonly [seconds: number, one: string]> = [
  [86400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** "14 days", "90 minutes", "1 hour": the largest unit that divides the age, for sentences. */
export function ageWords(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  for (const [size, one] of UNITS) {
    if (s >= size && s % size === 0) {
      const n = s / size;
      return `${n} ${one}${n === 1 ? '' : 's'}`;
    }
  }
  return `${s} seconds`;
}
