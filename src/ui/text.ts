// Width-aware fitting of text into terminal columns. Widths are string-width's, by grapheme cluster (Cyrillic,
// CJK, emoji, combining marks); the text is first reduced to clusters every terminal draws at that width
// (stableWidthText), so an emoji sequence or a stack of combining marks cannot push the next column.
import stringWidth from 'string-width';
import cliTruncate from 'cli-truncate';
import { stableWidthText } from '../text/terminal.ts';

const segmenter = new Intl.Segmenter();

/** Columns the text takes, as shown (after stableWidthText). */
export function widthOf(text: string): number {
  return stringWidth(stableWidthText(text));
}

/** Cuts text to at most `width` columns, ending with … when something was cut. Never pads. */
export function truncate(input: string, width: number, position: 'end' | 'start' | 'middle' = 'end'): string {
  if (width <= 0) return '';
  const text = stableWidthText(input);
  if (stringWidth(text) <= width) return text;
  let out = cliTruncate(text, width, { position });
  // cli-truncate bundles its own string-width; trim by grapheme if the two disagree on a wide character.
  while (stringWidth(out) > width) {
    const graphemes = [...segmenter.segment(out)].map((s) => s.segment);
    graphemes.splice(position === 'start' ? 1 : graphemes.length - 2, 1);
    out = graphemes.join('');
  }
  return out;
}

/** Exactly `width` columns: truncated, then padded with spaces (on the left when align is 'right'). */
export function fit(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(text, width);
  const pad = ' '.repeat(Math.max(0, width - stringWidth(cut)));
  return align === 'right' ? pad + cut : cut + pad;
}

/** Fits `text + suffix` into width, cutting the text first so the suffix stays visible. */
export function fitWithSuffix(text: string, suffix: string, width: number): string {
  const room = width - stringWidth(suffix);
  if (room < 2) return fit(suffix, width);
  return fit(truncate(text, room) + suffix, width);
}

/** Splits one line into rows of at most `width` columns, by grapheme (for full values in detail views). */
export function hardWrap(input: string, width: number): string[] {
  if (width <= 0) return [];
  const line = stableWidthText(input);
  if (stringWidth(line) <= width) return [line];
  const rows: string[] = [];
  let row = '';
  let rowWidth = 0;
  for (const { segment } of segmenter.segment(line)) {
    const w = stringWidth(segment);
    if (rowWidth + w > width) {
      rows.push(row);
      row = '';
      rowWidth = 0;
    }
    row += segment;
    rowWidth += w;
  }
  if (row !== '') rows.push(row);
  return rows;
}

/** Splits text into rows of at most `width` columns at spaces (a word longer than a row is cut by grapheme). */
export function wordWrap(input: string, width: number): string[] {
  if (width <= 0) return [];
  const text = stableWidthText(input);
  const rows: string[] = [];
  let row = '';
  for (const word of text.split(/ +/).filter(Boolean)) {
    const candidate = row ? `${row} ${word}` : word;
    if (stringWidth(candidate) <= width) {
      row = candidate;
      continue;
    }
    if (row) rows.push(row);
    const pieces = hardWrap(word, width);
    row = pieces.pop() ?? '';
    rows.push(...pieces);
  }
  if (row) rows.push(row);
  return rows;
}

/** Lays out columns left to right; each cell is fitted to its width and cells are joined by one space. */
export function columns(cells: ReadonlyArray<readonly [text: string, width: number, align?: 'left' | 'right']>): string {
  return cells.map(([text, width, align]) => fit(text, width, align ?? 'left')).join(' ');
}
