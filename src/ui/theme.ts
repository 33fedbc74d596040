// Semantic colour tokens; components ask for meaning ("error"), never for a colour.
// NO_COLOR selects the mono theme (Ink's chalk does not look at NO_COLOR itself).
import { createContext, useContext } from 'react';

export interface Style {
  color?: string;
  backgroundColor?: string;
  bold?: boolean;
  dimColor?: boolean;
  inverse?: boolean;
}

export type Token =
  | 'brand'
  | 'title'
  | 'text'
  | 'muted'
  | 'accent'
  | 'ok'
  | 'warn'
  | 'error'
  | 'live'
  | 'paused'
  | 'selected'
  | 'key'
  | 'rule'
  | 'tabActive';

export type Theme = Readonly<Record<Token, Style>> & { readonly name: 'colour' | 'mono' };

export const colourTheme: Theme = {
  name: 'colour',
  brand: { color: 'cyan', bold: true },
  title: { bold: true },
  text: {},
  muted: { color: 'gray' },
  accent: { color: 'cyan' },
  ok: { color: 'green' },
  warn: { color: 'yellow' },
  error: { color: 'red' },
  live: { color: 'green', bold: true },
  paused: { color: 'yellow' },
  selected: { inverse: true },
  key: { color: 'cyan', bold: true },
  rule: { color: 'gray' },
  tabActive: { color: 'cyan', bold: true, inverse: true },
};

export const monoTheme: Theme = {
  name: 'mono',
  brand: { bold: true },
  title: { bold: true },
  text: {},
  muted: { dimColor: true },
  accent: {},
  ok: {},
  warn: { bold: true },
  error: { bold: true },
  live: { bold: true },
  paused: { bold: true },
  selected: { inverse: true },
  key: { bold: true },
  rule: { dimColor: true },
  tabActive: { inverse: true },
};

/** https://no-color.org: any non-empty NO_COLOR turns colour off. */
export function themeFromEnv(env: NodeJS.ProcessEnv = process.env): Theme {
  return env.NO_COLOR ? monoTheme : colourTheme;
}

export const ThemeContext = createContext<Theme>(colourTheme);

export function useTheme(): Theme {
  return useContext(ThemeContext);
}
