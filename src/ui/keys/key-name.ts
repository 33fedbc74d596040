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

const CHAR_NAMES: Record<string, string> = { '\r': 'enter', '\n': 'enter', '\t': 'tab', ' ': 'space', '\u007f': 'backspace', '\b': 'backspace' };

function fromChar(ch: string): KeyPress | null {
  const named = CHAR_NAMES[ch];
  if (named) return { name: named, text: ch === ' ' ? ' ' : '' };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(ch)) return null;
  return { name: ch, text: ch };
}

/**
 * The keys in one input event. Ink hands over keys typed faster than it reads them (a slow ssh link,
 * tmux send-keys) as one string such as "j\r", so plain text is split back into single keys.
 */
export function toKeyPresses(input: string, key: Key): KeyPress[] {
  const name = special(input, key);
  // Two Esc presses read together arrive as one "meta+escape"; nobody means Meta+Esc here.
  if (name === 'escape' && key.meta) return [{ name, text: '' }, { name, text: '' }];
  if (name) return [{ name, text: '' }];
  return [...input].map(fromChar).filter((k): k is KeyPress => k !== null);
}
