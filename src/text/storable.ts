// What may be written to PostgreSQL: a text or jsonb value with a NUL (U+0000) or a lone UTF-16
// surrogate is rejected by the server ("invalid byte sequence for encoding UTF8: 0x00",
// "unsupported Unicode escape sequence"), and a statement that fails that way must never leave a job
// active. Every string the runner stores (errors, stacks, log lines, names, outputs) passes here.

/** Stand-in for NUL: the Unicode control picture, so the reader sees that something was there. */
const NUL_PICTURE = '\u2400';

/** Default cap of one stored string (characters); log lines and errors are far shorter in practice. */
export const MAX_STORED_CHARS = 64 * 1024;

const NUL = /\u0000/g;

/**
 * A string PostgreSQL accepts: NUL → ␀, lone surrogates → U+FFFD, at most `maxChars` characters
 * (a longer one is cut at a code-point boundary and says how much was dropped).
 */
export function storableText(value: unknown, maxChars = MAX_STORED_CHARS): string {
  let s = typeof value === 'string' ? value : value == null ? '' : String(value);
  if (s.length > maxChars) {
    // the note counts exactly what was dropped, and the whole stays within maxChars
    const marker = (dropped: number) => ` … [${dropped} more characters]`;
    let cut = Math.max(0, maxChars - marker(s.length).length);
    // never split a surrogate pair: the half left behind would be a lone surrogate
    if (cut > 0 && isHighSurrogate(s.charCodeAt(cut - 1))) cut--;
    s = s.slice(0, cut) + marker(s.length - cut);
  }
  return s.replace(NUL, NUL_PICTURE).toWellFormed();
}

/** Like storableText, for a value that may be absent. */
export function storableTextOrNull(value: unknown, maxChars = MAX_STORED_CHARS): string | null {
  return value == null ? null : storableText(value, maxChars);
}

/**
 * A JSON-serialisable copy of `value` whose every string and key is storable in jsonb. Values JSON
 * cannot hold become what JSON.stringify makes of them (undefined members dropped, bigint as text).
 */
export function storableJson<T>(value: T, maxChars = MAX_STORED_CHARS): T {
  const text = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
  if (text === undefined) return value;
  if (!needsRepair(text)) return JSON.parse(text) as T;
  return JSON.parse(text, function (key, v) {
    if (key !== '' && key !== storableText(key)) {
      // a key that cannot be stored is replaced; its value moves to the repaired key
      (this as Record<string, unknown>)[storableText(key)] = typeof v === 'string' ? storableText(v, maxChars) : v;
      return undefined;
    }
    return typeof v === 'string' ? storableText(v, maxChars) : v;
  }) as T;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** JSON text with an escaped NUL or any (escaped) surrogate: the cheap test before a repair. */
function needsRepair(json: string): boolean {
  return /\\u0000|\\ud[89a-f]/i.test(json);
}
