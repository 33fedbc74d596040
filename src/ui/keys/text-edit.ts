// Editing a one-line text field with a cursor, as a pure function of the key.
import type { KeyPress } from './key-name.ts';

export interface TextField {
  value: string;
  /** index into value, in UTF-16 units, always on a code point boundary */
  cursor: number;
}

export function textField(value = ''): TextField {
  return { value, cursor: value.length };
}

function prevBoundary(s: string, i: number): number {
  if (i <= 0) return 0;
  const code = s.charCodeAt(i - 1);
  return code >= 0xdc00 && code <= 0xdfff && i >= 2 ? i - 2 : i - 1;
}

function nextBoundary(s: string, i: number): number {
  if (i >= s.length) return s.length;
  const code = s.charCodeAt(i);
  return code >= 0xd800 && code <= 0xdbff ? i + 2 : i + 1;
}

/** The field after the key, or null when the key is not an editing key. */
export function editText(field: TextField, key: KeyPress): TextField | null {
  const { value, cursor } = field;
  switch (key.name) {
    case 'left':
      return { value, cursor: prevBoundary(value, cursor) };
    case 'right':
      return { value, cursor: nextBoundary(value, cursor) };
    case 'home':
    case 'ctrl+a':
      return { value, cursor: 0 };
    case 'end':
    case 'ctrl+e':
      return { value, cursor: value.length };
    case 'backspace': {
      const from = prevBoundary(value, cursor);
      return { value: value.slice(0, from) + value.slice(cursor), cursor: from };
    }
    case 'delete': {
      const to = nextBoundary(value, cursor);
      return { value: value.slice(0, cursor) + value.slice(to), cursor };
    }
    case 'ctrl+u':
      return { value: value.slice(cursor), cursor: 0 };
    case 'ctrl+k':
      return { value: value.slice(0, cursor), cursor };
    default: {
      const text = key.text;
      if (!text) return null;
      return { value: value.slice(0, cursor) + text + value.slice(cursor), cursor: cursor + text.length };
    }
  }
}
