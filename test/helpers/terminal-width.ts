// Widths as a terminal that joins nothing would draw them: the worst case the dashboard must still fit.
import stringWidth from 'string-width';

/**
 * A terminal that joins nothing (as tmux 3.3 does with skin tones, xterm with more than two marks): every
 * code point takes its own cells, a combining mark beyond the second takes one, a variation selector none.
 */
export function unjoinedWidth(text: string): number {
  let width = 0;
  let marks = 0;
  for (const ch of text) {
    if (/\p{M}/u.test(ch)) {
      width += ++marks > 2 ? 1 : 0;
      continue;
    }
    marks = 0;
    if (/[\u200d\ufe0e\ufe0f]/u.test(ch)) continue;
    width += /\p{Emoji_Presentation}|\p{Emoji_Modifier}/u.test(ch) ? 2 : stringWidth(ch);
  }
  return width;
}
