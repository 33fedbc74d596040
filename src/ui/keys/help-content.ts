// The help screen's lines, generated from the keymap.
import { KEYMAP, keysLabel, visible, type Binding, type KeymapOptions, type Scope } from './keymap.ts';

export type HelpLine = { kind: 'section'; title: string } | { kind: 'binding'; binding: Binding } | { kind: 'blank' };

const SECTIONS: ReadonlyArray<readonly [Scope, string]> = [
  ['global', 'Everywhere'],
  ['list', 'Lists and logs'],
  ['overview', 'Overview'],
  ['jobs', 'Jobs of a queue'],
  ['job', 'Job detail'],
  ['schedules', 'Schedules'],
  ['legacy', 'Legacy queue'],
  ['help', 'Help screen'],
  ['confirm', 'Confirmation'],
  ['filter', 'Filter line'],
  ['form', 'Forms'],
  ['picker', 'Import picker'],
];

export function helpLines(options: KeymapOptions): HelpLine[] {
  const lines: HelpLine[] = [];
  for (const [scope, title] of SECTIONS) {
    const bindings = KEYMAP.filter((b) => b.scope === scope && visible(b, options));
    if (bindings.length === 0) continue;
    if (lines.length) lines.push({ kind: 'blank' });
    lines.push({ kind: 'section', title });
    for (const binding of bindings) lines.push({ kind: 'binding', binding });
  }
  return lines;
}

export function helpKeyText(binding: Binding): string {
  return keysLabel(binding);
}

export function helpNote(binding: Binding): string {
  const notes = [binding.bulk ? 'bulk' : '', binding.destructive || binding.bulk ? 'asks first' : ''].filter(Boolean);
  return notes.length ? `(${notes.join(', ')})` : '';
}
