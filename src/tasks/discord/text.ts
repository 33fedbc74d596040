// The texts of the new-game post: legacy's cuts (with its bugs fixed) and Discord's hard limits.

/** Legacy cuts a long description at the first newline at or after this many characters. */
const SOFT_LENGTH = 400;
/** ... and keeps at most this many characters of what is left, plus an ellipsis. */
const HARD_LENGTH = 1500;

export const DISCORD_LIMITS = { title: 256, description: 4096, footer: 2048 } as const;

/** Cuts to `max` characters (code points, as Python and Discord count), ending with … when cut. */
export function clipText(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

/**
 * NULL reads as "". Past 400 characters the text ends before the first newline at or after 400; with no
 * such newline it is kept whole (legacy's find() returned -1 and silently dropped the last character).
 * Then at most 1500 characters + "…", and never more than Discord accepts.
 */
export function postDescription(description: string | null): string {
  let chars = [...(description ?? '')];
  if (chars.length > SOFT_LENGTH) {
    const newline = chars.indexOf('\n', SOFT_LENGTH);
    if (newline >= 0) chars = chars.slice(0, newline);
  }
  if (chars.length > HARD_LENGTH) chars = [...chars.slice(0, HARD_LENGTH), '…'];
  return clipText(chars.join(''), DISCORD_LIMITS.description);
}

/** "Автор: X" for one author, "Авторы: X,  Y" for more (two spaces, as legacy), null for none (no footer). */
export function authorLine(names: readonly string[]): string | null {
  if (names.length === 0) return null;
  const prefix = names.length === 1 ? 'Автор: ' : 'Авторы: ';
  return clipText(prefix + names.join(',  '), DISCORD_LIMITS.footer);
}
