// Turns Ink's (input, key) pair into a KeyPress: a name the keymap uses ("j", "R", "enter", "shift+tab", "ctrl+c")
// and the printable text it carries, for text fields.
import type { Key } from 'ink';

export interface KeyPress {
  name: string;
  /** typed characters or a paste; '' for named keys */
  text: string;
}

function special(input: string, key: Key): string | null {
  if (key.ctrl && input.length === 1 && /[a-z]/i.test(input)) return `ctrl+${input.toLowerCase()}`;
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'escape';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.backspace) return 'backspace';
  if (key.delete) return 'delete';
  return null;
}

export function toKeyPress(input: string, key: Key): KeyPress {
  const name = special(input, key);
  if (name) return { name, text: '' };
  // eslint-disable-next-line no-control-regex
  const text = input.replace(/[\u0000-\u001f\u007f]/g, '');
  if (text === ' ') return { name: 'space', text };
  return { name: [...text].length === 1 ? text : 'paste', text };
}
