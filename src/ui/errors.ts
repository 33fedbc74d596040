// One-line, terminal-safe messages from whatever was thrown.
import { sanitizeLine } from '../text/terminal.ts';

export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  const first = (message ?? 'unknown error').split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  return sanitizeLine(first.trim());
}
