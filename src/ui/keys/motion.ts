// Moving a selection through a list of `length` rows.
import type { Command } from './keymap.ts';

/** The new index after a motion command, or null when the command is not a motion. */
export function moveIndex(command: Command, index: number, length: number, page: number): number | null {
  const last = Math.max(0, length - 1);
  const clamp = (n: number) => Math.max(0, Math.min(n, last));
  switch (command) {
    case 'up': return clamp(index - 1);
    case 'down': return clamp(index + 1);
    case 'pageUp': return clamp(index - page);
    case 'pageDown': return clamp(index + page);
    case 'top': return 0;
    case 'bottom': return last;
    default: return null;
  }
}
