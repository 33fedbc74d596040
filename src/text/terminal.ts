// Makes database- and task-sourced text safe to put on a terminal.
// Ink keeps OSC sequences (links, clipboard writes) and SGR colours in text, so we must strip them ourselves.

// Escape sequences, 7-bit and 8-bit forms:
//  - CSI: ESC [ or 0x9B, parameter/intermediate bytes, one final byte
//  - OSC, DCS, SOS, PM, APC: ESC ] P X ^ _ or 0x9D 0x90 0x98 0x9E 0x9F, up to BEL or ST (ESC \ or 0x9C) or the end
//  - any other two-byte ESC sequence (ESC 7, ESC c, ...)
const CSI = /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?/g;
const STRING_SEQUENCE = /(?:\u001b[\]PX^_]|[\u009d\u0090\u0098\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?/g;
const OTHER_ESC = /\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;

// Bidi embeddings, overrides and isolates (Trojan Source), plus the Arabic letter mark.
const BIDI = /[\u202a-\u202e\u2066-\u2069\u061c]/g;
const LINE_SEPARATORS = /\r\n|[\u2028\u2029\u0085]/g;
// C0 controls except \n and \t, DEL, and the C1 range.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f\u0080-\u009f]/g;

/** The visible stand-in for a control character (Unicode Control Pictures). */
function visibleControl(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return '\ufffd';
}

function stripSequences(text: string): string {
  return text.replace(STRING_SEQUENCE, '').replace(CSI, '').replace(OTHER_ESC, '\u241b');
}

/**
 * One terminal-safe line: escape sequences removed, bidi controls removed, newlines shown as ⏎,
 * tabs as a space, and every other control character made visible (\r → ␍, BEL → ␇, backspace → ␈).
 */
export function sanitizeLine(text: unknown): string {
  const s = typeof text === 'string' ? text : text == null ? '' : String(text);
  return stripSequences(s)
    .replace(BIDI, '')
    .replace(LINE_SEPARATORS, '\n')
    .replace(/\n/g, '⏎')
    .replace(/\t/g, ' ')
    .replace(CONTROLS, visibleControl);
}

/** Terminal-safe lines of a multi-line text (stack traces, pretty JSON). */
export function sanitizeLines(text: unknown): string[] {
  const s = typeof text === 'string' ? text : text == null ? '' : String(text);
  return stripSequences(s)
    .replace(LINE_SEPARATORS, '\n')
    .split('\n')
    .map((line) => line.replace(BIDI, '').replace(/\t/g, '  ').replace(CONTROLS, visibleControl));
}

// Characters that separate words (tabs, line breaks) become one space in plain text.
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;

/**
 * Inert one-line text for storage that other programs display (IFDB's pages): escape sequences,
 * bidi embeddings/overrides/isolates and every C0/C1 control removed, tabs and line breaks turned
 * into a single space. Unlike sanitizeLine nothing is made visible: the reader never asked for it.
 */
export function plainText(text: unknown): string {
  const s = typeof text === 'string' ? text : text == null ? '' : String(text);
  return s
    .replace(STRING_SEQUENCE, '')
    .replace(CSI, '')
    .replace(OTHER_ESC, '')
    .replace(BIDI, '')
    .replace(BREAKS, ' ')
    .replace(CONTROLS, '');
}

// Grapheme clusters whose width terminals disagree on. Measured in tmux 3.3: 👩🏽‍💻 and 👩🏽 take 4 cells
// (Unicode and string-width say 2), ❤️ and 🏳️‍🌈 one; xterm keeps only two combining marks per cell.
const UNSTABLE = /[\p{M}\u200d\ufe0e\ufe0f\p{Emoji_Modifier}]/u;
const EMOJI_START = /^\p{Extended_Pictographic}/u;
const PRESENTATION = /[\ufe0e\ufe0f]/gu;
const MODIFIER = /\p{Emoji_Modifier}/gu;
const MARK = /^\p{M}$/u;
/** marks kept on one base character: enough for any real script, not for "zalgo" stacks */
const MAX_MARKS = 2;
const graphemes = new Intl.Segmenter();

function stableCluster(cluster: string): string {
  if (cluster.length === 1 || !UNSTABLE.test(cluster)) return cluster;
  let out = cluster;
  if (EMOJI_START.test(out)) {
    // An emoji sequence is shown by its first emoji: joined it is 2 cells, unjoined up to 2 per part.
    const zwj = out.indexOf('\u200d');
    if (zwj > 0) out = out.slice(0, zwj);
    out = out.replace(MODIFIER, '');
  }
  out = out.replace(PRESENTATION, '');
  let marks = 0;
  return [...out].filter((ch) => !MARK.test(ch) || ++marks <= MAX_MARKS).join('');
}

/**
 * Text for terminal columns: each grapheme cluster reduced to a form every terminal draws with the width
 * string-width measures (emoji ZWJ sequences to their first emoji, no skin-tone modifiers or variation
 * selectors, at most two combining marks per character). Display only: lossy, never stored.
 */
export function stableWidthText(text: string): string {
  if (!UNSTABLE.test(text)) return text;
  let out = '';
  for (const { segment } of graphemes.segment(text)) out += stableCluster(segment);
  return out;
}
