// Feed dates as explicit UTC instants: a date without a zone is UTC, never the process's local time.

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;
const RFC822_ZONE = /(?:[+-]\d{4}|\b(?:GMT|UTC?|Z|[ECMP][SD]T))$/i;

function valid(date: Date): Date | null {
  return Number.isFinite(date.getTime()) ? date : null;
}

/** RFC 822 (RSS) or ISO 8601 (Atom) date; null when it cannot be read. */
export function parseFeedDate(text: string | null): Date | null {
  const value = text?.trim();
  if (!value) return null;
  const iso = ISO.exec(value);
  if (iso) {
    const [, day, time, zone] = iso;
    if (!time) return valid(new Date(`${day}T00:00:00Z`));
    const offset = !zone || zone.toUpperCase() === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
    return valid(new Date(`${day}T${time}${offset}`));
  }
  return valid(new Date(RFC822_ZONE.test(value) ? value : `${value} GMT`));
}

/** A unix time in seconds, given as a number or a decimal string. */
export function fromUnixSeconds(value: string | number): Date | null {
  const seconds = typeof value === 'number' ? value : /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds)) return null;
  return valid(new Date(Math.trunc(seconds) * 1000));
}
