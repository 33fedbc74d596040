// The keys of the current layer, from the keymap, the most needed first when not all fit, always ending with
// "? help" on screens.
import React from 'react';
import { useShallow } from 'zustand/react/shallow';
import { Row, type Segment } from './Row.tsx';
import { useDashboard, useDashboardContext } from '../context.ts';
import { bindingsOf, keysLabel, type Binding, type Scope } from '../keys/keymap.ts';
import { currentScreen } from '../store/view-slice.ts';
import { widthOf } from '../text.ts';

export function footerScope(s: { quitting: unknown; dialog: { kind: string } | null; helpOpen: boolean; filterDraft: string | null; screen: string }): Scope | 'quitting' {
  if (s.quitting) return 'quitting';
  if (s.dialog) return s.dialog.kind === 'confirm' ? 'confirm' : s.dialog.kind === 'import' ? 'picker' : 'form';
  if (s.helpOpen) return 'help';
  if (s.filterDraft !== null && s.screen === 'jobs') return 'filter';
  return s.screen as Scope;
}

function hintWidth(b: Binding): number {
  return widthOf(` ${keysLabel(b)} `) + widthOf(footerLabel(b)) + 1;
}

function footerLabel(b: Binding): string {
  return b.short ?? b.label;
}

/** The hints that fit in `room` columns, chosen by priority, shown in keymap order. */
export function fitHints(hints: readonly Binding[], room: number): Binding[] {
  const byPriority = hints.map((b, i) => ({ b, i })).sort((x, y) => (x.b.footer ?? 9) - (y.b.footer ?? 9) || x.i - y.i);
  const chosen = new Set<number>();
  let used = 0;
  for (const { b, i } of byPriority) {
    const w = hintWidth(b);
    if (used + w > room) continue;
    chosen.add(i);
    used += w;
  }
  return hints.filter((_, i) => chosen.has(i));
}

export function Footer({ width }: { width: number }): React.ReactElement {
  const { keymap } = useDashboardContext();
  const f = useDashboard(
    useShallow((s) => ({ quitting: s.quitting, dialog: s.dialog, helpOpen: s.helpOpen, filterDraft: s.jobList.filterDraft, screen: currentScreen(s.stack).kind, depth: s.stack.length })),
  );
  const scope = footerScope(f);
  if (scope === 'quitting') return <Row segments={[[' Ctrl+C ', 'key'], ['again quits at once (running jobs are then recovered by another runner)', 'muted']]} />;
  const isScreen = !['confirm', 'picker', 'form', 'help', 'filter'].includes(scope);
  const hints = bindingsOf(scope, keymap).filter((b) => b.footer && b.command !== 'help');
  if (isScreen) hints.push({ command: 'back', keys: [], label: f.depth > 1 ? 'back' : 'quit', scope: 'global', display: f.depth > 1 ? 'Esc' : 'q', footer: 1 });
  const tail: Segment[] = isScreen ? [[' ? ', 'key'], ['help', 'muted']] : [];
  const room = width - (isScreen ? 7 : 0);
  const segments: Segment[] = [];
  let used = 0;
  for (const b of fitHints(hints, room)) {
    segments.push([` ${keysLabel(b)} `, 'key'], [`${footerLabel(b)} `, 'muted']);
    used += hintWidth(b);
  }
  return <Row segments={[...segments, [' '.repeat(Math.max(0, room - used)), 'text'], ...tail]} />;
}
