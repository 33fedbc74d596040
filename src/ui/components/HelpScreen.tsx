// Every key, generated from the keymap (actions hidden with --readonly).
import React from 'react';
import { Row, Rule } from './Row.tsx';
import { useDashboard, useDashboardContext } from '../context.ts';
import { helpKeyText, helpLines, helpNote } from '../keys/help-content.ts';
import { fit } from '../text.ts';

export function HelpScreen({ width, height }: { width: number; height: number }): React.ReactElement {
  const { keymap } = useDashboardContext();
  const scroll = useDashboard((s) => s.helpScroll);
  const lines = helpLines(keymap);
  const rows = Math.max(1, height - 1);
  const start = Math.min(scroll, Math.max(0, lines.length - rows));
  return (
    <>
      <Rule title="Keys" width={width} extra={`${start + 1}–${Math.min(lines.length, start + rows)} of ${lines.length} · j/k scroll · Esc close`} />
      {lines.slice(start, start + rows).map((line, i) => {
        if (line.kind === 'blank') return <Row key={i} segments={[['', 'text']]} />;
        if (line.kind === 'section') return <Row key={i} segments={[[` ${line.title}`, 'title']]} />;
        const b = line.binding;
        return <Row key={i} segments={[[`   ${fit(helpKeyText(b), 14)} `, 'key'], [fit(`${b.label} ${helpNote(b)}`, Math.max(0, width - 18)), 'text']]} />;
      })}
    </>
  );
}
